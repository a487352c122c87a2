//! MX lookup failure, checked first: while a `dns_trouble` window of kind `MxLookup` covers
//! the attempt for its sender, the sender cannot resolve the receiver's MX and the attempt
//! fails at once, without a connection (`4.4.3`, site level).

use crate::domain::{DnsKind, Reply};
use crate::engine::RandomStream;

use super::dns::DnsWindows;
use super::{Attempt, Rule, Setup};

pub(super) fn build<'a>(setup: &mut Setup<'a>) -> Option<Box<dyn Rule + 'a>> {
    let windows = DnsWindows::of(setup.spec, DnsKind::MxLookup)?;
    Some(Box::new(MxLookup(windows)))
}

struct MxLookup<'a>(DnsWindows<'a>);

impl Rule for MxLookup<'_> {
    fn check(&mut self, attempt: &Attempt, rng: &mut RandomStream) -> Option<Reply> {
        self.0
            .fail(attempt.now, attempt.sender, rng)
            .then_some(Reply::MxLookupFailed)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{attempt, minutes, rng, rule, scenario};
    use super::*;

    #[test]
    fn lookups_fail_inside_the_window_for_the_senders_named() {
        let scenario = scenario(r#"(dns_trouble: [(start: "1h", end: "2h", kind: MxLookup)])"#);
        let mut rule = rule(build, &scenario).expect("used");
        let mut rng = rng();
        assert_eq!(rule.check(&attempt(minutes(59)), &mut rng), None);
        assert_eq!(
            rule.check(&attempt(minutes(60)), &mut rng),
            Some(Reply::MxLookupFailed)
        );
        assert_eq!(rule.check(&attempt(minutes(120)), &mut rng), None);
        let other_sender = Attempt {
            sender: 1,
            ..attempt(minutes(90))
        };
        assert_eq!(rule.check(&other_sender, &mut rng), None);
    }

    #[test]
    fn only_mx_windows_count() {
        let spf = scenario(r#"(dns_trouble: [(start: "0s", end: "2h", kind: SpfTempError)])"#);
        assert!(rule(build, &spf).is_none());
    }
}
