//! Outage: while an outage window covers the attempt, its share of attempts gets the outage's
//! reply (a timeout, a refused connection, `421 4.3.2` at the greeting or `451 4.3.2` to the
//! transaction). The world also asks [`reply`] when an accepted transaction ends, since an
//! outage that began meanwhile cuts it short.

use crate::domain::{OutageKind, Reply};
use crate::engine::{RandomStream, SimTime};
use crate::scenario::Outage;

use super::{Attempt, Rule, Setup};

pub(super) fn build<'a>(setup: &mut Setup<'a>) -> Option<Box<dyn Rule + 'a>> {
    let outages = &setup.spec.outages;
    if outages.is_empty() {
        return None;
    }
    Some(Box::new(Outages(outages)))
}

struct Outages<'a>(&'a [Outage]);

impl Rule for Outages<'_> {
    fn check(&mut self, attempt: &Attempt, rng: &mut RandomStream) -> Option<Reply> {
        reply(self.0, attempt.now, rng)
    }
}

/// The outage reply if one of `outages` covers `now` and this attempt is among those affected.
pub(super) fn reply(outages: &[Outage], now: SimTime, rng: &mut RandomStream) -> Option<Reply> {
    let outage = outages.iter().find(|o| o.covers(now))?;
    if !rng.chance(outage.fraction.get()) {
        return None;
    }
    Some(match outage.kind {
        OutageKind::Timeout => Reply::ConnectTimeout,
        OutageKind::Refused => Reply::ConnectRefused,
        OutageKind::Greeting421 => Reply::Greeting421,
        OutageKind::Reply451 => Reply::TemporaryError451,
    })
}

#[cfg(test)]
mod tests {
    use super::super::testing::{attempt, minutes, rng, rule, scenario};
    use super::*;

    #[test]
    fn each_window_answers_with_its_kind() {
        let scenario = scenario(
            r#"(outages: [(start: "0s", end: "1h", kind: Timeout),
                          (start: "1h", end: "2h", kind: Refused),
                          (start: "2h", end: "3h", kind: Greeting421),
                          (start: "3h", end: "4h", kind: Reply451)])"#,
        );
        let mut rule = rule(build, &scenario).expect("used");
        let mut rng = rng();
        let mut at = |m| rule.check(&attempt(minutes(m)), &mut rng);
        assert_eq!(at(0), Some(Reply::ConnectTimeout));
        assert_eq!(at(60), Some(Reply::ConnectRefused));
        assert_eq!(at(120), Some(Reply::Greeting421));
        assert_eq!(at(239), Some(Reply::TemporaryError451));
        assert_eq!(at(240), None);
    }

    #[test]
    fn a_partial_outage_spares_the_rest() {
        let scenario =
            scenario(r#"(outages: [(start: "0s", end: "1h", kind: Refused, fraction: 0.5)])"#);
        let outages = &scenario.receivers[0].outages;
        let mut rng = rng();
        let hit = (0..2000)
            .filter(|_| reply(outages, minutes(1), &mut rng).is_some())
            .count();
        assert!((900..1100).contains(&hit), "{hit}");
    }

    #[test]
    fn a_receiver_without_outages_has_no_rule() {
        assert!(rule(build, &scenario("()")).is_none());
    }
}
