//! How a receiver answers one attempt: an ordered list of rules ([`RULES`]), each in its own
//! file. Each rule may refuse the attempt with a reply; the first that does decides, and an
//! attempt no rule refuses is accepted. The order, which is part of the model (and of every
//! scenario's results): MX lookup at the sender (no connection), outage, banned IP, incident
//! (anti-spam rule change), throttle (scaled by reputation class and new-IP probation),
//! reputation deferral, SPF temperror, authentication (SPF/DKIM/DMARC failures), greylisting,
//! recipient, the recipient's hourly receive limits (last, because it counts the messages it
//! lets through).
//!
//! A rule is built per receiver from the scenario, and only if the receiver uses it: an unused
//! rule costs nothing per attempt and takes no random draws, so adding a rule to the model
//! leaves the results of scenarios that do not use it unchanged. The rules share the
//! receiver's one random stream, in list order.
//!
//! Adding a rule: a file here with a `build` function and a type implementing [`Rule`] (and its
//! unit tests), and its entry in [`RULES`] at its place in the order.

mod authentication;
mod ban;
mod dns;
mod greylisting;
mod hourly_limits;
mod incident;
mod mx_lookup;
mod outage;
mod recipient;
mod reputation;
mod spf;
#[cfg(test)]
mod testing;
mod throttle;

use crate::domain::Reply;
use crate::engine::{RandomStream, SimTime};
use crate::scenario::{Outage, Receiver, Scenario, SendingIp};

/// What the receiver knows about an attempt.
pub(super) struct Attempt {
    /// When it starts.
    pub now: SimTime,
    /// Global index of the sending IP.
    pub ip: usize,
    /// Index of the IP's reputation class in `Reputation::ALL`.
    pub reputation: usize,
    /// Whether the recipient exists.
    pub recipient_exists: bool,
    /// The sender's index.
    pub sender: usize,
    /// The message's slot and arrival, which identify its sender/recipient pair.
    pub message: (u32, SimTime),
}

/// One of a receiver's checks, with whatever state it keeps between attempts.
trait Rule {
    /// The reply if this rule refuses `attempt`, or `None` to pass it to the next rule. Random
    /// draws come from `rng`, the receiver's stream.
    fn check(&mut self, attempt: &Attempt, rng: &mut RandomStream) -> Option<Reply>;
}

/// What a rule is built from: the receiver, the scenario, and the sending IPs.
struct Setup<'a> {
    spec: &'a Receiver,
    scenario: &'a Scenario,
    /// Every sending IP, globally numbered (the numbering of [`Attempt::ip`]).
    ips: Vec<&'a SendingIp>,
    /// Draws made once per run, when rules are built (which IPs an incident affects).
    rng: RandomStream,
}

/// Builds a rule for the receiver in `setup`, or `None` when the receiver does not use it.
type Build = for<'a> fn(&mut Setup<'a>) -> Option<Box<dyn Rule + 'a>>;

/// The rules, in the order they are checked.
const RULES: &[Build] = &[
    mx_lookup::build,
    outage::build,
    ban::build,
    incident::build,
    throttle::build,
    reputation::build,
    spf::build,
    authentication::build,
    greylisting::build,
    recipient::build,
    hourly_limits::build,
];

/// A receiver's running state: the rules it uses, in order, and its random stream.
pub(super) struct ReceiverState<'a> {
    rules: Vec<Box<dyn Rule + 'a>>,
    outages: &'a [Outage],
    rng: RandomStream,
}

impl<'a> ReceiverState<'a> {
    /// The state of `spec` for a run of `scenario`, drawing from `rng` per attempt; `setup`
    /// draws which IPs a fraction-based incident affects.
    pub fn new(
        spec: &'a Receiver,
        scenario: &'a Scenario,
        rng: RandomStream,
        setup: RandomStream,
    ) -> ReceiverState<'a> {
        let mut setup = Setup {
            spec,
            scenario,
            ips: scenario.senders.iter().flat_map(|s| &s.ips).collect(),
            rng: setup,
        };
        ReceiverState {
            rules: RULES.iter().filter_map(|build| build(&mut setup)).collect(),
            outages: &spec.outages,
            rng,
        }
    }

    /// The reply to `attempt`: the first rule's refusal, else accepted.
    pub fn respond(&mut self, attempt: &Attempt) -> Reply {
        for rule in &mut self.rules {
            if let Some(reply) = rule.check(attempt, &mut self.rng) {
                return reply;
            }
        }
        Reply::Accepted
    }

    /// The outage reply if an outage window covers `now` and this attempt is among those
    /// affected (for a transaction an outage cuts short).
    pub fn outage_reply(&mut self, now: SimTime) -> Option<Reply> {
        outage::reply(self.outages, now, &mut self.rng)
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{attempt, scenario};
    use super::*;

    fn receiver<'a>(scenario: &'a Scenario) -> ReceiverState<'a> {
        ReceiverState::new(
            &scenario.receivers[0],
            scenario,
            RandomStream::new(1, 0, "receiver"),
            RandomStream::new(1, 0, "setup"),
        )
    }

    #[test]
    fn a_receiver_keeps_only_the_rules_it_uses() {
        // The test sender has invalid recipients: the recipient rule is always used.
        let plain = scenario("()");
        assert_eq!(receiver(&plain).rules.len(), 1);
        let busy = scenario(r#"(throttle: (rate: "60/h", burst: 1), greylisting: ())"#);
        assert_eq!(receiver(&busy).rules.len(), 3);
        assert_eq!(
            receiver(&plain).respond(&attempt(SimTime::ZERO)),
            Reply::Accepted
        );
    }

    #[test]
    fn the_first_rule_that_refuses_decides() {
        // Banned, throttled after one attempt and greylisting: the ban comes first; once it is
        // lifted the throttle refuses before greylisting would.
        let scenario = scenario(
            r#"(bans: [(ip: "192.0.2.1", delisted: "1h")], throttle: (rate: "1/h", burst: 1),
                greylisting: (delay: "5m"))"#,
        );
        let mut receiver = receiver(&scenario);
        let at = |minutes: u64| attempt(SimTime(minutes * 60_000));
        assert_eq!(receiver.respond(&at(0)), Reply::BannedIp);
        assert_eq!(receiver.respond(&at(60)), Reply::Greylisted);
        assert_eq!(receiver.respond(&at(61)), Reply::ServerBusy);
        assert_eq!(receiver.respond(&at(120)), Reply::Accepted);
    }

    /// Per rule, in the documented order: receiver fields under which it refuses every
    /// attempt (of the test attempt, to a missing recipient), and its reply.
    const EACH_RULE_REFUSING: [(&str, Reply); 11] = [
        (
            r#"dns_trouble: [(start: "0s", end: "1h", kind: MxLookup)]"#,
            Reply::MxLookupFailed,
        ),
        (
            r#"outages: [(start: "0s", end: "1h", kind: Refused)]"#,
            Reply::ConnectRefused,
        ),
        (r#"bans: [(ip: "192.0.2.1")]"#, Reply::BannedIp),
        (
            r#"incidents: [(name: "i", start: "0s", end: "1h", fraction: 1.0)]"#,
            Reply::AccessDenied,
        ),
        (
            r#"throttle: (rate: "1/h", burst: 1, by_reputation: {Good: 0.001})"#,
            Reply::ServerBusy,
        ),
        ("reputation_deferral: {Good: 1.0}", Reply::IpReputation),
        (
            r#"dns_trouble: [(start: "0s", end: "1h", kind: SpfTempError)]"#,
            Reply::SpfTempError,
        ),
        ("authentication: (rejection: 1.0)", Reply::AuthRejected),
        ("greylisting: ()", Reply::Greylisted),
        ("", Reply::RecipientNotFound),
        (
            "recipient_limits: (mailboxes: 1, per_hour: 0)",
            Reply::RecipientHourlyLimit,
        ),
    ];

    fn first_reply(fields: &[&str], recipient_exists: bool) -> Reply {
        let fields: Vec<&str> = fields.iter().copied().filter(|f| !f.is_empty()).collect();
        let scenario = scenario(&format!("({})", fields.join(", ")));
        let missing = Attempt {
            recipient_exists,
            ..attempt(SimTime::ZERO)
        };
        receiver(&scenario).respond(&missing)
    }

    #[test]
    fn each_rule_comes_before_the_next_in_the_documented_order() {
        for (fields, reply) in EACH_RULE_REFUSING {
            let exists = reply != Reply::RecipientNotFound;
            assert_eq!(first_reply(&[fields], exists), reply, "{fields}");
        }
        for pair in EACH_RULE_REFUSING.windows(2) {
            let ((first, reply), (second, _)) = (pair[0], pair[1]);
            assert_eq!(
                first_reply(&[first, second], false),
                reply,
                "{first} / {second}"
            );
        }
    }
}
