//! Greylisting: the first attempt of a new (sender, recipient, sending IP) triplet, and any
//! retry less than the delay after it, gets `450 4.2.0 Greylisted`. A message is one sender
//! and one recipient, so its slot and arrival name the pair; a retry from another IP is a new
//! triplet.

use std::collections::HashMap;

use crate::domain::Reply;
use crate::engine::{RandomStream, SimDuration, SimTime};

use super::{Attempt, Rule, Setup};

pub(super) fn build<'a>(setup: &mut Setup<'a>) -> Option<Box<dyn Rule + 'a>> {
    let delay = setup.spec.greylisting?;
    Some(Box::new(Greylisting {
        delay,
        seen: HashMap::new(),
    }))
}

struct Greylisting {
    delay: SimDuration,
    /// `(message slot, IP)` → (the message's arrival, when the triplet was first seen). A
    /// reused slot has a different arrival and counts as new.
    seen: HashMap<(u32, u16), (SimTime, SimTime)>,
}

impl Rule for Greylisting {
    fn check(&mut self, attempt: &Attempt, _: &mut RandomStream) -> Option<Reply> {
        let now = attempt.now;
        let key = (attempt.message.0, attempt.ip as u16);
        let arrival = attempt.message.1;
        let first_seen = match self.seen.get(&key) {
            Some(&(seen_arrival, first)) if seen_arrival == arrival => first,
            _ => {
                self.seen.insert(key, (arrival, now));
                now
            }
        };
        (now < first_seen + self.delay).then_some(Reply::Greylisted)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{attempt, minutes, rng, rule, scenario};
    use super::*;

    #[test]
    fn a_triplet_passes_once_it_has_waited_the_delay() {
        let scenario = scenario(r#"(greylisting: (delay: "5m"))"#);
        let mut rule = rule(build, &scenario).expect("used");
        let mut rng = rng();
        assert_eq!(
            rule.check(&attempt(minutes(0)), &mut rng),
            Some(Reply::Greylisted)
        );
        assert_eq!(
            rule.check(&attempt(minutes(4)), &mut rng),
            Some(Reply::Greylisted)
        );
        assert_eq!(rule.check(&attempt(minutes(5)), &mut rng), None);
        let other_ip = Attempt {
            ip: 1,
            ..attempt(minutes(5))
        };
        assert_eq!(rule.check(&other_ip, &mut rng), Some(Reply::Greylisted));
    }

    #[test]
    fn a_new_message_in_a_reused_slot_is_a_new_triplet() {
        let scenario = scenario(r#"(greylisting: (delay: "5m"))"#);
        let mut rule = rule(build, &scenario).expect("used");
        let mut rng = rng();
        rule.check(&attempt(minutes(0)), &mut rng);
        let next = Attempt {
            message: (0, minutes(10)),
            ..attempt(minutes(10))
        };
        assert_eq!(rule.check(&next, &mut rng), Some(Reply::Greylisted));
    }
}
