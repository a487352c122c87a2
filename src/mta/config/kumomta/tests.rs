//! Tests of the KumoMTA importer.

use super::super::{ConfigFile, ConfigFormat, ImportError, import};
use super::toml::{rate_text, throttle};
use crate::domain::Rate;
use crate::engine::SimDuration;
use crate::retry::KumoMtaParams;
use crate::retry::{Action, AdaptiveParams, RetrySpec, Rule, Trigger};

fn files(list: &[(&str, &str)]) -> Vec<ConfigFile> {
    list.iter()
        .map(|(name, text)| ConfigFile {
            name: name.to_string(),
            text: text.to_string(),
        })
        .collect()
}

#[test]
fn throttles_parse_like_kumomta() {
    assert_eq!(throttle("5/hr"), Ok((5, 3600)));
    assert_eq!(throttle("local:1,000/h"), Ok((1000, 3600)));
    assert_eq!(throttle("1/minute"), Ok((1, 60)));
    assert_eq!(throttle("10/5min,max_burst=3"), Ok((10, 300)));
    assert!(throttle("0/h").is_err());
    assert!(throttle("5 per hour").is_err());
    assert!(throttle("5/week").is_err());
    assert_eq!(rate_text(1, 60), "1/min");
    assert_eq!(rate_text(10_000, 3600), "10000/h");
    assert_eq!(rate_text(10, 300), "2/min");
    assert_eq!(rate_text(7, 86_400), "7/d");
}

#[test]
fn queues_toml_alone_gives_kumomta_retry() {
    let queues = "\
scheduling_header = \"X-Schedule\"
[queue.default]
retry_interval = '10 minutes'
max_retry_interval = 3600
max_age = '24 hours'

[queue.'gmail.com']
max_age = '22 hours'
retry_interval = '17 mins'
";
    let imported = import(ConfigFormat::KumoMta, &files(&[("queues.toml", queues)])).unwrap();
    assert_eq!(
        imported.spec,
        RetrySpec::KumoMta(KumoMtaParams {
            retry_interval: SimDuration::from_mins(10),
            max_retry_interval: Some(SimDuration::from_hours(1)),
            max_age: SimDuration::from_hours(24),
        })
    );
    let t = &imported.text;
    for expected in [
        "    retry_interval: \"10m\",",
        "// queues.toml:3 retry_interval = \"10 minutes\" in [queue.default]",
        "// queues.toml:4 max_retry_interval = 3600 in [queue.default]",
        "    // Not modelled by mailsim:\n    //   queue \"gmail.com\" {max_age = \"22 hours\", retry_interval = \"17 mins\"} (queues.toml:7)\n)\n",
    ] {
        assert!(t.contains(expected), "missing {expected:?} in\n{t}");
    }
}

/// A shaping file with default settings, a source, a provider and three automation rules.
const SHAPING: &str = r#"
["default"]
connection_limit = 10
max_message_rate = "100/s"
max_deliveries_per_connection = 100

[["default".automation]]
regex = [ 'Messages from \d+\.\d+\.\d+\.\d+ temporarily deferred', 'Server busy\. Please try again later from' ]
action = [ {SetConfig = {name = "max_message_rate", value = "1/minute"}}, {SetConfig = {name = "connection_limit", value = 1}} ]
duration = "90m"

["example.com".sources."ip-1"]
connection_limit = 5

[provider."outlook"]
match = [{MXSuffix = ".olc.protection.outlook.com"}]
provider_connection_limit = 5

[[provider."outlook".automation]]
regex = "Server busy. Please try again later"
action = "Suspend"
trigger = {Threshold = "5/hr"}
duration = "30m"

[[provider."outlook".automation]]
regex = "Access denied"
action = "SuspendTenant"
duration = "1 hour"
"#;

fn shaping() -> super::super::Imported {
    import(ConfigFormat::KumoMta, &files(&[("shaping.toml", SHAPING)])).unwrap()
}

#[test]
fn shaping_automation_becomes_adaptive_rules() {
    let imported = shaping();
    let hour = SimDuration::from_hours(1);
    let rule = |pattern: &str, trigger, action, duration| Rule {
        code: None,
        pattern: Some(pattern.to_string()),
        trigger,
        action,
        duration,
    };
    let both = r"(?:Messages from \d+\.\d+\.\d+\.\d+ temporarily deferred)|(?:Server busy\. Please try again later from)";
    assert_eq!(
        imported.spec,
        RetrySpec::Adaptive(AdaptiveParams {
            base: Box::new(RetrySpec::KumoMta(KumoMtaParams::default())),
            rules: vec![
                rule(
                    both,
                    Trigger::Immediate,
                    Action::MaxMessageRate(Rate::per_second(1.0 / 60.0)),
                    SimDuration::from_mins(90)
                ),
                rule(
                    both,
                    Trigger::Immediate,
                    Action::ConnectionLimit(1),
                    SimDuration::from_mins(90)
                ),
                rule(
                    "Server busy. Please try again later",
                    Trigger::Threshold {
                        count: 5,
                        period: hour
                    },
                    Action::Suspend,
                    SimDuration::from_mins(30)
                ),
            ],
        })
    );
}

#[test]
fn shaping_settings_and_unmodelled_actions_are_named() {
    let imported = shaping();
    let t = &imported.text;
    for expected in [
        "        // \"default\" automation rule 1 (shaping.toml:8).",
        "            trigger: Threshold(count: 5, period: \"1h\"),",
        "        // Not modelled: action \"SuspendTenant\".",
        "        // This rule has no action mailsim models, so it is left out.",
        "    //   connection_limit = 10 (shaping.toml:3) is connections: (per_destination: 10)\n",
        "    //   \"default\" max_message_rate = \"100/s\" (shaping.toml:4)\n",
        "    //   \"example.com\" source \"ip-1\" {connection_limit = 5} (shaping.toml:12)\n",
        "    //   provider \"outlook\" {match = [{MXSuffix = \".olc.protection.outlook.com\"}], provider_connection_limit = 5} (shaping.toml:15)\n",
    ] {
        assert!(t.contains(expected), "missing {expected:?} in\n{t}");
    }
}

#[test]
fn broken_files_are_errors_with_their_place() {
    let error = import(ConfigFormat::KumoMta, &files(&[("s.toml", "[default\n")])).unwrap_err();
    assert!(matches!(error, ImportError::Syntax { .. }), "{error}");
    let bad = "[[\"default\".automation]]\nregex = \"x\"\naction = \"Suspend\"\ntrigger = {Threshold = \"5 per hour\"}\nduration = \"1h\"\n";
    let error = import(ConfigFormat::KumoMta, &files(&[("s.toml", bad)])).unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("s.toml:4: `trigger = {Threshold = \"5 per hour\"}`"),
        "{error}"
    );
    let bad = "[queue.default]\nmax_age = \"soon\"\n";
    let error = import(ConfigFormat::KumoMta, &files(&[("q.toml", bad)])).unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("q.toml:2: `max_age = \"soon\"`"),
        "{error}"
    );
}
