//! The Office 365 scenario library: each file's "What to look for" claims, checked on its
//! output (the summary, the time series, or the run's steps through an observer).

use std::collections::HashMap;
use std::path::Path;

use mailsim::domain::Reply;
use mailsim::metrics::{Sample, Summary};
use mailsim::model::{Happening, Observer, RunControl, RunOutput, Step, simulate_observed};
use mailsim::scenario::{Scenario, parse};

fn load(file: &str) -> Scenario {
    mailsim::scenario::load(Path::new(file)).expect("valid")
}

/// Every attempt: (start time in seconds, sender, sending IP index, reply). The receiver
/// decides its reply when the attempt starts, so the start is the instant that counts.
#[derive(Default)]
struct Attempts {
    started: HashMap<u64, f64>,
    seen: Vec<(f64, usize, usize, Reply)>,
}

impl Observer for Attempts {
    fn observe(&mut self, step: &Step) {
        match step.what {
            Happening::AttemptStarted { .. } => {
                self.started.insert(step.message, step.time.as_secs_f64());
            }
            Happening::AttemptEnded { ip, reply, .. } => {
                let start = self.started.remove(&step.message).unwrap_or(f64::NAN);
                self.seen.push((start, step.sender, ip, reply));
            }
            _ => {}
        }
    }
}

fn run_observed(scenario: &Scenario) -> (RunOutput, Vec<(f64, usize, usize, Reply)>) {
    let mut seen = Attempts::default();
    let output = simulate_observed(scenario, 0, RunControl::default(), &mut seen).expect("runs");
    (output, seen.seen)
}

fn peak(samples: &[Sample], gauge: impl Fn(&Sample) -> u64) -> &Sample {
    samples.iter().max_by_key(|s| gauge(s)).expect("samples")
}

#[test]
fn antispam_incident_relieves_the_allow_listed_ip_at_once_and_the_other_after_the_fade() {
    let (output, seen) = run_observed(&load("scenarios/o365-antispam-incident.ron"));
    let summary = &output.summary;
    assert_eq!(
        summary.deferrals.keys().collect::<Vec<_>>(),
        vec!["4.7.500"]
    );
    assert!(seen.iter().all(|a| a.3 != Reply::ServerBusy));
    let refused = |ip: usize| -> Vec<f64> {
        seen.iter()
            .filter(|a| a.2 == ip && a.3 == Reply::AccessDenied)
            .map(|a| a.0)
            .collect()
    };
    // IP 0 (.10) is refused from 1h until the allow-listing at 3h, never after.
    let ten = refused(0);
    assert!(ten.iter().all(|&t| (3600.0..10_800.0).contains(&t)));
    assert!(ten.len() > 500, "{}", ten.len());
    // IP 1 (.11) through the failed fix at 5h until the reversion, thinning out until 9h.
    let eleven = refused(1);
    let count = |from: f64, to: f64| eleven.iter().filter(|&&t| (from..to).contains(&t)).count();
    assert!(eleven.iter().all(|&t| (3600.0..32_400.0).contains(&t)));
    assert!(count(4.0 * 3600.0, 5.0 * 3600.0) > 0 && count(5.0 * 3600.0, 6.0 * 3600.0) > 0);
    // The failed fix changes nothing: as many refusals in the hour after it as in the one before.
    let (before, after) = (
        count(4.0 * 3600.0, 5.0 * 3600.0),
        count(5.0 * 3600.0, 6.0 * 3600.0),
    );
    assert!(
        after * 10 > before * 8 && after * 10 < before * 12,
        "{before} then {after}"
    );
    // The fade: fewer refusals in the hour after the reversion than in the hour before it.
    assert!(count(8.0 * 3600.0, 9.0 * 3600.0) * 10 < count(7.0 * 3600.0, 8.0 * 3600.0) * 7);
    // The other two IPs are never refused.
    assert!(refused(2).is_empty() && refused(3).is_empty());
    // The retry queue climbs from 1h and drains within one retry interval after 9h.
    let drain = summary.retry_queue_empty_s.expect("drains");
    assert!(
        (9.0 * 3600.0..9.25 * 3600.0 + 60.0).contains(&drain),
        "drain {drain}"
    );
    assert_eq!(summary.expired, 0);
    assert_eq!(summary.delivered, summary.arrived);
}

#[test]
fn network_outage_peaks_inside_the_window_and_drains_after() {
    let output =
        mailsim::model::simulate(&load("scenarios/o365-network-outage.ron"), 0).expect("runs");
    let summary = &output.summary;
    let top = peak(&output.samples, Sample::queued).time.as_secs_f64();
    assert!(
        (2.0 * 3600.0..=5.5 * 3600.0).contains(&top),
        "peak at {top}"
    );
    assert_eq!(
        summary.deferrals.keys().collect::<Vec<_>>(),
        vec!["4.3.2", "4.4.1"]
    );
    let drain = summary.retry_queue_empty_s.expect("drains");
    assert!(
        drain > 5.5 * 3600.0 && drain < 8.0 * 3600.0,
        "drain {drain}"
    );
    assert_eq!(summary.expired, 0);
    // Timed-out connections hold their slots: messages wait for a connection.
    assert!(summary.peak_waiting_connection > 100);
    // Postfix's dead destination defers due mail without connecting.
    assert!(summary.deferrals.values().sum::<u64>() > summary.attempts - summary.delivered);
}

#[test]
fn spf_temperror_hits_only_the_named_domain_and_mx_failures_need_no_connection() {
    let (output, seen) = run_observed(&load("scenarios/dns-spf-temperror.ron"));
    for &(t, sender, _, reply) in &seen {
        match reply {
            Reply::SpfTempError => {
                assert_eq!(sender, 0, "only the newsletter");
                assert!((3600.0..3.0 * 3600.0 + 1.0).contains(&t), "{t}");
            }
            Reply::MxLookupFailed => assert!((4.0 * 3600.0..5.0 * 3600.0).contains(&t), "{t}"),
            Reply::Accepted => {}
            other => panic!("unexpected {other} at {t}"),
        }
    }
    assert!(
        seen.iter()
            .any(|a| a.1 == 1 && a.3 == Reply::MxLookupFailed)
    );
    assert!(!seen.iter().any(|a| a.1 == 1 && a.3 == Reply::SpfTempError));
    let summary = &output.summary;
    assert!(summary.deferrals["4.7.0"] > 1000 && summary.deferrals["4.4.3"] > 100);
    // The retry queue is empty within one retry interval (plus a transaction) after 5h.
    let drain = summary.retry_queue_empty_s.expect("drains");
    assert!(drain <= 5.0 * 3600.0 + 601.0, "drain {drain}");
}

#[test]
fn a_new_ip_warms_up_as_computed_while_the_established_one_is_never_deferred() {
    let (output, seen) = run_observed(&load("scenarios/new-ip-warmup.ron"));
    assert!(
        seen.iter()
            .all(|a| a.3 == Reply::Accepted || (a.1 == 0 && a.3 == Reply::ServerBusy))
    );
    let summary = &output.summary;
    // Analytic peak: ≈ 3 853 messages at t ≈ 45.3 h (Poisson noise: a few percent).
    assert!(
        (3600..4100).contains(&summary.peak_queue),
        "{}",
        summary.peak_queue
    );
    let top = peak(&output.samples, |s| s.waiting_retry)
        .time
        .as_secs_f64()
        / 3600.0;
    assert!((41.0..50.0).contains(&top), "peak at {top} h");
    // Drained a little after the traffic ends at 4 days: 2 588 left at 3 days drain at 100/h.
    let drain = summary.retry_queue_empty_s.expect("drains") / 3600.0;
    assert!((96.0..100.0).contains(&drain), "drain {drain} h");
    assert_eq!(summary.expired, 0);
}

#[test]
fn greylisting_defers_each_small_server_message_once_and_delivers_within_minutes() {
    let (output, seen) = run_observed(&load("scenarios/greylisting.ron"));
    let summary = &output.summary;
    assert_eq!(summary.deferrals.keys().collect::<Vec<_>>(), vec!["4.2.0"]);
    // Attempts: smallbiz messages are greylisted on the first, accepted on the second (rarely
    // on the third, 5 minutes later); Office 365 accepts every first attempt.
    let two = summary.attempts_per_message.get(&2).copied().unwrap_or(0);
    let three = summary.attempts_per_message.get(&3).copied().unwrap_or(0);
    assert!(three * 50 < two, "{two} twice, {three} three times");
    assert_eq!(summary.deferrals["4.2.0"], two + 2 * three);
    assert!(!summary.attempts_per_message.keys().any(|&n| n > 3));
    let latency = summary.latency_s.as_ref().expect("latency");
    assert!(latency.max <= 10.0 * 60.0 + 2.0 && latency.p99 < 10.0 * 60.0 + 2.0);
    assert!(summary.peak_queue < 60, "{}", summary.peak_queue);
    assert!(
        seen.iter()
            .all(|a| a.3 == Reply::Accepted || a.3 == Reply::Greylisted)
    );
}

fn with_retry(text: &str, retry: &str) -> Summary {
    let text = text.replace("retry: Postfix(),", &format!("retry: {retry},"));
    let scenario = parse("shootout", &text).expect("valid");
    mailsim::model::simulate(&scenario, 0)
        .expect("runs")
        .summary
}

#[test]
fn incident_shootout_shows_the_documented_differences() {
    let text = std::fs::read_to_string("scenarios/o365-incident-shootout.ron").expect("file");
    let drained = |s: &Summary| s.retry_queue_empty_s.expect("drains") / 3600.0;
    let postfix = with_retry(&text, "Postfix()");
    let fope = with_retry(&text, "Fope()");
    let online = with_retry(&text, "ExchangeOnline()");
    let kumo = with_retry(&text, "KumoMta()");
    let kumo_o365 = with_retry(&text, "KumoMtaOffice365()");
    let exim = with_retry(&text, "Exim()");
    let rfc = with_retry(&text, "Rfc5321()");
    for s in [&postfix, &fope, &online, &kumo, &kumo_o365, &exim, &rfc] {
        assert_eq!(s.delivered, 10_000);
    }
    // Fixed short intervals finish first, in the order of their intervals.
    assert!(drained(&online) < drained(&fope) && drained(&fope) < drained(&rfc));
    assert!(drained(&fope) < 4.0 && drained(&postfix) > 6.0);
    assert!(drained(&kumo) > 11.0);
    // Exim's host retry record holds even the median message.
    assert!(exim.latency_s.as_ref().expect("latency").p50 >= 15.0 * 60.0);
    // KumoMTA's Outlook suspensions: few refusals, but the median waits for the reversion.
    assert!(kumo_o365.deferrals["4.7.500"] < 200);
    assert!(kumo_o365.latency_s.as_ref().expect("latency").p50 > 6.0 * 3600.0);
    // About one refusal per message for the others.
    for s in [&postfix, &fope, &online, &kumo, &exim, &rfc] {
        assert!((8_500..10_500).contains(&s.deferrals["4.7.500"]));
    }
}

#[test]
fn capacity_planning_needs_four_ips_for_six_hours() {
    let text = std::fs::read_to_string("scenarios/capacity-planning.ron").expect("file");
    let drain = |ips: u32| {
        let text = text.replace("count: 4,", &format!("count: {ips},"));
        let scenario = parse("capacity", &text).expect("valid");
        let summary = mailsim::model::simulate(&scenario, 0)
            .expect("runs")
            .summary;
        assert_eq!(summary.delivered, 20_000);
        let done = summary.all_done_s.expect("all mail done");
        assert!(
            done >= summary
                .retry_queue_empty_s
                .expect("the retry queue empties")
        );
        done / 3600.0
    };
    // (N − k × burst) / (k × R), plus at most one 15-minute retry interval.
    let four = drain(4);
    assert!(
        (4.75..4.75 + 0.25 + 0.01).contains(&four),
        "4 IPs: {four} h"
    );
    let three = drain(3);
    let expected = (20_000.0 - 750.0) / 3000.0;
    assert!(
        (expected..expected + 0.26).contains(&three),
        "3 IPs: {three} h"
    );
    assert!(four < 6.0 && three > 6.0);
}

#[test]
fn charts_shade_and_label_incidents_and_dns_trouble() {
    use mailsim::report::charts::{self, Chart, Format, RunView};
    let queue_svg = |file: &str| {
        let scenario = load(file);
        let output = mailsim::model::simulate(&scenario, 0).expect("runs");
        let view = RunView {
            scenario: &scenario,
            output: &output,
        };
        let bytes = charts::render(Chart::QueueDepth, &view, Format::Svg).expect("renders");
        String::from_utf8(bytes).expect("UTF-8")
    };
    let incident = queue_svg("scenarios/o365-antispam-incident.ron");
    for label in [
        "o365: anti-spam rule change",
        "allow-listed 203.0.113.10",
        "fix: 90% refused",
        "reverted",
        "receiver outage, incident, DNS trouble or ban",
    ] {
        assert!(incident.contains(label), "no {label:?}");
    }
    let dns = queue_svg("scenarios/dns-spf-temperror.ron");
    assert!(dns.contains("o365 SPF temperror") && dns.contains("fabrikam MX lookup failure"));
}

#[test]
fn deferral_rates_single_out_the_restricted_ips() {
    let scenario = load("scenarios/o365-antispam-incident.ron");
    let output = mailsim::model::simulate(&scenario, 0).expect("runs");
    let d = &output.deliverability;
    let rate = |ip: usize| d.ip(0, ip).deferral_rate().expect("attempts");
    // .11 was restricted for 8 hours, .10 for 2; .12 and .13 never.
    assert!(
        rate(1) > 2.0 * rate(0) && rate(0) > 0.1,
        "{} {}",
        rate(1),
        rate(0)
    );
    assert_eq!((rate(2), rate(3)), (0.0, 0.0));
    let total = d.receiver(0);
    assert_eq!(total.attempts, output.summary.attempts);
    assert_eq!(total.deferred, output.summary.deferrals["4.7.500"]);
    // Over time: the receiver's cumulative counts end at the totals, one row per sample.
    let series: Vec<_> = d.receiver_over_time(0).collect();
    assert_eq!(series.len(), output.samples.len());
    assert_eq!(series.last(), Some(&total));
    let csv = mailsim::report::deliverability_csv(&scenario, d);
    assert!(csv.starts_with("receiver,ip,attempts,deferrals,rejections,deferral_rate\no365,all,"));
    assert_eq!(csv.lines().count(), 6);
    let table = mailsim::report::deliverability_table(&scenario, d);
    let first_ip = table.lines().nth(3).expect("the highest IP");
    assert!(first_ip.contains("203.0.113.11 → o365"), "{table}");
}

#[test]
fn permanent_failures_bounce_at_once_and_the_ban_ends_at_the_delisting() {
    let scenario = load("scenarios/o365-permanent-failures.ron");
    let (output, seen) = run_observed(&scenario);
    let summary = &output.summary;
    assert_eq!(summary.deferrals.len(), 0);
    assert_eq!(summary.attempts, summary.arrived);
    let banned = 2; // 203.0.113.102: the ESP's third IP
    let esp: Vec<_> = seen.iter().filter(|a| a.1 == 0).collect();
    for &&(t, _, ip, reply) in &esp {
        let expected_ban = ip == banned && t < 4.0 * 3600.0;
        assert_eq!(
            reply == Reply::BannedIp,
            expected_ban,
            "{t} s from IP {ip}: {reply}"
        );
    }
    // A third of the ESP's attempts in the first 4 hours go out through the banned IP.
    let early = esp.iter().filter(|a| a.0 < 4.0 * 3600.0).count() as f64;
    let bans = esp.iter().filter(|a| a.3 == Reply::BannedIp).count() as f64;
    assert!((bans / early - 1.0 / 3.0).abs() < 0.01, "{bans} of {early}");
    // About 2% invalid recipients among the messages that got past the ban.
    let past = esp.iter().filter(|a| a.3 != Reply::BannedIp).count() as f64;
    let invalid = esp
        .iter()
        .filter(|a| a.3 == Reply::RecipientNotFound)
        .count() as f64;
    assert!((invalid / past - 0.02).abs() < 0.006, "{invalid} of {past}");
    // Alerts: per clock hour, at most 5 × 30 accepted, the rest bounced with 5.2.121.
    for hour in 0..8 {
        let in_hour: Vec<_> = seen
            .iter()
            .filter(|a| a.1 == 1 && (a.0 / 3600.0).floor() as u32 == hour)
            .collect();
        let accepted = in_hour.iter().filter(|a| a.3 == Reply::Accepted).count();
        assert!(accepted <= 150, "hour {hour}: {accepted}");
        assert!(
            in_hour
                .iter()
                .all(|a| matches!(a.3, Reply::Accepted | Reply::SenderHourlyLimit))
        );
        if in_hour.len() > 200 {
            assert!(
                accepted >= 140,
                "hour {hour}: {accepted} of {}",
                in_hour.len()
            );
        }
    }
    assert!(seen.iter().any(|a| a.3 == Reply::SenderHourlyLimit));
}
