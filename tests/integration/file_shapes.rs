//! Files that are not a scenario at all, or not quite: an empty file, a byte-order mark, JSON,
//! binary data, and a file that opens with `Scenario(`. Each is accepted or answered with its
//! own message (exit code 2), never with RON's generic complaint or an internal type name.

use super::bad_input::VALID;
use super::helpers::validate;

/// What no message may show: internal type names and miette's diagnostic code line.
fn assert_plain(stderr: &str) {
    for internal in [
        "Raw",
        "RetrySpec",
        "Params`",
        "mailsim::scenario",
        "SimDuration",
    ] {
        assert!(!stderr.contains(internal), "`{internal}` in:\n{stderr}");
    }
}

#[test]
fn files_that_are_no_scenario_get_their_own_message() {
    let mut binary = b"\x7fELF\x02\x01\x01\0\0\0".to_vec();
    binary.extend_from_slice(&[0xff, 0xfe, 0x00]);
    let cases: [(&str, Vec<u8>, &[&str]); 5] = [
        ("empty", Vec::new(), &["test.ron is empty", "scenarios/"]),
        (
            "comments only",
            b"// a scenario, one day\n/* nothing yet */\n".to_vec(),
            &["test.ron is empty"],
        ),
        (
            "json",
            br#"  {"name": "x", "senders": []}"#.to_vec(),
            &["test.ron:1:3", "looks like JSON", "name the file .json"],
        ),
        (
            "binary",
            binary,
            &["not a text file", "binary data at byte 7"],
        ),
        (
            "valid UTF-8 with a NUL",
            b"(name: \"x\"\0)".to_vec(),
            &["not a text file", "byte 10"],
        ),
    ];
    for (case, bytes, fragments) in cases {
        let (code, _, stderr) = validate(&bytes);
        assert_eq!(code, Some(2), "{case}: {stderr}");
        for fragment in fragments {
            assert!(
                stderr.contains(fragment),
                "{case}: `{fragment}` in:\n{stderr}"
            );
        }
        assert!(!stderr.contains("Expected opening"), "{case}: {stderr}");
        assert_plain(&stderr);
    }
}

#[test]
fn a_byte_order_mark_and_a_leading_scenario_name_are_accepted() {
    let with_bom = [b"\xef\xbb\xbf".as_slice(), VALID.as_bytes()].concat();
    let named = format!("// a comment first\nScenario{}", VALID.trim_start());
    for (case, bytes) in [("BOM", with_bom), ("Scenario(", named.into_bytes())] {
        let (code, stdout, stderr) = validate(&bytes);
        assert_eq!(code, Some(0), "{case}: {stderr}");
        assert!(stdout.contains("ok: test.ron is valid"), "{case}: {stdout}");
    }
    // Any other name is refused in the file's words.
    let (code, _, stderr) = validate(format!("Scenery{}", VALID.trim_start()).as_bytes());
    assert_eq!(code, Some(2));
    assert!(stderr.contains("the scenario"), "{stderr}");
    assert_plain(&stderr);
}

#[test]
fn ron_s_complaints_name_the_file_s_parts_not_internal_types() {
    let cases = [
        VALID.replacen("name: \"s\",", "nme: \"s\",", 1),
        VALID.replacen("Fixed(interval", "Fixd(interval", 1),
        VALID.replacen(
            "Fixed(interval: \"20m\")",
            "Postfix(minimal_backoff: \"5m\")",
            1,
        ),
        VALID.replacen(
            "receivers: { \"r\": () }",
            "receivers: { \"r\": (throttle: (rat: 1)) }",
            1,
        ),
    ];
    let expected = [
        "in a sender",
        "the retry policy",
        "in `Postfix`",
        "`throttle`",
    ];
    for (text, words) in cases.iter().zip(expected) {
        let (code, _, stderr) = validate(text.as_bytes());
        assert_eq!(code, Some(2), "{stderr}");
        assert!(stderr.contains(words), "`{words}` in:\n{stderr}");
        assert_plain(&stderr);
    }
}
