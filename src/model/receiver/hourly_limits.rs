//! The recipient's hourly receive limits: each message's recipient is one of the receiver's
//! mailboxes (a hash of the message, fixed for its life); in each clock hour a mailbox accepts
//! at most `per_sender_per_hour` messages from one sender (then `550 5.2.121`) and `per_hour`
//! from all senders (then `550 5.2.122`). Last in the order, because it counts the messages it
//! lets through as accepted.

use crate::domain::Reply;
use crate::engine::{RandomStream, SimTime};
use crate::scenario::RecipientLimits;

use super::{Attempt, Rule, Setup};

pub(super) fn build<'a>(setup: &mut Setup<'a>) -> Option<Box<dyn Rule + 'a>> {
    let limits = setup.spec.recipient_limits?;
    let mailboxes = limits.mailboxes as usize;
    Some(Box::new(HourlyLimits {
        limits,
        mailbox_hours: vec![(0, 0); mailboxes],
        sender_mailbox_hours: vec![(0, 0); mailboxes * setup.scenario.senders.len()],
    }))
}

struct HourlyLimits {
    limits: RecipientLimits,
    /// Per mailbox: `(clock hour, messages accepted in it)`, from all senders.
    mailbox_hours: Vec<(u64, u32)>,
    /// Per sender × mailbox: the same, from that sender.
    sender_mailbox_hours: Vec<(u64, u32)>,
}

impl Rule for HourlyLimits {
    /// Lets the message through if its mailbox is under its hourly limits (and counts it),
    /// else refuses it with `5.2.121` (this sender's limit) or `5.2.122` (all senders').
    fn check(&mut self, attempt: &Attempt, _: &mut RandomStream) -> Option<Reply> {
        let limits = self.limits;
        let mailbox = mailbox_of(attempt.message, limits.mailboxes);
        let hour = attempt.now.as_millis() / 3_600_000;
        let current = |slot: &mut (u64, u32)| {
            if slot.0 != hour {
                *slot = (hour, 0);
            }
            slot.1
        };
        let from_sender = attempt.sender * limits.mailboxes as usize + mailbox;
        if limits
            .per_sender_per_hour
            .is_some_and(|limit| current(&mut self.sender_mailbox_hours[from_sender]) >= limit)
        {
            return Some(Reply::SenderHourlyLimit);
        }
        if limits
            .per_hour
            .is_some_and(|limit| current(&mut self.mailbox_hours[mailbox]) >= limit)
        {
            return Some(Reply::RecipientHourlyLimit);
        }
        for slot in [
            &mut self.sender_mailbox_hours[from_sender],
            &mut self.mailbox_hours[mailbox],
        ] {
            current(slot);
            slot.1 += 1;
        }
        None
    }
}

/// The mailbox of a message, among `mailboxes`: a hash of its slot and arrival, so it is the
/// same at every attempt and needs no storage (SplitMix64's finaliser spreads the bits).
fn mailbox_of((slot, arrival): (u32, SimTime), mailboxes: u32) -> usize {
    let mut x = arrival.as_millis() ^ (u64::from(slot) << 40) ^ 0x9e37_79b9_7f4a_7c15;
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^= x >> 31;
    (x % u64::from(mailboxes)) as usize
}

#[cfg(test)]
mod tests {
    use super::super::testing::{attempt, minutes, rng, rule, scenario};
    use super::*;

    #[test]
    fn a_mailbox_takes_its_hourly_share_from_a_sender_then_refuses_until_the_next_hour() {
        let scenario = scenario("(recipient_limits: (mailboxes: 1, per_sender_per_hour: 2))");
        let mut rule = rule(build, &scenario).expect("used");
        let mut rng = rng();
        let mut at = |m| rule.check(&attempt(minutes(m)), &mut rng);
        assert_eq!(at(0), None);
        assert_eq!(at(10), None);
        assert_eq!(at(59), Some(Reply::SenderHourlyLimit));
        assert_eq!(at(60), None);
    }

    #[test]
    fn the_limit_from_all_senders_refuses_with_its_own_reply() {
        let scenario = scenario("(recipient_limits: (mailboxes: 1, per_hour: 1))");
        let mut rule = rule(build, &scenario).expect("used");
        let mut rng = rng();
        assert_eq!(rule.check(&attempt(minutes(0)), &mut rng), None);
        assert_eq!(
            rule.check(&attempt(minutes(1)), &mut rng),
            Some(Reply::RecipientHourlyLimit)
        );
    }

    #[test]
    fn a_message_keeps_its_mailbox_and_messages_spread_over_all() {
        let message = (17, SimTime(123_456));
        assert_eq!(mailbox_of(message, 10), mailbox_of(message, 10));
        let mut used = [0u32; 10];
        for slot in 0..1000 {
            used[mailbox_of((slot, SimTime(u64::from(slot) * 7)), 10)] += 1;
        }
        assert!(used.iter().all(|&n| (60..140).contains(&n)), "{used:?}");
    }
}
