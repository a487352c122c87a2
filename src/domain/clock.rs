//! Clock time: a run that starts at a real instant (`run.start`, RFC 3339 with its UTC
//! offset, e.g. `2026-11-30T09:00:00+01:00`) reads clock times in a scenario (`"09:00"`,
//! `"2026-12-01 08:30"`) as offsets from that start, and shows every simulated instant as a
//! clock time beside its offset (`10:30`, `Tue 08:00`, RFC 3339 in files).
//!
//! Times are wall-clock times at the start's fixed UTC offset: a run that crosses a daylight
//! saving change keeps the offset it started with. Dates and offsets are handled by `jiff`.

use std::fmt;

use jiff::civil::{Date, DateTime, Time};
use jiff::fmt::temporal::{Pieces, PiecesOffset};
use jiff::tz::Offset;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

use crate::engine::{SimDuration, SimTime};

/// The real instant a run starts at, and the UTC offset its clock times are read and shown in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Clock {
    start: Timestamp,
    offset: Offset,
}

/// How to write a run's start.
const START_FORM: &str =
    "write the start as RFC 3339 with its UTC offset, e.g. \"2026-11-30T09:00:00+01:00\"";

impl Clock {
    /// Parses a run's start: RFC 3339 with a UTC offset or `Z`, e.g.
    /// `2026-11-30T09:00:00+01:00`.
    pub fn parse(text: &str) -> Result<Clock, String> {
        let text = text.trim();
        let invalid = |why: String| format!("invalid start `{text}` ({why}): {START_FORM}");
        let pieces = Pieces::parse(text).map_err(|e| invalid(e.to_string()))?;
        let time = pieces
            .time()
            .ok_or_else(|| invalid("no time of day".into()))?;
        let offset = match pieces.offset() {
            Some(PiecesOffset::Zulu) => Offset::UTC,
            Some(PiecesOffset::Numeric(numeric)) => numeric.offset(),
            _ => return Err(invalid("no UTC offset".into())),
        };
        let start = offset
            .to_timestamp(pieces.date().to_datetime(time))
            .map_err(|e| invalid(e.to_string()))?;
        Ok(Clock { start, offset })
    }

    /// The start in milliseconds since the Unix epoch (`None` before 1970).
    pub fn unix_millis(&self) -> Option<u64> {
        u64::try_from(self.start.as_millisecond()).ok()
    }

    /// Whether `text` is written as a clock time (`09:00`, `2026-12-01 08:30`, a date)
    /// rather than as an offset such as `2h` (offsets never contain `:` nor start with a date).
    pub fn is_clock_text(text: &str) -> bool {
        let text = text.trim();
        text.contains(':') || starts_with_date(text)
    }

    /// The offset from the start of the clock time `text`: `HH:MM[:SS]` on the start's date,
    /// `YYYY-MM-DD[ HH:MM[:SS]]` in the start's UTC offset, or RFC 3339 with its own offset.
    /// A time before the start is an error.
    pub fn offset_of(&self, text: &str) -> Result<SimDuration, String> {
        let text = text.trim();
        let form = "write a clock time as \"09:00\", \"09:00:30\", \"2026-12-01 08:30\" or \"2026-12-01T08:30:00+01:00\", or an offset such as \"2h\"";
        let instant = if starts_with_date(text) {
            let written = text.replacen(' ', "T", 1);
            let pieces = Pieces::parse(&written)
                .map_err(|e| format!("invalid clock time `{text}` ({e}): {form}"))?;
            let local = pieces
                .date()
                .to_datetime(pieces.time().unwrap_or(Time::midnight()));
            let offset = match pieces.offset() {
                Some(PiecesOffset::Zulu) => Offset::UTC,
                Some(PiecesOffset::Numeric(numeric)) => numeric.offset(),
                _ => self.offset,
            };
            offset.to_timestamp(local)
        } else {
            let time: Time = text
                .parse()
                .map_err(|e| format!("invalid clock time `{text}` ({e}): {form}"))?;
            self.offset
                .to_timestamp(self.start_date().to_datetime(time))
        }
        .map_err(|e| format!("invalid clock time `{text}` ({e})"))?;
        let since = instant.duration_since(self.start);
        if since.is_negative() {
            return Err(format!(
                "`{text}` ({}) is before the run's start ({}): write a later time, or a date for another day, e.g. \"{} 08:00\"",
                self.offset
                    .to_datetime(instant)
                    .strftime("%Y-%m-%d %H:%M:%S"),
                self.offset
                    .to_datetime(self.start)
                    .strftime("%Y-%m-%d %H:%M:%S"),
                self.start_date().tomorrow().unwrap_or(self.start_date())
            ));
        }
        u64::try_from(since.as_millis())
            .map(SimDuration)
            .map_err(|_| format!("clock time `{text}` is too far from the start"))
    }

    fn start_date(&self) -> Date {
        self.offset.to_datetime(self.start).date()
    }

    /// The wall-clock date and time of simulated instant `time`; `None` past the year 9999.
    fn local(&self, time: SimTime) -> Option<DateTime> {
        let millis = i64::try_from(time.as_millis()).ok()?;
        let instant = self
            .start
            .checked_add(SignedDuration::from_millis(millis))
            .ok()?;
        Some(self.offset.to_datetime(instant))
    }

    /// `time` as RFC 3339 with the start's offset, e.g. `2026-11-30T10:15:00+01:00`
    /// (milliseconds when there are any), for files.
    pub fn rfc3339(&self, time: SimTime) -> String {
        self.format(time, |_, instant| {
            instant.display_with_offset(self.offset).to_string()
        })
    }

    /// `time` as a time of day, e.g. `10:15` (`10:15:30` with seconds).
    pub fn time_of_day(&self, time: SimTime) -> String {
        self.format(time, |local, _| hours_minutes(local))
    }

    /// `time` as weekday and time of day, e.g. `Tue 08:00`, for runs that span days.
    pub fn day_and_time(&self, time: SimTime) -> String {
        self.format(time, |local, _| {
            format!("{} {}", local.strftime("%a"), hours_minutes(local))
        })
    }

    /// `time` as weekday, date and time of day, e.g. `Mon 2026-11-30 10:15`.
    pub fn date_and_time(&self, time: SimTime) -> String {
        self.format(time, |local, _| {
            format!("{} {}", local.strftime("%a %Y-%m-%d"), hours_minutes(local))
        })
    }

    /// Whether `from` and `to` fall on different calendar days of the clock.
    pub fn spans_days(&self, from: SimTime, to: SimTime) -> bool {
        self.local(from).map(|d| d.date()) != self.local(to).map(|d| d.date())
    }

    /// The start's UTC offset, e.g. `+01:00`.
    pub fn offset_text(&self) -> String {
        let seconds = self.offset.seconds();
        let sign = if seconds < 0 { '-' } else { '+' };
        let minutes = seconds.unsigned_abs() / 60;
        format!("{sign}{:02}:{:02}", minutes / 60, minutes % 60)
    }

    /// The milliseconds from local midnight before the start to the start, for aligning
    /// chart ticks with the clock.
    pub fn millis_into_day(&self, time: SimTime) -> Option<u64> {
        let local = self.local(time)?;
        let since_midnight = local.time().duration_since(Time::midnight());
        u64::try_from(since_midnight.as_millis()).ok()
    }

    /// Formats `time` with `how`, or as an offset when it lies past the year 9999.
    fn format(&self, time: SimTime, how: impl Fn(DateTime, Timestamp) -> String) -> String {
        let instant = i64::try_from(time.as_millis()).ok().and_then(|millis| {
            self.start
                .checked_add(SignedDuration::from_millis(millis))
                .ok()
        });
        match instant {
            Some(instant) => how(self.offset.to_datetime(instant), instant),
            None => time.to_string(),
        }
    }
}

/// `HH:MM`, with `:SS` when there are seconds (milliseconds are dropped).
fn hours_minutes(local: DateTime) -> String {
    if local.second() == 0 {
        local.strftime("%H:%M").to_string()
    } else {
        local.strftime("%H:%M:%S").to_string()
    }
}

/// Whether `text` starts with a date `YYYY-MM-DD`.
fn starts_with_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() >= 10
        && bytes[..4].iter().all(u8::is_ascii_digit)
        && bytes[4] == b'-'
        && bytes[5..7].iter().all(u8::is_ascii_digit)
        && bytes[7] == b'-'
}

/// The start in RFC 3339, e.g. `2026-11-30T09:00:00+01:00`.
impl fmt::Display for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.start.display_with_offset(self.offset))
    }
}

impl<'de> Deserialize<'de> for Clock {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Clock::parse(&text).map_err(de::Error::custom)
    }
}

impl Serialize for Clock {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// A run's start is RFC 3339 text with its UTC offset.
impl schemars::JsonSchema for Clock {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ClockStart".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "A real date and time with its UTC offset (RFC 3339), e.g. \"2026-11-30T09:00:00+01:00\".",
            "pattern": "^\\d{4}-\\d{2}-\\d{2}[T ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|z|[+-]\\d{2}:\\d{2})$",
            "examples": ["2026-11-30T09:00:00+01:00", "2026-11-30T08:00:00Z"]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn monday() -> Clock {
        Clock::parse("2026-11-30T09:00:00+01:00").unwrap()
    }

    #[test]
    fn a_start_needs_a_date_a_time_and_an_offset() {
        assert_eq!(monday().to_string(), "2026-11-30T09:00:00+01:00");
        assert_eq!(
            Clock::parse("2026-11-30T08:00:00Z").unwrap().to_string(),
            "2026-11-30T08:00:00+00:00"
        );
        for bad in [
            "2026-11-30",
            "2026-11-30T09:00:00",
            "09:00",
            "2026-02-30T09:00+01:00",
            "soon",
        ] {
            let why = Clock::parse(bad).unwrap_err();
            assert!(why.contains("RFC 3339"), "{bad}: {why}");
        }
    }

    #[test]
    fn clock_times_become_offsets_from_the_start() {
        let clock = monday();
        let hours = |h: u64| SimDuration::from_mins(h * 60);
        assert_eq!(clock.offset_of("09:00"), Ok(SimDuration::ZERO));
        assert_eq!(clock.offset_of("11:30"), Ok(SimDuration::from_mins(150)));
        assert_eq!(clock.offset_of("09:00:30"), Ok(SimDuration::from_secs(30)));
        assert_eq!(clock.offset_of("2026-12-01 08:00"), Ok(hours(23)));
        assert_eq!(clock.offset_of("2026-12-01T08:00"), Ok(hours(23)));
        assert_eq!(clock.offset_of("2026-12-02"), Ok(hours(39)));
        // Its own offset: 09:00 UTC is 10:00 at +01:00.
        assert_eq!(clock.offset_of("2026-11-30T09:00:00Z"), Ok(hours(1)));
        let before = clock.offset_of("08:59").unwrap_err();
        assert!(
            before.contains("before the run's start (2026-11-30 09:00:00)")
                && before.contains("\"2026-12-01 08:00\""),
            "{before}"
        );
        assert!(
            clock
                .offset_of("25:00")
                .unwrap_err()
                .contains("invalid clock time")
        );
        assert!(clock.offset_of("2026-13-01 08:00").is_err());
    }

    #[test]
    fn only_clock_texts_are_read_as_clock_times() {
        for clock in ["09:00", "2026-12-01", "2026-12-01 08:00", " 9:00 "] {
            assert!(Clock::is_clock_text(clock), "{clock}");
        }
        for offset in ["2h", "90s", "1h30m", "0s", "-3m"] {
            assert!(!Clock::is_clock_text(offset), "{offset}");
        }
    }

    #[test]
    fn instants_show_as_clock_times() {
        let clock = monday();
        let t = SimTime(75 * 60_000);
        assert_eq!(clock.rfc3339(t), "2026-11-30T10:15:00+01:00");
        assert_eq!(clock.rfc3339(SimTime(250)), "2026-11-30T09:00:00.25+01:00");
        assert_eq!(clock.time_of_day(t), "10:15");
        assert_eq!(clock.time_of_day(SimTime(30_500)), "09:00:30");
        assert_eq!(clock.day_and_time(SimTime(23 * 3_600_000)), "Tue 08:00");
        assert_eq!(clock.date_and_time(t), "Mon 2026-11-30 10:15");
        assert!(!clock.spans_days(SimTime::ZERO, SimTime(14 * 3_600_000)));
        assert!(clock.spans_days(SimTime::ZERO, SimTime(15 * 3_600_000)));
        assert_eq!(clock.millis_into_day(SimTime::ZERO), Some(9 * 3_600_000));
        assert_eq!(clock.offset_text(), "+01:00");
        // Past the year 9999: the offset, not a panic.
        assert_eq!(
            clock.time_of_day(SimTime::NEVER),
            SimTime::NEVER.to_string()
        );
    }
}
