//! Reputation deferral: each attempt from an IP of a class the receiver distrusts is deferred
//! with `451 4.7.650 ... rate limited due to IP reputation` at that class's probability.

use crate::domain::Reply;
use crate::engine::RandomStream;

use super::{Attempt, Rule, Setup};

pub(super) fn build<'a>(setup: &mut Setup<'a>) -> Option<Box<dyn Rule + 'a>> {
    let by_class = setup.spec.reputation_deferral;
    if by_class.iter().all(|&p| p == 0.0) {
        return None;
    }
    Some(Box::new(ReputationDeferral { by_class }))
}

struct ReputationDeferral {
    /// Probability per attempt, indexed like `Reputation::ALL`.
    by_class: [f64; 4],
}

impl Rule for ReputationDeferral {
    fn check(&mut self, attempt: &Attempt, rng: &mut RandomStream) -> Option<Reply> {
        let deferral = self.by_class[attempt.reputation];
        (deferral > 0.0 && rng.chance(deferral)).then_some(Reply::IpReputation)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{attempt, rng, rule, scenario};
    use super::*;
    use crate::engine::SimTime;

    #[test]
    fn only_distrusted_classes_are_deferred_at_their_rate() {
        let scenario = scenario("(reputation_deferral: {Poor: 1.0, Neutral: 0.5})");
        let mut rule = rule(build, &scenario).expect("used");
        let mut rng = rng();
        let of_class = |reputation| Attempt {
            reputation,
            ..attempt(SimTime::ZERO)
        };
        assert_eq!(rule.check(&of_class(0), &mut rng), None);
        assert_eq!(
            rule.check(&of_class(2), &mut rng),
            Some(Reply::IpReputation)
        );
        let neutral = (0..2000)
            .filter(|_| rule.check(&of_class(1), &mut rng).is_some())
            .count();
        assert!((900..1100).contains(&neutral), "{neutral}");
    }

    #[test]
    fn a_receiver_that_trusts_every_class_has_no_rule() {
        assert!(rule(build, &scenario("()")).is_none());
    }
}
