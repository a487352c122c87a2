//! Connection slots: a message takes a free slot of its destination or waits first-in
//! first-out; a connection carries waiting messages one after another until
//! `messages_per_connection` is reached or a site-level failure drops it; the sending IP is
//! picked round robin when a connection opens. A policy with destination hooks may also lower
//! or raise the destination's connection limit. What a single attempt does is in `attempt`.

use crate::domain::{Reply, Scope};
use crate::engine::{SimDuration, prefetch};

use super::{DestinationId, World};

impl World<'_> {
    /// Starts an attempt on a new connection if the destination has a free slot (and the
    /// policy admits the message), else queues. Returns whether the message is now in an
    /// attempt or waiting for a connection (not deferred, held or expired by the policy).
    #[inline]
    pub(super) fn request_connection(&mut self, message: u32) -> bool {
        let destination = self.messages[message as usize].destination;
        let sender = destination.sender();
        if self.has_room(destination, self.destinations[destination].busy) {
            if !self.admit(message, sender) {
                return false;
            }
            self.destinations[destination].busy += 1;
            self.open_connection(message, sender);
        } else {
            self.destinations[destination].waiting.push_back(message);
            self.journal.waiting_for_connection(
                self.now,
                message,
                &self.messages[message as usize],
            );
        }
        true
    }

    /// Whether `busy` connections to `destination` leave room for another, under the sender's
    /// limit and the policy's.
    fn has_room(&self, destination: DestinationId, busy: u32) -> bool {
        let sender = destination.sender();
        if !self.scenario.senders[sender].connections.limit.allows(busy) {
            return false;
        }
        let state = &self.senders[sender];
        !state.hooks
            || state
                .policy
                .connection_limit(destination.receiver(), self.now)
                .is_none_or(|limit| busy < limit)
    }

    /// Opens a connection from the sender's next IP (round robin) and starts an attempt on it.
    #[inline]
    fn open_connection(&mut self, message: u32, sender: usize) {
        let state = &mut self.senders[sender];
        let ip_count = self.scenario.senders[sender].ips.len();
        let ip = state.first_ip + state.next_ip;
        state.next_ip += 1;
        if state.next_ip == ip_count {
            state.next_ip = 0;
        }
        let connect_time = self.scenario.senders[sender].connections.connect_time;
        self.start_attempt(message, ip, 1, connect_time);
    }

    /// After an attempt: the connection carries the next waiting message if it is still up and
    /// has capacity left; otherwise it closes and, if messages wait, a new one opens.
    /// With destination hooks, a connection closes if the policy's limit shrank below the
    /// connections in use, and new ones open while the limit has grown and messages wait.
    #[inline(always)]
    pub(super) fn continue_connection(
        &mut self,
        destination: DestinationId,
        ip: usize,
        uses: u32,
        reply: Reply,
    ) {
        let sender = destination.sender();
        let hooks = self.senders[sender].hooks;
        if hooks && !self.has_room(destination, self.destinations[destination].busy - 1) {
            self.close_connection(destination);
            return;
        }
        let Some(next) = self.next_admitted(destination) else {
            self.close_connection(destination);
            return;
        };
        if let Some(&after) = self.destinations[destination].waiting.front() {
            prefetch(&self.messages[after as usize]);
        }
        let per_connection = self.scenario.senders[sender]
            .connections
            .messages_per_connection;
        if reply.scope() != Scope::Site && uses < per_connection {
            self.start_attempt(next, ip, uses + 1, SimDuration::ZERO);
        } else {
            self.open_connection(next, sender);
        }
        if hooks {
            while !self.destinations[destination].waiting.is_empty()
                && self.has_room(destination, self.destinations[destination].busy)
            {
                let Some(next) = self.next_admitted(destination) else {
                    break;
                };
                self.destinations[destination].busy += 1;
                self.open_connection(next, sender);
            }
        }
    }

    /// A connection to `destination` closes. When none is left in use and no message waits,
    /// a policy with destination hooks is told the destination is idle.
    #[inline]
    fn close_connection(&mut self, destination: DestinationId) {
        let state = &mut self.destinations[destination];
        state.busy -= 1;
        if state.busy == 0 && state.waiting.is_empty() && self.senders[destination.sender()].hooks {
            self.senders[destination.sender()]
                .policy
                .on_destination_idle(destination.receiver(), self.now);
        }
    }

    /// The first waiting message the policy admits; the others are deferred, held or expired
    /// as it says (Postfix defers every queued message of a destination that just died).
    #[inline]
    fn next_admitted(&mut self, destination: DestinationId) -> Option<u32> {
        let sender = destination.sender();
        while let Some(next) = self.destinations[destination].waiting.pop_front() {
            self.journal.left_connection_queue();
            if self.admit(next, sender) {
                return Some(next);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{run_until, scenario, steps_of};
    use super::*;
    use crate::engine::SimTime;
    use crate::model::Happening;

    /// Five messages at once to one receiver through two connections that carry `per` each.
    fn five_messages(per: u32, receiver: &str) -> crate::scenario::Scenario {
        scenario(
            &format!(
                r#"traffic: [Campaign(messages: 5, at: "0s")], recipients: (mix: {{"r": 1.0}}),
                   ips: [(count: 2, reputation: Good)],
                   connections: (per_destination: 2, messages_per_connection: {per},
                                 transaction_time: Fixed("1s")),
                   retry: Fixed(interval: "10m")"#
            ),
            &format!(r#""r": {receiver}"#),
        )
    }

    #[test]
    fn messages_beyond_the_free_slots_wait_first_in_first_out() {
        let scenario = five_messages(100, "()");
        let mut world = World::new(&scenario, 0, None);
        run_until(&mut world, SimTime::ZERO);
        let destination = &world.destinations[DestinationId::new(0, 0)];
        assert_eq!(destination.busy, 2);
        assert_eq!(destination.waiting, [2, 3, 4]);
        // After one transaction the two connections carry the next two, in order.
        run_until(&mut world, SimTime(1000));
        let destination = &world.destinations[DestinationId::new(0, 0)];
        assert_eq!(destination.busy, 2);
        assert_eq!(destination.waiting, [4]);
    }

    /// `(message, ip, reused)` of every attempt that started.
    fn attempts(scenario: &crate::scenario::Scenario) -> Vec<(u64, usize, bool)> {
        steps_of(scenario)
            .iter()
            .filter_map(|step| match step.what {
                Happening::AttemptStarted { ip, reused, .. } => Some((step.message, ip, reused)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_connection_carries_waiting_messages_up_to_its_limit() {
        // Two messages per connection: messages 3 and 4 go down the first two connections,
        // message 5 needs a new connection, from the next IP in turn.
        let started = attempts(&five_messages(2, "()"));
        assert_eq!(
            started,
            [
                (1, 0, false),
                (2, 1, false),
                (3, 0, true),
                (4, 1, true),
                (5, 0, false)
            ]
        );
    }

    #[test]
    fn a_site_level_failure_drops_the_connection() {
        // Every attempt in the first second meets a 421 greeting (site level): the next
        // message cannot reuse the connection.
        let started = attempts(&five_messages(
            100,
            r#"(outages: [(start: "0s", end: "1s", kind: Greeting421)])"#,
        ));
        assert_eq!(
            &started[..4],
            [(1, 0, false), (2, 1, false), (3, 0, false), (4, 1, false)]
        );
    }
}
