//! Incident: an anti-spam rule change that restricts some sending IPs (listed, or a share of
//! all drawn once per run): while it lasts (and fades), an affected IP that is not yet
//! allow-listed is refused with `451 4.7.500 Access denied` at the incident's probability.

use crate::domain::Reply;
use crate::engine::{RandomStream, SimTime};
use crate::scenario::{AffectedIps, Incident};

use super::{Attempt, Rule, Setup};

pub(super) fn build<'a>(setup: &mut Setup<'a>) -> Option<Box<dyn Rule + 'a>> {
    let incidents = &setup.spec.incidents;
    if incidents.is_empty() {
        return None;
    }
    let ips = incidents
        .iter()
        .map(|incident| {
            setup
                .ips
                .iter()
                .map(|ip| IncidentIp {
                    affected: match &incident.affected {
                        AffectedIps::Listed(listed) => listed.contains(&ip.address),
                        AffectedIps::Fraction(share) => setup.rng.chance(share.get()),
                    },
                    allow_listed_from: incident
                        .allow_listed
                        .iter()
                        .filter(|(_, listed)| listed.contains(&ip.address))
                        .map(|&(at, _)| at)
                        .min()
                        .unwrap_or(SimTime::NEVER),
                })
                .collect()
        })
        .collect();
    Some(Box::new(Incidents { incidents, ips }))
}

/// An IP's part in one incident.
#[derive(Clone, Copy, Debug)]
struct IncidentIp {
    affected: bool,
    allow_listed_from: SimTime,
}

struct Incidents<'a> {
    incidents: &'a [Incident],
    /// Per incident, per IP.
    ips: Vec<Vec<IncidentIp>>,
}

impl Rule for Incidents<'_> {
    fn check(&mut self, attempt: &Attempt, rng: &mut RandomStream) -> Option<Reply> {
        let now = attempt.now;
        for (incident, ips) in self.incidents.iter().zip(&self.ips) {
            let ip = ips[attempt.ip];
            if ip.affected && now < ip.allow_listed_from && now < incident.over() {
                let p = incident.deferral_at(now);
                if p > 0.0 && rng.chance(p) {
                    return Some(Reply::AccessDenied);
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{attempt, minutes, rng, rule, scenario};
    use super::*;

    fn from_ip(m: u64, ip: usize) -> Attempt {
        Attempt {
            ip,
            ..attempt(minutes(m))
        }
    }

    #[test]
    fn listed_ips_are_refused_until_allow_listed_and_after_the_end() {
        let scenario = scenario(
            r#"(incidents: [(name: "rule change", start: "1h", end: "3h",
                ips: ["192.0.2.1"], allow_listed: [(at: "2h", ips: ["192.0.2.1"])])])"#,
        );
        let mut rule = rule(build, &scenario).expect("used");
        let mut rng = rng();
        assert_eq!(rule.check(&from_ip(59, 0), &mut rng), None);
        assert_eq!(
            rule.check(&from_ip(60, 0), &mut rng),
            Some(Reply::AccessDenied)
        );
        assert_eq!(rule.check(&from_ip(60, 1), &mut rng), None, "not listed");
        assert_eq!(rule.check(&from_ip(120, 0), &mut rng), None, "allow-listed");
    }

    #[test]
    fn a_fraction_of_the_ips_is_drawn_once() {
        let scenario = scenario(
            r#"(incidents: [(name: "rule change", start: "0s", end: "1h", fraction: 1.0)])"#,
        );
        let mut rule = rule(build, &scenario).expect("used");
        let mut rng = rng();
        for ip in 0..2 {
            assert_eq!(
                rule.check(&from_ip(1, ip), &mut rng),
                Some(Reply::AccessDenied)
            );
            assert_eq!(rule.check(&from_ip(60, ip), &mut rng), None);
        }
    }
}
