//! Micro-scenarios for Office 365's incidents and the other receivers' rules: anti-spam rule
//! changes with allow-listing, fixes and a fading reversion; DNS trouble; banned IPs;
//! greylisting; new-IP probation and reputation-scaled throttles. Each has an exact or
//! analytic expected result, checked on the run's steps (the observer) or its summary.

use crate::helpers::{self, scenario};
use mailsim::domain::Reply;
use mailsim::model::{Happening, Observer, RunControl, Step, simulate_observed};

/// Keeps every attempt's end: (time in seconds, sending IP index, reply).
#[derive(Default)]
struct Attempts(Vec<(f64, usize, Reply)>);

impl Observer for Attempts {
    fn observe(&mut self, step: &Step) {
        if let Happening::AttemptEnded { ip, reply, .. } = step.what {
            self.0.push((step.time.as_secs_f64(), ip, reply));
        }
    }
}

fn attempts(text: &str) -> Vec<(f64, usize, Reply)> {
    let mut seen = Attempts::default();
    simulate_observed(&scenario(text), 0, RunControl::default(), &mut seen).expect("runs");
    seen.0
}

/// Two IPs (203.0.113.1 and .2), one message a minute for `hours`, instant transactions, a
/// fixed 10-minute retry, and `receiver` as the only receiver.
fn steady(receiver: &str, hours: u32) -> String {
    format!(
        r#"(
            name: "micro",
            run: (horizon: "2d", sample_every: "10m"),
            senders: [(
                name: "s",
                ips: [(count: 2, first_address: "203.0.113.1")],
                traffic: [Campaign(messages: {n}, at: "0s", spread: "{hours}h")],
                recipients: (mix: {{"r": 1.0}}),
                connections: (per_destination: 1, messages_per_connection: 1, transaction_time: Fixed("0s")),
                retry: Fixed(interval: "10m"),
            )],
            receivers: {{ "r": {receiver} }},
        )"#,
        n = hours * 60
    )
}

#[test]
fn an_allow_listed_ip_is_refused_until_the_allow_listing_instant_and_never_after() {
    // Both IPs are restricted from 1h; .1 is allow-listed at 2h; the rule is reverted at 4h.
    let text = steady(
        r#"(incidents: [(
            name: "anti-spam rule change", start: "1h", end: "4h",
            ips: ["203.0.113.1", "203.0.113.2"],
            allow_listed: [(at: "2h", ips: ["203.0.113.1"])],
        )])"#,
        5,
    );
    let seen = attempts(&text);
    let denied = |ip: usize| -> Vec<f64> {
        seen.iter()
            .filter(|(_, i, r)| *i == ip && *r == Reply::AccessDenied)
            .map(|(t, _, _)| *t)
            .collect()
    };
    let (first, second) = (denied(0), denied(1));
    // Every attempt of a restricted IP inside the window is refused (deferral 1)...
    for (t, ip, reply) in &seen {
        let restricted =
            (3600.0..7200.0).contains(t) || (*ip == 1 && (3600.0..14_400.0).contains(t));
        assert_eq!(
            *reply == Reply::AccessDenied,
            restricted,
            "{t} s from IP {ip}: {reply}"
        );
    }
    // ...so the allow-listed IP's refusals stop exactly at 2h, the other's at the reversion.
    assert_eq!(first.first(), Some(&3600.0));
    assert!(first.last().is_some_and(|&t| t < 7200.0));
    assert!(
        seen.iter()
            .any(|&(t, i, r)| i == 0 && t == 7200.0 && r == Reply::Accepted)
    );
    assert!(
        second
            .last()
            .is_some_and(|&t| (14_340.0..14_400.0).contains(&t))
    );
}

#[test]
fn a_failed_fix_changes_nothing_and_a_working_one_lowers_the_refusals() {
    let incident = |fixes: &str| {
        steady(
            &format!(
                r#"(incidents: [(name: "rule", start: "0s", end: "6h", fraction: 1.0, deferral: 0.8, fixes: [{fixes}])])"#
            ),
            6,
        )
    };
    let refused_after_3h = |text: &str| {
        attempts(text)
            .iter()
            .filter(|(t, _, r)| {
                *t >= 3.0 * 3600.0 && *t < 6.0 * 3600.0 && *r == Reply::AccessDenied
            })
            .count()
    };
    let none = refused_after_3h(&incident(""));
    let failed = refused_after_3h(&incident(r#"(at: "3h", deferral: 0.8)"#));
    let working = refused_after_3h(&incident(r#"(at: "3h", deferral: 0.1)"#));
    // A fix that fails leaves the rule exactly as it was (same random draws, same result).
    assert_eq!(failed, none);
    assert!(working * 4 < none, "working fix {working}, none {none}");
}

#[test]
fn after_the_reversion_refusals_fade_linearly_to_zero_over_the_fade_period() {
    let text = steady(
        r#"(incidents: [(name: "rule", start: "0s", end: "1h", fraction: 1.0, fade: "1h")])"#,
        3,
    );
    let seen = attempts(&text);
    let share = |from: f64, to: f64| {
        let window: Vec<_> = seen
            .iter()
            .filter(|(t, _, _)| (from..to).contains(t))
            .collect();
        let refused = window
            .iter()
            .filter(|(_, _, r)| *r == Reply::AccessDenied)
            .count();
        refused as f64 / window.len() as f64
    };
    assert_eq!(share(0.0, 3600.0), 1.0);
    // Over the fade hour the probability falls from 1 to 0: about one half overall, more in
    // its first quarter (mean 7/8) than in its last (mean 1/8).
    assert!((0.35..0.65).contains(&share(3600.0, 7200.0)));
    assert!(share(3600.0, 4500.0) > share(6300.0, 7200.0) + 0.4);
    assert_eq!(share(7200.0, 10_800.0), 0.0);
}

#[test]
fn a_fraction_of_ips_is_drawn_once_per_run() {
    // With 2 IPs and fraction 0.5 each IP is either always or never refused in the window.
    let text = steady(
        r#"(incidents: [(name: "rule", start: "0s", end: "2h", fraction: 0.5)])"#,
        2,
    );
    let seen = attempts(&text);
    for ip in 0..2 {
        let replies: Vec<Reply> = seen
            .iter()
            .filter(|(t, i, _)| *i == ip && *t < 7200.0)
            .map(|(_, _, r)| *r)
            .collect();
        let refused = replies
            .iter()
            .filter(|r| **r == Reply::AccessDenied)
            .count();
        assert!(
            refused == 0 || refused == replies.len(),
            "IP {ip}: {refused} of {}",
            replies.len()
        );
    }
}

/// One message at t=0 to receiver `r`, instant transactions, 10-minute retries.
fn single(receiver: &str) -> String {
    format!(
        r#"(
            name: "micro",
            run: (horizon: "10d", sample_every: "10m"),
            senders: [(
                name: "s",
                ips: [(count: 1, first_address: "203.0.113.1")],
                traffic: [Campaign(messages: 1, at: "0s")],
                recipients: (mix: {{"r": 1.0}}),
                connections: (per_destination: 1, transaction_time: Fixed("2s")),
                retry: Fixed(interval: "10m"),
            )],
            receivers: {{ "r": {receiver} }},
        )"#
    )
}

#[test]
fn a_greylisted_first_attempt_is_delivered_at_the_first_retry_after_the_delay() {
    // First attempt at 0 (greylisted, ends at 2 s); retries at 10m02s (< 25 min: greylisted
    // again), 20m04s (still < 25m), 30m06s → accepted, delivered at 30m08s.
    let seen = attempts(&single(r#"(greylisting: (delay: "25m"))"#));
    let replies: Vec<Reply> = seen.iter().map(|(_, _, r)| *r).collect();
    assert_eq!(
        replies,
        vec![
            Reply::Greylisted,
            Reply::Greylisted,
            Reply::Greylisted,
            Reply::Accepted
        ]
    );
    assert_eq!(seen[3].0, 30.0 * 60.0 + 8.0);
    // With the default 5 minutes the first retry (10m02s) gets through.
    let seen = attempts(&single(r#"(greylisting: ())"#));
    assert_eq!(seen.len(), 2);
    assert_eq!((seen[1].0, seen[1].2), (10.0 * 60.0 + 4.0, Reply::Accepted));
}

#[test]
fn a_banned_ip_bounces_with_5_7_606_until_it_is_delisted() {
    let seen = attempts(&single(r#"(bans: [(ip: "203.0.113.1", delisted: "1h")])"#));
    assert_eq!(seen, vec![(2.0, 0, Reply::BannedIp)]);
    // A ban that starts later does not touch an earlier attempt.
    let text = single(r#"(bans: [(ip: "203.0.113.1", from: "1h")])"#);
    assert_eq!(attempts(&text), vec![(2.0, 0, Reply::Accepted)]);
}

#[test]
fn an_spf_temperror_window_defers_with_4_7_0_until_it_ends() {
    // Window [0, 25m): attempts at 0, 10m02s, 20m04s fail; 30m06s is delivered.
    let seen = attempts(&single(
        r#"(dns_trouble: [(start: "0s", end: "25m", kind: SpfTempError)])"#,
    ));
    assert_eq!(seen.len(), 4);
    assert!(seen[..3].iter().all(|(_, _, r)| *r == Reply::SpfTempError));
    assert_eq!(seen[3].2, Reply::Accepted);
}

#[test]
fn an_mx_lookup_failure_defers_at_once_without_holding_a_connection() {
    // No connection: each failed attempt ends the instant it starts (0, 10m, 20m), and the
    // attempt at 30m is delivered 2 s later.
    let seen = attempts(&single(
        r#"(dns_trouble: [(start: "0s", end: "25m", kind: MxLookup)])"#,
    ));
    let times: Vec<f64> = seen.iter().map(|(t, _, _)| *t).collect();
    assert_eq!(times, vec![0.0, 600.0, 1200.0, 1802.0]);
    assert!(
        seen[..3]
            .iter()
            .all(|(_, _, r)| *r == Reply::MxLookupFailed)
    );
}

#[test]
fn dns_trouble_names_existing_senders() {
    let text =
        single(r#"(dns_trouble: [(start: "0s", end: "25m", kind: SpfTempError, senders: ["s"])])"#)
            .replace(r#"name: "s","#, r#"name: "s2","#);
    let error = mailsim::scenario::parse("t.ron", &text).expect_err("unknown sender");
    assert!(format!("{error:?}").contains("dns_trouble[0].senders[0]"));
}

#[test]
fn a_new_ip_on_probation_is_accepted_at_the_probation_share_of_the_throttle() {
    // Throttle 60/h, burst 1; a brand-new IP gets 10% rising to 100% over 10 days, so over the
    // first day it is allowed about 6/h to 11.4/h: 24 h × (6 + 11.4) / 2 ≈ 209 tokens (+1).
    let text = r#"(
        name: "micro",
        run: (horizon: "1d", sample_every: "1h", stop_when_drained: false),
        senders: [(
            name: "s",
            ips: [(count: 1, sending_history: "0s")],
            traffic: [Poisson(rate: "120/h")],
            recipients: (mix: {"r": 1.0}),
            connections: (transaction_time: Fixed("0s")),
            retry: Fixed(interval: "1m"),
        )],
        receivers: { "r": (throttle: (rate: "60/h", burst: 1), probation: (period: "10d", start: 0.1)) },
    )"#;
    let summary = helpers::run(text).summary;
    assert!(
        (195..=212).contains(&summary.delivered),
        "{}",
        summary.delivered
    );
    // An established IP gets the whole throttle: about 24 × 60.
    let established = helpers::run(&text.replace(r#", sending_history: "0s""#, "")).summary;
    assert!(
        (1420..=1441).contains(&established.delivered),
        "{}",
        established.delivered
    );
}

#[test]
fn a_reputation_class_share_scales_the_throttle() {
    let text = r#"(
        name: "micro",
        run: (horizon: "10h", sample_every: "1h", stop_when_drained: false),
        senders: [(
            name: "s",
            ips: [(count: 1, reputation: Poor)],
            traffic: [Poisson(rate: "600/h")],
            recipients: (mix: {"r": 1.0}),
            connections: (transaction_time: Fixed("0s")),
            retry: Fixed(interval: "1m"),
        )],
        receivers: { "r": (throttle: (rate: "100/h", burst: 10, by_reputation: { Poor: 0.25 })) },
    )"#;
    // 25/h for 10 h plus a burst of 2.5 tokens.
    let delivered = helpers::run(text).summary.delivered;
    assert!((250..=253).contains(&delivered), "{delivered}");
}

#[test]
fn named_ips_must_be_sending_ips() {
    let text = single(r#"(bans: [(ip: "198.51.100.7")])"#);
    let error = mailsim::scenario::parse("t.ron", &text).expect_err("unknown IP");
    let shown = format!("{error:?}");
    assert!(shown.contains("receivers.r.bans[0].ip"), "{shown}");
    assert!(
        shown.contains("198.51.100.7 is not a sending IP"),
        "{shown}"
    );
}

/// `n` messages at once from a sender whose SPF and DKIM fail (DMARC passes), each tried once
/// (a lifetime of zero: a deferral expires it at once), to `receiver`.
fn unauthenticated(n: u32, receiver: &str) -> String {
    format!(
        r#"(
            name: "micro",
            senders: [(
                name: "s",
                traffic: [Campaign(messages: {n}, at: "0s")],
                recipients: (mix: {{"r": 1.0}}),
                connections: (transaction_time: Fixed("0s")),
                authentication: (spf: Fail, dkim: Fail),
                retry: Fixed(interval: "1h", lifetime: "0s"),
            )],
            receivers: {{ "r": {receiver} }},
        )"#
    )
}

#[test]
fn failed_authentication_checks_compound_into_deferrals_and_rejections() {
    // Two failed checks at 0.5 each: deferred with probability 1 − 0.5² = 0.75.
    let summary = helpers::run(&unauthenticated(
        10_000,
        "(authentication: (deferral: 0.5, rejection: 0.0))",
    ))
    .summary;
    let deferred = summary.deferrals["4.7.26"] as f64 / 10_000.0;
    // Binomial standard error √(0.75 × 0.25 / 10 000) ≈ 0.0043: allow 4 of them.
    assert!((deferred - 0.75).abs() < 0.018, "{deferred}");
    assert_eq!(summary.expired, summary.deferrals["4.7.26"]);
    // Rejections at 0.1 per check: 1 − 0.9² = 0.19 bounce with 550 5.7.515.
    let summary = helpers::run(&unauthenticated(
        10_000,
        "(authentication: (deferral: 0.0, rejection: 0.1))",
    ))
    .summary;
    let bounced = summary.bounced as f64 / 10_000.0;
    assert!((bounced - 0.19).abs() < 0.016, "{bounced}");
    // A receiver that ignores authentication, or a sender that passes, sees no effect.
    let ignored = helpers::run(&unauthenticated(1000, "()")).summary;
    assert_eq!(ignored.delivered, 1000);
    let passing = unauthenticated(1000, "(authentication: ())")
        .replace("authentication: (spf: Fail, dkim: Fail),", "");
    assert_eq!(helpers::run(&passing).summary.delivered, 1000);
}

#[test]
fn hourly_receive_limits_bounce_with_5_2_121_then_5_2_122_and_reset_each_hour() {
    // One mailbox; per sender 10 an hour, 12 an hour from everyone. Sender a: 15 messages at
    // 0 → 10 accepted, 5 bounce with 5.2.121. Sender b: 10 at 1m → 2 accepted (the mailbox's
    // 12), 8 bounce with 5.2.122. Sender a again at 1h: a new hour, 10 accepted.
    let text = r#"(
        name: "micro",
        senders: [(
            name: "a",
            traffic: [Campaign(messages: 15, at: "0s"), Campaign(messages: 10, at: "1h")],
            recipients: (mix: {"r": 1.0}),
            connections: (transaction_time: Fixed("0s")),
            retry: Fixed(interval: "10m"),
        ), (
            name: "b",
            traffic: [Campaign(messages: 10, at: "1m")],
            recipients: (mix: {"r": 1.0}),
            connections: (transaction_time: Fixed("0s")),
            retry: Fixed(interval: "10m"),
        )],
        receivers: { "r": (recipient_limits: (mailboxes: 1, per_sender_per_hour: 10, per_hour: 12)) },
    )"#;
    let seen = attempts(text);
    let count = |reply: Reply| seen.iter().filter(|a| a.2 == reply).count();
    assert_eq!(count(Reply::Accepted), 10 + 2 + 10);
    assert_eq!(count(Reply::SenderHourlyLimit), 5);
    assert_eq!(count(Reply::RecipientHourlyLimit), 8);
    let summary = helpers::run(text).summary;
    assert_eq!(summary.bounced, 13);
    // Spread over many mailboxes, the same traffic never reaches a limit.
    let spread = text.replace("mailboxes: 1,", "mailboxes: 100000,");
    assert_eq!(helpers::run(&spread).summary.bounced, 0);
}

#[test]
fn incident_mistakes_name_the_field_and_say_how_to_fix_them() {
    let cases = [
        (
            r#"(incidents: [(name: "x", start: "1h", end: "2h", ips: ["203.0.113.1"], fraction: 0.5)])"#,
            "receivers.r.incidents[0]",
            "not both or neither",
        ),
        (
            r#"(incidents: [(name: "x", start: "1h", end: "2h", fraction: 0.5, fixes: [(at: "3h", deferral: 0.1)])])"#,
            "receivers.r.incidents[0].fixes[0].at",
            "the final reversion is `end`",
        ),
        (
            r#"(incidents: [(name: "x", start: "2h", end: "1h", fraction: 0.5)])"#,
            "receivers.r.incidents[0].end",
            "make end later than start",
        ),
        (
            r#"(incidents: [(name: "x", start: "1h", end: "2h", fraction: 1.0, allow_listed: [(at: "1h", ips: ["10.0.0.300"])])])"#,
            "receivers.r.incidents[0].allow_listed[0].ips[0]",
            "not an IPv4 address",
        ),
        (
            r#"(probation: (period: "0s"))"#,
            "receivers.r.probation.period",
            "a few days",
        ),
        (
            r#"(recipient_limits: (mailboxes: 0, per_hour: 10))"#,
            "receivers.r.recipient_limits.mailboxes",
            "at least 1",
        ),
        (
            r#"(bans: [(ip: "203.0.113.1", from: "2h", delisted: "1h")])"#,
            "receivers.r.bans[0].delisted",
            "make delisted later than from",
        ),
    ];
    for (receiver, field, hint) in cases {
        let error = mailsim::scenario::parse("t.ron", &single(receiver)).expect_err(receiver);
        // The rendered report wraps long lines: compare with the wrapping undone.
        let shown = format!("{:?}", miette::Report::new(error)).replace('│', " ");
        let shown = shown.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            shown.contains(field) && shown.contains(hint),
            "{receiver}:\n{shown}"
        );
    }
}

#[test]
fn validate_describes_the_new_receiver_rules() {
    let scenario = helpers::scenario(&single(
        r#"(
            incidents: [(name: "rule change", start: "1h", end: "2h", ips: ["203.0.113.1"], allow_listed: [(at: "90m", ips: ["203.0.113.1"])], fade: "30m")],
            dns_trouble: [(start: "0s", end: "1h", kind: SpfTempError)],
            bans: [(ip: "203.0.113.1", from: "3h", delisted: "4h")],
            greylisting: (),
            probation: (),
            recipient_limits: (mailboxes: 10, per_hour: 5),
            authentication: (),
        )"#,
    ));
    let text = scenario.describe();
    for expected in [
        "incident \"rule change\" from 1h to 2h (fading over 30m): 203.0.113.1 refused with probability 1.00",
        "allow-listed at 1h30m: 203.0.113.1",
        "DNS trouble (SPF temperror) from 0s to 1h, 100% of attempts, senders s",
        "ban of 203.0.113.1 from 3h until 4h (550 5.7.606)",
        "greylisting: new triplets deferred for 5m (450 4.2.0)",
        "probation: new IPs start at 10% of the throttle, full after 3d of history",
        "recipient limits: 10 mailboxes; per hour per sender no limit (550 5.2.121), from all senders 5 (550 5.2.122)",
        "authentication: per failed check, 10.0% deferred (451 4.7.26), 5.0% rejected (550 5.7.515)",
    ] {
        assert!(text.contains(expected), "no {expected:?} in\n{text}");
    }
}
