//! The mail world: messages, senders with their connections and retry policies, receivers with
//! their rules, and the event loop that ties them together ([`simulate`] runs one replication
//! of a scenario). SMTP replies and the scenario's typed values are in `domain`, the policies in
//! `retry`, the measurements in `metrics`.

mod estimate;
mod history;
mod observe;
mod receiver;
mod run;
mod traffic;
mod world;

pub use estimate::{Estimate, human_bytes};
pub use history::{HistoryRecorder, RETRY_TIME_NOT_REACHED, SUSPENDED};
pub use observe::{Happening, Observer, Step};
pub use run::{
    PolicyHolds, RunControl, RunOutput, SimError, simulate, simulate_observed, simulate_with,
};
