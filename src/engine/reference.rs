//! Test support for the pending-event queues: a random workload of pushes and pops replayed on a
//! queue and on a reference binary heap ordered by (time, push sequence), which must agree at
//! every step. [`EventQueue`] and [`LaneQueue`] promise the same order, so one check serves both.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use proptest::prelude::*;

use super::{EventQueue, LaneQueue, SimTime};

/// One step of a random workload: push an event `delay` after the current time (ties and
/// pushes at the current time included), or pop.
#[derive(Clone, Debug)]
pub(super) enum Step {
    Push { delay: u64 },
    Pop,
}

/// The operations both queues have.
pub(super) trait Pending {
    fn push(&mut self, time: SimTime, event: usize);
    fn pop(&mut self) -> Option<(SimTime, usize)>;
    fn peek(&self) -> Option<(SimTime, &usize)>;
    fn len(&self) -> usize;
}

/// Both queues have these operations under the same names.
macro_rules! pending {
    ($queue:ident) => {
        impl Pending for $queue<usize> {
            fn push(&mut self, time: SimTime, event: usize) {
                $queue::push(self, time, event);
            }
            fn pop(&mut self) -> Option<(SimTime, usize)> {
                $queue::pop(self)
            }
            fn peek(&self) -> Option<(SimTime, &usize)> {
                $queue::peek(self)
            }
            fn len(&self) -> usize {
                $queue::len(self)
            }
        }
    };
}

pending!(EventQueue);
pending!(LaneQueue);

/// Replays `steps` on `queue` (empty, at time zero) and on the reference heap: every pop, peek
/// and length must be equal, and so must what is left at the end, popped in order.
pub(super) fn agrees_with_reference(
    queue: &mut impl Pending,
    steps: &[Step],
) -> Result<(), TestCaseError> {
    let mut reference = BinaryHeap::new();
    let mut now = 0u64;
    for (seq, step) in steps.iter().enumerate() {
        match *step {
            Step::Push { delay } => {
                let time = now.saturating_add(delay);
                queue.push(SimTime(time), seq);
                reference.push(Reverse((time, seq)));
            }
            Step::Pop => {
                let expected = reference.pop().map(|Reverse((t, s))| (SimTime(t), s));
                prop_assert_eq!(queue.pop(), expected);
                if let Some((time, _)) = expected {
                    now = time.0;
                }
            }
        }
        prop_assert_eq!(queue.len(), reference.len());
        let expected_peek = reference.peek().map(|Reverse((t, s))| (SimTime(*t), s));
        prop_assert_eq!(queue.peek(), expected_peek);
    }
    let rest: Vec<_> = std::iter::from_fn(|| queue.pop()).collect();
    let expected: Vec<_> = std::iter::from_fn(|| reference.pop())
        .map(|Reverse((t, s))| (SimTime(t), s))
        .collect();
    prop_assert_eq!(rest, expected);
    Ok(())
}
