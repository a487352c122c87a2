//! The mail world: messages, SMTP replies, senders with their connections and retry policies,
//! receivers with their throttles and outages, and the event handlers that tie them together
//! ([`simulate`] runs one replication of a scenario).

mod estimate;
mod observe;
mod receiver;
mod traffic;
mod world;

pub use estimate::{Estimate, human_bytes};
pub use observe::{Happening, Observer, Step};
pub use world::{RunControl, RunOutput, SimError, simulate, simulate_observed, simulate_with};
