//! The pending-event set: a monotone radix heap ordered by (time, insertion sequence).
//!
//! A simulation only ever schedules events at or after the instant it is handling, so the queue
//! can exploit monotonicity. Each pending event sits in the bucket numbered by the highest bit in
//! which its time differs from the last popped time; popping refills from the lowest non-empty
//! bucket, and an event only ever moves to lower buckets, so at most 64 times in its life. This
//! beats a binary heap by a wide margin once millions of retry timers are pending (see
//! `BENCHMARKS.md`), because buckets are appended to and scanned sequentially instead of being
//! sifted through at random.

use std::collections::VecDeque;

use super::SimTime;

/// Number of buckets besides the current one: one per bit of a `u64` time.
const BUCKETS: usize = 64;

/// Pending events, popped in order of time and, at equal times, in the order they were pushed.
///
/// # Precondition
///
/// Simulated time never goes backwards: an event may be pushed at or after the time of the last
/// popped event, never before it (pushing at that very time is fine, and such events run after
/// the ones already pending at that time). A push that breaks this is a bug in the caller and
/// panics.
///
/// # Why first-in first-out holds without a sequence number
///
/// Two events with the same time always sit in the same bucket, because the bucket depends only
/// on the time and the last popped time. Every operation keeps a bucket's order: pushes append,
/// a refill moves a bucket's events into lower buckets in order, and the current bucket (events
/// at exactly the last popped time) is consumed from the front. So events of equal time leave in
/// push order, exactly like a heap ordered by (time, sequence). Not storing the sequence keeps
/// an entry at `8 + size_of::<E>()` bytes.
#[derive(Debug)]
pub struct EventQueue<E> {
    /// Events at exactly `last`, in push order.
    current: VecDeque<Entry<E>>,
    /// `buckets[b]` holds events whose time's highest bit that differs from `last` is bit `b`
    /// (bit 0 being the least significant), in push order among equal times.
    buckets: [Vec<Entry<E>>; BUCKETS],
    /// The earliest time in each bucket (`u64::MAX` when empty), so peeking costs nothing.
    bucket_min: [u64; BUCKETS],
    /// Where in each bucket the first entry with the earliest time is.
    bucket_first: [usize; BUCKETS],
    /// Bit `b` is set when `buckets[b]` is not empty.
    occupied: u64,
    /// The time of the last popped event: no push may be earlier.
    last: u64,
    len: usize,
}

#[derive(Debug)]
struct Entry<E> {
    time: u64,
    event: E,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    /// An empty queue, at time zero.
    pub fn new() -> Self {
        EventQueue {
            current: VecDeque::new(),
            buckets: std::array::from_fn(|_| Vec::new()),
            bucket_min: [u64::MAX; BUCKETS],
            bucket_first: [0; BUCKETS],
            occupied: 0,
            last: 0,
            len: 0,
        }
    }

    /// Schedules `event` at `time`. Events at the same time leave in the order they were pushed.
    ///
    /// # Panics
    ///
    /// If `time` is earlier than the last popped event's time (see the precondition above).
    #[inline]
    pub fn push(&mut self, time: SimTime, event: E) {
        assert!(
            time.0 >= self.last,
            "event pushed at {time}, before the last popped event at {}",
            SimTime(self.last)
        );
        self.len += 1;
        self.place(Entry {
            time: time.0,
            event,
        });
    }

    /// Removes and returns the earliest event, with its time.
    #[inline]
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        if self.current.is_empty() && !self.refill() {
            return None;
        }
        let entry = self.current.pop_front()?;
        self.len -= 1;
        Some((SimTime(entry.time), entry.event))
    }

    /// The time of the earliest pending event.
    #[inline]
    pub fn peek_time(&self) -> Option<SimTime> {
        self.peek().map(|(time, _)| time)
    }

    /// The event [`pop`](Self::pop) would return next, with its time, without removing it (a
    /// model can use it to prefetch the state the next event will touch).
    #[inline]
    pub fn peek(&self) -> Option<(SimTime, &E)> {
        let entry = match self.current.front() {
            Some(entry) => entry,
            None if self.occupied != 0 => {
                let bucket = self.occupied.trailing_zeros() as usize;
                &self.buckets[bucket][self.bucket_first[bucket]]
            }
            None => return None,
        };
        Some((SimTime(entry.time), &entry.event))
    }

    /// How many events are pending.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no event is pending.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Puts an entry (not earlier than `last`) into the bucket its time belongs to.
    #[inline]
    fn place(&mut self, entry: Entry<E>) {
        let differing = entry.time ^ self.last;
        if differing == 0 {
            self.current.push_back(entry);
        } else {
            let bucket = (u64::BITS - 1 - differing.leading_zeros()) as usize;
            // An empty bucket's minimum is `u64::MAX`, which an event at `SimTime::NEVER` does
            // not beat, hence the emptiness test.
            if self.buckets[bucket].is_empty() || entry.time < self.bucket_min[bucket] {
                self.bucket_min[bucket] = entry.time;
                self.bucket_first[bucket] = self.buckets[bucket].len();
            }
            self.occupied |= 1 << bucket;
            self.buckets[bucket].push(entry);
        }
    }

    /// With `current` empty, advances `last` to the earliest pending time and spreads the lowest
    /// non-empty bucket over the lower ones (its earliest events land in `current`). Returns
    /// `false` when nothing is pending.
    fn refill(&mut self) -> bool {
        if self.occupied == 0 {
            return false;
        }
        let bucket = self.occupied.trailing_zeros() as usize;
        self.last = self.bucket_min[bucket];
        self.bucket_min[bucket] = u64::MAX;
        self.occupied &= !(1 << bucket);
        // Every entry moves to a strictly lower bucket, all of which are empty now, so the
        // relative order of entries is kept. The vector is put back to reuse its capacity:
        // dropping it saved a fifth of the peak memory but cost a third more CPU time on the
        // 10M-message campaign (regrowth copies and page faults; see BENCHMARKS.md).
        let mut entries = std::mem::take(&mut self.buckets[bucket]);
        for entry in entries.drain(..) {
            self.place(entry);
        }
        self.buckets[bucket] = entries;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::reference::{Step, agrees_with_reference};
    use proptest::prelude::*;

    #[test]
    fn equal_times_leave_first_in_first_out() {
        let mut queue = EventQueue::new();
        queue.push(SimTime(10), "b1");
        queue.push(SimTime(5), "a");
        queue.push(SimTime(10), "b2");
        queue.push(SimTime(10), "b3");
        assert_eq!(queue.peek_time(), Some(SimTime(5)));
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
        assert!(queue.is_empty());
        assert_eq!(queue.peek_time(), None);
    }

    #[test]
    fn events_pushed_at_the_current_time_run_after_those_already_pending() {
        let mut queue = EventQueue::new();
        queue.push(SimTime(7), 1);
        queue.push(SimTime(7), 2);
        assert_eq!(queue.pop(), Some((SimTime(7), 1)));
        queue.push(SimTime(7), 3);
        let order: Vec<_> = std::iter::from_fn(|| queue.pop()).collect();
        assert_eq!(order, vec![(SimTime(7), 2), (SimTime(7), 3)]);
    }

    #[test]
    fn the_whole_time_range_is_usable() {
        let mut queue = EventQueue::new();
        queue.push(SimTime::NEVER, "never");
        queue.push(SimTime(u64::MAX - 1), "almost");
        queue.push(SimTime::ZERO, "zero");
        let order: Vec<_> = std::iter::from_fn(|| queue.pop()).map(|(_, e)| e).collect();
        assert_eq!(order, vec!["zero", "almost", "never"]);
    }

    #[test]
    #[should_panic(expected = "before the last popped event")]
    fn pushing_into_the_past_is_refused() {
        let mut queue = EventQueue::new();
        queue.push(SimTime(10), ());
        queue.pop();
        queue.push(SimTime(9), ());
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            3 => (0u64..4).prop_map(|delay| Step::Push { delay }),
            3 => (0u64..1_000).prop_map(|delay| Step::Push { delay }),
            1 => (0u64..u64::MAX / 4).prop_map(|delay| Step::Push { delay }),
            1 => (0u64..4).prop_map(|before| Step::Push { delay: u64::MAX - before }),
            4 => Just(Step::Pop),
        ]
    }

    proptest! {
        /// The radix heap and a reference binary heap ordered by (time, push sequence) give the
        /// same pops, times and peeks on random interleavings of pushes and pops.
        #[test]
        fn pops_equal_a_reference_heap(steps in proptest::collection::vec(step(), 0..400)) {
            agrees_with_reference(&mut EventQueue::new(), &steps)?;
        }

        /// Whatever the pushes (all before the first pop), pops come out sorted by (time, push
        /// order), exactly like a stable sort of the pushes by time.
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
