//! What a scenario file holds before its parser reads it: text (not binary data), not empty,
//! and, for a file read as RON, not JSON. A byte-order mark, which some editors write at the start of a UTF-8 file, is
//! dropped. Each of these mistakes gets its own message, because RON's own complaint about
//! them ("Expected opening `(`") does not say what is wrong.

use std::path::Path;

use super::{Format, ScenarioError};

/// The byte-order mark some editors put at the start of a UTF-8 file.
const BOM: char = '\u{feff}';

/// A scenario file's bytes as text: binary data (bytes that are not UTF-8, or a NUL byte) is
/// refused with the offset of the first such byte; a byte-order mark is dropped.
pub(super) fn text_of(path: &Path, bytes: Vec<u8>) -> Result<String, ScenarioError> {
    let not_text = |offset: usize| ScenarioError::NotText {
        path: path.display().to_string(),
        offset,
    };
    let text_end = std::str::from_utf8(&bytes).map_or_else(|e| e.valid_up_to(), str::len);
    let first_nul = bytes[..text_end].iter().position(|&b| b == 0);
    if let Some(offset) = first_nul.or((text_end < bytes.len()).then_some(text_end)) {
        return Err(not_text(offset));
    }
    let text = String::from_utf8(bytes).map_err(|e| not_text(e.utf8_error().valid_up_to()))?;
    Ok(without_bom(&text).to_string())
}

/// The text without a leading byte-order mark.
pub fn without_bom(text: &str) -> &str {
    text.strip_prefix(BOM).unwrap_or(text)
}

/// Refuses text that cannot be a scenario before its parser reads it: nothing but blanks and
/// comments, or, in a file read as RON, JSON (an object or array where RON's parenthesis
/// should be: the file's extension is not `.json`).
pub fn check_shape(origin: &str, text: &str, format: Format) -> Result<(), ScenarioError> {
    let empty = || ScenarioError::Empty {
        path: origin.to_string(),
    };
    if format != Format::Ron {
        let blank =
            |line: &str| line.is_empty() || (format != Format::Json && line.starts_with('#'));
        return match text.lines().all(|line| blank(line.trim())) {
            true => Err(empty()),
            false => Ok(()),
        };
    }
    let Some((offset, first)) = first_token(text) else {
        return Err(empty());
    };
    if first == '{' || first == '[' {
        let message =
            "this looks like JSON, but the file is read as RON (its name does not end in .json)";
        return Err(ScenarioError::at_offset(origin, text, offset, 1, message.to_string())
            .with_hint(
                "name the file .json to read it as JSON, or write it in RON: (name: \"x\", run: (horizon: \"1d\"), senders: [...], receivers: {...}); see scenarios/ for examples",
            ));
    }
    Ok(())
}

/// The byte offset and character of the first thing in `text` that is not blank or inside a
/// comment (`// …` to the end of the line, `/* … */`).
fn first_token(text: &str) -> Option<(usize, char)> {
    let mut rest = text;
    loop {
        let trimmed = rest.trim_start();
        if let Some(after) = trimmed.strip_prefix("//") {
            rest = after.split_once('\n').map_or("", |(_, next)| next);
        } else if let Some(after) = trimmed.strip_prefix("/*") {
            rest = after.split_once("*/").map_or("", |(_, next)| next);
        } else {
            let offset = text.len() - trimmed.len();
            return trimmed.chars().next().map(|c| (offset, c));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blanks_and_comments_are_not_a_scenario() {
        assert_eq!(first_token("  // a\n /* b */ (x"), Some((16, '(')));
        assert_eq!(first_token("// only\n/* c */\n"), None);
        assert!(matches!(
            check_shape("f.ron", "// nothing\n", Format::Ron),
            Err(ScenarioError::Empty { .. })
        ));
        assert!(check_shape("f.ron", "(name: \"x\")", Format::Ron).is_ok());
        assert!(matches!(
            check_shape("f.toml", "# a comment\n\n", Format::Toml),
            Err(ScenarioError::Empty { .. })
        ));
        assert!(check_shape("f.json", " {}", Format::Json).is_ok());
    }

    #[test]
    fn json_is_named_and_located() {
        let error = check_shape("f.ron", "\n  {\"name\": \"x\"}", Format::Ron).unwrap_err();
        assert_eq!(error.location(), Some((2, 3)));
        assert!(error.to_string().contains("looks like JSON"), "{error}");
    }

    #[test]
    fn a_byte_order_mark_is_dropped() {
        assert_eq!(without_bom("\u{feff}(x)"), "(x)");
        assert_eq!(without_bom("(x)"), "(x)");
    }
}
