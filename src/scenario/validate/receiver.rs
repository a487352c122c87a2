//! Receivers: the throttle and its per-class shares, reputation deferral, outage windows
//! (sorted, not overlapping), probation, recipient limits and authentication. Incidents, DNS
//! trouble and bans are in [`super::events`].

use super::{Checker, events};
use crate::domain::Reputation;
use crate::engine::{SimDuration, SimTime};
use crate::scenario::ScenarioError;
use crate::scenario::raw::{RawOutage, RawProbation, RawReceiver, RawRecipientLimits, RawThrottle};
use crate::scenario::resolved::{
    AuthPolicy, Outage, Probation, Receiver, RecipientLimits, RunSettings, Throttle,
};

pub(super) fn resolve_receiver(
    check: &Checker,
    run: &RunSettings,
    sender_names: &[&str],
    name: String,
    raw: RawReceiver,
) -> Result<Receiver, ScenarioError> {
    let field = format!("receivers.{name}");
    let throttle = raw
        .throttle
        .map(|t| resolve_throttle(check, &field, t))
        .transpose()?;
    let mut reputation_deferral = [0.0; 4];
    for (class, p) in &raw.reputation_deferral {
        reputation_deferral[class_index(*class)] = p.get();
    }
    let outages = resolve_outages(check, run, &field, &raw.outages)?;
    let probation = raw
        .probation
        .map(|p| resolve_probation(check, &field, p))
        .transpose()?;
    let windows = events::Windows { check, run };
    let incidents = windows.incidents(&field, raw.incidents)?;
    let dns_trouble = windows.dns_trouble(&field, &raw.dns_trouble, sender_names)?;
    let bans = events::resolve_bans(check, &field, &raw.bans)?;
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
        recipient_limits: raw
            .recipient_limits
            .map(|limits| resolve_recipient_limits(check, &field, limits))
            .transpose()?,
        authentication: raw.authentication.map(|a| AuthPolicy {
            deferral: a.deferral.get(),
            rejection: a.rejection.get(),
        }),
    })
}

fn resolve_throttle(
    check: &Checker,
    field: &str,
    t: RawThrottle,
) -> Result<Throttle, ScenarioError> {
    if t.rate.as_per_second() <= 0.0 {
        return Err(check.error(
            format!("{field}.throttle.rate"),
            "a zero throttle rate would never accept anything after the first burst",
            "use a positive rate, or an outage window to model a receiver that accepts nothing",
        ));
    }
    if t.burst == 0 {
        return Err(check.error(
            format!("{field}.throttle.burst"),
            "a bucket of size zero never holds a token",
            "use a burst of at least 1",
        ));
    }
    let mut by_reputation = [1.0; 4];
    for (class, share) in &t.by_reputation {
        if share.get() <= 0.0 {
            return Err(check.error(
                format!("{field}.throttle.by_reputation.{class}"),
                "a zero share would never accept this class",
                "use a positive share, or reputation_deferral: { Bad: 1.0 } to refuse it",
            ));
        }
        by_reputation[class_index(*class)] = share.get();
    }
    Ok(Throttle {
        rate: t.rate,
        burst: t.burst,
        by_reputation,
    })
}

/// Outage windows inside the horizon, sorted by start; overlapping windows are refused.
fn resolve_outages(
    check: &Checker,
    run: &RunSettings,
    field: &str,
    raw: &[RawOutage],
) -> Result<Vec<Outage>, ScenarioError> {
    let mut outages: Vec<Outage> = Vec::with_capacity(raw.len());
    for (i, outage) in raw.iter().enumerate() {
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
    Ok(outages)
}

fn resolve_probation(
    check: &Checker,
    field: &str,
    p: RawProbation,
) -> Result<Probation, ScenarioError> {
    if p.period == SimDuration::ZERO {
        return Err(check.error(
            format!("{field}.probation.period"),
            "a zero probation period",
            "use e.g. \"3d\" (Microsoft: \"a few days\"), or remove probation",
        ));
    }
    Ok(Probation {
        period: p.period,
        start: p.start,
    })
}

fn resolve_recipient_limits(
    check: &Checker,
    field: &str,
    limits: RawRecipientLimits,
) -> Result<RecipientLimits, ScenarioError> {
    if limits.mailboxes == 0 {
        return Err(check.error(
            format!("{field}.recipient_limits.mailboxes"),
            "zero mailboxes: no message would have a recipient",
            "use at least 1",
        ));
    }
    Ok(RecipientLimits {
        mailboxes: limits.mailboxes,
        per_sender_per_hour: limits.per_sender_per_hour,
        per_hour: limits.per_hour,
    })
}

/// Position of a class in [`Reputation::ALL`].
fn class_index(class: Reputation) -> usize {
    Reputation::ALL
        .iter()
        .position(|c| *c == class)
        .unwrap_or_default()
}
