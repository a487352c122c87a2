//! The admission protocol, written once: what the sender does with a message about to start an
//! attempt, given the policy's [`Admission`] answer. The simulation's world and
//! [`super::schedule`] both drive policies through [`admit`], so a policy behaves the same in a
//! scenario and in `mailsim schedule`.

use crate::domain::Reply;
use crate::engine::{SimDuration, SimTime};

use super::{Admission, MessageRetryState, Pending, RetryPolicy};

/// What to do with the message, with every instant already made legal (never before now).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Start the attempt now.
    Proceed,
    /// Do not connect: treat it as an attempt that failed with this reply.
    Defer(Reply),
    /// Do not connect and count no failure: the message waits until this instant, then asks
    /// again (or, if it was given a start slot, starts without asking).
    WaitUntil(SimTime),
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
        Admission::Defer(reply) => Verdict::Defer(reply),
        Admission::Hold(at) => Verdict::WaitUntil(at.max(pending.now + SimDuration(1))),
        Admission::Reserved(at) => {
            *reserved = true;
            Verdict::WaitUntil(at.max(pending.now))
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
        let mut policy = Scripted(vec![
            Admission::Hold(SimTime(500)),
            Admission::Hold(SimTime(1000)),
            Admission::Reserved(SimTime(2000)),
            Admission::Defer(Reply::ConnectRefused),
            Admission::Expire,
        ]);
        let mut state = MessageRetryState::default();
        let mut reserved = false;
        let mut ask = |now| admit(&mut policy, &pending(now), &mut state, &mut reserved);
        assert_eq!(ask(1000), Verdict::WaitUntil(SimTime(1001)));
        assert_eq!(ask(1000), Verdict::WaitUntil(SimTime(1001)));
        assert_eq!(ask(1500), Verdict::WaitUntil(SimTime(2000)));
        assert_eq!(ask(2000), Verdict::Proceed, "a slot is not asked again");
        assert_eq!(ask(3000), Verdict::Defer(Reply::ConnectRefused));
        assert_eq!(ask(4000), Verdict::Expire);
    }
}
