//! Deferrals as a deliverability signal: attempts, temporary and permanent replies per receiver
//! and sending IP, and per receiver and per sending IP on the sample grid (cumulative), so the
//! deferral rate can be reported per IP, per receiver and over time. Memory grows with
//! receivers × IPs and with (receivers + IPs) × samples, never with the number of messages
//! (the run's size estimate counts it).

use crate::domain::ReplyClass;

/// Attempt outcomes per receiver and sending IP, and per receiver over time.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Deliverability {
    receivers: usize,
    ips: usize,
    /// `[attempts, temporary, permanent]` per `receiver × ips + ip`.
    by_ip: Vec<[u64; 3]>,
    /// The same per receiver, now.
    by_receiver: Vec<[u64; 3]>,
    /// The same per sending IP (all receivers together), now.
    by_sending_ip: Vec<[u64; 3]>,
    /// Per sample, per receiver: cumulative `[attempts, temporary, permanent]`.
    over_time: Vec<[u64; 3]>,
    /// Per sample, per sending IP: cumulative `[attempts, temporary, permanent]`.
    ip_over_time: Vec<[u64; 3]>,
}

/// The outcome counts of a set of attempts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Outcomes {
    /// Attempts.
    pub attempts: u64,
    /// Temporary replies (deferrals).
    pub deferred: u64,
    /// Permanent replies (rejections).
    pub rejected: u64,
}

impl Outcomes {
    fn from(counts: [u64; 3]) -> Outcomes {
        Outcomes {
            attempts: counts[0],
            deferred: counts[1],
            rejected: counts[2],
        }
    }

    /// Deferrals per attempt; `None` without attempts.
    pub fn deferral_rate(&self) -> Option<f64> {
        (self.attempts > 0).then(|| self.deferred as f64 / self.attempts as f64)
    }
}

impl Deliverability {
    /// Counters for `receivers` receivers and `ips` sending IPs (globally numbered).
    pub fn new(receivers: usize, ips: usize) -> Deliverability {
        Deliverability {
            receivers,
            ips,
            by_ip: vec![[0; 3]; receivers * ips],
            by_receiver: vec![[0; 3]; receivers],
            by_sending_ip: vec![[0; 3]; ips],
            over_time: Vec::new(),
            ip_over_time: Vec::new(),
        }
    }

    /// An attempt from `ip` to `receiver` ended with a reply of `class`.
    #[inline]
    pub fn record(&mut self, receiver: usize, ip: usize, class: ReplyClass) {
        // One row of `[attempts, temporary, permanent]` added to each of the three tables.
        let row = match class {
            ReplyClass::Accepted => [1, 0, 0],
            ReplyClass::Temporary => [1, 1, 0],
            ReplyClass::Permanent => [1, 0, 1],
        };
        for counts in [
            &mut self.by_ip[receiver * self.ips + ip],
            &mut self.by_receiver[receiver],
            &mut self.by_sending_ip[ip],
        ] {
            for (count, add) in counts.iter_mut().zip(row) {
                *count += add;
            }
        }
    }

    /// Appends the current per-receiver and per-IP counts as one sample.
    pub(super) fn sample(&mut self) {
        self.over_time.extend_from_slice(&self.by_receiver);
        self.ip_over_time.extend_from_slice(&self.by_sending_ip);
    }

    /// How many receivers are counted.
    pub fn receivers(&self) -> usize {
        self.receivers
    }

    /// How many sending IPs are counted.
    pub fn ips(&self) -> usize {
        self.ips
    }

    /// Totals for one receiver.
    pub fn receiver(&self, receiver: usize) -> Outcomes {
        Outcomes::from(self.by_receiver[receiver])
    }

    /// Totals for one sending IP at one receiver.
    pub fn ip(&self, receiver: usize, ip: usize) -> Outcomes {
        Outcomes::from(self.by_ip[receiver * self.ips + ip])
    }

    /// Cumulative counts for one sending IP, all receivers together, at each sample (aligned
    /// with the run's samples).
    pub fn ip_over_time(&self, ip: usize) -> impl Iterator<Item = Outcomes> + '_ {
        self.ip_over_time
            .chunks_exact(self.ips.max(1))
            .map(move |row| Outcomes::from(row[ip]))
    }

    /// Cumulative counts for one receiver at each sample (aligned with the run's samples).
    pub fn receiver_over_time(&self, receiver: usize) -> impl Iterator<Item = Outcomes> + '_ {
        self.over_time
            .chunks_exact(self.receivers.max(1))
            .map(move |row| Outcomes::from(row[receiver]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_by_ip_and_receiver_and_samples_cumulatively() {
        let mut d = Deliverability::new(2, 3);
        d.record(1, 2, ReplyClass::Temporary);
        d.record(1, 2, ReplyClass::Accepted);
        d.sample();
        d.record(1, 0, ReplyClass::Permanent);
        d.record(0, 0, ReplyClass::Accepted);
        d.sample();
        assert_eq!(d.ip(1, 2).deferral_rate(), Some(0.5));
        assert_eq!(d.ip(0, 2).deferral_rate(), None);
        let total = d.receiver(1);
        assert_eq!((total.attempts, total.deferred, total.rejected), (3, 1, 1));
        let series: Vec<u64> = d.receiver_over_time(1).map(|o| o.attempts).collect();
        assert_eq!(series, vec![2, 3]);
    }
}
