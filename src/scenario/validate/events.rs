//! What happens at a receiver at given times: incidents (with their fixes and allow-listings),
//! DNS trouble windows and bans; and the check that every address a receiver names is a
//! sending IP of some sender.

use std::net::Ipv4Addr;

use super::Checker;
use crate::engine::{SimDuration, SimTime};
use crate::scenario::ScenarioError;
use crate::scenario::raw::{RawBan, RawDnsTrouble, RawIncident};
use crate::scenario::resolved::{
    AffectedIps, Ban, DnsTrouble, Incident, IpAddress, Receiver, RunSettings, Sender,
};

/// Checks time windows against the run's horizon.
pub(super) struct Windows<'a> {
    pub(super) check: &'a Checker<'a>,
    pub(super) run: &'a RunSettings,
}

impl Windows<'_> {
    /// A window `[start, end)` at `what`: end after start, start before the horizon.
    fn window(
        &self,
        what: &str,
        start: SimDuration,
        end: SimDuration,
    ) -> Result<(SimTime, SimTime), ScenarioError> {
        if end <= start {
            return Err(self.check.error(
                format!("{what}.end"),
                format!("the end ({end}) is not after the start ({start})"),
                "make end later than start",
            ));
        }
        if SimTime(start.as_millis()) >= self.run.horizon {
            return Err(self.check.error(
                format!("{what}.start"),
                format!(
                    "it starts at or after the horizon ({})",
                    SimDuration(self.run.horizon.as_millis())
                ),
                "move it earlier, or lengthen run.horizon",
            ));
        }
        Ok((SimTime(start.as_millis()), SimTime(end.as_millis())))
    }

    pub(super) fn incidents(
        &self,
        field: &str,
        raw: Vec<RawIncident>,
    ) -> Result<Vec<Incident>, ScenarioError> {
        raw.into_iter()
            .enumerate()
            .map(|(i, incident)| self.incident(&format!("{field}.incidents[{i}]"), incident))
            .collect()
    }

    fn incident(&self, path: &str, incident: RawIncident) -> Result<Incident, ScenarioError> {
        let check = self.check;
        let (start, end) = self.window(path, incident.start, incident.end)?;
        let affected = match (incident.ips.is_empty(), incident.fraction) {
            (false, None) => {
                AffectedIps::Listed(addresses(check, &format!("{path}.ips"), &incident.ips)?)
            }
            (true, Some(share)) => AffectedIps::Fraction(share),
            _ => {
                return Err(check.error(
                    path,
                    "give the affected IPs either by address (ips) or as a share (fraction), not both or neither",
                    "e.g. ips: [\"203.0.113.10\"] or fraction: 0.5",
                ));
            }
        };
        let mut fixes = Vec::with_capacity(incident.fixes.len());
        for (f, fix) in incident.fixes.iter().enumerate() {
            let at = SimTime(fix.at.as_millis());
            if at < start || at >= end || fixes.last().is_some_and(|&(prev, _)| at <= prev) {
                return Err(check.error(
                    format!("{path}.fixes[{f}].at"),
                    format!(
                        "{} is not inside the incident after the previous fix",
                        fix.at
                    ),
                    "fixes come in time order between start and end; the final reversion is `end`",
                ));
            }
            fixes.push((at, fix.deferral.get()));
        }
        let mut allow_listed = Vec::with_capacity(incident.allow_listed.len());
        for (a, allow) in incident.allow_listed.iter().enumerate() {
            let ips = addresses(check, &format!("{path}.allow_listed[{a}].ips"), &allow.ips)?;
            allow_listed.push((SimTime(allow.at.as_millis()), ips));
        }
        Ok(Incident {
            name: incident.name,
            start,
            end,
            affected,
            deferral: incident.deferral.get(),
            fixes,
            allow_listed,
            fade: incident.fade,
        })
    }

    /// DNS trouble windows; the senders named must exist (none named: every sender).
    pub(super) fn dns_trouble(
        &self,
        field: &str,
        raw: &[RawDnsTrouble],
        sender_names: &[&str],
    ) -> Result<Vec<DnsTrouble>, ScenarioError> {
        let mut dns_trouble = Vec::with_capacity(raw.len());
        for (i, dns) in raw.iter().enumerate() {
            let path = format!("{field}.dns_trouble[{i}]");
            let (start, end) = self.window(&path, dns.start, dns.end)?;
            let senders = if dns.senders.is_empty() {
                (0..sender_names.len()).collect()
            } else {
                dns.senders
                    .iter()
                    .enumerate()
                    .map(|(s, name)| {
                        sender_names.iter().position(|n| n == name).ok_or_else(|| {
                            self.check.error(
                                format!("{path}.senders[{s}]"),
                                format!("there is no sender named `{name}`"),
                                &format!("use one of: {}", sender_names.join(", ")),
                            )
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?
            };
            dns_trouble.push(DnsTrouble {
                start,
                end,
                kind: dns.kind,
                senders,
                fraction: dns.fraction,
            });
        }
        Ok(dns_trouble)
    }
}

/// Bans of sending IPs, each delisted (if ever) after it starts.
pub(super) fn resolve_bans(
    check: &Checker,
    field: &str,
    raw: &[RawBan],
) -> Result<Vec<Ban>, ScenarioError> {
    let mut bans = Vec::with_capacity(raw.len());
    for (i, ban) in raw.iter().enumerate() {
        let path = format!("{field}.bans[{i}]");
        let ip = addresses(check, &format!("{path}.ip"), std::slice::from_ref(&ban.ip))?[0];
        if let Some(delisted) = ban.delisted
            && delisted <= ban.from
        {
            return Err(check.error(
                format!("{path}.delisted"),
                format!(
                    "delisting at {delisted} is not after the ban starts ({})",
                    ban.from
                ),
                "make delisted later than from, or leave it out for a ban that lasts",
            ));
        }
        bans.push(Ban {
            ip,
            from: SimTime(ban.from.as_millis()),
            delisted: ban.delisted.map(|d| SimTime(d.as_millis())),
        });
    }
    Ok(bans)
}

/// Parses IPv4 addresses written in the file.
fn addresses(
    check: &Checker,
    field: &str,
    written: &[String],
) -> Result<Vec<IpAddress>, ScenarioError> {
    written
        .iter()
        .enumerate()
        .map(|(i, text)| {
            text.parse::<Ipv4Addr>()
                .map(|ip| IpAddress(ip.octets()))
                .map_err(|_| {
                    check.error(
                        format!("{field}[{i}]"),
                        format!("`{text}` is not an IPv4 address"),
                        "write four numbers from 0 to 255, e.g. \"203.0.113.10\"",
                    )
                })
        })
        .collect()
}

/// Every address a receiver names (incidents, allow-listing, bans) must be a sending IP.
pub(super) fn check_named_ips(
    check: &Checker,
    receiver: &Receiver,
    senders: &[Sender],
) -> Result<(), ScenarioError> {
    let known = |ip: &IpAddress| {
        senders
            .iter()
            .any(|s| s.ips.iter().any(|i| i.address == *ip))
    };
    let field = format!("receivers.{}", receiver.name);
    let mut named: Vec<(String, IpAddress)> = Vec::new();
    for (i, incident) in receiver.incidents.iter().enumerate() {
        if let AffectedIps::Listed(ips) = &incident.affected {
            named.extend(
                ips.iter()
                    .map(|ip| (format!("{field}.incidents[{i}].ips"), *ip)),
            );
        }
        for (a, (_, ips)) in incident.allow_listed.iter().enumerate() {
            named.extend(
                ips.iter()
                    .map(|ip| (format!("{field}.incidents[{i}].allow_listed[{a}].ips"), *ip)),
            );
        }
    }
    for (b, ban) in receiver.bans.iter().enumerate() {
        named.push((format!("{field}.bans[{b}].ip"), ban.ip));
    }
    match named.into_iter().find(|(_, ip)| !known(ip)) {
        Some((path, ip)) => Err(check.error(
            path,
            format!("{ip} is not a sending IP of any sender"),
            "use an address from a sender's ips (set first_address on the pool to fix them)",
        )),
        None => Ok(()),
    }
}
