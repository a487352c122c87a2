//! Authentication: mail that fails `n` of SPF, DKIM and DMARC is rejected with
//! `550 5.7.515` at probability `1 − (1 − rejection)^n`, else deferred with `451 4.7.26` at
//! `1 − (1 − deferral)^n`. Only for a receiver that checks authentication.

use crate::domain::Reply;
use crate::engine::RandomStream;

use super::{Attempt, Rule, Setup};

pub(super) fn build<'a>(setup: &mut Setup<'a>) -> Option<Box<dyn Rule + 'a>> {
    let policy = setup.spec.authentication?;
    let chances: Vec<(f64, f64)> = setup
        .scenario
        .senders
        .iter()
        .map(|s| match s.failed_auth_checks {
            0 => (0.0, 0.0),
            failed => policy.chances(failed),
        })
        .collect();
    if chances
        .iter()
        .all(|&(reject, defer)| reject == 0.0 && defer == 0.0)
    {
        return None;
    }
    Some(Box::new(Authentication { chances }))
}

struct Authentication {
    /// Per sender: `(rejection, deferral)` probabilities.
    chances: Vec<(f64, f64)>,
}

impl Rule for Authentication {
    fn check(&mut self, attempt: &Attempt, rng: &mut RandomStream) -> Option<Reply> {
        let (reject, defer) = self.chances[attempt.sender];
        if reject > 0.0 && rng.chance(reject) {
            return Some(Reply::AuthRejected);
        }
        if defer > 0.0 && rng.chance(defer) {
            return Some(Reply::AuthDeferral);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{attempt, rng, rule, scenario};
    use super::*;
    use crate::engine::SimTime;

    #[test]
    fn failing_mail_is_rejected_before_it_is_deferred() {
        let first_reply = |fields: &str| {
            let scenario = scenario(fields);
            let mut rule = rule(build, &scenario).expect("used");
            rule.check(&attempt(SimTime::ZERO), &mut rng())
        };
        assert_eq!(
            first_reply("(authentication: (rejection: 1.0, deferral: 1.0))"),
            Some(Reply::AuthRejected)
        );
        assert_eq!(
            first_reply("(authentication: (rejection: 0.0, deferral: 1.0))"),
            Some(Reply::AuthDeferral)
        );
    }

    #[test]
    fn a_receiver_that_ignores_authentication_has_no_rule() {
        assert!(rule(build, &scenario("()")).is_none());
        let lenient = scenario("(authentication: (rejection: 0.0, deferral: 0.0))");
        assert!(rule(build, &lenient).is_none());
    }
}
