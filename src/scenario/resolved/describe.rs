//! The readable account of a validated scenario that `mailsim validate` prints: one line per
//! setting, with the defaults the retry policy implies spelt out.

use crate::domain::Reputation;
use crate::engine::{SimDuration, SimTime};

use super::{AffectedIps, ConnectionLimit, IpAddress, Receiver, Scenario, Sender, Traffic};

/// The account being written, one line at a time.
#[derive(Default)]
struct Lines(String);

impl Lines {
    fn line(&mut self, text: String) {
        self.0.push_str(&text);
        self.0.push('\n');
    }
}

/// A simulated instant as the duration since the start, as the file writes it.
fn at(t: SimTime) -> SimDuration {
    SimDuration(t.as_millis())
}

impl Scenario {
    /// A readable account of what the file resolves to, for `mailsim validate`.
    pub fn describe(&self) -> String {
        let mut out = Lines::default();
        self.describe_run(&mut out);
        for sender in &self.senders {
            self.describe_sender(&mut out, sender);
        }
        for (name, retry) in &self.policies {
            out.line(format!("policy to compare {name}: {}", retry.describe()));
        }
        for receiver in &self.receivers {
            describe_receiver(&mut out, receiver);
            self.describe_receiver_events(&mut out, receiver);
        }
        out.0
    }

    fn describe_run(&self, out: &mut Lines) {
        out.line(format!("scenario {} ({})", self.name, self.origin));
        if !self.description.is_empty() {
            out.line(format!("  {}", self.description.trim()));
        }
        out.line(format!(
            "run: horizon {}, sample every {}, seed {}, {}",
            at(self.run.horizon),
            self.run.sample_every,
            self.run.seed,
            if self.run.stop_when_drained {
                "stop when drained"
            } else {
                "run to the horizon"
            }
        ));
        if let Some(clock) = &self.run.start {
            out.line(format!(
                "start: {} ({}); the times below are offsets from it",
                clock,
                clock.date_and_time(SimTime::ZERO)
            ));
        }
        if !self.run.deadlines.is_empty() {
            let deadlines: Vec<&str> = self.run.deadlines.iter().map(|d| d.label()).collect();
            out.line(format!(
                "deadlines: share delivered within {}",
                deadlines.join(", ")
            ));
        }
        if self.run.warmup > SimDuration::ZERO {
            out.line(format!(
                "warm-up: {} (left out of latency and Little's law; counts stay complete)",
                self.run.warmup
            ));
        }
    }

    fn describe_sender(&self, out: &mut Lines, sender: &Sender) {
        out.line(format!("sender {}", sender.name));
        let ips: Vec<String> = sender
            .ips
            .iter()
            .map(|ip| match ip.history {
                Some(history) => {
                    format!("{} ({}, {history} of history)", ip.address, ip.reputation)
                }
                None => format!("{} ({})", ip.address, ip.reputation),
            })
            .collect();
        out.line(format!("  ips: {}", ips.join(", ")));
        for traffic in &sender.traffic {
            out.line(format!("  traffic: {}", traffic.describe()));
        }
        let mut previous = 0.0;
        let mix: Vec<String> = sender
            .mix
            .iter()
            .map(|&(receiver, cumulative)| {
                let share = cumulative - previous;
                previous = cumulative;
                format!("{} {:.1}%", self.receivers[receiver].name, share * 100.0)
            })
            .collect();
        out.line(format!(
            "  recipients: {}; invalid {:.1}%",
            mix.join(", "),
            sender.invalid_share.get() * 100.0
        ));
        describe_sender_settings(out, sender);
    }

    /// Incidents, DNS trouble and bans: what happens at the receiver at given times.
    fn describe_receiver_events(&self, out: &mut Lines, receiver: &Receiver) {
        for incident in &receiver.incidents {
            let affected = match &incident.affected {
                AffectedIps::Listed(ips) => list(ips),
                AffectedIps::Fraction(share) => {
                    format!("{:.0}% of sending IPs", share.get() * 100.0)
                }
            };
            out.line(format!(
                "  incident \"{}\" from {} to {} (fading over {}): {affected} refused with probability {:.2} (451 4.7.500)",
                incident.name,
                at(incident.start),
                at(incident.end),
                incident.fade,
                incident.deferral
            ));
            for (when, p) in &incident.fixes {
                out.line(format!("    fix at {}: probability {p:.2}", at(*when)));
            }
            for (when, ips) in &incident.allow_listed {
                out.line(format!("    allow-listed at {}: {}", at(*when), list(ips)));
            }
        }
        for dns in &receiver.dns_trouble {
            let senders: Vec<&str> = dns
                .senders
                .iter()
                .map(|&s| self.senders[s].name.as_str())
                .collect();
            out.line(format!(
                "  DNS trouble ({}) from {} to {}, {:.0}% of attempts, senders {}",
                dns.kind,
                at(dns.start),
                at(dns.end),
                dns.fraction.get() * 100.0,
                senders.join(", ")
            ));
        }
        for ban in &receiver.bans {
            out.line(format!(
                "  ban of {} from {} until {} (550 5.7.606)",
                ban.ip,
                at(ban.from),
                ban.delisted.map_or("never".into(), |t| at(t).to_string())
            ));
        }
        describe_receiver_checks(out, receiver);
    }
}

/// Connections, notices, alerts, authentication and the retry policy.
fn describe_sender_settings(out: &mut Lines, sender: &Sender) {
    let c = &sender.connections;
    let limit = match c.limit {
        ConnectionLimit::Limited(n) => n.to_string(),
        ConnectionLimit::Unlimited => "unlimited".into(),
    };
    let per_connection = match c.messages_per_connection {
        1 => "1 message".to_string(),
        n => format!("{n} messages"),
    };
    out.line(format!(
        "  connections: {limit} per destination, up to {per_connection} each, transaction time {}, connect {}, connect timeout {}",
        c.transaction_time, c.connect_time, c.connect_timeout
    ));
    out.line(format!(
        "  delay warning: {}; queue alert: {}",
        sender
            .delay_warning
            .map_or("off".into(), |age| if sender.delay_warning_repeats {
                format!("every {age} of age")
            } else {
                format!("at age {age}")
            }),
        sender.queue_alert.map_or("off".into(), |alert| format!(
            "above {} deferred, every {}",
            alert.threshold, alert.every
        ))
    ));
    if sender.failed_auth_checks > 0 {
        out.line(format!(
            "  authentication: {} of SPF, DKIM, DMARC fail",
            sender.failed_auth_checks
        ));
    }
    out.line(format!("  retry: {}", sender.retry.describe()));
}

/// The receiver's name and what it does at all times: throttle, reputation deferral, outages
/// and probation.
fn describe_receiver(out: &mut Lines, receiver: &Receiver) {
    out.line(format!("receiver {}", receiver.name));
    match receiver.throttle {
        Some(t) => out.line(format!(
            "  throttle: {} per sending IP, burst {} (451 4.7.500 when exceeded)",
            t.rate, t.burst
        )),
        None => out.line("  throttle: none".into()),
    }
    let deferral: Vec<String> = Reputation::ALL
        .iter()
        .zip(receiver.reputation_deferral)
        .filter(|(_, p)| *p > 0.0)
        .map(|(class, p)| format!("{class} {:.1}%", p * 100.0))
        .collect();
    if !deferral.is_empty() {
        out.line(format!(
            "  reputation deferral (451 4.7.650): {}",
            deferral.join(", ")
        ));
    }
    for outage in &receiver.outages {
        out.line(format!(
            "  outage ({}) from {} to {}, {:.0}% of attempts",
            outage.kind,
            at(outage.start),
            at(outage.end),
            outage.fraction.get() * 100.0
        ));
    }
    if let Some(p) = receiver.probation {
        out.line(format!(
            "  probation: new IPs start at {:.0}% of the throttle, full after {} of history",
            p.start.get() * 100.0,
            p.period
        ));
    }
}

/// Authentication, recipient limits and greylisting, in that order.
fn describe_receiver_checks(out: &mut Lines, receiver: &Receiver) {
    if let Some(auth) = receiver.authentication {
        out.line(format!(
            "  authentication: per failed check, {:.1}% deferred (451 4.7.26), {:.1}% rejected (550 5.7.515)",
            auth.deferral * 100.0,
            auth.rejection * 100.0
        ));
    }
    if let Some(limits) = receiver.recipient_limits {
        let limit = |n: Option<u32>| n.map_or("no limit".to_string(), |n| n.to_string());
        out.line(format!(
            "  recipient limits: {} mailboxes; per hour per sender {} (550 5.2.121), from all senders {} (550 5.2.122)",
            limits.mailboxes,
            limit(limits.per_sender_per_hour),
            limit(limits.per_hour)
        ));
    }
    if let Some(delay) = receiver.greylisting {
        out.line(format!(
            "  greylisting: new triplets deferred for {delay} (450 4.2.0)"
        ));
    }
}

/// Addresses as a comma-separated list.
fn list(ips: &[IpAddress]) -> String {
    ips.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

impl Traffic {
    /// One line, e.g. `Poisson 600/h from 0s` or `campaign of 10000 at 1h over 30m`.
    pub fn describe(&self) -> String {
        match self {
            Traffic::Poisson { steps, period } => {
                let parts: Vec<String> = steps
                    .iter()
                    .map(|(from, rate)| format!("{rate} from {}", at(*from)))
                    .collect();
                let repeat = period.map_or(String::new(), |p| format!(", repeating every {p}"));
                format!("Poisson {}{repeat}", parts.join(", then "))
            }
            Traffic::Campaign {
                messages,
                at: first,
                spread,
            } => format!("campaign of {messages} at {} over {spread}", at(*first)),
            Traffic::Replay(trace) => {
                let span = match (trace.times.first(), trace.times.last()) {
                    (Some(&first), Some(&last)) => format!(" from {} to {}", at(first), at(last)),
                    _ => String::new(),
                };
                let zero = trace.time_zero.as_ref().map_or(String::new(), |t| {
                    format!("; time zero is {t}, its first row")
                });
                let left_out = match trace.after_horizon {
                    0 => String::new(),
                    n => format!("; {n} rows at or after the horizon left out"),
                };
                format!(
                    "replay of {}: {} arrivals{span}{zero}{left_out}",
                    trace.file,
                    trace.times.len()
                )
            }
        }
    }
}
