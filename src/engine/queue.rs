//! The pending-event set: a priority queue ordered by (time, insertion sequence).

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::SimTime;

/// Pending events, popped in order of time and, at equal times, in the order they were pushed.
///
/// The sequence number makes the order total, so the result never depends on how the heap
/// breaks ties; this is what makes runs reproducible.
#[derive(Debug)]
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    next_seq: u64,
}

#[derive(Debug)]
struct Entry<E> {
    time: SimTime,
    seq: u64,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.time == other.time && self.seq == other.seq
    }
}

impl<E> Eq for Entry<E> {}

impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<E> Ord for Entry<E> {
    /// Reversed, because `BinaryHeap` is a max-heap and we want the earliest entry first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.time, other.seq).cmp(&(self.time, self.seq))
    }
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    /// An empty queue.
    pub fn new() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            next_seq: 0,
        }
    }

    /// Schedules `event` at `time`. Events at the same time leave in the order they were pushed.
    pub fn push(&mut self, time: SimTime, event: E) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Entry { time, seq, event });
    }

    /// Removes and returns the earliest event, with its time.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        self.heap.pop().map(|entry| (entry.time, entry.event))
    }

    /// The time of the earliest pending event.
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.peek().map(|entry| entry.time)
    }

    /// How many events are pending.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// Whether no event is pending.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn equal_times_leave_first_in_first_out() {
        let mut queue = EventQueue::new();
        queue.push(SimTime(10), "b1");
        queue.push(SimTime(5), "a");
        queue.push(SimTime(10), "b2");
        queue.push(SimTime(10), "b3");
        let order: Vec<_> = std::iter::from_fn(|| queue.pop()).collect();
        assert_eq!(
            order,
            vec![
                (SimTime(5), "a"),
                (SimTime(10), "b1"),
                (SimTime(10), "b2"),
                (SimTime(10), "b3")
            ]
        );
    }

    proptest! {
        /// Whatever the pushes, pops come out sorted by (time, push order), exactly like a
        /// stable sort of the pushes by time.
        #[test]
        fn pops_equal_a_stable_sort_by_time(times in proptest::collection::vec(0u64..50, 0..200)) {
            let mut queue = EventQueue::new();
            for (i, &t) in times.iter().enumerate() {
                queue.push(SimTime(t), i);
            }
            let mut expected: Vec<(SimTime, usize)> =
                times.iter().enumerate().map(|(i, &t)| (SimTime(t), i)).collect();
            expected.sort_by_key(|&(t, _)| t);
            let popped: Vec<_> = std::iter::from_fn(|| queue.pop()).collect();
            prop_assert_eq!(popped, expected);
        }
    }
}
