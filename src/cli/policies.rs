//! `mailsim policies`: list the built-in retry policies, their parameters with defaults (as
//! they would be written in a scenario file) and the source each follows.

use clap::Args;
use mailsim::retry::{catalog, find_policy, parse_spec, policy_names};

use super::{CliError, print_stdout};

#[derive(Debug, Args)]
pub struct PoliciesArgs {
    /// Show only this policy.
    policy: Option<String>,
}

pub fn policies(args: PoliciesArgs) -> Result<(), CliError> {
    let chosen: Vec<_> = match &args.policy {
        Some(name) => vec![find_policy(name).ok_or_else(|| unknown_policy(name))?],
        None => catalog(),
    };
    let mut out = String::new();
    for info in chosen {
        out.push_str(&format!("{}: {}\n", info.name, info.summary));
        out.push_str(&format!("  source:   {}\n", info.source));
        if let Some(conformance) = info.conformance {
            out.push_str(&format!("  checked:  {conformance}\n"));
        }
        match info.defaults_text() {
            Some(text) => {
                if let Ok(spec) = parse_spec(&text) {
                    out.push_str(&format!("  resolves: {}\n", spec.describe()));
                }
                out.push_str("  scenario: retry: ");
                out.push_str(&text.replace('\n', "\n  "));
                out.push('\n');
            }
            None => out.push_str(&format!(
                "  scenario: retry: {}(...) with required parameters {}\n",
                info.variant,
                info.required.join(", ")
            )),
        }
        out.push('\n');
    }
    out.push_str("Every parameter can be set in a scenario file or with `mailsim schedule POLICY --param name=value`;\n`None` means the system's own default (or off), as the `resolves` line shows.\n");
    print_stdout(&out)
}

/// The error for a policy name that is not built in.
pub fn unknown_policy(name: &str) -> CliError {
    CliError::Input(miette::miette!(
        help = format!("choose one of: {}", policy_names()),
        "unknown policy `{name}`"
    ))
}
