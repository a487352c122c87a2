//! Timestamps as MTAs write them, read into instants.
//!
//! - Traditional syslog (RFC 3164), e.g. `Nov  3 17:29:29`, and Postfix's own `maillog_file`
//!   (`%b %d %H:%M:%S`, e.g. `Nov 03 17:29:29`, Postfix `src/util/msg_logger.c`): local time,
//!   whole seconds, **no year and no zone**. The year comes from a [`YearRule`]; a month that
//!   falls back by six or more (December → January) starts the next year.
//! - RFC 3339, as rsyslog's `RSYSLOG_FileFormat` writes it (`2024-11-03T17:29:29.123456+01:00`),
//!   also with `+0100` offsets as `journalctl -o short-iso` writes them.
//! - Exim's main log: `YYYY-MM-DD HH:MM:SS[.ffffff][ +ZZZZ]` (Exim `src/src/tod.c`), local
//!   time unless `log_timezone` adds the offset.
//! - KumoMTA: Unix seconds (`timestamp`) and, since 2025.10, RFC 3339 (`event_time`), UTC.
//!
//! A local time without an offset is placed with the offset the caller gives (`--utc-offset`),
//! else read as UTC; the history then says so. A daylight-saving change repeats or skips an
//! hour of local time that no fixed offset can place; logs with RFC 3339 stamps do not have
//! that problem.

use std::fmt;

/// An instant read from a log: milliseconds since the Unix epoch (UTC) and the UTC offset the
/// log's local time had, used only to show it as the log did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Stamp {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    pub unix_ms: i64,
    /// Seconds east of UTC of the local time the log wrote.
    pub offset_s: i32,
}

impl Stamp {
    /// The instant `unix_s` seconds after the epoch, shown in UTC.
    pub fn from_unix_seconds(unix_s: f64) -> Stamp {
        Stamp {
            unix_ms: (unix_s * 1000.0).round() as i64,
            offset_s: 0,
        }
    }

    /// The instant whose local date and time (at `offset_s`) are these.
    pub(crate) fn from_local(local: Civil, offset_s: i32) -> Stamp {
        let days = days_from_civil(local.year, local.month, local.day);
        let local_ms =
            (days * 86_400 + i64::from(local.secs_of_day)) * 1000 + i64::from(local.millis);
        Stamp {
            unix_ms: local_ms - i64::from(offset_s) * 1000,
            offset_s,
        }
    }

    /// An RFC 3339 date-time with its UTC offset, e.g. `2026-11-30T09:00:00+01:00` or
    /// `2026-11-30 08:00:00.250Z`.
    ///
    /// # Errors
    ///
    /// What is wrong, in words: not a date and time, or no offset.
    pub fn parse_rfc3339(text: &str) -> Result<Stamp, &'static str> {
        match parse_rfc3339(text.trim()) {
            Some((local, Some(offset))) => Ok(Stamp::from_local(local, offset)),
            Some((_, None)) => Err("has no UTC offset"),
            None => Err("is not an RFC 3339 date and time"),
        }
    }

    /// Seconds from `earlier` to `self` (negative if `earlier` is later).
    pub fn seconds_since(self, earlier: Stamp) -> f64 {
        (self.unix_ms - earlier.unix_ms) as f64 / 1000.0
    }

    /// This instant moved by `ms` milliseconds, in the same offset.
    pub fn plus_ms(self, ms: i64) -> Stamp {
        Stamp {
            unix_ms: self.unix_ms + ms,
            offset_s: self.offset_s,
        }
    }

    /// The local date and time.
    pub(crate) fn local(self) -> Civil {
        let local_ms = self.unix_ms + i64::from(self.offset_s) * 1000;
        let days = local_ms.div_euclid(86_400_000);
        let rest = local_ms.rem_euclid(86_400_000);
        let (year, month, day) = civil_from_days(days);
        Civil {
            year,
            month,
            day,
            secs_of_day: (rest / 1000) as u32,
            millis: (rest % 1000) as u16,
        }
    }

    /// The start of this instant's local clock hour.
    pub fn hour_start(self) -> Stamp {
        let local = self.local();
        Stamp::from_local(
            Civil {
                secs_of_day: local.secs_of_day / 3600 * 3600,
                millis: 0,
                ..local
            },
            self.offset_s,
        )
    }

    /// RFC 3339 in the log's local time, e.g. `2024-11-03T17:29:29+01:00` (`Z` for UTC);
    /// milliseconds only when there are any.
    pub fn rfc3339(self) -> String {
        self.to_string()
    }

    /// `YYYY-MM-DD HH:MM` in the log's local time, for tables.
    pub fn short(self) -> String {
        let c = self.local();
        format!(
            "{:04}-{:02}-{:02} {:02}:{:02}",
            c.year,
            c.month,
            c.day,
            c.secs_of_day / 3600,
            c.secs_of_day / 60 % 60
        )
    }
}

impl fmt::Display for Stamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.local();
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            c.year,
            c.month,
            c.day,
            c.secs_of_day / 3600,
            c.secs_of_day / 60 % 60,
            c.secs_of_day % 60
        )?;
        if c.millis > 0 {
            write!(f, ".{:03}", c.millis)?;
        }
        if self.offset_s == 0 {
            f.write_str("Z")
        } else {
            f.write_str(&format_offset(self.offset_s))
        }
    }
}

/// Written as RFC 3339 text.
impl serde::Serialize for Stamp {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// A UTC offset as RFC 3339 writes it, e.g. `+01:00`, `-05:30`, `+00:00`.
pub fn format_offset(offset_s: i32) -> String {
    let sign = if offset_s < 0 { '-' } else { '+' };
    let minutes = offset_s.unsigned_abs() / 60;
    format!("{sign}{:02}:{:02}", minutes / 60, minutes % 60)
}

/// A local date and time of day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Civil {
    pub year: i32,
    pub month: u8,
    pub day: u8,
    pub secs_of_day: u32,
    pub millis: u16,
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
pub(crate) fn days_from_civil(year: i32, month: u8, day: u8) -> i64 {
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number from [`days_from_civil`].
pub(crate) fn civil_from_days(days: i64) -> (i32, u8, u8) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let month = (if mp < 10 { mp + 3 } else { mp - 9 }) as u8;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year as i32, month, day)
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The number (1–12) of an English month abbreviation as syslog writes it (`Nov`).
pub(crate) fn month_number(text: &str) -> Option<u8> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    MONTHS.iter().position(|m| *m == text).map(|i| i as u8 + 1)
}

/// `HH:MM:SS` with optional fractional seconds (kept to the millisecond).
pub(crate) fn parse_time_of_day(text: &str) -> Option<(u32, u16)> {
    let (hms, fraction) = text.split_once('.').unwrap_or((text, ""));
    let mut parts = hms.split(':');
    let mut next = |max: u32| -> Option<u32> {
        let part = parts.next()?;
        if part.len() != 2 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        part.parse().ok().filter(|v| *v <= max)
    };
    let (h, m, s) = (next(23)?, next(59)?, next(60)?);
    if parts.next().is_some() || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let millis = if fraction.is_empty() {
        0
    } else {
        format!("{:0<3}", &fraction[..fraction.len().min(3)])
            .parse()
            .ok()?
    };
    // A leap second (":60") is read as the last millisecond of the minute before.
    let (s, millis) = if s == 60 { (59, 999) } else { (s, millis) };
    Some((h * 3600 + m * 60 + s, millis))
}

/// `YYYY-MM-DD`.
pub(crate) fn parse_date(text: &str) -> Option<(i32, u8, u8)> {
    let mut parts = text.split('-');
    let year: i32 = parts.next().filter(|p| p.len() == 4)?.parse().ok()?;
    let month: u8 = parts.next().filter(|p| p.len() == 2)?.parse().ok()?;
    let day: u8 = parts.next().filter(|p| p.len() == 2)?.parse().ok()?;
    if parts.next().is_some() {
        return None;
    }
    valid_date(year, month, day).then_some((year, month, day))
}

pub(crate) fn valid_date(year: i32, month: u8, day: u8) -> bool {
    (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month)
}

/// A UTC offset: `Z`, `+01:00`, `-0500`, `+01`; also `UTC`. Seconds east of UTC.
pub fn parse_utc_offset(text: &str) -> Result<i32, String> {
    let bad = || format!("invalid UTC offset `{text}`: write it as +01:00, -05:00, +0530 or Z");
    match text {
        "Z" | "z" | "UTC" | "GMT" => return Ok(0),
        _ => {}
    }
    let (sign, rest) = match text.as_bytes().first() {
        Some(b'+') => (1, &text[1..]),
        Some(b'-') => (-1, &text[1..]),
        _ => return Err(bad()),
    };
    let digits: String = rest.chars().filter(|c| *c != ':').collect();
    if !digits.bytes().all(|b| b.is_ascii_digit()) || !matches!(digits.len(), 2 | 4) {
        return Err(bad());
    }
    if rest.contains(':') && rest.len() != 5 {
        return Err(bad());
    }
    let hours: i32 = digits[..2].parse().map_err(|_| bad())?;
    let minutes: i32 = if digits.len() == 4 {
        digits[2..].parse().map_err(|_| bad())?
    } else {
        0
    };
    if hours > 23 || minutes > 59 {
        return Err(bad());
    }
    Ok(sign * (hours * 3600 + minutes * 60))
}

/// An RFC 3339 date-time (`T` or a space between date and time): the local time and its
/// offset, if it has one.
pub(crate) fn parse_rfc3339(text: &str) -> Option<(Civil, Option<i32>)> {
    if text.len() < 19 {
        return None;
    }
    let (date, rest) = text.split_at(10);
    let (year, month, day) = parse_date(date)?;
    let rest = rest.strip_prefix(['T', 't', ' '])?;
    let zone_at = rest.find(['Z', 'z', '+', '-']).unwrap_or(rest.len());
    let (time, zone) = rest.split_at(zone_at);
    let (secs_of_day, millis) = parse_time_of_day(time)?;
    let offset = if zone.is_empty() {
        None
    } else {
        Some(parse_utc_offset(zone).ok()?)
    };
    Some((
        Civil {
            year,
            month,
            day,
            secs_of_day,
            millis,
        },
        offset,
    ))
}

/// Where the year of year-less syslog stamps comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum YearRule {
    /// The first stamped line is in this year (`--year`).
    FirstLine(i32),
    /// The file ended in this year and month (its modification time, or the date in a
    /// rotated file's name such as `maillog-20250101`): the last line is in that year, or
    /// the year before if its month is later than this month.
    EndsBy {
        /// The year the file ended in.
        year: i32,
        /// The month (1–12) the file ended in.
        month: u8,
    },
}

impl YearRule {
    /// The year of the first line, given how many times the months rolled over from December
    /// to January in the file and the month of the last line.
    pub(crate) fn first_year(self, rollovers: i32, last_month: Option<u8>) -> i32 {
        match self {
            YearRule::FirstLine(year) => year,
            YearRule::EndsBy { year, month } => {
                let last_year = match last_month {
                    Some(last) if last > month => year - 1,
                    _ => year,
                };
                last_year - rollovers
            }
        }
    }

    /// The rule for a file that ended at `unix_s` (its modification time), in UTC.
    pub fn ended_at(unix_s: i64) -> YearRule {
        let (year, month, _) = civil_from_days(unix_s.div_euclid(86_400));
        YearRule::EndsBy { year, month }
    }
}

impl fmt::Display for YearRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            YearRule::FirstLine(_) => f.write_str("given"),
            YearRule::EndsBy { year, month } => {
                write!(f, "the file ended by {year}-{month:02}")
            }
        }
    }
}

/// Counts year changes in a sequence of year-less stamps: a month six or more below the
/// latest one starts a new year (December → January); a month six or more above it is a
/// late line from the year before (January → a stray December line).
#[derive(Clone, Debug, Default)]
pub(crate) struct YearTracker {
    latest: Option<u8>,
    years: i32,
}

impl YearTracker {
    /// The year offset (from the first line's year) of a line in `month`.
    pub fn next(&mut self, month: u8) -> i32 {
        match self.latest {
            None => {
                self.latest = Some(month);
                self.years
            }
            Some(latest) if month + 6 <= latest => {
                self.years += 1;
                self.latest = Some(month);
                self.years
            }
            Some(latest) if month >= latest + 6 => self.years - 1,
            Some(_) => {
                self.latest = Some(month);
                self.years
            }
        }
    }

    /// Roll-overs so far.
    pub fn rollovers(&self) -> i32 {
        self.years
    }

    /// The latest month seen.
    pub fn latest_month(&self) -> Option<u8> {
        self.latest
    }
}

/// A syslog (RFC 3164) stamp without its year: `Nov  3 17:29:29` or `Nov 03 17:29:29`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SyslogStamp {
    pub month: u8,
    pub day: u8,
    pub secs_of_day: u32,
    pub millis: u16,
}

impl SyslogStamp {
    /// The date and time in `year`, if that date exists (29 February).
    pub fn in_year(self, year: i32) -> Option<Civil> {
        valid_date(year, self.month, self.day).then_some(Civil {
            year,
            month: self.month,
            day: self.day,
            secs_of_day: self.secs_of_day,
            millis: self.millis,
        })
    }
}

/// Splits a syslog stamp off the front of `line`: the stamp and the rest after it.
pub(crate) fn split_syslog_stamp(line: &str) -> Option<(SyslogStamp, &str)> {
    let month = month_number(line.get(..3)?)?;
    let rest = line[3..].trim_start_matches(' ');
    let (day, rest) = rest.split_once(' ')?;
    let day: u8 = day
        .parse()
        .ok()
        .filter(|d| (1..=31).contains(d) && day.len() <= 2)?;
    let (time, rest) = rest.split_once(' ').unwrap_or((rest, ""));
    let (secs_of_day, millis) = parse_time_of_day(time)?;
    Some((
        SyslogStamp {
            month,
            day,
            secs_of_day,
            millis,
        },
        rest,
    ))
}

#[cfg(test)]
mod tests;
