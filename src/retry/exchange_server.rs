//! Exchange Server 2016/2019 transport retry (reference sheet §4.1, Microsoft's "Message retry,
//! resubmit, and expiration intervals" page).
//!
//! When the next hop cannot be reached (site-level failures: connection refused or timed out,
//! `421`), the destination's queue goes into Retry: `QueueGlitchRetryCount` retries
//! `QueueGlitchRetryInterval` apart, then `TransientFailureRetryCount` retries
//! `TransientFailureRetryInterval` apart, then `OutboundConnectionFailureRetryInterval` until the
//! message expires. Every message for that queue waits for the queue's retry time. A single
//! message deferred while the connection works (a 4xx to MAIL FROM or RCPT TO) is retried every
//! `MessageRetryInterval`. One delay DSN at `DelayNotificationTimeout`; NDR
//! `550 4.4.7 QUEUE.Expired` at the first failure at or past `MessageExpirationTimeout`.
//!
//! The relative order of the three site-level stages follows the documentation's wording; that
//! message-level 4xx replies take `MessageRetryInterval` is an inference (sheet §11).

use serde::Deserialize;

use super::{
    Admission, Decision, Failure, HoldReason, MessageRetryState, Pending, PolicyParams,
    RetryPolicy, SpecProblem, positive,
};
use crate::domain::{Reply, ReplyClass, Scope};
use crate::engine::{RandomStream, SimDuration, SimTime};

/// Which transport server's defaults apply.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, serde::Serialize, schemars::JsonSchema,
)]
pub enum TransportRole {
    /// The Transport service on a Mailbox server.
    #[default]
    Mailbox,
    /// An Edge Transport server.
    Edge,
}

/// The role as a scenario file writes it: `Mailbox` or `Edge`.
impl std::fmt::Display for TransportRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TransportRole::Mailbox => "Mailbox",
            TransportRole::Edge => "Edge",
        })
    }
}

/// Exchange's settings, with Exchange's names; unset values take the role's default.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ExchangeServerParams {
    /// Mailbox (default) or Edge defaults.
    pub role: TransportRole,
    /// Default 4.
    #[serde(rename = "QueueGlitchRetryCount")]
    pub queue_glitch_retry_count: Option<u32>,
    /// Default `1m`.
    #[serde(rename = "QueueGlitchRetryInterval")]
    pub queue_glitch_retry_interval: Option<SimDuration>,
    /// Default 6.
    #[serde(rename = "TransientFailureRetryCount")]
    pub transient_failure_retry_count: Option<u32>,
    /// Default `5m` (Edge `10m`).
    #[serde(rename = "TransientFailureRetryInterval")]
    pub transient_failure_retry_interval: Option<SimDuration>,
    /// Default `10m` (Edge `30m`).
    #[serde(rename = "OutboundConnectionFailureRetryInterval")]
    pub outbound_connection_failure_retry_interval: Option<SimDuration>,
    /// Default `15m`.
    #[serde(rename = "MessageRetryInterval")]
    pub message_retry_interval: Option<SimDuration>,
    /// Default `4h`.
    #[serde(rename = "DelayNotificationTimeout")]
    pub delay_notification_timeout: Option<SimDuration>,
    /// Default `2d`.
    #[serde(rename = "MessageExpirationTimeout")]
    pub message_expiration_timeout: Option<SimDuration>,
}

/// The settings with the role's defaults filled in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Settings {
    glitch_count: u32,
    glitch_interval: SimDuration,
    transient_count: u32,
    transient_interval: SimDuration,
    connection_failure_interval: SimDuration,
    message_interval: SimDuration,
    delay_notification: SimDuration,
    expiration: SimDuration,
}

impl ExchangeServerParams {
    fn settings(&self) -> Settings {
        let edge = self.role == TransportRole::Edge;
        let mins = SimDuration::from_mins;
        Settings {
            glitch_count: self.queue_glitch_retry_count.unwrap_or(4),
            glitch_interval: self.queue_glitch_retry_interval.unwrap_or(mins(1)),
            transient_count: self.transient_failure_retry_count.unwrap_or(6),
            transient_interval: self
                .transient_failure_retry_interval
                .unwrap_or(mins(if edge { 10 } else { 5 })),
            connection_failure_interval: self
                .outbound_connection_failure_retry_interval
                .unwrap_or(mins(if edge { 30 } else { 10 })),
            message_interval: self.message_retry_interval.unwrap_or(mins(15)),
            delay_notification: self
                .delay_notification_timeout
                .unwrap_or(SimDuration::from_hours(4)),
            expiration: self
                .message_expiration_timeout
                .unwrap_or(SimDuration::from_days(2)),
        }
    }
}

impl PolicyParams for ExchangeServerParams {
    fn validate(&self) -> Result<(), SpecProblem> {
        let s = self.settings();
        positive("QueueGlitchRetryInterval", s.glitch_interval, "\"1m\"")?;
        positive(
            "TransientFailureRetryInterval",
            s.transient_interval,
            "\"5m\"",
        )?;
        positive(
            "OutboundConnectionFailureRetryInterval",
            s.connection_failure_interval,
            "\"10m\"",
        )?;
        positive("MessageRetryInterval", s.message_interval, "\"15m\"")?;
        if s.transient_count > 15 {
            return Err(SpecProblem {
                field: "TransientFailureRetryCount",
                message: format!("{} is above Exchange's maximum of 15", s.transient_count),
                hint: "use 0 to 15 (default 6)".into(),
            });
        }
        Ok(())
    }

    fn build(&self) -> Box<dyn RetryPolicy> {
        Box::new(ExchangeServer {
            settings: self.settings(),
            queues: Vec::new(),
        })
    }

    fn describe(&self) -> String {
        let s = self.settings();
        format!(
            "exchange-server ({}): next hop down → {} × {}, {} × {}, then every {}; single deferred messages every {}; delay DSN at {}; NDR at the first failure at or past {}",
            self.role,
            s.glitch_count,
            s.glitch_interval,
            s.transient_count,
            s.transient_interval,
            s.connection_failure_interval,
            s.message_interval,
            s.delay_notification,
            s.expiration
        )
    }

    fn delay_warning_default(&self) -> Option<SimDuration> {
        Some(self.settings().delay_notification)
    }
}

/// The Exchange Server policy: settings and each destination queue's Retry state.
#[derive(Clone, Debug)]
pub struct ExchangeServer {
    settings: Settings,
    queues: Vec<QueueRetry>,
}

/// A queue's connection-failure count since it last worked, and its next retry time.
#[derive(Clone, Copy, Debug, Default)]
struct QueueRetry {
    failures: u32,
    next_try: SimTime,
}

impl ExchangeServer {
    fn queue(&mut self, destination: usize) -> &mut QueueRetry {
        if destination >= self.queues.len() {
            self.queues.resize(destination + 1, QueueRetry::default());
        }
        &mut self.queues[destination]
    }

    /// The wait after the `n`-th consecutive connection failure (1-based).
    fn ladder(&self, n: u32) -> SimDuration {
        let s = &self.settings;
        if n <= s.glitch_count {
            s.glitch_interval
        } else if n <= s.glitch_count + s.transient_count {
            s.transient_interval
        } else {
            s.connection_failure_interval
        }
    }
}

impl RetryPolicy for ExchangeServer {
    fn on_failure(
        &mut self,
        failure: &Failure,
        _state: &mut MessageRetryState,
        _rng: &mut RandomStream,
    ) -> Decision {
        if failure.age() >= self.settings.expiration {
            return Decision::GiveUp;
        }
        if failure.reply.scope() == Scope::Site {
            let next = self.queue(failure.destination).next_try;
            Decision::RetryAt(next.max(failure.now))
        } else {
            Decision::RetryAt(failure.now + self.settings.message_interval)
        }
    }

    fn admit(&mut self, pending: &Pending, _state: &mut MessageRetryState) -> Admission {
        match self.queues.get(pending.destination) {
            Some(queue) if pending.now < queue.next_try => {
                Admission::Hold(queue.next_try, HoldReason::QueueRetry)
            }
            _ => Admission::Proceed,
        }
    }

    fn on_attempt_end(&mut self, destination: usize, reply: Reply, now: SimTime, _others: u32) {
        if reply.scope() == Scope::Site && reply.class() == ReplyClass::Temporary {
            // Attempts that fail together (one retry round) count once.
            if now >= self.queue(destination).next_try {
                let n = self.queue(destination).failures + 1;
                let wait = self.ladder(n);
                let queue = self.queue(destination);
                queue.failures = n;
                queue.next_try = now + wait;
            }
        } else {
            *self.queue(destination) = QueueRetry::default();
        }
    }

    fn uses_destination_hooks(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::retry::RetrySpec;
    use crate::retry::schedule::{Event, compute};

    #[test]
    fn an_unreachable_next_hop_climbs_the_ladder() {
        let rows = compute(
            &RetrySpec::ExchangeServer(ExchangeServerParams::default()),
            Reply::ConnectRefused,
            1,
        );
        // 4 glitch retries 60 s apart (60 … 240), 6 transient retries 300 s apart (540 …
        // 2040), then every 600 s from 2640; the first at or past 2 d = 172 800 is
        // 2640 + 600 × 284 = 173 040. Attempts: 1 + 4 + 6 + 285 = 296.
        let attempts = rows.attempt_offsets();
        assert_eq!(
            &attempts[..12],
            &[
                0.0, 60.0, 120.0, 180.0, 240.0, 540.0, 840.0, 1140.0, 1440.0, 1740.0, 2040.0,
                2640.0
            ]
        );
        assert!(rows.gaps()[11..].iter().all(|&gap| gap == 600.0));
        assert_eq!(rows.expired_at(), Some(173_040.0));
        assert_eq!(attempts.len(), 296);
    }

    #[test]
    fn edge_defaults_and_single_deferred_messages() {
        let edge = ExchangeServerParams {
            role: TransportRole::Edge,
            ..ExchangeServerParams::default()
        };
        let rows = compute(&RetrySpec::ExchangeServer(edge), Reply::ConnectTimeout, 1);
        // 60 … 240, then 600 s × 6 (840 … 3840), then 1800 s from 5640; 5640 + 1800 × 93 =
        // 173 040 is the first at or past 2 d. Attempts 1 + 4 + 6 + 94 = 105.
        assert_eq!(
            &rows.attempt_offsets()[4..8],
            &[240.0, 840.0, 1440.0, 2040.0]
        );
        assert_eq!(rows.attempt_offsets()[11], 5640.0);
        assert_eq!(rows.expired_at(), Some(173_040.0));
        assert_eq!(rows.attempt_offsets().len(), 105);
        let spec = RetrySpec::ExchangeServer(ExchangeServerParams::default());
        let rows = compute(&spec, Reply::ServerBusy, 1);
        // MessageRetryInterval 900 s: 0 … 172 800, 193 attempts; delay DSN after 14 400 s.
        assert!(rows.gaps().iter().all(|&gap| gap == 900.0));
        assert_eq!(rows.attempt_offsets().len(), 193);
        assert_eq!(rows.expired_at(), Some(172_800.0));
        let notice: Vec<_> = rows.rows_of(Event::DelayWarning).collect();
        assert_eq!(notice[0].offset_s, 14_400.0);
    }
}
