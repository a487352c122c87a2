//! Finding a field path in scenario text: a small RON tokenizer that skips values (strings, raw
//! strings, comments, nested groups) without interpreting them, so the text around an edit stays
//! exactly as written.

use super::{FieldPath, Step};

/// A byte span `[start, end)` of the scenario text.
pub(super) type Span = (usize, usize);

struct Cursor<'a> {
    text: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.get(self.pos).copied()
    }

    fn skip_blank(&mut self) {
        loop {
            match (self.peek(), self.text.get(self.pos + 1)) {
                (Some(c), _) if c.is_ascii_whitespace() => self.pos += 1,
                (Some(b'/'), Some(b'/')) | (Some(b'#'), Some(b'!')) => {
                    while self.peek().is_some_and(|c| c != b'\n') {
                        self.pos += 1;
                    }
                }
                (Some(b'/'), Some(b'*')) => {
                    let mut depth = 0;
                    while self.pos < self.text.len() {
                        if self.text[self.pos..].starts_with(b"/*") {
                            depth += 1;
                            self.pos += 2;
                        } else if self.text[self.pos..].starts_with(b"*/") {
                            depth -= 1;
                            self.pos += 2;
                            if depth == 0 {
                                break;
                            }
                        } else {
                            self.pos += 1;
                        }
                    }
                }
                _ => return,
            }
        }
    }

    fn word(&mut self) -> Span {
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80)
        {
            self.pos += 1;
        }
        (start, self.pos)
    }

    fn string(&mut self) -> Result<(), String> {
        self.pos += 1;
        while let Some(c) = self.peek() {
            self.pos += if c == b'\\' { 2 } else { 1 };
            if c == b'"' {
                return Ok(());
            }
        }
        Err("a string is not closed".into())
    }

    fn raw_string(&mut self) -> Result<(), String> {
        let hashes = self.text[self.pos..]
            .iter()
            .take_while(|&&c| c == b'#')
            .count();
        self.pos += hashes + 1;
        let mut end = vec![b'"'];
        end.extend(std::iter::repeat_n(b'#', hashes));
        while self.pos < self.text.len() {
            if self.text[self.pos..].starts_with(&end) {
                self.pos += end.len();
                return Ok(());
            }
            self.pos += 1;
        }
        Err("a raw string is not closed".into())
    }

    /// Skips one value (a scalar, a string, a group, or a name with a group), returning its span.
    fn value(&mut self) -> Result<Span, String> {
        self.skip_blank();
        let start = self.pos;
        match self.peek() {
            None => return Err("the text ends where a value was expected".into()),
            Some(b'"') => self.string()?,
            Some(b'(' | b'[' | b'{') => self.group()?,
            Some(c) if c.is_ascii_alphabetic() || c == b'_' => {
                let (word_start, word_end) = self.word();
                if &self.text[word_start..word_end] == b"r"
                    && matches!(self.peek(), Some(b'"' | b'#'))
                {
                    self.raw_string()?;
                } else {
                    let after_word = self.pos;
                    self.skip_blank();
                    if self.peek() == Some(b'(') {
                        self.group()?;
                    } else {
                        self.pos = after_word;
                    }
                }
            }
            Some(_) => {
                while self
                    .peek()
                    .is_some_and(|c| !c.is_ascii_whitespace() && !b",)]}".contains(&c))
                {
                    self.pos += 1;
                }
            }
        }
        if self.pos == start {
            return Err(format!("unexpected `{}`", self.text[start] as char));
        }
        Ok((start, self.pos))
    }

    /// Skips a bracketed group, with strings and comments inside.
    fn group(&mut self) -> Result<(), String> {
        let mut depth = 0usize;
        loop {
            self.skip_blank();
            match self.peek() {
                None => return Err("a bracket is not closed".into()),
                Some(b'"') => self.string()?,
                Some(b'(' | b'[' | b'{') => {
                    depth += 1;
                    self.pos += 1;
                }
                Some(b')' | b']' | b'}') => {
                    self.pos += 1;
                    depth -= 1;
                    if depth == 0 {
                        return Ok(());
                    }
                }
                Some(b'r') if matches!(self.text.get(self.pos + 1), Some(b'"' | b'#')) => {
                    self.pos += 1;
                    self.raw_string()?;
                }
                Some(_) => self.pos += 1,
            }
        }
    }

    fn expect(&mut self, byte: u8) -> bool {
        self.skip_blank();
        if self.peek() == Some(byte) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
}

/// Where a field was found: its value's span, or (absent from its struct) where to insert it.
enum Found {
    Value(Span),
    InsertAt(usize),
}

/// Looks for `name` in the struct, variant or map whose value starts at `span.0`.
fn find_field(text: &[u8], span: Span, name: &str) -> Result<Found, String> {
    let mut cursor = Cursor { text, pos: span.0 };
    cursor.skip_blank();
    if cursor.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
        cursor.word();
    }
    let close = if cursor.expect(b'(') {
        b')'
    } else if cursor.expect(b'{') {
        b'}'
    } else {
        return Err("is not a struct or map".into());
    };
    let open_end = cursor.pos;
    loop {
        if cursor.expect(close) {
            return if close == b')' {
                Ok(Found::InsertAt(open_end))
            } else {
                Err(format!("has no entry `{name}`"))
            };
        }
        let key = cursor.value()?;
        let key_text = String::from_utf8_lossy(&text[key.0..key.1]);
        let key_text = key_text.trim_matches('"');
        if !cursor.expect(b':') {
            return Err("holds values without names (write the field by name)".into());
        }
        let value = cursor.value()?;
        if key_text == name {
            return Ok(Found::Value(value));
        }
        if !cursor.expect(b',') {
            cursor.skip_blank();
            if cursor.peek() != Some(close) {
                return Err("could not be read (is the scenario valid?)".into());
            }
        }
    }
}

fn find_index(text: &[u8], span: Span, index: usize) -> Result<Span, String> {
    let mut cursor = Cursor { text, pos: span.0 };
    if !cursor.expect(b'[') {
        return Err("is not a list".into());
    }
    for i in 0.. {
        if cursor.expect(b']') {
            return Err(format!("has {i} item(s), so there is no [{index}]"));
        }
        let value = cursor.value()?;
        if i == index {
            return Ok(value);
        }
        cursor.expect(b',');
    }
    unreachable!("the loop returns")
}

fn is_list(text: &[u8], span: Span) -> bool {
    let mut cursor = Cursor { text, pos: span.0 };
    cursor.skip_blank();
    cursor.peek() == Some(b'[')
}

fn count_items(text: &[u8], span: Span) -> usize {
    let mut cursor = Cursor { text, pos: span.0 };
    cursor.expect(b'[');
    let mut items = 0;
    while !cursor.expect(b']') && cursor.value().is_ok() {
        items += 1;
        cursor.expect(b',');
    }
    items
}

/// Where a path leads in the text: a value's span, or where to insert a missing last field.
pub(super) enum Located {
    Value(Span),
    Missing { at: usize, name: String },
}

/// Follows `path` through the text; `verb` (`set`, `read`) words the errors.
pub(super) fn locate(text: &str, path: &FieldPath, verb: &str) -> Result<Located, String> {
    let steps = &path.steps;
    let bytes = text.as_bytes();
    let mut cursor = Cursor {
        text: bytes,
        pos: 0,
    };
    let mut span = cursor
        .value()
        .map_err(|why| format!("the scenario could not be read: {why}"))?;
    let mut walked = String::new();
    let here = |walked: &str| {
        if walked.is_empty() {
            "the scenario".to_string()
        } else {
            format!("`{walked}`")
        }
    };
    for (i, step) in steps.iter().enumerate() {
        if let Step::Field(_) = step
            && is_list(bytes, span)
        {
            // `ips.count` for a list of one pool means `ips[0].count`.
            let items = count_items(bytes, span);
            if items != 1 {
                return Err(format!(
                    "cannot {verb} `{path}`: {} is a list of {items} items; write the index, e.g. `{walked}[0]`",
                    here(&walked)
                ));
            }
            span = find_index(bytes, span, 0)
                .map_err(|why| format!("cannot {verb} `{path}`: {} {why}", here(&walked)))?;
            walked.push_str("[0]");
        }
        let fail = |why: String| format!("cannot {verb} `{path}`: {} {why}", here(&walked));
        match step {
            Step::Field(name) => match find_field(bytes, span, name).map_err(fail)? {
                Found::Value(found) => span = found,
                Found::InsertAt(at) if i + 1 == steps.len() => {
                    return Ok(Located::Missing {
                        at,
                        name: name.clone(),
                    });
                }
                Found::InsertAt(_) => {
                    return Err(fail(format!(
                        "has no `{name}`; write `{name}` into the scenario first, then sweep a field inside it"
                    )));
                }
            },
            Step::Index(index) => span = find_index(bytes, span, *index).map_err(fail)?,
        }
        match step {
            Step::Field(name) if walked.is_empty() => walked.push_str(name),
            Step::Field(name) => walked.push_str(&format!(".{name}")),
            Step::Index(index) => walked.push_str(&format!("[{index}]")),
        }
    }
    Ok(Located::Value(span))
}
