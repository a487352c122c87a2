//! Recipient: mail to a recipient that does not exist bounces with `550 5.1.10`. Whether it
//! exists is drawn when the message arrives (the sender's `invalid_share`), so a receiver
//! whose senders have no invalid recipients needs no rule.

use crate::domain::Reply;
use crate::engine::RandomStream;

use super::{Attempt, Rule, Setup};

pub(super) fn build<'a>(setup: &mut Setup<'a>) -> Option<Box<dyn Rule + 'a>> {
    let senders = &setup.scenario.senders;
    if senders.iter().all(|s| s.invalid_share.get() == 0.0) {
        return None;
    }
    Some(Box::new(Recipient))
}

struct Recipient;

impl Rule for Recipient {
    fn check(&mut self, attempt: &Attempt, _: &mut RandomStream) -> Option<Reply> {
        (!attempt.recipient_exists).then_some(Reply::RecipientNotFound)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{attempt, rng, rule, scenario};
    use super::*;
    use crate::engine::SimTime;

    #[test]
    fn only_a_missing_recipient_bounces() {
        let scenario = scenario("()");
        let mut rule = rule(build, &scenario).expect("used: the sender has invalid recipients");
        let mut rng = rng();
        assert_eq!(rule.check(&attempt(SimTime::ZERO), &mut rng), None);
        let missing = Attempt {
            recipient_exists: false,
            ..attempt(SimTime::ZERO)
        };
        assert_eq!(
            rule.check(&missing, &mut rng),
            Some(Reply::RecipientNotFound)
        );
    }
}
