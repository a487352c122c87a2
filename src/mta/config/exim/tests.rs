//! Tests of the Exim configuration importer.

use super::super::{ConfigFormat, import};
use super::*;
use crate::retry::{EximParams, EximRules, RetrySpec};

fn file(text: &str) -> Vec<ConfigFile> {
    vec![ConfigFile {
        name: "exim4.conf".into(),
        text: text.into(),
    }]
}

#[test]
fn times_are_exim_times() {
    assert_eq!(exim_time("2h"), Some(7200));
    assert_eq!(exim_time("1d12h"), Some(129_600));
    assert_eq!(exim_time("90"), Some(90));
    assert_eq!(exim_time("1w"), Some(604_800));
    assert_eq!(exim_time("2x"), None);
    assert_eq!(exim_time("h"), None);
    assert_eq!(
        rules("F,2h,15m; G,16h,1h,1.5; F,4d,6h").unwrap(),
        "F,2h,15m; G,16h,1h,1.5; F,4d,6h"
    );
    assert_eq!(rules("F,1d12h,900").unwrap(), "F,1d12h,15m");
    assert!(rules("F,2h").is_err());
}

#[test]
fn the_shipped_default_configuration_gives_exims_defaults() {
    let conf = "\
primary_hostname = mx1.example.org
MAIN_TLS_ENABLE = yes
.ifdef MAIN_TLS_ENABLE
tls_advertise_hosts = *
.endif
ignore_bounce_errors_after = 2d
timeout_frozen_after = 7d

begin routers
dnslookup:
  driver = dnslookup
  transport = remote_smtp

begin transports
remote_smtp:
  driver = smtp
  hosts_max_try = 5

begin retry
# Address or Domain    Error       Retries
*                      *           F,2h,15m; G,16h,1h,1.5; F,4d,6h

begin rewrite
";
    let imported = import(ConfigFormat::Exim, &file(conf)).unwrap();
    assert_eq!(imported.spec, RetrySpec::Exim(EximParams::default()));
    let t = &imported.text;
    for expected in [
        "    rules: \"F,2h,15m; G,16h,1h,1.5; F,4d,6h\",",
        "// exim4.conf:21 * * F,2h,15m; G,16h,1h,1.5; F,4d,6h",
        "delay_after_cutoff: true,",
        "// default (transport remote_smtp does not set it)",
        "    // Not modelled by mailsim:\n    //   ignore_bounce_errors_after = 2d (exim4.conf:6)\n    //   timeout_frozen_after = 7d (exim4.conf:7)\n    //   remote_smtp: hosts_max_try = 5 (exim4.conf:17)\n",
        "    //   `.ifdef MAIN_TLS_ENABLE` (exim4.conf:3)\n",
        "// Main options not about retry or queueing (ignored): primary_hostname, tls_advertise_hosts.",
    ] {
        assert!(t.contains(expected), "missing {expected:?} in\n{t}");
    }
}

#[test]
fn rules_main_options_and_transport_settings_are_read() {
    let conf = "\
delay_warning = 4h:8h:24h
retry_interval_max = 8h
begin transports
local_delivery:
  driver = appendfile
remote_smtp:
  driver = smtp
  no_delay_after_cutoff
  connect_timeout = 30s
begin retry
example.com   *      F,1h,5m
*             rcpt_4xx  senders=*@example.org  F,\\
                    4h,10m
*             *      F,1d12h,30m; G,3d,1h,2
";
    let imported = import(ConfigFormat::Exim, &file(conf)).unwrap();
    let RetrySpec::Exim(p) = &imported.spec else {
        panic!("{:?}", imported.spec)
    };
    assert_eq!(
        p.rules,
        EximRules::try_from("F,1d12h,30m; G,3d,1h,2".to_string()).unwrap()
    );
    assert_eq!(p.retry_interval_max, SimDuration::from_hours(8));
    assert_eq!(p.delay_warning, SimDuration::from_hours(4));
    assert!(!p.delay_after_cutoff);
    let t = &imported.text;
    for expected in [
        "// exim4.conf:14 * * F,1d12h,30m; G,3d,1h,2",
        "// exim4.conf:1 delay_warning = 4h:8h:24h (a list: mailsim repeats its first interval)",
        "// exim4.conf:8 delay_after_cutoff = false (transport remote_smtp)",
        "    //   `example.com * F,1h,5m` (exim4.conf:11)\n    //   `* rcpt_4xx senders=*@example.org F,4h,10m` (exim4.conf:12)\n",
        "    //   remote_smtp: connect_timeout = 30s (exim4.conf:9): set the sender's connections: (connect_timeout: …)\n",
    ] {
        assert!(t.contains(expected), "missing {expected:?} in\n{t}");
    }
}

#[test]
fn missing_and_broken_rules_are_errors() {
    let error = import(ConfigFormat::Exim, &file("primary_hostname = x\n")).unwrap_err();
    assert!(matches!(error, ImportError::Missing { .. }), "{error}");
    let error = import(ConfigFormat::Exim, &file("begin retry\n* * F,2h\n")).unwrap_err();
    assert_eq!(
        error.to_string(),
        "exim4.conf:2: `retry rule = * * F,2h`: `F,2h` is not a retry rule (F,cutoff,interval or G,cutoff,start,multiplier)"
    );
    let error = import(
        ConfigFormat::Exim,
        &file("begin retry\n* * F,4d,6h; F,2h,15m\n"),
    )
    .unwrap_err();
    assert!(
        matches!(error, ImportError::Policy { ref field, .. } if field == "rules"),
        "{error}"
    );
}
