//! The generic discrete-event core: simulated time, the pending-event queue and named random
//! streams. Nothing here knows about email; the mail world lives in [`crate::model`].
//!
//! # Guarantees
//!
//! - **Time is integer milliseconds** ([`SimTime`]); there is no floating-point clock drift.
//! - **Ordering:** events leave the [`EventQueue`] in order of (time, insertion sequence). Two
//!   events scheduled for the same instant run in the order they were scheduled (first in, first
//!   out), so a run never depends on how a heap happens to break ties.
//! - **Time only moves forward:** an event may be scheduled at or after the instant being
//!   handled, never before it; the queue (a monotone radix heap) relies on this and panics on a
//!   push into the past, which would be a bug in the model.
//! - **Determinism:** every random draw comes from a [`RandomStream`] derived from
//!   (seed, replication, purpose). Streams are independent of each other, so adding draws for one
//!   purpose never shifts the numbers another purpose sees.

mod hint;
mod lanes;
mod queue;
#[cfg(test)]
mod reference;
mod rng;
mod time;

pub use hint::prefetch;
pub use lanes::LaneQueue;
pub use queue::EventQueue;
pub use rng::RandomStream;
pub use time::{SimDuration, SimTime};
