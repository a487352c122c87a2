//! A retry policy of your own, run through the library: "retry every 7 minutes, give up after
//! 3 attempts" replaces the sender's policy in `scenarios/o365-server-busy.ron` (a 100 000
//! message campaign into Office 365's per-IP throttle).
//!
//! ```sh
//! cargo run --example custom_policy
//! ```
//!
//! Two pieces: the policy itself ([`RetryPolicy`]: asked after every failed attempt) and its
//! description ([`CustomPolicy`]: a name for reports, a one-line description, and a fresh policy
//! per sender and run). `RetrySpec::custom` puts it where a scenario's `retry:` would.

use std::error::Error;
use std::path::Path;

use mailsim::engine::{RandomStream, SimDuration};
use mailsim::retry::{CustomPolicy, Decision, Failure, MessageRetryState, RetryPolicy, RetrySpec};
use mailsim::scenario::Scenario;

/// Retry `interval` after every failure; give up when attempt `max_attempts` fails.
struct FewTries {
    interval: SimDuration,
    max_attempts: u32,
}

impl RetryPolicy for FewTries {
    fn on_failure(
        &mut self,
        failure: &Failure,
        _state: &mut MessageRetryState,
        _rng: &mut RandomStream,
    ) -> Decision {
        if failure.attempts >= self.max_attempts {
            Decision::GiveUp
        } else {
            Decision::RetryAt(failure.now + self.interval)
        }
    }
}

/// The policy as a sender's `retry` setting.
struct FewTriesSpec {
    interval: SimDuration,
    max_attempts: u32,
}

impl CustomPolicy for FewTriesSpec {
    fn name(&self) -> &str {
        "few-tries"
    }

    fn describe(&self) -> String {
        format!(
            "few-tries: every {}, give up after {} attempts",
            self.interval, self.max_attempts
        )
    }

    fn build(&self) -> Box<dyn RetryPolicy> {
        Box::new(FewTries {
            interval: self.interval,
            max_attempts: self.max_attempts,
        })
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    const MAX_ATTEMPTS: u32 = 3;
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/o365-server-busy.ron");
    let scenario = Scenario::load(&path)?.with_policy(RetrySpec::custom(FewTriesSpec {
        interval: SimDuration::from_mins(7),
        max_attempts: MAX_ATTEMPTS,
    }))?;
    println!("retry: {}", scenario.senders()[0].retry.describe());

    let summary = mailsim::model::simulate(&scenario, 0)?.summary;
    println!(
        "arrived {}, delivered {}, bounced {}, expired {}, still queued {}",
        summary.arrived, summary.delivered, summary.bounced, summary.expired, summary.queued_at_end
    );
    for (attempts, messages) in &summary.attempts_per_message {
        println!("  {messages:>6} messages left the queue after {attempts} attempt(s)");
    }

    // No message is tried more than three times, and every expiry came after the third
    // failure: the throttle defers far more than three attempts' worth, so some do expire.
    let most = summary.attempts_per_message.keys().max().copied();
    assert!(most.is_some_and(|most| most <= MAX_ATTEMPTS), "{most:?}");
    let at_limit = summary
        .attempts_per_message
        .get(&MAX_ATTEMPTS)
        .copied()
        .unwrap_or(0);
    assert!(
        summary.expired > 0,
        "the throttle should make some messages expire"
    );
    assert!(
        summary.expired <= at_limit,
        "an expiry before the third attempt"
    );
    assert_eq!(
        summary.arrived,
        summary.delivered + summary.bounced + summary.expired + summary.queued_at_end
    );
    Ok(())
}
