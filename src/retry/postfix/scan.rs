//! The queue manager's deferred-queue scan, as Postfix 3.7's `qmgr` and its event loop run it.
//!
//! `qmgr_deferred_run_event()` (`qmgr.c`) starts a scan and re-arms its own timer for
//! `queue_run_delay` seconds later: `event_request_timer()` (`util/events.c`) sets
//! `when = time() + delay`, whole seconds. The event loop sleeps whole seconds: it computes
//! `when - time()` when it goes to sleep and waits that many seconds from *then*, so the timer
//! goes off at `when` plus the sub-second part of the queue manager's last wake-up before it
//! (or earlier, at the first wake-up at or after `when`, for anything: new mail, a delivery
//! agent's report). The scans therefore keep a sub-second phase that moves with the queue
//! manager's activity, and each is re-armed from its own second, so the period drifts.
//!
//! A deferred file is moved to the active queue by a scan when `mtime <= time() + 1`
//! (`qmgr_active_feed()`, `qmgr_active.c`), so it is eligible one second early, and every file
//! that became eligible since the previous scan goes in the same scan.
//!
//! The timer is re-armed in the callback, when the scan *starts* (`qmgr_deferred_run_event()`
//! calls `qmgr_scan_request()`, which only opens the directory, then `event_request_timer()`),
//! not when it ends; the files are fed one per pass of `qmgr_loop()` afterwards.
//!
//! Not modelled: the latency between the event loop's wake-up and the callback on a loaded
//! machine. A scan whose wake-up falls in the last milliseconds of a second can run its
//! callback in the next, which moves the next `when` by a second (seen in the conformance
//! recordings), and a scan that takes long tests later files against a later clock.

use crate::engine::{SimDuration, SimTime};

/// The scan timer and the queue manager's clock as the scans see it.
#[derive(Clone, Copy, Debug)]
pub(super) struct ScanTimer {
    period_s: u64,
    /// The whole second the next scan is due (`timer->when`).
    due_s: u64,
    /// The last instant the queue manager woke up.
    last_wake: SimTime,
    /// When the last scan ran.
    last_scan: Option<SimTime>,
}

impl ScanTimer {
    /// The timer armed when the queue manager starts, at time zero.
    pub fn new(period: SimDuration) -> ScanTimer {
        let period_s = period.as_millis() / 1000;
        ScanTimer {
            period_s,
            due_s: period_s,
            last_wake: SimTime::ZERO,
            last_scan: None,
        }
    }

    /// The instant the next scan goes off if nothing wakes the queue manager before.
    fn own_wake_up(&self) -> SimTime {
        SimTime(self.due_s * 1000 + self.last_wake.as_millis() % 1000)
    }

    /// Runs every scan due by `now`. With `wake`, the queue manager handles an event at `now`
    /// (it woke up): a scan due by then goes off at once if its own wake-up is later.
    pub fn advance(&mut self, now: SimTime, wake: bool) {
        while now.as_millis() >= self.due_s * 1000 {
            let own = self.own_wake_up();
            let fire = if wake { own.min(now) } else { own };
            if fire > now {
                break;
            }
            self.last_scan = Some(fire);
            self.last_wake = fire;
            self.due_s = fire.as_millis() / 1000 + self.period_s;
        }
        if wake {
            self.last_wake = self.last_wake.max(now);
        }
    }

    /// Whether a scan since `deferred_at` has moved a file with `mtime_s` to the active queue.
    pub fn picked_up(&self, mtime_s: u64, deferred_at: SimTime) -> bool {
        self.last_scan
            .is_some_and(|scan| scan > deferred_at && mtime_s <= scan.as_millis() / 1000 + 1)
    }

    /// The earliest instant a scan can pick up a file with `mtime_s`, after `now`: the due
    /// second of the first scan that would (later scans can only come later), or the pending
    /// scan's own wake-up when it is due and has not gone off.
    pub fn next_pickup(&self, mtime_s: u64, now: SimTime) -> SimTime {
        let mut due_s = self.due_s;
        while mtime_s > due_s + 1 {
            due_s += self.period_s;
        }
        let at = SimTime(due_s * 1000);
        if due_s == self.due_s && now >= at {
            self.own_wake_up()
        } else {
            at
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: f64) -> SimTime {
        SimTime((s * 1000.0).round() as u64)
    }

    #[test]
    fn an_idle_queue_manager_scans_on_the_seconds_of_its_last_wake_up() {
        let mut timer = ScanTimer::new(SimDuration::from_secs(30));
        // Mail at 12.4 s: the timer due at 30 goes off at 30.4 (slept whole seconds from 12.4).
        timer.advance(secs(12.4), true);
        assert_eq!(timer.next_pickup(31, secs(20.0)), secs(30.0));
        assert_eq!(timer.next_pickup(31, secs(30.0)), secs(30.4));
        timer.advance(secs(30.0), false);
        assert_eq!(timer.last_scan, None, "not yet: its own wake-up is at 30.4");
        timer.advance(secs(30.4), false);
        assert_eq!(timer.last_scan, Some(secs(30.4)));
        // Re-armed from its own second: due at 60, and off at 60.4 again when idle.
        timer.advance(secs(60.4), false);
        assert_eq!(timer.last_scan, Some(secs(60.4)));
    }

    #[test]
    fn a_wake_up_after_the_due_second_runs_the_scan_at_once() {
        let mut timer = ScanTimer::new(SimDuration::from_secs(30));
        timer.advance(secs(29.9), true);
        // Its own wake-up would be 30.9; new mail at 30.2 runs it then.
        timer.advance(secs(30.2), true);
        assert_eq!(timer.last_scan, Some(secs(30.2)));
        assert_eq!(timer.next_pickup(60, secs(31.0)), secs(60.0));
    }

    #[test]
    fn a_file_is_eligible_one_second_early_and_waits_for_a_later_scan_otherwise() {
        let mut timer = ScanTimer::new(SimDuration::from_secs(30));
        timer.advance(secs(5.0), true);
        // mtime 31 is picked up by the scan due at 30 (31 <= 30 + 1); mtime 32 by the next.
        assert_eq!(timer.next_pickup(31, secs(5.0)), secs(30.0));
        assert_eq!(timer.next_pickup(32, secs(5.0)), secs(60.0));
        timer.advance(secs(30.0), false);
        assert!(timer.picked_up(31, secs(5.0)));
        assert!(!timer.picked_up(32, secs(5.0)));
        assert!(!timer.picked_up(31, secs(30.5)), "deferred after the scan");
    }
}
