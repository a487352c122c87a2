//! The shared vocabulary of the mail world, below every module that uses it: SMTP replies with
//! their scope and class ([`Reply`], [`Scope`], [`ReplyClass`]), the typed values a scenario
//! configures ([`Reputation`], [`OutageKind`], [`DnsKind`], [`AuthResult`], [`ServiceTime`]) and
//! human units ([`Rate`], [`Share`], durations such as `"20m"`, [`Deadline`]) and the clock of a
//! run that starts at a real instant ([`Clock`]).
//!
//! Nothing here knows about scenarios, policies, the world or reports; it only builds on the
//! engine's [`SimDuration`](crate::engine::SimDuration). Retry policies, metrics, scenarios and
//! the model all speak these types, so none of them has to import another for them.

mod clock;
mod config;
mod reply;
pub mod units;

pub use clock::Clock;
pub use config::{AuthResult, DnsKind, OutageKind, Reputation, ServiceTime};
pub use reply::{Reply, ReplyClass, Scope};
pub use units::{Deadline, Rate, Share, parse_duration};
