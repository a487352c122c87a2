//! Banned IP: from a ban's start until the IP is delisted, its attempts get
//! `550 5.7.606 Access denied, banned sending IP` (a bounce).

use crate::domain::Reply;
use crate::engine::{RandomStream, SimTime};

use super::{Attempt, Rule, Setup};

pub(super) fn build<'a>(setup: &mut Setup<'a>) -> Option<Box<dyn Rule + 'a>> {
    let bans = &setup.spec.bans;
    if bans.is_empty() {
        return None;
    }
    let windows = setup
        .ips
        .iter()
        .map(|ip| {
            bans.iter()
                .find(|ban| ban.ip == ip.address)
                .map(|ban| (ban.from, ban.delisted.unwrap_or(SimTime::NEVER)))
        })
        .collect();
    Some(Box::new(Bans { windows }))
}

/// Per IP: the ban `[from, until)`, if any.
struct Bans {
    windows: Vec<Option<(SimTime, SimTime)>>,
}

impl Rule for Bans {
    fn check(&mut self, attempt: &Attempt, _: &mut RandomStream) -> Option<Reply> {
        let (from, until) = self.windows[attempt.ip]?;
        (from <= attempt.now && attempt.now < until).then_some(Reply::BannedIp)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{attempt, minutes, rng, rule, scenario};
    use super::*;

    #[test]
    fn a_banned_ip_is_refused_until_delisted_and_others_never() {
        let scenario = scenario(r#"(bans: [(ip: "192.0.2.1", from: "1h", delisted: "2h")])"#);
        let mut rule = rule(build, &scenario).expect("used");
        let mut rng = rng();
        let mut at = |m, ip| {
            let attempt = Attempt {
                ip,
                ..attempt(minutes(m))
            };
            rule.check(&attempt, &mut rng)
        };
        assert_eq!(at(59, 0), None);
        assert_eq!(at(60, 0), Some(Reply::BannedIp));
        assert_eq!(at(60, 1), None);
        assert_eq!(at(120, 0), None);
    }

    #[test]
    fn a_ban_without_delisting_lasts() {
        let scenario = scenario(r#"(bans: [(ip: "192.0.2.1")])"#);
        let mut rule = rule(build, &scenario).expect("used");
        let late = attempt(SimTime(1 << 50));
        assert_eq!(rule.check(&late, &mut rng()), Some(Reply::BannedIp));
    }
}
