//! The text of `mailsim --version`: the version and the commit the binary was built from
//! (recorded by build.rs; "commit unknown: …" when it was built without git metadata).

/// `0.1.0 (commit 0123456789ab)`; clap prints it after the command's name.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("MAILSIM_BUILD_COMMIT"),
    ")"
);
