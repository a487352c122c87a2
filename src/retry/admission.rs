//! The admission protocol, written once: what the sender does with a message about to start an
//! attempt, given the policy's [`Admission`] answer. The simulation's world and
//! [`super::schedule`] both drive policies through [`admit`], so a policy behaves the same in a
//! scenario and in `mailsim schedule`.

use crate::domain::Reply;
use crate::engine::{SimDuration, SimTime};

use super::{Admission, HoldReason, MessageRetryState, Pending, RetryPolicy};

/// What to do with the message, with every instant already made legal (never before now).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Start the attempt now.
    Proceed,
    /// Do not connect: treat it as an attempt that failed with this reply; the rule that
    /// decided it.
    Defer(Reply, HoldReason),
    /// Do not connect and count no failure: the message waits until this instant, then asks
    /// again (or, if it was given a start slot, starts without asking); the rule that decided
    /// it.
    WaitUntil(SimTime, HoldReason),
    /// Do not connect: the message expires now.
    Expire,
}

/// Asks `policy` whether the message described by `pending` may start an attempt.
///
/// `reserved` is the message's "holds a start slot" flag: a message that was given a slot
/// ([`Admission::Reserved`]) starts at that instant without being asked again. A hold always
/// moves time forward by at least a millisecond, so a policy that keeps holding cannot stall
/// the clock.
pub fn admit(
    policy: &mut dyn RetryPolicy,
    pending: &Pending,
    state: &mut MessageRetryState,
    reserved: &mut bool,
) -> Verdict {
    if *reserved {
        *reserved = false;
        return Verdict::Proceed;
    }
    match policy.admit(pending, state) {
        Admission::Proceed => Verdict::Proceed,
        Admission::Defer(reply, why) => Verdict::Defer(reply, why),
        Admission::Hold(at, why) => Verdict::WaitUntil(at.max(pending.now + SimDuration(1)), why),
        Admission::Reserved(at, why) => {
            *reserved = true;
            Verdict::WaitUntil(at.max(pending.now), why)
        }
        Admission::Expire => Verdict::Expire,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RandomStream;
    use crate::retry::{Decision, Failure};

    /// Answers each admission with the next of a fixed list.
    struct Scripted(Vec<Admission>);

    impl RetryPolicy for Scripted {
        fn on_failure(
            &mut self,
            _: &Failure,
            _: &mut MessageRetryState,
            _: &mut RandomStream,
        ) -> Decision {
            Decision::GiveUp
        }
        fn admit(&mut self, _: &Pending, _: &mut MessageRetryState) -> Admission {
            self.0.remove(0)
        }
    }

    fn pending(now_ms: u64) -> Pending {
        Pending {
            now: SimTime(now_ms),
            arrival: SimTime::ZERO,
            attempts: 1,
            destination: 0,
        }
    }

    #[test]
    fn holds_move_time_forward_and_slots_skip_the_next_question() {
        let why = HoldReason::Other("scripted");
        let mut policy = Scripted(vec![
            Admission::Hold(SimTime(500), why),
            Admission::Hold(SimTime(1000), why),
            Admission::Reserved(SimTime(2000), why),
            Admission::Defer(Reply::ConnectRefused, why),
            Admission::Expire,
        ]);
        let mut state = MessageRetryState::default();
        let mut reserved = false;
        let mut ask = |now| admit(&mut policy, &pending(now), &mut state, &mut reserved);
        assert_eq!(ask(1000), Verdict::WaitUntil(SimTime(1001), why));
        assert_eq!(ask(1000), Verdict::WaitUntil(SimTime(1001), why));
        assert_eq!(ask(1500), Verdict::WaitUntil(SimTime(2000), why));
        assert_eq!(ask(2000), Verdict::Proceed, "a slot is not asked again");
        assert_eq!(ask(3000), Verdict::Defer(Reply::ConnectRefused, why));
        assert_eq!(ask(4000), Verdict::Expire);
    }
}
