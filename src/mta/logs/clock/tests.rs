//! Tests of the log clock: stamps, years and offsets.

use super::*;

#[test]
fn days_round_trip_and_match_known_dates() {
    assert_eq!(days_from_civil(1970, 1, 1), 0);
    assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    assert_eq!(days_from_civil(2024, 12, 31), 20_088);
    for days in [-1000, 0, 11_016, 11_017, 20_088, 20_089, 60_000] {
        let (y, m, d) = civil_from_days(days);
        assert_eq!(days_from_civil(y, m, d), days);
    }
}

#[test]
fn stamps_print_as_rfc3339_in_their_offset() {
    let (civil, offset) = parse_rfc3339("2024-11-03T17:29:29.123456+01:00").unwrap();
    assert_eq!(offset, Some(3600));
    let stamp = Stamp::from_local(civil, 3600);
    assert_eq!(stamp.unix_ms, 1_730_651_369_123);
    assert_eq!(stamp.to_string(), "2024-11-03T17:29:29.123+01:00");
    assert_eq!(
        Stamp::from_unix_seconds(0.0).to_string(),
        "1970-01-01T00:00:00Z"
    );
    let (civil, offset) = parse_rfc3339("2024-11-03T17:29:29-0530").unwrap();
    assert_eq!(
        Stamp::from_local(civil, offset.unwrap()).to_string(),
        "2024-11-03T17:29:29-05:30"
    );
    assert_eq!(parse_rfc3339("2024-11-03 17:29:29").unwrap().1, None);
    assert!(parse_rfc3339("2024-02-30T00:00:00Z").is_none());
    assert!(parse_rfc3339("2024-11-03T25:00:00Z").is_none());
}

#[test]
fn hour_start_is_local() {
    let (civil, _) = parse_rfc3339("2024-11-03T17:29:29").unwrap();
    let stamp = Stamp::from_local(civil, 5400);
    assert_eq!(stamp.hour_start().to_string(), "2024-11-03T17:00:00+01:30");
    assert_eq!(stamp.short(), "2024-11-03 17:29");
}

#[test]
fn syslog_stamps_take_either_padding() {
    let (a, rest) = split_syslog_stamp("Nov  3 17:29:29 mx1 postfix/qmgr[1]: x").unwrap();
    let (b, _) = split_syslog_stamp("Nov 03 17:29:29 mx1 postfix/qmgr[1]: x").unwrap();
    assert_eq!(a, b);
    assert_eq!(rest, "mx1 postfix/qmgr[1]: x");
    assert_eq!(a.secs_of_day, 17 * 3600 + 29 * 60 + 29);
    assert!(split_syslog_stamp("Now  3 17:29:29 x").is_none());
    assert!(split_syslog_stamp("Nov 33 17:29:29 x").is_none());
    assert!(split_syslog_stamp("Nov  3 17:29 x").is_none());
}

#[test]
fn years_roll_over_in_january_and_late_lines_stay_behind() {
    let mut tracker = YearTracker::default();
    let years: Vec<i32> = [12, 12, 1, 12, 1, 2].map(|m| tracker.next(m)).to_vec();
    assert_eq!(years, vec![0, 0, 1, 0, 1, 1]);
    assert_eq!(tracker.rollovers(), 1);
    let rule = YearRule::EndsBy {
        year: 2025,
        month: 1,
    };
    // Ends in February 2025 by the file, but the rule says January: February must be 2024.
    assert_eq!(rule.first_year(1, Some(2)), 2023);
    assert_eq!(rule.first_year(1, Some(1)), 2024);
    assert_eq!(YearRule::FirstLine(2024).first_year(1, Some(1)), 2024);
    assert_eq!(
        YearRule::ended_at(1_735_700_000),
        YearRule::EndsBy {
            year: 2025,
            month: 1
        }
    );
}

#[test]
fn offsets_parse_in_the_usual_spellings() {
    assert_eq!(parse_utc_offset("+01:00"), Ok(3600));
    assert_eq!(parse_utc_offset("-0500"), Ok(-18_000));
    assert_eq!(parse_utc_offset("+0530"), Ok(19_800));
    assert_eq!(parse_utc_offset("+01"), Ok(3600));
    assert_eq!(parse_utc_offset("Z"), Ok(0));
    for bad in ["01:00", "+1:00", "+25:00", "+01:0", "CET"] {
        assert!(parse_utc_offset(bad).is_err(), "{bad}");
    }
}

#[test]
fn times_of_day_keep_milliseconds() {
    assert_eq!(parse_time_of_day("10:15:02.123456"), Some((36_902, 123)));
    assert_eq!(parse_time_of_day("10:15:02.5"), Some((36_902, 500)));
    assert_eq!(parse_time_of_day("10:15"), None);
    assert_eq!(parse_time_of_day("10:15:02:01"), None);
}
