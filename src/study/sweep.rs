//! Sweeps: `--set PATH=VALUES` edits one field of the scenario text per point, and `--target`
//! finds the parameter value where a metric crosses a limit.
//!
//! A PATH such as `senders[0].connections.per_destination` or `receivers.o365.throttle.rate`
//! is found in the RON text by a small tokenizer; the value's text is replaced (or the field
//! inserted into its struct when it is absent) and the edited text is parsed and validated
//! again, so every check and error message of a scenario file applies to every point.

use crate::domain::Rate;
use crate::domain::parse_duration;
use crate::engine::SimDuration;

/// The form of a path, for error messages.
pub const PATH_FORM: &str = "a field path such as `senders[0].connections.per_destination`, `senders[0].ips[0].count`, `receivers.o365.throttle.rate` or `senders[0].retry.interval`";

/// The form of a value list, for error messages.
pub const VALUES_FORM: &str = "a comma list (`4,8,16`, `10m,20m,1h`) or a range with a step (`1..10:1`, `10m..2h:10m`, `100/h..1000/h:100/h`)";

/// One `--set`: a field path and the values it takes.
#[derive(Clone, Debug, PartialEq)]
pub struct Setting {
    /// The field path as given.
    pub path: String,
    /// Its values, as they will be written into the scenario.
    pub values: Vec<String>,
}

impl Setting {
    /// Parses `PATH=VALUES`.
    pub fn parse(text: &str) -> Result<Setting, String> {
        let (path, values) = text.split_once('=').ok_or_else(|| {
            format!("--set `{text}` has no `=`: write --set PATH=VALUES, where PATH is {PATH_FORM} and VALUES is {VALUES_FORM}")
        })?;
        let path = path.trim().to_string();
        parse_path(&path)?;
        let values = parse_values(values.trim())?;
        if let Some(repeated) = values
            .iter()
            .enumerate()
            .find_map(|(i, v)| values[..i].contains(v).then_some(v))
        {
            return Err(format!(
                "--set `{text}` gives the value `{repeated}` twice; give each value once"
            ));
        }
        Ok(Setting { path, values })
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Step {
    Field(String),
    Index(usize),
}

fn parse_path(path: &str) -> Result<Vec<Step>, String> {
    let bad = |why: &str| format!("path `{path}` {why}; write {PATH_FORM}");
    let mut steps = Vec::new();
    if path.is_empty() {
        return Err(bad("is empty"));
    }
    for part in path.split('.') {
        let (name, mut rest) = part.split_at(part.find('[').unwrap_or(part.len()));
        if name.is_empty() {
            return Err(bad("has an empty field name"));
        }
        steps.push(Step::Field(name.to_string()));
        while !rest.is_empty() {
            let close = rest
                .find(']')
                .filter(|_| rest.starts_with('['))
                .ok_or_else(|| bad("has an unclosed or stray `[`"))?;
            let index = rest[1..close]
                .trim()
                .parse::<usize>()
                .map_err(|_| bad("has an index that is not a whole number"))?;
            steps.push(Step::Index(index));
            rest = &rest[close + 1..];
        }
    }
    Ok(steps)
}

/// What kind of quantity a range counts in.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Quantity {
    Number { decimals: usize },
    Duration,
    Rate,
}

fn parse_quantity(text: &str) -> Option<(f64, Quantity, &str)> {
    let text = text.trim();
    if let Ok(number) = text.parse::<f64>() {
        let decimals = text
            .split_once('.')
            .map_or(0, |(_, fraction)| fraction.len());
        return number
            .is_finite()
            .then_some((number, Quantity::Number { decimals }, ""));
    }
    if let Some((count, unit)) = text.split_once('/') {
        text.parse::<Rate>().ok()?;
        let count: f64 = count.trim().parse().ok()?;
        return Some((count, Quantity::Rate, unit.trim()));
    }
    parse_duration(text)
        .ok()
        .map(|duration| (duration.as_millis() as f64, Quantity::Duration, ""))
}

/// Parses VALUES: a comma list or `a..b:step`.
pub fn parse_values(text: &str) -> Result<Vec<String>, String> {
    let bad = |why: String| format!("values `{text}`: {why}; write {VALUES_FORM}");
    if text.is_empty() {
        return Err(bad("nothing given".into()));
    }
    let Some((from, rest)) = text.split_once("..") else {
        let values: Vec<String> = text.split(',').map(|v| v.trim().to_string()).collect();
        if values.iter().any(String::is_empty) {
            return Err(bad("an empty item".into()));
        }
        return Ok(values);
    };
    let (to, step) = rest
        .split_once(':')
        .ok_or_else(|| bad("a range needs a step after `:`".into()))?;
    let not_quantity = |part: &str| {
        bad(format!(
            "`{}` is not a number, duration or rate",
            part.trim()
        ))
    };
    let (from, kind, unit) = parse_quantity(from).ok_or_else(|| not_quantity(from))?;
    let (to, to_kind, to_unit) = parse_quantity(to).ok_or_else(|| not_quantity(to))?;
    let (step, step_kind, step_unit) = parse_quantity(step).ok_or_else(|| not_quantity(step))?;
    let same = |a: Quantity, b: Quantity| std::mem::discriminant(&a) == std::mem::discriminant(&b);
    if !same(kind, to_kind) || !same(kind, step_kind) || unit != to_unit || unit != step_unit {
        return Err(bad("start, end and step must be the same kind (all numbers, all durations, or rates with one unit)".into()));
    }
    if step <= 0.0 {
        return Err(bad("the step must be positive".into()));
    }
    if to < from {
        return Err(bad("the end is below the start".into()));
    }
    let count = ((to - from) / step + 1e-9).floor() as usize + 1;
    if count > 10_000 {
        return Err(bad(format!("{count} points is too many (at most 10000)")));
    }
    let decimals = |q: Quantity| match q {
        Quantity::Number { decimals } => decimals,
        _ => 0,
    };
    let places = decimals(kind)
        .max(decimals(to_kind))
        .max(decimals(step_kind));
    Ok((0..count)
        .map(|i| {
            let value = from + i as f64 * step;
            match kind {
                Quantity::Number { .. } => format!("{value:.places$}"),
                Quantity::Duration => SimDuration(value.round() as u64).to_string(),
                Quantity::Rate => format!("{}/{unit}", round_places(value, 9)),
            }
        })
        .collect())
}

/// A value as a number for a chart axis: numbers as they are, durations in seconds, rates by
/// their count; `None` for anything else.
pub fn axis_value(text: &str) -> Option<f64> {
    let (value, kind, _) = parse_quantity(text.trim_matches('"'))?;
    Some(match kind {
        Quantity::Duration => value / 1000.0,
        _ => value,
    })
}

/// Every point of the grid made by `settings`: one (path, value) per setting, the first
/// setting varying slowest.
pub fn grid(settings: &[Setting]) -> Vec<Vec<(String, String)>> {
    let mut points: Vec<Vec<(String, String)>> = vec![Vec::new()];
    for setting in settings {
        points = points
            .into_iter()
            .flat_map(|point| {
                setting.values.iter().map(move |value| {
                    let mut next = point.clone();
                    next.push((setting.path.clone(), value.clone()));
                    next
                })
            })
            .collect();
    }
    points
}

/// The scenario text of one grid point: every (path, value) written in.
pub fn apply_point(text: &str, point: &[(String, String)]) -> Result<String, String> {
    point
        .iter()
        .try_fold(text.to_string(), |text, (path, value)| {
            set_field(&text, path, &crate::retry::ron_value(value))
        })
}

fn round_places(value: f64, places: i32) -> f64 {
    let scale = 10f64.powi(places);
    (value * scale).round() / scale
}

/// A byte span `[start, end)` of the scenario text.
type Span = (usize, usize);

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
enum Located {
    Value(Span),
    Missing { at: usize, name: String },
}

/// Follows `path` through the text; `verb` (`set`, `read`) words the errors.
fn locate(text: &str, path: &str, verb: &str) -> Result<Located, String> {
    let steps = parse_path(path)?;
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

/// Returns `text` with the field at `path` set to `value` (RON text), or says why it cannot.
pub fn set_field(text: &str, path: &str, value: &str) -> Result<String, String> {
    Ok(match locate(text, path, "set")? {
        Located::Value((start, end)) => format!("{}{value}{}", &text[..start], &text[end..]),
        Located::Missing { at, name } => {
            format!("{} {name}: {value}, {}", &text[..at], &text[at..])
        }
    })
}

/// The text of the value at `path`, as written in the file.
pub fn field_text<'a>(text: &'a str, path: &str) -> Result<&'a str, String> {
    match locate(text, path, "read")? {
        Located::Value((start, end)) => Ok(&text[start..end]),
        Located::Missing { name, .. } => Err(format!(
            "cannot read `{path}`: `{name}` is not written in the scenario"
        )),
    }
}

/// A comparison in a `--target`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Comparison {
    /// `<=`
    AtMost,
    /// `<`
    Below,
    /// `>=`
    AtLeast,
    /// `>`
    Above,
}

/// A `--target "METRIC OP VALUE"`, e.g. `latency_s.p99 <= 3600`.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Target {
    /// The metric.
    pub metric: String,
    /// How it compares.
    pub comparison: Comparison,
    /// The limit (seconds for `_s` metrics; a duration such as `1h` is accepted).
    pub limit: f64,
}

impl Target {
    /// Parses `METRIC OP VALUE` with OP one of `<=`, `<`, `>=`, `>`.
    pub fn parse(text: &str) -> Result<Target, String> {
        let form = "write --target \"METRIC OP VALUE\" with OP one of <=, <, >=, >, e.g. --target \"latency_s.p99 <= 3600\" or \"bounce_rate < 0.01\"";
        let (at, op, comparison) = [
            ("<=", Comparison::AtMost),
            (">=", Comparison::AtLeast),
            ("<", Comparison::Below),
            (">", Comparison::Above),
        ]
        .into_iter()
        .find_map(|(op, comparison)| text.find(op).map(|at| (at, op, comparison)))
        .ok_or_else(|| format!("target `{text}` has no comparison; {form}"))?;
        let metric = text[..at].trim().to_string();
        super::check_metric(&metric).map_err(|why| format!("target `{text}`: {why}"))?;
        let limit_text = text[at + op.len()..].trim();
        let limit = limit_text
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .or_else(|| {
                parse_duration(limit_text)
                    .ok()
                    .map(SimDuration::as_secs_f64)
            })
            .ok_or_else(|| {
                format!("target `{text}`: `{limit_text}` is not a number or a duration; {form}")
            })?;
        Ok(Target {
            metric,
            comparison,
            limit,
        })
    }

    /// Whether `value` meets the target.
    pub fn met_by(&self, value: f64) -> bool {
        match self.comparison {
            Comparison::AtMost => value <= self.limit,
            Comparison::Below => value < self.limit,
            Comparison::AtLeast => value >= self.limit,
            Comparison::Above => value > self.limit,
        }
    }

    /// The operator as written.
    pub fn operator(&self) -> &'static str {
        match self.comparison {
            Comparison::AtMost => "<=",
            Comparison::Below => "<",
            Comparison::AtLeast => ">=",
            Comparison::Above => ">",
        }
    }

    /// Given whether each point of a line (in sweep order) meets the target, the point that
    /// marks the threshold: the first of the meeting run that reaches the last point (the
    /// smallest value that suffices, when more is better), else the last of the run that
    /// starts at the first point (the largest value that still meets it, when less is better),
    /// else the first point that meets it.
    pub fn threshold(meets: &[bool]) -> Option<usize> {
        if meets.last() == Some(&true) {
            let failing = meets.iter().rposition(|m| !m);
            return Some(failing.map_or(0, |i| i + 1));
        }
        if meets.first() == Some(&true) {
            return meets.iter().position(|m| !m).map(|i| i - 1);
        }
        meets.iter().position(|m| *m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"// comment (with a bracket
(
    name: "x", /* block ( */
    senders: [
        (name: "a", connections: (per_destination: 4), retry: Fixed(interval: "20m")),
        (name: "b", ips: [(count: 2)], retry: Postfix()),
    ],
    receivers: { "o365": (throttle: (rate: "600/h", burst: 5)), "r": () },
)"#;

    #[test]
    fn fields_are_replaced_or_inserted_by_path() {
        let set = |path: &str, value: &str| set_field(TEXT, path, value);
        assert!(
            set("senders[0].connections.per_destination", "9")
                .unwrap()
                .contains("per_destination: 9)")
        );
        assert!(
            set("senders[1].ips[0].count", "3")
                .unwrap()
                .contains("(count: 3)")
        );
        assert!(
            set("senders[1].ips.count", "3")
                .unwrap()
                .contains("(count: 3)")
        );
        assert!(
            set("senders.name", "3")
                .unwrap_err()
                .contains("list of 2 items")
        );
        assert!(
            set("receivers.o365.throttle.rate", "\"900/h\"")
                .unwrap()
                .contains("rate: \"900/h\", burst: 5")
        );
        assert!(
            set("senders[0].retry.interval", "\"5m\"")
                .unwrap()
                .contains("Fixed(interval: \"5m\")")
        );
        let inserted = set("senders[1].retry.minimal_backoff_time", "\"1m\"").unwrap();
        assert!(
            inserted.contains("Postfix( minimal_backoff_time: \"1m\", )"),
            "{inserted}"
        );
        assert_eq!(
            field_text(TEXT, "senders[0].retry").unwrap(),
            "Fixed(interval: \"20m\")"
        );
        let error = set("senders[2].name", "1").unwrap_err();
        assert!(error.contains("`senders` has 2 item(s)"), "{error}");
        let error = set("receivers.r.throttle.rate", "1").unwrap_err();
        assert!(error.contains("has no `throttle`"), "{error}");
        assert!(set("senders[x]", "1").is_err());
    }

    #[test]
    fn values_are_lists_or_ranges() {
        assert_eq!(parse_values("1..4:1").unwrap(), ["1", "2", "3", "4"]);
        assert_eq!(parse_values("0.1..0.3:0.1").unwrap(), ["0.1", "0.2", "0.3"]);
        assert_eq!(
            parse_values("30m..2h:30m").unwrap(),
            ["30m", "1h", "1h30m", "2h"]
        );
        assert_eq!(
            parse_values("100/h..300/h:100/h").unwrap(),
            ["100/h", "200/h", "300/h"]
        );
        assert_eq!(parse_values("4, 8,16").unwrap(), ["4", "8", "16"]);
        assert!(parse_values("1..4").unwrap_err().contains("step"));
        assert!(parse_values("1..4:0").is_err());
        assert!(parse_values("1m..4:1").is_err());
        assert!(Setting::parse("a=1,2,1").unwrap_err().contains("`1` twice"));
    }

    #[test]
    fn thresholds_sit_at_the_edge_of_the_meeting_run() {
        assert_eq!(Target::threshold(&[false, false, true, true]), Some(2));
        assert_eq!(Target::threshold(&[true, true, false]), Some(1));
        assert_eq!(Target::threshold(&[false, true, false]), Some(1));
        assert_eq!(Target::threshold(&[false, false]), None);
        let target = Target::parse("latency_s.p99 <= 1h").unwrap();
        assert_eq!((target.limit, target.met_by(3600.0)), (3600.0, true));
        assert!(Target::parse("latency <= 1").is_err());
    }
}
