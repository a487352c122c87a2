//! Postfix's delivery agents: the `smtp` processes that `master` starts on demand.
//!
//! Every delivery, also one over a cached connection, is a request the queue manager hands to
//! a delivery agent process. `qmgr_transport_alloc()` (`qmgr_transport.c`) connects to the
//! transport's service and waits until a process accepts; at most `QMGR_TRANSPORT_MAX_PEND`
//! (2) such requests are pending per transport. When no process is free, `master` starts one
//! (`master_avail_listen()`, `master_avail_event()` → `master_spawn()`, `master_avail.c`),
//! which takes the machine's time to fork and start a process. A process that has waited
//! `max_idle` (100 s) without a request exits (`single_server.c`). So a wave of retries after
//! a quiet spell of more than `max_idle` grows its parallel deliveries two starting processes
//! at a time, whatever the concurrency window allows, while a wave that finds the processes of
//! the previous one still there starts at full width.
//!
//! Not modelled: `max_use` (a process exits after 100 requests) and the process limit (100).

use crate::engine::{SimDuration, SimTime};

/// Delivery-agent requests pending per transport (`QMGR_TRANSPORT_MAX_PEND`).
const MAX_PENDING: usize = 2;

/// The transport's delivery agent processes.
#[derive(Clone, Debug)]
pub(super) struct AgentPool {
    /// The machine's time to start one process; zero: a process is always free.
    start_time: SimDuration,
    /// An idle process exits after this long.
    max_idle: SimDuration,
    /// Since when each idle process has been waiting.
    idle: Vec<SimTime>,
    /// When each process being started will accept.
    starting: Vec<SimTime>,
}

impl AgentPool {
    /// No processes yet: `master` starts them on demand.
    pub fn new(start_time: SimDuration, max_idle: SimDuration) -> AgentPool {
        AgentPool {
            start_time,
            max_idle,
            idle: Vec::new(),
            starting: Vec::new(),
        }
    }

    /// Processes started by `now` become idle; processes idle for `max_idle` exit.
    fn settle(&mut self, now: SimTime) {
        let (ready, starting): (Vec<SimTime>, Vec<SimTime>) =
            self.starting.iter().partition(|&&at| at <= now);
        self.starting = starting;
        self.idle.extend(ready);
        let max_idle = self.max_idle;
        self.idle.retain(|&since| now - since < max_idle);
    }

    /// Takes a free process for a delivery at `now`, or says when to ask again (a process is
    /// started if fewer than two are pending).
    pub fn take(&mut self, now: SimTime) -> Result<(), SimTime> {
        if self.start_time == SimDuration::ZERO {
            return Ok(());
        }
        self.settle(now);
        if self.idle.pop().is_some() {
            return Ok(());
        }
        if self.starting.len() < MAX_PENDING {
            self.starting.push(now + self.start_time);
        }
        Err(self.starting.iter().copied().min().unwrap_or(now))
    }

    /// A delivery ended at `now`: its process waits for the next request.
    pub fn release(&mut self, now: SimTime) {
        if self.start_time > SimDuration::ZERO {
            self.idle.push(now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> SimTime {
        SimTime(n)
    }

    #[test]
    fn processes_start_two_at_a_time_and_are_reused_until_idle_too_long() {
        let mut pool = AgentPool::new(SimDuration(50), SimDuration::from_secs(100));
        assert_eq!(pool.take(ms(0)), Err(ms(50)));
        assert_eq!(
            pool.take(ms(10)),
            Err(ms(50)),
            "a second one starts at 10 ms"
        );
        assert_eq!(
            pool.take(ms(20)),
            Err(ms(50)),
            "no third while two are pending"
        );
        assert_eq!(pool.take(ms(50)), Ok(()));
        assert_eq!(pool.take(ms(55)), Err(ms(60)));
        assert_eq!(pool.take(ms(60)), Ok(()));
        pool.release(ms(100));
        assert_eq!(pool.take(ms(200)), Ok(()), "the released process is reused");
        pool.release(ms(300));
        assert_eq!(
            pool.take(ms(100_300)),
            Err(ms(100_350)),
            "idle for max_idle: it exited"
        );
    }

    #[test]
    fn a_zero_start_time_means_a_process_is_always_free() {
        let mut pool = AgentPool::new(SimDuration::ZERO, SimDuration::from_secs(100));
        assert_eq!(pool.take(ms(0)), Ok(()));
        assert_eq!(pool.take(ms(0)), Ok(()));
    }
}
