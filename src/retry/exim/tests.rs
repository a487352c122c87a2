//! The Exim policy's unit tests: its documented schedules and its per-destination behaviour.

use super::*;
use crate::retry::RetrySpec;
use crate::retry::schedule::{Event, compute};

/// The default rule worked by hand (seconds):
/// F,2h,15m: 0, 900, …, 7200 (9 attempts; at 7200 the key has failed for exactly 2 h, still
/// F) → 8100. G,16h,1h,1.5 with lastgap = min(next−last, now−last): at 8100 lastgap 900 <
/// 3600 → +3600 = 11 700; then 3600×1.5 = 5400 → 17 100; 8100 → 25 200; 12 150 → 37 350;
/// 18 225 → 55 575; 27 337 (integer) → 82 912. Past 16 h: F,4d,6h: 82 912 + 21 600k up to
/// 342 112 (k = 12); at 363 712 the key has failed for more than 4 d: timed out.
const DEFAULT_SCHEDULE: [f64; 29] = [
    0.0, 900.0, 1800.0, 2700.0, 3600.0, 4500.0, 5400.0, 6300.0, 7200.0, 8100.0, 11_700.0, 17_100.0,
    25_200.0, 37_350.0, 55_575.0, 82_912.0, 104_512.0, 126_112.0, 147_712.0, 169_312.0, 190_912.0,
    212_512.0, 234_112.0, 255_712.0, 277_312.0, 298_912.0, 320_512.0, 342_112.0, 363_712.0,
];

#[test]
fn the_default_rule_for_a_recipient_key() {
    let rows = compute(
        &RetrySpec::Exim(EximParams::default()),
        Reply::ServerBusy,
        1,
    );
    assert_eq!(rows.attempt_offsets(), DEFAULT_SCHEDULE.to_vec());
    assert_eq!(rows.expired_at(), Some(363_712.0));
    // A notice at the first failure at or past 24 h (104 512), 48 h (190 912) and 72 h
    // (277 312).
    let notices: Vec<f64> = rows
        .rows_of(Event::DelayWarning)
        .map(|r| r.offset_s)
        .collect();
    assert_eq!(notices, vec![104_512.0, 190_912.0, 277_312.0]);
}

#[test]
fn a_host_key_gives_the_same_schedule_for_one_message() {
    let rows = compute(
        &RetrySpec::Exim(EximParams::default()),
        Reply::ConnectRefused,
        1,
    );
    assert_eq!(rows.attempt_offsets(), DEFAULT_SCHEDULE.to_vec());
}

#[test]
fn the_host_clock_is_shared_and_later_messages_wait_or_bounce() {
    let mut exim = Exim {
        params: EximParams::default(),
        hosts: Vec::new(),
    };
    let mut rng = RandomStream::new(1, 0, "test");
    let mut state = MessageRetryState::default();
    let failure = |now_s: u64, arrival_s: u64| Failure {
        now: SimTime(now_s * 1000),
        arrival: SimTime(arrival_s * 1000),
        attempts: 1,
        reply: Reply::ConnectRefused,
        destination: 0,
    };
    // The host first fails at 0; a message arriving at 3 h fails at 3 h: the host has
    // failed for 3 h (G rule, lastgap 0 < 1 h → 1 h), not the message's 0 s.
    exim.on_failure(&failure(0, 0), &mut state, &mut rng);
    let decision = exim.on_failure(&failure(10_800, 10_800), &mut state, &mut rng);
    assert_eq!(decision, Decision::RetryAt(SimTime(14_400_000)));
    // A failure of another delivery in the same round does not move the host's clock.
    let same_round = exim.on_failure(&failure(10_801, 10_000), &mut state, &mut rng);
    assert_eq!(same_round, Decision::RetryAt(SimTime(14_400_000)));
    // A third message arriving before then is held until the host's retry time.
    let pending = Pending {
        now: SimTime(12_000_000),
        arrival: SimTime(12_000_000),
        attempts: 0,
        destination: 0,
    };
    assert_eq!(
        exim.admit(&pending, &mut state),
        Admission::Hold(SimTime(14_400_000), HoldReason::HostRetryTime)
    );
    // After 4 days of failure the host times out; with delay_after_cutoff a new message
    // bounces without an attempt until the post-cutoff retry time (6 h later).
    let past = 4 * 86_400 + 60;
    assert_eq!(
        exim.on_failure(&failure(past, past), &mut state, &mut rng),
        Decision::GiveUp
    );
    let newcomer = Pending {
        now: SimTime((past + 600) * 1000),
        arrival: SimTime((past + 600) * 1000),
        attempts: 0,
        destination: 0,
    };
    assert_eq!(exim.admit(&newcomer, &mut state), Admission::Expire);
    let after = Pending {
        now: SimTime((past + 21_600) * 1000),
        ..newcomer
    };
    assert_eq!(exim.admit(&after, &mut state), Admission::Proceed);
}

#[test]
fn h_rules_draw_from_the_upper_half_and_the_queue_runner_quantises() {
    let params = EximParams {
        rules: EximRules::try_from("H,1d,10m,2".to_string()).unwrap(),
        ..EximParams::default()
    };
    for seed in 0..20 {
        let rows = compute(&RetrySpec::Exim(params.clone()), Reply::ServerBusy, seed);
        let gaps = rows.gaps();
        assert_eq!(gaps[0], 600.0);
        // lastgap 600 → next_gap 1200: the gap is in [(600 + 1200)/2, 1200) = [900, 1200).
        assert!((900.0..1200.0).contains(&gaps[1]), "{gaps:?}");
    }
    let runner = EximParams {
        queue_interval: Some(SimDuration::from_mins(30)),
        ..EximParams::default()
    };
    let rows = compute(&RetrySpec::Exim(runner), Reply::ServerBusy, 1);
    // Retry times 900 → run at 1800; then 2700 → 3600; the runs every 30 min.
    assert_eq!(&rows.attempt_offsets()[..4], &[0.0, 1800.0, 3600.0, 5400.0]);
}

#[test]
fn a_queue_runner_has_the_daemon_s_phase_and_skips_mail_before_its_retry_time() {
    let params = EximParams {
        rules: EximRules::try_from("F,1h,20s".to_string()).unwrap(),
        queue_interval: Some(SimDuration::from_secs(30)),
        queue_run_start: SimDuration::from_secs(5),
        queue_run_bounce_time: SimDuration(80),
        ..EximParams::default()
    };
    let mut exim = Exim {
        params: params.clone(),
        hosts: Vec::new(),
    };
    assert_eq!(
        exim.queue_runner(),
        Some(QueueRunner {
            first: SimTime(5_000),
            interval: SimDuration::from_secs(30),
            bounce_time: SimDuration(80),
        })
    );
    // A recipient failure at 1 s: retry time 21 s, and the first run at or after it is 35 s.
    let mut rng = RandomStream::new(1, 0, "test");
    let mut state = MessageRetryState::default();
    let failure = Failure {
        now: SimTime(1_000),
        arrival: SimTime(1_000),
        attempts: 1,
        reply: Reply::ServerBusy,
        destination: 0,
    };
    let decision = exim.on_failure(&failure, &mut state, &mut rng);
    assert_eq!(decision, Decision::RetryAt(SimTime(35_000)));
    // The run at 5 s finds the retry time not reached and skips the message until 35 s.
    let at = |s: u64| Pending {
        now: SimTime(s * 1000),
        arrival: SimTime(1_000),
        attempts: 1,
        destination: 0,
    };
    assert_eq!(
        exim.admit(&at(5), &mut state),
        Admission::Hold(SimTime(35_000), HoldReason::MessageRetryTime)
    );
    assert_eq!(exim.admit(&at(35), &mut state), Admission::Proceed);
    // On the queue longer than the last cutoff (1 h), it is tried whatever its retry time.
    let old = Pending {
        now: SimTime(3_700_000),
        ..at(0)
    };
    state = MessageRetryState(3_690 + 1, 3_710 + 1);
    assert_eq!(exim.admit(&old, &mut state), Admission::Proceed);
}
