//! SPF temperror: while a `dns_trouble` window of kind `SpfTempError` covers the attempt for
//! its sender, the receiver's SPF lookups for the sender's domain fail and it answers
//! `451 4.7.0` at MAIL FROM.

use crate::domain::{DnsKind, Reply};
use crate::engine::RandomStream;

use super::dns::DnsWindows;
use super::{Attempt, Rule, Setup};

pub(super) fn build<'a>(setup: &mut Setup<'a>) -> Option<Box<dyn Rule + 'a>> {
    let windows = DnsWindows::of(setup.spec, DnsKind::SpfTempError)?;
    Some(Box::new(SpfTempError(windows)))
}

struct SpfTempError<'a>(DnsWindows<'a>);

impl Rule for SpfTempError<'_> {
    fn check(&mut self, attempt: &Attempt, rng: &mut RandomStream) -> Option<Reply> {
        self.0
            .fail(attempt.now, attempt.sender, rng)
            .then_some(Reply::SpfTempError)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{attempt, minutes, rng, rule, scenario};
    use super::*;

    #[test]
    fn a_share_of_the_lookups_in_the_window_fail() {
        let scenario = scenario(
            r#"(dns_trouble: [(start: "0s", end: "1h", kind: SpfTempError, fraction: 0.25)])"#,
        );
        let mut rule = rule(build, &scenario).expect("used");
        let mut rng = rng();
        let failed = (0..4000)
            .filter(|_| rule.check(&attempt(minutes(30)), &mut rng) == Some(Reply::SpfTempError))
            .count();
        assert!((900..1100).contains(&failed), "{failed}");
        assert_eq!(rule.check(&attempt(minutes(60)), &mut rng), None);
    }

    #[test]
    fn only_spf_windows_count() {
        let mx = scenario(r#"(dns_trouble: [(start: "0s", end: "2h", kind: MxLookup)])"#);
        assert!(rule(build, &mx).is_none());
    }
}
