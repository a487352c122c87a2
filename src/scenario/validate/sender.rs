//! Senders: distinct names, their IP pools expanded into addresses, the recipient mix as
//! cumulative shares of receiver indices, connection limits, alerts and the retry policy with
//! the delay-notice default it implies.

use std::net::Ipv4Addr;

use super::replay::Context;
use super::{Checker, traffic};
use crate::domain::AuthResult;
use crate::engine::SimDuration;
use crate::retry::RetrySpec;
use crate::scenario::ScenarioError;
use crate::scenario::raw::{RawAuthentication, RawConnections, RawIpPool, RawLimit, RawSender};
use crate::scenario::resolved::{
    ConnectionLimit, Connections, IpAddress, QueueAlert, RunSettings, Sender, SendingIp, Traffic,
};

/// Resolves every sender in file order; addresses are handed out across senders.
pub(super) fn resolve_senders(
    check: &Checker,
    run: &RunSettings,
    raw: Vec<RawSender>,
    context: &Context,
) -> Result<Vec<Sender>, ScenarioError> {
    if raw.is_empty() {
        return Err(check.error(
            "senders",
            "no senders are defined",
            "add at least one sender",
        ));
    }
    let mut next_address = u32::from(Ipv4Addr::new(192, 0, 2, 1));
    let mut senders = Vec::with_capacity(raw.len());
    for (index, sender) in raw.into_iter().enumerate() {
        let field = format!("senders[{index}]");
        if senders.iter().any(|s: &Sender| s.name == sender.name) {
            return Err(check.error(
                format!("{field}.name"),
                format!("a sender named `{}` is already defined", sender.name),
                "give every sender its own name",
            ));
        }
        senders.push(resolve_sender(
            check,
            run,
            &field,
            sender,
            context,
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
    Ok(senders)
}

fn resolve_sender(
    check: &Checker,
    run: &RunSettings,
    field: &str,
    raw: RawSender,
    context: &Context,
    next_address: &mut u32,
) -> Result<Sender, ScenarioError> {
    if raw.name.is_empty() {
        return Err(check.error(
            format!("{field}.name"),
            "the name is empty",
            "name the sender",
        ));
    }
    let ips = resolve_ips(check, field, &raw.ips, next_address)?;
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
        .map(|(t, source)| {
            let source_field = format!("{field}.traffic[{t}]");
            let sender = &raw.name;
            traffic::resolve_traffic(check, run, &source_field, source, context, sender)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let needs_mix = traffic.iter().any(|t| !matches!(t, Traffic::Replay(_)));
    let mix = if needs_mix || !raw.recipients.mix.is_empty() {
        resolve_mix(check, field, &raw.recipients.mix, context.receivers)?
    } else {
        Vec::new()
    };
    let connections = resolve_connections(check, field, &raw.connections)?;
    if let Some(alert) = &raw.queue_alert
        && alert.every == SimDuration::ZERO
    {
        return Err(check.error(
            format!("{field}.queue_alert.every"),
            "a zero repeat interval would alert without end",
            "use e.g. \"30m\" (FOPE)",
        ));
    }
    let retry = check.resolve_retry(field, &raw.retry)?;
    let (delay_warning, delay_warning_repeats) = delay_notice(raw.delay_warning, &retry);
    Ok(Sender {
        name: raw.name,
        ips,
        traffic,
        mix,
        invalid_share: raw.recipients.invalid_share,
        connections,
        delay_warning,
        delay_warning_repeats,
        delay_warning_explicit: raw.delay_warning.is_some(),
        queue_alert: raw.queue_alert.map(|alert| QueueAlert {
            threshold: alert.threshold,
            every: alert.every,
        }),
        failed_auth_checks: failed_auth_checks(raw.authentication),
        retry,
    })
}

/// The delay-notice age and whether notices repeat: the sender's own `delay_warning`, else the
/// default of the system the policy models (which may repeat). Policy swaps resolve it the same
/// way.
pub(in crate::scenario) fn delay_notice(
    own: Option<SimDuration>,
    retry: &RetrySpec,
) -> (Option<SimDuration>, bool) {
    (
        own.or_else(|| retry.delay_warning_default()),
        own.is_none() && retry.delay_warning_repeats(),
    )
}

/// Expands the pools into addresses, counting up from `next_address` or a pool's own first one.
fn resolve_ips(
    check: &Checker,
    field: &str,
    pools: &[RawIpPool],
    next_address: &mut u32,
) -> Result<Vec<SendingIp>, ScenarioError> {
    if pools.is_empty() {
        return Err(check.error(
            format!("{field}.ips"),
            "no sending IPs",
            "add a pool, e.g. ips: [(count: 2, reputation: Good)]",
        ));
    }
    // Checked before the pools are expanded: a count of four billion must not be materialised.
    let total: u64 = pools.iter().map(|pool| u64::from(pool.count)).sum();
    if total > u64::from(u16::MAX) {
        return Err(check.error(
            format!("{field}.ips"),
            format!("{total} sending IPs; at most 65535 are supported"),
            "use fewer IPs",
        ));
    }
    let mut ips = Vec::new();
    for (p, pool) in pools.iter().enumerate() {
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
    Ok(ips)
}

/// The recipient mix as `(receiver index, cumulative share)`, the last share exactly 1.
fn resolve_mix(
    check: &Checker,
    field: &str,
    shares: &std::collections::BTreeMap<String, f64>,
    receiver_names: &[String],
) -> Result<Vec<(usize, f64)>, ScenarioError> {
    let mix_field = format!("{field}.recipients.mix");
    if shares.is_empty() {
        return Err(check.error(
            &mix_field,
            "the mix is empty",
            "give each receiver a share, e.g. recipients: (mix: { \"o365\": 1.0 }) (only a sender whose every source is a Replay needs none)",
        ));
    }
    let mut mix = Vec::new();
    let mut cumulative = 0.0;
    for (name, &share) in shares {
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
    Ok(mix)
}

fn resolve_connections(
    check: &Checker,
    field: &str,
    c: &RawConnections,
) -> Result<Connections, ScenarioError> {
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
    Ok(Connections {
        limit,
        messages_per_connection: c.messages_per_connection,
        transaction_time: c.transaction_time,
        connect_time: c.connect_time,
        connect_timeout: c.connect_timeout,
    })
}

/// How many of SPF, DKIM and DMARC fail for the sender's mail.
fn failed_auth_checks(auth: RawAuthentication) -> u8 {
    [auth.spf, auth.dkim, auth.dmarc]
        .iter()
        .filter(|r| **r == AuthResult::Fail)
        .count() as u8
}
