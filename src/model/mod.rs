//! The mail world: messages, SMTP replies, senders with their connections and retry policies,
//! receivers with their throttles and outages, and the event handlers that tie them together
//! ([`simulate`] runs one replication of a scenario).

mod config;
mod receiver;
mod replicate;
mod reply;
mod traffic;
mod world;

pub use config::{OutageKind, Reputation, ServiceTime};
pub use replicate::simulate_replications;
pub use reply::{Reply, ReplyClass, Scope};
pub use world::{RunOutput, SimError, simulate};
