//! One delivery attempt: the receiver's reply when it starts, how long it holds the connection
//! (nothing for a failed MX lookup, the connect timeout for an unresponsive receiver, the
//! set-up for a refusal, set-up plus transaction otherwise), and what follows when it ends:
//! delivered, bounced, or handed to the sender's retry policy (`sender`), after which the
//! connection carries on (`connections`).

use crate::domain::{Reply, ReplyClass, ServiceTime};
use crate::engine::{RandomStream, SimDuration};
use crate::scenario::Connections;

use super::{Event, World};
use crate::model::receiver::Attempt;

impl World<'_> {
    /// Starts `message`'s next attempt from `ip` on a connection that has carried `uses`
    /// messages with this one, after `setup` (opening the connection, or nothing).
    #[inline(always)]
    pub(super) fn start_attempt(&mut self, message: u32, ip: usize, uses: u32, setup: SimDuration) {
        let msg = &mut self.messages[message as usize];
        msg.attempts += 1;
        let (sender, receiver) = (msg.destination.sender(), msg.destination.receiver());
        let attempt = Attempt {
            now: self.now,
            ip,
            reputation: self.ip_reputation[ip],
            recipient_exists: msg.recipient_exists,
            sender,
            message: (message, msg.arrival),
        };
        let reply = self.receivers[receiver].respond(&attempt);
        let connections = &self.scenario.senders[sender].connections;
        let state = &mut self.senders[sender];
        let duration = attempt_duration(
            reply,
            connections,
            setup,
            &state.transaction_time,
            &mut state.service_rng,
        );
        self.journal.attempt_started(
            self.now,
            message,
            &self.messages[message as usize],
            ip,
            uses > 1,
        );
        self.schedule(
            self.now + duration,
            Event::AttemptDone {
                message,
                ip: ip as u16,
                uses,
                reply,
            },
        );
    }

    /// `message`'s attempt from `ip` ends with `reply` (unless an outage cut it short).
    #[inline(always)]
    pub(super) fn attempt_done(&mut self, message: u32, ip: usize, uses: u32, mut reply: Reply) {
        let msg = self.messages[message as usize];
        let destination = msg.destination;
        let (sender, receiver) = (destination.sender(), destination.receiver());
        let in_run = self.senders[sender]
            .runner
            .as_ref()
            .is_some_and(|runner| runner.waits_for(message));
        if reply == Reply::Accepted {
            // An outage that began during the transaction drops it before the final reply.
            if let Some(outage_reply) = self.receivers[receiver].outage_reply(self.now) {
                reply = outage_reply;
            }
        }
        self.journal
            .attempt_ended(self.now, message, &msg, ip, reply);
        if self.senders[sender].hooks {
            let others = self.destinations[destination].busy - 1;
            self.senders[sender]
                .policy
                .on_attempt_end(receiver, reply, self.now, others);
        }
        let expired = match reply.class() {
            ReplyClass::Accepted => {
                self.journal.delivered(self.now, message, &msg);
                self.senders[sender].policy.on_delivery(receiver, self.now);
                self.release(message);
                false
            }
            ReplyClass::Permanent => {
                self.journal.bounced(self.now, message, &msg);
                self.release(message);
                false
            }
            ReplyClass::Temporary => self.deferred(message, sender, receiver, reply, None),
        };
        self.continue_connection(destination, ip, uses, reply);
        if in_run {
            self.run_goes_on(sender, expired);
        }
    }
}

/// How long an attempt that gets `reply` holds its connection: no time for a failed MX lookup
/// (no connection was made), the connect timeout for an unresponsive receiver, the set-up for
/// a refusal at connect or greeting, the set-up plus a transaction (drawn from
/// `transaction_time`, the sender's `connections.transaction_time`) otherwise.
fn attempt_duration(
    reply: Reply,
    connections: &Connections,
    setup: SimDuration,
    transaction_time: &TransactionTime,
    service_rng: &mut RandomStream,
) -> SimDuration {
    match reply {
        Reply::ConnectTimeout => connections.connect_timeout,
        Reply::MxLookupFailed => SimDuration::ZERO,
        Reply::ConnectRefused | Reply::Greeting421 => setup,
        _ => setup + transaction_time.sample(service_rng),
    }
}

/// A sender's transaction-time distribution with the constants of its formula worked out once:
/// the same draws as [`ServiceTime::sample`], bit for bit, without two logarithms and a square
/// root per attempt for a log-normal time.
#[derive(Clone, Copy, Debug)]
pub(super) enum TransactionTime {
    /// Always this long.
    Fixed(SimDuration),
    /// Exponential with this mean, in seconds.
    Exponential { mean_secs: f64 },
    /// `exp(mu + sigma × N(0, 1))` seconds.
    LogNormal { mu: f64, sigma: f64 },
}

impl TransactionTime {
    /// The distribution `time` describes.
    pub fn new(time: &ServiceTime) -> TransactionTime {
        match *time {
            ServiceTime::Fixed(duration) => TransactionTime::Fixed(duration),
            ServiceTime::Exponential { mean } => TransactionTime::Exponential {
                mean_secs: mean.as_secs_f64(),
            },
            ServiceTime::LogNormal { mean, sd } => {
                // The formula of `ServiceTime::sample`, evaluated in the same order.
                let (m, s) = (mean.as_secs_f64(), sd.as_secs_f64());
                if m == 0.0 {
                    return TransactionTime::Fixed(SimDuration::ZERO);
                }
                let sigma2 = (1.0 + (s * s) / (m * m)).ln();
                let mu = m.ln() - sigma2 / 2.0;
                TransactionTime::LogNormal {
                    mu,
                    sigma: sigma2.sqrt(),
                }
            }
        }
    }

    /// Draws one transaction time.
    #[inline]
    pub fn sample(&self, rng: &mut RandomStream) -> SimDuration {
        match *self {
            TransactionTime::Fixed(duration) => duration,
            TransactionTime::Exponential { mean_secs } => {
                SimDuration::from_secs_f64(rng.exponential(mean_secs))
            }
            TransactionTime::LogNormal { mu, sigma } => {
                SimDuration::from_secs_f64((mu + sigma * rng.standard_normal()).exp())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::scenario;
    use super::*;

    fn connections() -> Connections {
        let scenario = scenario(
            r#"traffic: [Campaign(messages: 1, at: "0s")], recipients: (mix: {"r": 1.0}),
               connections: (transaction_time: Fixed("2s"), connect_timeout: "30s"),
               retry: Fixed(interval: "10m")"#,
            r#""r": ()"#,
        );
        scenario.senders[0].connections.clone()
    }

    #[test]
    fn an_attempt_holds_its_connection_as_long_as_its_reply_takes() {
        let connections = connections();
        let mut rng = RandomStream::new(1, 0, "service");
        let setup = SimDuration(500);
        let transaction_time = TransactionTime::new(&connections.transaction_time);
        let mut duration =
            |reply| attempt_duration(reply, &connections, setup, &transaction_time, &mut rng);
        assert_eq!(duration(Reply::MxLookupFailed), SimDuration::ZERO);
        assert_eq!(duration(Reply::ConnectTimeout), SimDuration(30_000));
        assert_eq!(duration(Reply::ConnectRefused), setup);
        assert_eq!(duration(Reply::Greeting421), setup);
        assert_eq!(duration(Reply::Accepted), SimDuration(2_500));
        assert_eq!(duration(Reply::ServerBusy), SimDuration(2_500));
    }

    #[test]
    fn transaction_times_are_the_scenario_distributions_draws_bit_for_bit() {
        let ms = SimDuration;
        for time in [
            ServiceTime::Fixed(ms(1_000)),
            ServiceTime::Exponential { mean: ms(800) },
            ServiceTime::LogNormal {
                mean: ms(800),
                sd: ms(400),
            },
            ServiceTime::LogNormal {
                mean: ms(3_000),
                sd: ms(7_000),
            },
            ServiceTime::LogNormal {
                mean: ms(0),
                sd: ms(400),
            },
        ] {
            let mut expected = RandomStream::new(3, 1, "service/esp");
            let mut ours = expected.clone();
            let precomputed = TransactionTime::new(&time);
            for _ in 0..10_000 {
                assert_eq!(precomputed.sample(&mut ours), time.sample(&mut expected));
            }
        }
    }
}
