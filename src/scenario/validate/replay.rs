//! The `Replay(file: …)` traffic source: the arrivals CSV read once, checked row by row and kept
//! compactly (12 bytes per arrival: its instant and its receiver), shared by every run.
//!
//! The header names the columns, in any order: `time` and `recipient` are required, `sender`
//! and `size` optional. `time` is RFC 3339 with an offset (time zero is then the earliest row)
//! or seconds since time zero, the same form in every row. `recipient` is an address or a
//! domain; its domain (lower-cased) goes to the receiver the scenario's `domains` map names, else
//! to the receiver of that name, else to the `"*"` entry of `domains`. With more than one
//! sender, `sender` names the sender of each row and a source takes only its own sender's rows;
//! with one sender it is the envelope sender, kept for reference. `size` must be a whole number
//! of bytes when present (the model does not use it yet). Rows are put in time order; rows at or
//! after the horizon are counted and left out. Every mistake names the file, the line, what is
//! wrong and how to fix it.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::BufReader;

use super::Checker;
use crate::engine::SimTime;
use crate::mta::logs::Stamp;
use crate::scenario::ScenarioError;
use crate::scenario::resolved::{ReplayTrace, RunSettings};

/// What rows are matched against: receiver and sender names and the `domains` map.
pub(super) struct Context<'a> {
    /// Receiver names, by index.
    pub receivers: &'a [String],
    /// Lower-cased domain (or `*`) → receiver index.
    pub domains: &'a BTreeMap<String, usize>,
    /// Sender names, in file order.
    pub senders: &'a [&'a str],
}

/// The columns a file may have.
const COLUMNS: [&str; 4] = ["time", "sender", "recipient", "size"];

/// Where each column is.
struct Header {
    time: usize,
    recipient: usize,
    sender: Option<usize>,
    size: Option<usize>,
}

/// How the file writes `time`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum TimeForm {
    Rfc3339,
    Seconds,
}

/// Reads and checks one source's rows.
struct Reader<'a> {
    check: &'a Checker<'a>,
    field: &'a str,
    shown: String,
    context: &'a Context<'a>,
    sender: &'a str,
    /// Receivers found so far, by domain or name as written (saves a lookup per row).
    found: HashMap<String, u32>,
    form: Option<TimeForm>,
}

/// Reads the arrivals of `sender` from `file` (relative to the scenario file).
pub(super) fn read(
    check: &Checker,
    run: &RunSettings,
    field: &str,
    file: &str,
    context: &Context,
    sender: &str,
) -> Result<ReplayTrace, ScenarioError> {
    let path = check.file(file);
    let shown = path.display().to_string();
    let opened = File::open(&path).map_err(|error| {
        check.error(
            format!("{field}.file"),
            format!("could not read {shown}: {error}"),
            "the path is relative to the scenario file; `mailsim replay LOG` writes arrivals.csv",
        )
    })?;
    let mut reader = Reader {
        check,
        field,
        shown,
        context,
        sender,
        found: HashMap::new(),
        form: None,
    };
    let mut csv = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(BufReader::new(opened));
    let header = reader.header(&mut csv)?;
    let mut rows: Vec<(i64, u32)> = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        match csv.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record.position().map_or(0, |p| p.line());
                if let Some(row) = reader.row(&header, &record, line)? {
                    rows.push(row);
                }
            }
            Err(error) => {
                let line = error.position().map_or(0, |p| p.line());
                return Err(reader.row_error(line, &error.to_string(), "each row needs as many fields as the header, separated by commas (quote a field that has one)"));
            }
        }
    }
    reader.finish(rows, run.horizon, file)
}

impl Reader<'_> {
    fn error(&self, message: String, hint: &str) -> ScenarioError {
        self.check
            .error(format!("{}.file", self.field), message, hint)
    }

    fn row_error(&self, line: u64, what: &str, hint: &str) -> ScenarioError {
        self.error(format!("{}:{line}: {what}", self.shown), hint)
    }

    fn header<R: std::io::Read>(&self, csv: &mut csv::Reader<R>) -> Result<Header, ScenarioError> {
        let names = csv
            .headers()
            .map_err(|error| {
                self.row_error(
                    1,
                    &error.to_string(),
                    "the first line names the columns: time,sender,recipient,size",
                )
            })?
            .clone();
        let position = |name: &str| names.iter().position(|n| n == name);
        if let Some(unknown) = names.iter().find(|n| !COLUMNS.contains(n)) {
            return Err(self.row_error(
                1,
                &format!("unknown column `{unknown}`"),
                "the columns are time, recipient and optionally sender and size (in any order)",
            ));
        }
        let required = |name: &str| {
            position(name).ok_or_else(|| {
                self.row_error(
                    1,
                    &format!("no `{name}` column"),
                    "the first line names the columns, e.g. time,sender,recipient,size",
                )
            })
        };
        Ok(Header {
            time: required("time")?,
            recipient: required("recipient")?,
            sender: position("sender"),
            size: position("size"),
        })
    }

    /// One row: its instant (Unix ms, or ms since time zero) and receiver; `None` for another
    /// sender's row.
    fn row(
        &mut self,
        header: &Header,
        record: &csv::StringRecord,
        line: u64,
    ) -> Result<Option<(i64, u32)>, ScenarioError> {
        let get = |at: usize| record.get(at).unwrap_or("");
        if let Some(at) = header.sender
            && self.context.senders.len() > 1
        {
            let sender = get(at);
            if !self.context.senders.contains(&sender) {
                return Err(self.row_error(
                    line,
                    &format!("`{sender}` is not one of the scenario's senders"),
                    &format!(
                        "with several senders, the sender column names one of: {}",
                        self.context.senders.join(", ")
                    ),
                ));
            }
            if sender != self.sender {
                return Ok(None);
            }
        }
        if let Some(at) = header.size {
            let size = get(at);
            if !size.is_empty() && size.parse::<u64>().is_err() {
                return Err(self.row_error(
                    line,
                    &format!("the size `{size}` is not a whole number of bytes"),
                    "write the size in bytes, e.g. 2048, or leave it empty",
                ));
            }
        }
        let time = self.time(get(header.time), line)?;
        let receiver = self.receiver(get(header.recipient), line)?;
        Ok(Some((time, receiver)))
    }

    /// A row's time in milliseconds: since the epoch (RFC 3339) or since time zero (seconds).
    fn time(&mut self, text: &str, line: u64) -> Result<i64, ScenarioError> {
        let (form, ms) = match text.parse::<f64>() {
            Ok(seconds) if seconds.is_finite() && (0.0..1e12).contains(&seconds) => {
                (TimeForm::Seconds, (seconds * 1000.0).round() as i64)
            }
            Ok(_) => {
                return Err(self.row_error(
                    line,
                    &format!("the time `{text}` is not a number of seconds from 0"),
                    "write seconds since time zero (e.g. 12.5) or an RFC 3339 time",
                ));
            }
            Err(_) => match Stamp::parse_rfc3339(text) {
                Ok(stamp) => (TimeForm::Rfc3339, stamp.unix_ms),
                Err(why) => {
                    return Err(self.row_error(
                        line,
                        &format!("the time `{text}` {why}"),
                        "write e.g. 2026-11-30T09:00:00+01:00 (or Z for UTC), or seconds since time zero such as 12.5",
                    ));
                }
            },
        };
        match self.form {
            None => self.form = Some(form),
            Some(first) if first != form => {
                return Err(self.row_error(
                    line,
                    &format!("the time `{text}` is not written like the first row's"),
                    "write every time the same way: all RFC 3339, or all seconds",
                ));
            }
            Some(_) => {}
        }
        Ok(ms)
    }

    /// The receiver of a recipient (an address or a domain).
    fn receiver(&mut self, recipient: &str, line: u64) -> Result<u32, ScenarioError> {
        if recipient.is_empty() {
            return Err(self.row_error(
                line,
                "the recipient is empty",
                "write the recipient's address, its domain, or a receiver's name",
            ));
        }
        let domain = recipient.rsplit_once('@').map_or(recipient, |(_, d)| d);
        if let Some(&found) = self.found.get(domain) {
            return Ok(found);
        }
        let context = self.context;
        let lower = domain.to_ascii_lowercase();
        let index = context
            .domains
            .get(&lower)
            .copied()
            .or_else(|| context.receivers.iter().position(|n| n == domain))
            .or_else(|| context.domains.get("*").copied())
            .ok_or_else(|| {
                self.row_error(
                    line,
                    &format!("no receiver for the domain `{domain}` of `{recipient}`"),
                    &format!(
                        "add domains: {{\"{lower}\": \"RECEIVER\"}} to the scenario (receivers: {}), or \"*\" for every other domain",
                        context.receivers.join(", ")
                    ),
                )
            })? as u32;
        self.found.insert(domain.to_string(), index);
        Ok(index)
    }

    /// The rows in time order, from time zero, those before the horizon kept.
    fn finish(
        &self,
        mut rows: Vec<(i64, u32)>,
        horizon: SimTime,
        file: &str,
    ) -> Result<ReplayTrace, ScenarioError> {
        if rows.is_empty() {
            return Err(self.error(
                format!(
                    "{} has no arrivals for sender `{}`",
                    self.shown, self.sender
                ),
                "add rows below the header (time,sender,recipient,size)",
            ));
        }
        rows.sort_by_key(|&(time, _)| time);
        let zero = match self.form {
            Some(TimeForm::Rfc3339) => rows[0].0,
            _ => 0,
        };
        let kept = rows.partition_point(|&(time, _)| ((time - zero) as u64) < horizon.as_millis());
        let first = (self.form == Some(TimeForm::Rfc3339)).then_some(Stamp {
            unix_ms: zero,
            offset_s: 0,
        });
        Ok(ReplayTrace {
            file: file.to_string(),
            times: rows[..kept]
                .iter()
                .map(|&(time, _)| SimTime((time - zero) as u64))
                .collect(),
            receivers: rows[..kept].iter().map(|&(_, r)| r).collect(),
            after_horizon: (rows.len() - kept) as u64,
            time_zero: first.map(Stamp::rfc3339),
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::scenario::{Scenario, ScenarioError, Traffic};

    /// A scenario in a temporary folder replaying `csv` (saved as `a.csv` beside it), with
    /// receivers `o365` and `other`, `domains` and `senders` as given.
    fn replay(csv: &str, extra: &str, senders: &str) -> Result<Scenario, ScenarioError> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.csv"), csv).unwrap();
        let origin = dir.path().join("s.ron");
        let text = format!(
            r#"(name: "r", run: (horizon: "1h"), senders: [{senders}],
                receivers: {{"o365": (), "other": ()}}, {extra})"#
        );
        Scenario::parse(&origin.display().to_string(), &text)
    }

    const ONE: &str =
        r#"(name: "s", traffic: [Replay(file: "a.csv")], retry: Fixed(interval: "10m"))"#;

    fn trace(scenario: &Scenario) -> (Vec<u64>, Vec<u32>, u64) {
        match &scenario.senders()[0].traffic[0] {
            Traffic::Replay(trace) => (
                trace.times.iter().map(|t| t.as_millis()).collect(),
                trace.receivers.clone(),
                trace.after_horizon,
            ),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn rows_are_sorted_mapped_by_domain_and_cut_at_the_horizon() {
        let csv = "time,sender,recipient,size\n\
                   2026-11-30T09:00:01.5+01:00,a@x.org,b@Outlook.com,10\n\
                   2026-11-30T08:00:00Z,a@x.org,c@elsewhere.net,\n\
                   2026-11-30T10:00:00+01:00,a@x.org,other,5\n";
        let scenario = replay(
            csv,
            r#"domains: {"outlook.com": "o365", "*": "other"}"#,
            ONE,
        )
        .expect("valid");
        // Time zero is the earliest row (08:00:00Z); the 10:00+01:00 row is 1 h later, at the
        // horizon, and left out.
        assert_eq!(trace(&scenario), (vec![0, 1500], vec![1, 0], 1));
        assert!(scenario.describe().contains("replay of a.csv: 2 arrivals"));
    }

    #[test]
    fn seconds_start_at_zero_and_senders_take_their_own_rows() {
        let csv = "recipient,time,sender\nother,12.5,b\no365,0,a\no365,3,b\n";
        let two = format!("{ONE}, {}", ONE.replace("\"s\"", "\"b\""));
        let two = two.replace("(name: \"s\"", "(name: \"a\"");
        let scenario = replay(csv, "", &two).expect("valid");
        assert_eq!(trace(&scenario), (vec![0], vec![0], 0));
        let Traffic::Replay(b) = &scenario.senders()[1].traffic[0] else {
            panic!()
        };
        assert_eq!(b.times.len(), 2);
    }

    #[test]
    fn bad_rows_are_located_and_say_how_to_fix_them() {
        let cases = [
            ("time,to\n0,o365\n", "a.csv:1: unknown column `to`"),
            ("time,sender\n0,a\n", "a.csv:1: no `recipient` column"),
            (
                "time,recipient\nsoon,o365\n",
                "a.csv:2: the time `soon` is not an RFC 3339",
            ),
            (
                "time,recipient\n2026-11-30T09:00:00,o365\n",
                "a.csv:2: the time `2026-11-30T09:00:00` has no UTC offset",
            ),
            (
                "time,recipient\n0,o365\n2026-11-30T09:00:00Z,o365\n",
                "a.csv:3: the time `2026-11-30T09:00:00Z` is not written like the first row's",
            ),
            (
                "time,recipient\n0,o365\n1,m@nowhere.test\n",
                "a.csv:3: no receiver for the domain `nowhere.test` of `m@nowhere.test`",
            ),
            (
                "time,recipient,size\n0,o365,big\n",
                "a.csv:2: the size `big`",
            ),
            ("time,recipient\n0,o365,extra\n", "a.csv:2:"),
            ("time,recipient\n", "has no arrivals for sender `s`"),
        ];
        for (csv, expected) in cases {
            let error = replay(csv, "", ONE).expect_err(csv).to_string();
            assert!(error.contains(expected), "{csv:?}: {error}");
            assert!(error.contains("senders[0].traffic[0].file"), "{error}");
        }
        let error = replay("time,recipient\n0,x@y.z\n", "", ONE).unwrap_err();
        let ScenarioError::Invalid { hint, .. } = error else {
            panic!()
        };
        assert!(
            hint.unwrap()
                .contains(r#"add domains: {"y.z": "RECEIVER"}"#),
            "the hint shows the fix"
        );
    }

    #[test]
    fn a_missing_file_and_a_sender_without_a_mix_or_replay() {
        let error = replay("", "", &ONE.replace("a.csv", "missing.csv")).unwrap_err();
        assert!(error.to_string().contains("could not read"), "{error}");
        let poisson =
            r#"(name: "s", traffic: [Poisson(rate: "1/s")], retry: Fixed(interval: "10m"))"#;
        let error = replay("", "", poisson).unwrap_err();
        assert!(error.to_string().contains("the mix is empty"), "{error}");
    }
}
