//! The real browser check: `docs/browser-check.sh` renders a run, a comparison and a sweep
//! report, opens each in headless Chromium at 1400 and 800 px and fails on horizontal
//! overflow or a chart that does not load. Runs when Chromium is installed (`.ci/run` installs
//! it from the distribution's packages); otherwise it is skipped with a printed reason.

use std::path::Path;
use std::process::Command;

/// The Chromium command, if one is installed.
fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|name| {
            Command::new(name)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
}

/// Runs the script with `args`; returns whether it succeeded, and its stderr.
fn browser_check(args: &[&str]) -> (bool, String) {
    let output = Command::new("bash")
        .arg("docs/browser-check.sh")
        .args(args)
        .env("MAILSIM_BIN", assert_cmd::cargo::cargo_bin("mailsim"))
        .output()
        .expect("bash runs");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.success(), stderr)
}

/// The width and height of a PNG file.
fn png_size(path: &Path) -> (u32, u32) {
    let file = std::fs::File::open(path).expect("the screenshot exists");
    let reader = png::Decoder::new(std::io::BufReader::new(file))
        .read_info()
        .expect("a PNG");
    (reader.info().width, reader.info().height)
}

#[test]
fn reports_fit_the_window_and_every_chart_loads_in_a_real_browser() {
    if chromium().is_none() {
        println!(
            "skipped: Chromium is not installed (apt-get install chromium, or run docs/browser-check.sh as root, which installs it)"
        );
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let shots = dir.path().to_str().expect("a UTF-8 path");
    let (ok, stderr) = browser_check(&["--out", shots]);
    assert!(ok, "the browser check failed:\n{stderr}");
    for page in ["run", "compare", "sweep"] {
        for width in [1400, 800] {
            let shot = dir.path().join(format!("{page}-{width}.png"));
            assert_eq!(png_size(&shot), (width, 1500), "{}", shot.display());
        }
        assert!(
            stderr.contains(&format!(
                "{page} report at 800px: PROBE: scroll=800 window=800"
            )),
            "{page} at 800 px:\n{stderr}"
        );
    }
    // The check can fail: a page wider than the window, with an image that does not load.
    let page = dir.path().join("wide.html");
    std::fs::write(
        &page,
        "<!DOCTYPE html><html><body><div style=\"width:3000px\">wide</div><img src=\"missing.svg\"></body></html>",
    )
    .expect("write");
    let (ok, stderr) = browser_check(&["--probe", page.to_str().expect("UTF-8"), "800"]);
    assert!(!ok, "a wide page passed:\n{stderr}");
    assert!(
        stderr.contains("FAIL: the page is 3008 px wide in a 800 px window"),
        "{stderr}"
    );
    assert!(
        stderr.contains("images that did not load: missing.svg"),
        "{stderr}"
    );
}
