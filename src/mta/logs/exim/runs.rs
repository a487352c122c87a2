//! The daemon's lines that are not about a message: its start (with the queue runner's
//! interval) and its queue runs.

use std::collections::HashMap;

use super::super::history::{MtaStart, QueueRun};
use super::Stamp;

/// `exim 4.96 daemon started: pid=18293, -q30s, listening for SMTP on …`: the start, with the
/// queue runner's interval if the daemon has one.
pub(super) fn daemon_start(t: Stamp, rest: &str) -> Option<MtaStart> {
    let (_, options) = rest.split_once("daemon started:")?;
    let queue_interval_s = options
        .split(',')
        .map(str::trim)
        .find_map(|option| option.strip_prefix("-q"))
        .and_then(|interval| {
            // `-q30s`, `-qq1h`, `-q1h30m`: Exim times; a bare `-q` is one run, no interval.
            let interval = interval.trim_start_matches(['q', 'f', 'i']);
            crate::mta::config::exim::exim_time(interval)
        });
    Some(MtaStart {
        time: t,
        queue_interval_s,
    })
}

/// The queue runs read so far: those going on by pid, and those ended.
#[derive(Default)]
pub(super) struct QueueRuns {
    going: HashMap<String, Stamp>,
    pub done: Vec<QueueRun>,
}

impl QueueRuns {
    /// Reads `Start queue run: pid=N` or `End queue run: pid=N`; false for any other line.
    pub fn read(&mut self, t: Stamp, rest: &str) -> bool {
        if let Some(pid) = rest.strip_prefix("Start queue run: pid=") {
            self.going.insert(pid.trim().to_string(), t);
            true
        } else if let Some(pid) = rest.strip_prefix("End queue run: pid=") {
            if let Some(start) = self.going.remove(pid.trim()) {
                let at = self.done.partition_point(|run| run.start <= start);
                self.done.insert(at, QueueRun { start, end: t });
            }
            true
        } else {
            false
        }
    }
}
