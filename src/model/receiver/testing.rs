//! Helpers for the receiver rules' unit tests: a scenario with one receiver `r`, a rule built
//! for it, and an attempt.

use crate::engine::{RandomStream, SimTime};
use crate::scenario::{Scenario, parse};

use super::{Attempt, Build, Rule, Setup};

/// A scenario whose receiver `r` has the fields `receiver` (e.g. `(greylisting: ())`). Its one
/// sender `s` has two IPs (192.0.2.1, Good, and 192.0.2.2, Poor, new), 10% invalid recipients
/// and mail that fails SPF.
pub fn scenario(receiver: &str) -> Scenario {
    let text = format!(
        r#"(name: "t", senders: [(name: "s",
            ips: [(count: 1, reputation: Good), (count: 1, reputation: Poor, sending_history: "0s")],
            traffic: [Campaign(messages: 1, at: "0s")],
            recipients: (mix: {{"r": 1.0}}, invalid_share: 0.1),
            authentication: (spf: Fail), retry: Fixed(interval: "10m"))],
            receivers: {{"r": {receiver}}})"#
    );
    parse("t.ron", &text).unwrap_or_else(|e| panic!("test scenario does not parse: {e:?}"))
}

/// The rule `build` makes for the receiver of `scenario`, if it uses it.
pub fn rule<'a>(build: Build, scenario: &'a Scenario) -> Option<Box<dyn Rule + 'a>> {
    let mut setup = Setup {
        spec: &scenario.receivers[0],
        scenario,
        ips: scenario.senders.iter().flat_map(|s| &s.ips).collect(),
        rng: RandomStream::new(1, 0, "setup"),
    };
    build(&mut setup)
}

/// A random stream for the checks.
pub fn rng() -> RandomStream {
    RandomStream::new(1, 0, "receiver")
}

/// An attempt at `now` from the first IP (Good) of message slot 0, to an existing recipient.
pub fn attempt(now: SimTime) -> Attempt {
    Attempt {
        now,
        ip: 0,
        reputation: 0,
        recipient_exists: true,
        sender: 0,
        message: (0, SimTime::ZERO),
    }
}

/// Minutes as an instant.
pub fn minutes(m: u64) -> SimTime {
    SimTime(m * 60_000)
}
