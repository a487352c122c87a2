//! What the command line asks of a scenario besides validation: reading its file with a size
//! limit ([`read_text`]), the warnings for settings that are valid but probably not meant
//! ([`Scenario::warnings`]), and the fingerprint of its content that tells the shards of one
//! study from those of another ([`Scenario::fingerprint`]).

use std::fmt::Write as _;
use std::io::Read;
use std::path::Path;

use super::ScenarioError;
use super::resolved::Scenario;
use crate::domain::{Reply, ServiceTime};
use crate::engine::SimDuration;
use crate::retry::{RetrySpec, schedule};

/// The largest scenario file read, 16 MiB: scenarios are a few kilobytes, so anything larger
/// is a wrong path (a log, a device such as `/dev/zero`), refused before it fills the memory.
pub const MAX_SCENARIO_BYTES: u64 = 16 << 20;

/// Reads a scenario file's text, refusing files larger than [`MAX_SCENARIO_BYTES`] (devices and
/// pipes are read up to the limit, never further) and binary data; a byte-order mark is
/// dropped.
pub fn read_text(path: &Path) -> Result<String, ScenarioError> {
    let read_error = |source| ScenarioError::Read {
        path: path.to_path_buf(),
        source,
    };
    let too_large = || ScenarioError::TooLarge {
        path: path.to_path_buf(),
        limit: MAX_SCENARIO_BYTES,
    };
    let file = std::fs::File::open(path).map_err(read_error)?;
    if file
        .metadata()
        .is_ok_and(|m| m.is_file() && m.len() > MAX_SCENARIO_BYTES)
    {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    file.take(MAX_SCENARIO_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    if bytes.len() as u64 > MAX_SCENARIO_BYTES {
        return Err(too_large());
    }
    super::source::text_of(path, bytes)
}

impl Scenario {
    /// Settings that are valid but probably not what was meant, one line each with the field
    /// path: a retry policy that gives up before its first retry is due, a log-normal time
    /// with a mean of zero (always zero, whatever its spread).
    pub fn warnings(&self) -> Vec<String> {
        let mut warnings = Vec::new();
        for (i, sender) in self.senders.iter().enumerate() {
            if let Some(why) = gives_up_before_retrying(&sender.retry) {
                warnings.push(format!("senders[{i}].retry: {why}"));
            }
            if let ServiceTime::LogNormal { mean, sd } = sender.connections.transaction_time
                && mean == SimDuration::ZERO
            {
                warnings.push(format!(
                    "senders[{i}].connections.transaction_time: a LogNormal with a mean of 0s is always 0s, whatever its sd ({sd}); write Fixed(\"0s\"), or give it a positive mean"
                ));
            }
        }
        warnings
    }

    /// A fingerprint of the validated content (every setting, not where it was read from) and
    /// of this version of mailsim: equal for the same scenario given by another path, different
    /// once any value differs. Shards of one study must share it.
    pub fn fingerprint(&self) -> String {
        let mut content = self.clone();
        content.origin.clear();
        let mut text = format!("mailsim {}\n", env!("CARGO_PKG_VERSION"));
        let _ = write!(text, "{content:?}");
        fingerprint_of(&text)
    }
}

/// A 128-bit fingerprint of `text` in hex: FNV-1a (64 bits) twice, from two offsets. Stable
/// across builds and platforms, unlike the standard library's hasher.
pub fn fingerprint_of(text: &str) -> String {
    let fnv = |offset: u64| {
        text.bytes().fold(offset, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        })
    };
    format!(
        "{:016x}{:016x}",
        fnv(0xcbf2_9ce4_8422_2325),
        fnv(0x6c62_272e_07bb_0142)
    )
}

/// Why `retry` gives every deferred message up at its second attempt, if it does because its
/// lifetime is shorter than the wait for that attempt.
fn gives_up_before_retrying(retry: &RetrySpec) -> Option<String> {
    let (lifetime, first_gap, what) = match retry {
        RetrySpec::Fixed(p) => (p.lifetime, p.interval, "retry interval"),
        RetrySpec::Exponential(p) => (p.lifetime, p.base, "base interval"),
        RetrySpec::Offsets(p) => (p.lifetime, *p.offsets.first()?, "first offset"),
        RetrySpec::Custom(_) => return None,
        other => {
            // The real systems' policies: their timeline against a receiver that always defers.
            let timeline = schedule::compute(other, Reply::ServerBusy, 1);
            let attempts = timeline.attempt_offsets();
            let expired = timeline.expired_at()?;
            return (attempts.len() <= 2 && attempts.len() < timeline.rows.len()).then(|| {
                format!(
                    "{} gives a deferred message up at its attempt {} ({}), before retrying it further: is its lifetime shorter than its retry interval?",
                    other.name(),
                    attempts.len(),
                    SimDuration::from_secs_f64(expired)
                )
            });
        }
    };
    (lifetime < first_gap).then(|| {
        format!(
            "the lifetime ({lifetime}) is shorter than the {what} ({first_gap}): every message deferred once expires at its second attempt"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(retry: &str, transaction: &str) -> Scenario {
        let text = format!(
            r#"(name: "w", senders: [(name: "s", traffic: [Campaign(messages: 1, at: "0s")],
                recipients: (mix: {{"r": 1.0}}), connections: (transaction_time: {transaction}),
                retry: {retry})], receivers: {{"r": ()}})"#
        );
        Scenario::parse("w.ron", &text).expect("valid")
    }

    #[test]
    fn a_lifetime_shorter_than_the_retry_interval_is_warned_about() {
        let fixed = with(
            r#"Fixed(interval: "20m", lifetime: "5m")"#,
            r#"Fixed("1s")"#,
        );
        let warnings = fixed.warnings();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].starts_with("senders[0].retry: the lifetime (5m)"));
        let offsets = with(
            r#"Offsets(offsets: ["1h"], lifetime: "30m")"#,
            r#"Fixed("1s")"#,
        );
        assert_eq!(offsets.warnings().len(), 1);
        let postfix = with(r#"Postfix(maximal_queue_lifetime: "1m")"#, r#"Fixed("1s")"#);
        assert_eq!(postfix.warnings().len(), 1, "{:?}", postfix.warnings());
        for fine in [
            r#"Fixed(interval: "20m")"#,
            r#"Offsets(offsets: ["5m"])"#,
            "Postfix()",
            "Exim()",
            "Fope()",
        ] {
            assert!(with(fine, r#"Fixed("1s")"#).warnings().is_empty(), "{fine}");
        }
    }

    #[test]
    fn a_lognormal_time_with_mean_zero_is_warned_about() {
        let scenario = with(
            r#"Fixed(interval: "20m")"#,
            r#"LogNormal(mean: "0s", sd: "1s")"#,
        );
        let warnings = scenario.warnings();
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("transaction_time"), "{warnings:?}");
    }

    #[test]
    fn the_fingerprint_follows_the_content_not_the_path() {
        let text = r#"(name: "f", senders: [(name: "s", traffic: [Campaign(messages: 1, at: "0s")],
            recipients: (mix: {"r": 1.0}), retry: Fixed(interval: "20m"))], receivers: {"r": ()})"#;
        let here = Scenario::parse("f.ron", text).unwrap();
        let there = Scenario::parse("/elsewhere/f.ron", text).unwrap();
        assert_eq!(here.fingerprint(), there.fingerprint());
        assert_eq!(here.fingerprint().len(), 32);
        let changed = Scenario::parse("f.ron", &text.replace("20m", "21m")).unwrap();
        assert_ne!(here.fingerprint(), changed.fingerprint());
        let mut reseeded = here.clone();
        reseeded.set_seed(2);
        assert_ne!(here.fingerprint(), reseeded.fingerprint());
    }

    #[test]
    fn devices_and_huge_files_are_refused_before_they_fill_the_memory() {
        if Path::new("/dev/zero").exists() {
            let error = read_text(Path::new("/dev/zero")).unwrap_err();
            assert!(matches!(error, ScenarioError::TooLarge { .. }), "{error}");
        }
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.ron");
        let file = std::fs::File::create(&big).unwrap();
        file.set_len(MAX_SCENARIO_BYTES + 1).unwrap();
        assert!(matches!(
            read_text(&big),
            Err(ScenarioError::TooLarge { .. })
        ));
        std::fs::write(&big, "(name: \"x\")").unwrap();
        assert_eq!(read_text(&big).unwrap(), "(name: \"x\")");
    }
}
