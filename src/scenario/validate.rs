//! Turns the raw file into a [`Scenario`]: resolves names, fills defaults and checks every rule
//! that involves more than one value. Errors name the field path and say how to fix it.

use std::net::Ipv4Addr;

use super::ScenarioError;
use super::raw::{RawLimit, RawReceiver, RawScenario, RawSender, RawTraffic};
use super::resolved::*;
use crate::domain::Rate;
use crate::domain::Reputation;
use crate::engine::{SimDuration, SimTime};

/// Collects the context every error needs.
struct Checker<'a> {
    origin: &'a str,
}

impl Checker<'_> {
    /// Checks the retry policy at `{field}.retry`.
    fn retry(&self, field: &str, retry: &crate::retry::RetrySpec) -> Result<(), ScenarioError> {
        retry.validate().map_err(|problem| {
            self.error(
                format!("{field}.retry.{}", problem.field),
                problem.message,
                &problem.hint,
            )
        })
    }

    fn error(
        &self,
        field: impl Into<String>,
        message: impl Into<String>,
        hint: &str,
    ) -> ScenarioError {
        ScenarioError::Invalid {
            path: self.origin.to_string(),
            field: field.into(),
            message: message.into(),
            hint: (!hint.is_empty()).then(|| hint.to_string()),
        }
    }
}

pub(super) fn validate(origin: &str, raw: RawScenario) -> Result<Scenario, ScenarioError> {
    let check = Checker { origin };
    if raw.name.is_empty()
        || !raw
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(check.error(
            "name",
            format!("`{}` cannot be used as a folder name", raw.name),
            "use letters, digits, `-` and `_` only, e.g. \"o365-burst\"",
        ));
    }
    if raw.run.horizon == SimDuration::ZERO {
        return Err(check.error("run.horizon", "the horizon is zero", "use e.g. \"7d\""));
    }
    if raw.run.sample_every == SimDuration::ZERO {
        return Err(check.error(
            "run.sample_every",
            "the sample interval is zero",
            "use e.g. \"5m\"",
        ));
    }
    if raw.run.warmup.as_millis() >= raw.run.horizon.as_millis() {
        return Err(check.error(
            "run.warmup",
            format!(
                "the warm-up ({}) is not shorter than the horizon ({})",
                raw.run.warmup, raw.run.horizon
            ),
            "use a warm-up shorter than the horizon, e.g. warmup: \"1h\", or leave it out",
        ));
    }
    let run = RunSettings {
        horizon: SimTime(raw.run.horizon.as_millis()),
        sample_every: raw.run.sample_every,
        seed: raw.run.seed,
        stop_when_drained: raw.run.stop_when_drained,
        warmup: raw.run.warmup,
    };
    if raw.receivers.is_empty() {
        return Err(check.error(
            "receivers",
            "no receivers are defined",
            "add at least one, e.g. receivers: { \"o365\": () }",
        ));
    }
    let receiver_names: Vec<String> = raw.receivers.keys().cloned().collect();
    let sender_names: Vec<&str> = raw.senders.iter().map(|s| s.name.as_str()).collect();
    let receivers = raw
        .receivers
        .into_iter()
        .map(|(name, receiver)| resolve_receiver(&check, &run, &sender_names, name, receiver))
        .collect::<Result<Vec<_>, _>>()?;
    if raw.senders.is_empty() {
        return Err(check.error(
            "senders",
            "no senders are defined",
            "add at least one sender",
        ));
    }
    let mut next_address = u32::from(Ipv4Addr::new(192, 0, 2, 1));
    let mut senders = Vec::with_capacity(raw.senders.len());
    for (index, sender) in raw.senders.into_iter().enumerate() {
        let field = format!("senders[{index}]");
        if senders.iter().any(|s: &Sender| s.name == sender.name) {
            return Err(check.error(
                format!("{field}.name"),
                format!("a sender named `{}` is already defined", sender.name),
                "give every sender its own name",
            ));
        }
        senders.push(resolve_sender(
            &check,
            &run,
            &field,
            sender,
            &receiver_names,
            &mut next_address,
        )?);
    }
    // Sending IPs are numbered across all senders in 16 bits inside the event queue.
    let total_ips: usize = senders.iter().map(|s: &Sender| s.ips.len()).sum();
    if total_ips > usize::from(u16::MAX) {
        return Err(check.error(
            "senders",
            format!("{total_ips} sending IPs in all; at most 65535 are supported"),
            "use fewer IPs across the senders",
        ));
    }
    let mut policies: Vec<(String, crate::retry::RetrySpec)> = Vec::new();
    for (index, policy) in raw.policies.into_iter().enumerate() {
        let field = format!("policies[{index}]");
        if policy.name.trim().is_empty() || policies.iter().any(|(name, _)| *name == policy.name) {
            return Err(check.error(
                format!("{field}.name"),
                format!("the policy name `{}` is empty or used twice", policy.name),
                "give every policy its own name, e.g. \"postfix-10m\"",
            ));
        }
        check.retry(&field, &policy.retry)?;
        policies.push((policy.name, policy.retry));
    }
    for receiver in &receivers {
        check_named_ips(&check, receiver, &senders)?;
    }
    Ok(Scenario {
        name: raw.name,
        description: raw.description,
        origin: origin.to_string(),
        run,
        senders,
        receivers,
        policies,
    })
}

fn resolve_sender(
    check: &Checker,
    run: &RunSettings,
    field: &str,
    raw: RawSender,
    receiver_names: &[String],
    next_address: &mut u32,
) -> Result<Sender, ScenarioError> {
    if raw.name.is_empty() {
        return Err(check.error(
            format!("{field}.name"),
            "the name is empty",
            "name the sender",
        ));
    }
    if raw.ips.is_empty() {
        return Err(check.error(
            format!("{field}.ips"),
            "no sending IPs",
            "add a pool, e.g. ips: [(count: 2, reputation: Good)]",
        ));
    }
    // Checked before the pools are expanded: a count of four billion must not be materialised.
    let total: u64 = raw.ips.iter().map(|pool| u64::from(pool.count)).sum();
    if total > u64::from(u16::MAX) {
        return Err(check.error(
            format!("{field}.ips"),
            format!("{total} sending IPs; at most 65535 are supported"),
            "use fewer IPs",
        ));
    }
    let mut ips = Vec::new();
    for (p, pool) in raw.ips.iter().enumerate() {
        let pool_field = format!("{field}.ips[{p}]");
        if pool.count == 0 {
            return Err(check.error(
                format!("{pool_field}.count"),
                "a pool of zero IPs",
                "use a count of at least 1, or remove the pool",
            ));
        }
        if let Some(first) = &pool.first_address {
            let parsed: Ipv4Addr = first.parse().map_err(|_| {
                check.error(
                    format!("{pool_field}.first_address"),
                    format!("`{first}` is not an IPv4 address"),
                    "write four numbers from 0 to 255, e.g. \"203.0.113.10\"",
                )
            })?;
            *next_address = u32::from(parsed);
        }
        for _ in 0..pool.count {
            ips.push(SendingIp {
                address: IpAddress(Ipv4Addr::from(*next_address).octets()),
                reputation: pool.reputation,
                history: pool.sending_history,
            });
            *next_address = next_address.wrapping_add(1);
        }
    }
    if raw.traffic.is_empty() {
        return Err(check.error(
            format!("{field}.traffic"),
            "no traffic sources",
            "add e.g. Poisson(rate: \"600/h\") or Campaign(messages: 10000, at: \"0s\")",
        ));
    }
    let traffic = raw
        .traffic
        .iter()
        .enumerate()
        .map(|(t, source)| resolve_traffic(check, run, &format!("{field}.traffic[{t}]"), source))
        .collect::<Result<Vec<_>, _>>()?;

    let mix_field = format!("{field}.recipients.mix");
    if raw.recipients.mix.is_empty() {
        return Err(check.error(
            &mix_field,
            "the mix is empty",
            "give each receiver a share, e.g. mix: { \"o365\": 1.0 }",
        ));
    }
    let mut mix = Vec::new();
    let mut cumulative = 0.0;
    for (name, &share) in &raw.recipients.mix {
        let Some(receiver) = receiver_names.iter().position(|n| n == name) else {
            return Err(check.error(
                format!("{mix_field}.{name}"),
                format!("there is no receiver named `{name}`"),
                &format!(
                    "define it under receivers, or use one of: {}",
                    receiver_names.join(", ")
                ),
            ));
        };
        if !(share.is_finite() && share > 0.0 && share <= 1.0) {
            return Err(check.error(
                format!("{mix_field}.{name}"),
                format!("share {share} is not a number above 0 and at most 1"),
                "shares are fractions of the sender's messages and sum to 1",
            ));
        }
        cumulative += share;
        mix.push((receiver, cumulative));
    }
    if (cumulative - 1.0).abs() > 1e-6 {
        return Err(check.error(
            &mix_field,
            format!("the shares sum to {cumulative}, not 1"),
            "make the receivers' shares add up to exactly 1",
        ));
    }
    if let Some(last) = mix.last_mut() {
        last.1 = 1.0; // absorb rounding so the last receiver takes every draw up to 1
    }

    let c = &raw.connections;
    let limit = match &c.per_destination {
        RawLimit::Count(0) => {
            return Err(check.error(
                format!("{field}.connections.per_destination"),
                "zero connections per destination: nothing could ever be delivered",
                "use at least 1, or \"unlimited\"",
            ));
        }
        RawLimit::Count(n) => ConnectionLimit::Limited(*n),
        RawLimit::Word(word) if word == "unlimited" => ConnectionLimit::Unlimited,
        RawLimit::Word(word) => {
            return Err(check.error(
                format!("{field}.connections.per_destination"),
                format!("`{word}` is not a connection limit"),
                "write a number such as 20, or \"unlimited\"",
            ));
        }
    };
    if c.messages_per_connection == 0 {
        return Err(check.error(
            format!("{field}.connections.messages_per_connection"),
            "zero messages per connection",
            "use at least 1",
        ));
    }
    if let Some(alert) = &raw.queue_alert
        && alert.every == SimDuration::ZERO
    {
        return Err(check.error(
            format!("{field}.queue_alert.every"),
            "a zero repeat interval would alert without end",
            "use e.g. \"30m\" (FOPE)",
        ));
    }
    check.retry(field, &raw.retry)?;
    Ok(Sender {
        name: raw.name,
        ips,
        traffic,
        mix,
        invalid_share: raw.recipients.invalid_share,
        connections: Connections {
            limit,
            messages_per_connection: c.messages_per_connection,
            transaction_time: c.transaction_time,
            connect_time: c.connect_time,
            connect_timeout: c.connect_timeout,
        },
        // A policy that models a real system supplies that system's default notice age.
        delay_warning: raw
            .delay_warning
            .or_else(|| raw.retry.delay_warning_default()),
        delay_warning_repeats: raw.delay_warning.is_none() && raw.retry.delay_warning_repeats(),
        queue_alert: raw.queue_alert.map(|alert| QueueAlert {
            threshold: alert.threshold,
            every: alert.every,
        }),
        failed_auth_checks: {
            let auth = raw.authentication;
            [auth.spf, auth.dkim, auth.dmarc]
                .iter()
                .filter(|r| **r == crate::domain::AuthResult::Fail)
                .count() as u8
        },
        retry: raw.retry,
    })
}

fn resolve_traffic(
    check: &Checker,
    run: &RunSettings,
    field: &str,
    raw: &RawTraffic,
) -> Result<Traffic, ScenarioError> {
    let horizon = SimDuration(run.horizon.as_millis());
    let within_horizon = |name: &str, at: SimDuration| {
        if at >= horizon {
            Err(check.error(
                format!("{field}.{name}"),
                format!("{at} is at or past the run's horizon ({horizon})"),
                "move it earlier, or lengthen run.horizon",
            ))
        } else {
            Ok(())
        }
    };
    match raw {
        RawTraffic::Poisson { rate, start, end } => {
            let start = start.unwrap_or(SimDuration::ZERO);
            within_horizon("start", start)?;
            if rate.as_per_second() <= 0.0 {
                return Err(check.error(
                    format!("{field}.rate"),
                    "a zero rate sends nothing",
                    "use a positive rate, or remove the source",
                ));
            }
            let mut steps = vec![];
            if start > SimDuration::ZERO {
                steps.push((SimTime::ZERO, Rate::per_second(0.0)));
            }
            steps.push((SimTime(start.as_millis()), *rate));
            if let Some(end) = end {
                if *end <= start {
                    return Err(check.error(
                        format!("{field}.end"),
                        format!("the end ({end}) is not after the start ({start})"),
                        "make end later than start, or leave end out to run to the horizon",
                    ));
                }
                steps.push((SimTime(end.as_millis()), Rate::per_second(0.0)));
            }
            Ok(Traffic::Poisson {
                steps,
                period: None,
            })
        }
        RawTraffic::Campaign {
            messages,
            at,
            spread,
        } => {
            if *messages == 0 {
                return Err(check.error(
                    format!("{field}.messages"),
                    "a campaign of zero messages",
                    "use at least 1, or remove the campaign",
                ));
            }
            within_horizon("at", *at)?;
            Ok(Traffic::Campaign {
                messages: *messages,
                at: SimTime(at.as_millis()),
                spread: spread.unwrap_or(SimDuration::ZERO),
            })
        }
        RawTraffic::Profile { steps, repeat } => {
            if steps.is_empty() {
                return Err(check.error(
                    format!("{field}.steps"),
                    "a profile with no steps",
                    "add steps such as (from: \"0h\", rate: \"100/h\")",
                ));
            }
            if let Some(i) = steps.windows(2).position(|w| w[1].from <= w[0].from) {
                return Err(check.error(
                    format!("{field}.steps[{}].from", i + 1),
                    format!(
                        "{} is not after the previous step's {}",
                        steps[i + 1].from,
                        steps[i].from
                    ),
                    "list steps in increasing order of `from`",
                ));
            }
            if let Some(period) = repeat {
                let last = steps[steps.len() - 1].from;
                if *period == SimDuration::ZERO || last >= *period {
                    return Err(check.error(
                        format!("{field}.repeat"),
                        format!("the period ({period}) must be longer than the last step's start ({last})"),
                        "use e.g. repeat: \"24h\" for a daily profile",
                    ));
                }
            }
            if steps.iter().all(|s| s.rate.as_per_second() <= 0.0) {
                return Err(check.error(
                    format!("{field}.steps"),
                    "every step has a zero rate",
                    "give at least one step a positive rate",
                ));
            }
            let mut resolved = vec![];
            if steps[0].from > SimDuration::ZERO {
                resolved.push((SimTime::ZERO, Rate::per_second(0.0)));
            }
            resolved.extend(steps.iter().map(|s| (SimTime(s.from.as_millis()), s.rate)));
            Ok(Traffic::Poisson {
                steps: resolved,
                period: *repeat,
            })
        }
    }
}

fn resolve_receiver(
    check: &Checker,
    run: &RunSettings,
    sender_names: &[&str],
    name: String,
    raw: RawReceiver,
) -> Result<Receiver, ScenarioError> {
    let field = format!("receivers.{name}");
    let throttle = match raw.throttle {
        Some(t) if t.rate.as_per_second() <= 0.0 => {
            return Err(check.error(
                format!("{field}.throttle.rate"),
                "a zero throttle rate would never accept anything after the first burst",
                "use a positive rate, or an outage window to model a receiver that accepts nothing",
            ));
        }
        Some(t) if t.burst == 0 => {
            return Err(check.error(
                format!("{field}.throttle.burst"),
                "a bucket of size zero never holds a token",
                "use a burst of at least 1",
            ));
        }
        Some(t) => {
            let mut by_reputation = [1.0; 4];
            for (class, share) in &t.by_reputation {
                if share.get() <= 0.0 {
                    return Err(check.error(
                        format!("{field}.throttle.by_reputation.{class:?}"),
                        "a zero share would never accept this class",
                        "use a positive share, or reputation_deferral: { Bad: 1.0 } to refuse it",
                    ));
                }
                by_reputation[class_index(*class)] = share.get();
            }
            Some(Throttle {
                rate: t.rate,
                burst: t.burst,
                by_reputation,
            })
        }
        None => None,
    };
    let mut reputation_deferral = [0.0; 4];
    for (class, p) in &raw.reputation_deferral {
        reputation_deferral[class_index(*class)] = p.get();
    }
    let mut outages: Vec<Outage> = Vec::with_capacity(raw.outages.len());
    for (i, outage) in raw.outages.iter().enumerate() {
        if outage.end <= outage.start {
            return Err(check.error(
                format!("{field}.outages[{i}].end"),
                format!(
                    "the end ({}) is not after the start ({})",
                    outage.end, outage.start
                ),
                "make end later than start",
            ));
        }
        if SimTime(outage.start.as_millis()) >= run.horizon {
            return Err(check.error(
                format!("{field}.outages[{i}].start"),
                format!(
                    "the outage starts at or after the horizon ({})",
                    SimDuration(run.horizon.as_millis())
                ),
                "move it earlier, or lengthen run.horizon",
            ));
        }
        outages.push(Outage {
            start: SimTime(outage.start.as_millis()),
            end: SimTime(outage.end.as_millis()),
            kind: outage.kind,
            fraction: outage.fraction,
        });
    }
    let mut order: Vec<usize> = (0..outages.len()).collect();
    order.sort_by_key(|&i| outages[i].start);
    for pair in order.windows(2) {
        let (a, b) = (&outages[pair[0]], &outages[pair[1]]);
        if b.start < a.end {
            return Err(check.error(
                format!("{field}.outages[{}]", pair[1]),
                format!("overlaps outages[{}]", pair[0]),
                "outage windows of one receiver must not overlap; merge them or move one",
            ));
        }
    }
    outages.sort_by_key(|o| o.start);
    let probation = match raw.probation {
        Some(p) if p.period == SimDuration::ZERO => {
            return Err(check.error(
                format!("{field}.probation.period"),
                "a zero probation period",
                "use e.g. \"3d\" (Microsoft: \"a few days\"), or remove probation",
            ));
        }
        Some(p) => Some(Probation {
            period: p.period,
            start: p.start,
        }),
        None => None,
    };
    let window = |what: &str, start: SimDuration, end: SimDuration| {
        if end <= start {
            return Err(check.error(
                format!("{what}.end"),
                format!("the end ({end}) is not after the start ({start})"),
                "make end later than start",
            ));
        }
        if SimTime(start.as_millis()) >= run.horizon {
            return Err(check.error(
                format!("{what}.start"),
                format!(
                    "it starts at or after the horizon ({})",
                    SimDuration(run.horizon.as_millis())
                ),
                "move it earlier, or lengthen run.horizon",
            ));
        }
        Ok((SimTime(start.as_millis()), SimTime(end.as_millis())))
    };
    let mut incidents = Vec::with_capacity(raw.incidents.len());
    for (i, incident) in raw.incidents.into_iter().enumerate() {
        let path = format!("{field}.incidents[{i}]");
        let (start, end) = window(&path, incident.start, incident.end)?;
        let affected = match (incident.ips.is_empty(), incident.fraction) {
            (false, None) => {
                AffectedIps::Listed(addresses(check, &format!("{path}.ips"), &incident.ips)?)
            }
            (true, Some(share)) => AffectedIps::Fraction(share),
            _ => {
                return Err(check.error(
                    &path,
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
        incidents.push(Incident {
            name: incident.name,
            start,
            end,
            affected,
            deferral: incident.deferral.get(),
            fixes,
            allow_listed,
            fade: incident.fade,
        });
    }
    let mut dns_trouble = Vec::with_capacity(raw.dns_trouble.len());
    for (i, dns) in raw.dns_trouble.iter().enumerate() {
        let path = format!("{field}.dns_trouble[{i}]");
        let (start, end) = window(&path, dns.start, dns.end)?;
        let senders = if dns.senders.is_empty() {
            (0..sender_names.len()).collect()
        } else {
            dns.senders
                .iter()
                .enumerate()
                .map(|(s, name)| {
                    sender_names.iter().position(|n| n == name).ok_or_else(|| {
                        check.error(
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
    let mut bans = Vec::with_capacity(raw.bans.len());
    for (i, ban) in raw.bans.iter().enumerate() {
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
    Ok(Receiver {
        name,
        throttle,
        reputation_deferral,
        outages,
        probation,
        incidents,
        dns_trouble,
        bans,
        greylisting: raw.greylisting.map(|g| g.delay),
        recipient_limits: match raw.recipient_limits {
            Some(limits) if limits.mailboxes == 0 => {
                return Err(check.error(
                    format!("{field}.recipient_limits.mailboxes"),
                    "zero mailboxes: no message would have a recipient",
                    "use at least 1",
                ));
            }
            Some(limits) => Some(RecipientLimits {
                mailboxes: limits.mailboxes,
                per_sender_per_hour: limits.per_sender_per_hour,
                per_hour: limits.per_hour,
            }),
            None => None,
        },
        authentication: raw.authentication.map(|a| AuthPolicy {
            deferral: a.deferral.get(),
            rejection: a.rejection.get(),
        }),
    })
}

/// Position of a class in [`Reputation::ALL`].
fn class_index(class: Reputation) -> usize {
    Reputation::ALL
        .iter()
        .position(|c| *c == class)
        .unwrap_or_default()
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
fn check_named_ips(
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
