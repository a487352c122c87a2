//! The mail world: messages, SMTP replies, senders with their connections and retry policies,
//! receivers with their throttles and outages, and the event handlers that tie them together
//! ([`simulate`] runs one replication of a scenario).

mod config;
mod estimate;
mod observe;
mod receiver;
mod reply;
mod traffic;
mod world;

pub use config::{AuthResult, DnsKind, OutageKind, Reputation, ServiceTime};
pub use estimate::{Estimate, human_bytes};
pub use observe::{Happening, Observer, Step};
pub use reply::{Reply, ReplyClass, Scope};
pub use world::{RunControl, RunOutput, SimError, simulate, simulate_observed, simulate_with};
