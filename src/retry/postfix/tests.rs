//! The Postfix policy's unit tests: its documented schedules and its per-destination behaviour.

use super::*;
use crate::retry::RetrySpec;
use crate::retry::schedule::{Event, compute};

fn spec(params: PostfixParams) -> RetrySpec {
    RetrySpec::Postfix(params)
}

#[test]
fn defaults_back_off_by_age_on_the_300s_scan_grid() {
    let rows = compute(&spec(PostfixParams::default()), Reply::ServerBusy, 1);
    let gaps = rows.gaps();
    // Age 0 → 300 (mtime 300, scan 300); age 300 → 300; 600 → 600; 1200 → 1200;
    // 2400 → 2400 (attempt at 4800); then min(age, 4000) = 4000: mtime 8800, first scan
    // with mtime <= scan + 1 is 9000, so the settled gap is 4200.
    assert_eq!(
        &gaps[..7],
        &[300.0, 300.0, 600.0, 1200.0, 2400.0, 4200.0, 4200.0]
    );
    assert!(gaps[5..].iter().all(|&gap| gap == 4200.0));
    // Attempts at 9000 + 4200k; the first at or past 5 d = 432 000 s is k = 101:
    // 433 200 s. 6 attempts up to 4800, then 102 from 9000: 108.
    assert_eq!(rows.expired_at(), Some(433_200.0));
    assert_eq!(rows.attempt_offsets().len(), 108);
    assert_eq!(rows.rows_of(Event::DelayWarning).count(), 0);
}

#[test]
fn the_plus_one_second_pickup_and_the_delay_warning() {
    // A 299 s backoff on a 300 s grid: mtime 299 is picked up by the scan at 300
    // (299 <= 300 + 1); with 301 s, mtime 301 <= 300 + 1 too.
    let params = |min| PostfixParams {
        minimal_backoff_time: SimDuration::from_secs(min),
        maximal_backoff_time: SimDuration::from_secs(4000),
        delay_warning_time: SimDuration::from_hours(4),
        ..PostfixParams::default()
    };
    assert_eq!(
        compute(&spec(params(299)), Reply::ServerBusy, 1).gaps()[0],
        300.0
    );
    assert_eq!(
        compute(&spec(params(301)), Reply::ServerBusy, 1).gaps()[0],
        300.0
    );
    assert_eq!(
        compute(&spec(params(302)), Reply::ServerBusy, 1).gaps()[0],
        600.0
    );
    // The first failure at or past 4 h - 1 s: attempts 0, 300, 600, 1200, 2400, 4800,
    // 9000, 13 200, 17 400 (≥ 14 399): the notice follows attempt 9.
    let rows = compute(&spec(params(300)), Reply::ServerBusy, 1);
    let notice: Vec<_> = rows.rows_of(Event::DelayWarning).collect();
    assert_eq!((notice[0].attempt, notice[0].offset_s), (9, 17_400.0));
}

#[test]
fn site_failures_shrink_the_window_then_kill_the_destination() {
    let mut policy = Postfix::new(PostfixParams::default());
    let t = SimTime(1000);
    // Feedback 1, window 5: first failure → 3 (cohorts 0.2), second → 2 (0.533), third →
    // cohorts 1.033 ≥ 1: dead.
    policy.on_attempt_end(0, Reply::ConnectRefused, t, 0);
    assert_eq!(policy.window(0), 3);
    policy.on_attempt_end(0, Reply::ConnectRefused, t, 0);
    assert_eq!(policy.window(0), 2);
    assert!(!policy.is_dead(0, t));
    policy.on_attempt_end(0, Reply::ConnectRefused, t, 0);
    assert!(policy.is_dead(0, t));
    let pending = Pending {
        now: t,
        arrival: SimTime::ZERO,
        attempts: 0,
        destination: 0,
    };
    let mut state = MessageRetryState::default();
    assert_eq!(
        policy.admit(&pending, &mut state),
        Admission::Defer(Reply::ConnectRefused)
    );
    // Revived minimal_backoff_time (300 s) later with the initial window.
    let later = Pending {
        now: t + SimDuration::from_secs(300),
        ..pending
    };
    assert_eq!(policy.admit(&later, &mut state), Admission::Proceed);
    assert_eq!(policy.window(0), 5);
}

#[test]
fn one_over_concurrency_feedback_dies_at_the_fifth_failure() {
    let params = PostfixParams {
        default_destination_concurrency_negative_feedback: Feedback::try_from(
            "1/concurrency".to_string(),
        )
        .unwrap(),
        ..PostfixParams::default()
    };
    let mut policy = Postfix::new(params);
    let t = SimTime::ZERO;
    let mut windows = vec![];
    for _ in 0..4 {
        policy.on_attempt_end(0, Reply::ConnectTimeout, t, 0);
        windows.push(policy.window(0));
    }
    assert_eq!(windows, vec![4, 4, 4, 3]);
    assert!(!policy.is_dead(0, t));
    policy.on_attempt_end(0, Reply::ConnectTimeout, t, 0); // cohorts 0.95 + 1/3 = 1.283
    assert!(policy.is_dead(0, t));
}

#[test]
fn recipient_and_message_level_4xx_never_shrink_the_window() {
    let mut policy = Postfix::new(PostfixParams::default());
    for _ in 0..50 {
        policy.on_attempt_end(0, Reply::ServerBusy, SimTime::ZERO, 9);
        policy.on_attempt_end(0, Reply::IpReputation, SimTime::ZERO, 9);
    }
    assert!(!policy.is_dead(0, SimTime::ZERO));
    // Each counts as positive feedback, +1 per delivery while the window is below both the
    // limit (20) and busy_refcount (9 others + this one) + initial (5) = 15.
    assert_eq!(policy.window(0), 15);
}

fn pending(now_ms: u64) -> Pending {
    Pending {
        now: SimTime(now_ms),
        arrival: SimTime(400),
        attempts: 1,
        destination: 0,
    }
}

#[test]
fn a_deferred_message_waits_for_the_scan_and_its_sub_second_phase() {
    let mut policy = Postfix::new(PostfixParams::default());
    let mut state = MessageRetryState::default();
    // New mail at 0.4 s wakes the queue manager; its first attempt fails at once.
    assert_eq!(policy.admit(&pending(400), &mut state), Admission::Proceed);
    let failure = Failure {
        now: SimTime(400),
        arrival: SimTime(400),
        attempts: 1,
        reply: Reply::ServerBusy,
        destination: 0,
    };
    let mut rng = RandomStream::new(1, 0, "test");
    // mtime 0 + 300: the scan due at 300 s picks it up; no earlier than that second.
    let decision = policy.on_failure(&failure, &mut state, &mut rng);
    assert_eq!(decision, Decision::RetryAt(SimTime(300_000)));
    // Nothing woke the queue manager since 0.4 s: the scan goes off at 300.4 s.
    assert_eq!(
        policy.admit(&pending(300_000), &mut state),
        Admission::Hold(SimTime(300_400))
    );
    assert_eq!(
        policy.admit(&pending(300_400), &mut state),
        Admission::Proceed
    );
}

#[test]
fn an_idle_destination_is_forgotten_unless_it_is_dead() {
    let mut policy = Postfix::new(PostfixParams::default());
    let t = SimTime(1000);
    policy.on_attempt_end(0, Reply::Greeting421, t, 0);
    policy.on_attempt_end(0, Reply::Greeting421, t, 0);
    assert_eq!(policy.window(0), 2);
    // qmgr_entry_done: nothing queued or in progress, the in-core queue is discarded.
    policy.on_destination_idle(0, t);
    assert_eq!(policy.window(0), 5);
    for _ in 0..3 {
        policy.on_attempt_end(0, Reply::Greeting421, t, 0);
    }
    assert!(policy.is_dead(0, t));
    policy.on_destination_idle(0, t);
    assert!(
        policy.is_dead(0, t),
        "a dead destination is kept until its timer"
    );
}

#[test]
fn the_dead_destination_timer_counts_whole_seconds() {
    let mut policy = Postfix::new(PostfixParams::default());
    let t = SimTime(1_700);
    for _ in 0..3 {
        policy.on_attempt_end(0, Reply::ConnectRefused, t, 0);
    }
    // Dead at 1.7 s: the timer is due in second 1 + 300, so it goes off at 301 s, not 301.7.
    assert!(policy.is_dead(0, SimTime(300_999)));
    assert!(!policy.is_dead(0, SimTime(301_000)));
}

#[test]
fn new_mail_waits_for_a_delivery_agent_that_master_starts_on_demand() {
    let params = PostfixParams {
        delivery_agent_start_time: SimDuration(40),
        ..PostfixParams::default()
    };
    let mut policy = Postfix::new(params);
    let mut state = MessageRetryState::default();
    // No process yet: two are started (the two pending requests), the third message waits too.
    for _ in 0..3 {
        assert_eq!(
            policy.admit(&pending(1_000), &mut state),
            Admission::Hold(SimTime(1_040))
        );
    }
    assert_eq!(
        policy.admit(&pending(1_040), &mut state),
        Admission::Proceed
    );
    assert_eq!(
        policy.admit(&pending(1_040), &mut state),
        Admission::Proceed
    );
    // The first delivery's report frees its process for the next message at once.
    policy.on_attempt_end(0, Reply::ServerBusy, SimTime(1_100), 1);
    assert_eq!(
        policy.admit(&pending(1_100), &mut state),
        Admission::Proceed
    );
    // Both processes busy again: a third is started.
    assert_eq!(
        policy.admit(&pending(1_100), &mut state),
        Admission::Hold(SimTime(1_140))
    );
}
