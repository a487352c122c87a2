//! The pending-event set for models whose events recur at a few fixed delays: the radix heap
//! ([`EventQueue`]) for any delay, plus a first-in first-out *lane* per recurring delay.
//!
//! A retry queue schedules most of its events at one of a handful of fixed delays (every retry
//! policy's gap sequence is a small set: 15 minutes, 20 minutes, Postfix's doublings). Events
//! pushed at `now + d` for one `d` arrive in time order, because `now` never goes back, so a
//! plain first-in first-out queue per delay holds them sorted at O(1) a push, in sequential
//! memory. In the radix heap the same event would be moved through several buckets before it
//! is popped (one move per bit of the delay it crosses, about six on average), and on a queue
//! of a million retry timers those moves were the largest cost of a run (see `BENCHMARKS.md`).

use std::collections::VecDeque;

use super::{EventQueue, SimTime};

/// Delays shorter than this stay in the heap, where they land in low buckets and move little.
const MIN_LANE_DELAY: u64 = 1 << 10;
/// At most this many lanes; further delays go to the heap.
const MAX_LANES: usize = 8;
/// A delay gets a lane once it has been seen this many times in a row in its candidate slot, so
/// that random delays (a log-normal transaction time, a jittered backoff) do not take lanes.
const PROMOTION: u32 = 4;
/// Candidate slots for delays that may deserve a lane.
const CANDIDATES: usize = 16;

/// Pending events, popped in order of time and, at equal times, in the order they were pushed:
/// the same contract as [`EventQueue`], whose precondition it shares (no push before the last
/// popped time; a push that breaks it panics).
///
/// # How the order is kept across the heap and the lanes
///
/// Every push takes the next number of a sequence. Within the heap and within each lane, the
/// entries of equal time are already in sequence order; between them, a pop compares the heads
/// by (time, sequence) and takes the smaller. Which structure an event went to therefore never
/// changes the order events leave in, only the cost: a delay is given a lane once it has been
/// pushed four times in a row, and at most eight lanes exist.
#[derive(Debug)]
pub struct LaneQueue<E> {
    heap: EventQueue<Stamped<E>>,
    lanes: Vec<Lane<E>>,
    /// Delays seen recently and how many times in a row, by slot.
    candidates: [(u64, u32); CANDIDATES],
    /// The time of the last popped event: no push may be earlier.
    now: u64,
    next_seq: u64,
    len: usize,
    /// The earliest pending event's (time, sequence) and where it is, kept up to date by every
    /// push and pop so that peeking costs nothing.
    head: Option<((u64, u64), Head)>,
}

/// An event in the heap, with its push sequence number.
#[derive(Debug)]
struct Stamped<E> {
    seq: u64,
    event: E,
}

/// The events pushed `delay` after the time they were pushed at, in push order (and so in
/// order of time).
#[derive(Debug)]
struct Lane<E> {
    delay: u64,
    entries: VecDeque<Timed<E>>,
}

#[derive(Debug)]
struct Timed<E> {
    time: u64,
    seq: u64,
    event: E,
}

/// Where the earliest pending event is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Head {
    Heap,
    Lane(usize),
}

impl<E> Default for LaneQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> LaneQueue<E> {
    /// An empty queue, at time zero.
    pub fn new() -> Self {
        LaneQueue {
            heap: EventQueue::new(),
            lanes: Vec::new(),
            candidates: [(0, 0); CANDIDATES],
            now: 0,
            next_seq: 0,
            len: 0,
            head: None,
        }
    }

    /// Schedules `event` at `time`. Events at the same time leave in the order they were pushed.
    ///
    /// # Panics
    ///
    /// If `time` is earlier than the last popped event's time.
    #[inline]
    pub fn push(&mut self, time: SimTime, event: E) {
        assert!(
            time.0 >= self.now,
            "event pushed at {time}, before the last popped event at {}",
            SimTime(self.now)
        );
        let seq = self.next_seq;
        self.next_seq += 1;
        self.len += 1;
        let delay = time.0 - self.now;
        let went = match (delay >= MIN_LANE_DELAY).then(|| self.lane_for(delay)) {
            Some(Some(lane)) => {
                self.lanes[lane].entries.push_back(Timed {
                    time: time.0,
                    seq,
                    event,
                });
                Head::Lane(lane)
            }
            _ => {
                self.heap.push(time, Stamped { seq, event });
                Head::Heap
            }
        };
        // The new event has the largest sequence number, so it is the head only if it is
        // strictly earlier than the old one (or there is none).
        let key = (time.0, seq);
        if self.head.is_none_or(|(head, _)| key < head) {
            self.head = Some((key, went));
        }
    }

    /// Removes and returns the earliest event, with its time.
    #[inline]
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let (_, head) = self.head?;
        let (time, event) = match head {
            Head::Heap => {
                let (time, stamped) = self.heap.pop().expect("the heap has a head");
                (time, stamped.event)
            }
            Head::Lane(lane) => {
                let timed = self.lanes[lane]
                    .entries
                    .pop_front()
                    .expect("the lane has a head");
                (SimTime(timed.time), timed.event)
            }
        };
        self.len -= 1;
        self.now = time.0;
        self.head = self.find_head();
        Some((time, event))
    }

    /// The time of the earliest pending event.
    #[inline]
    pub fn peek_time(&self) -> Option<SimTime> {
        self.head.map(|((time, _), _)| SimTime(time))
    }

    /// The event [`pop`](Self::pop) would return next, with its time, without removing it.
    #[inline]
    pub fn peek(&self) -> Option<(SimTime, &E)> {
        match self.head?.1 {
            Head::Heap => self
                .heap
                .peek()
                .map(|(time, stamped)| (time, &stamped.event)),
            Head::Lane(lane) => self.lanes[lane]
                .entries
                .front()
                .map(|timed| (SimTime(timed.time), &timed.event)),
        }
    }

    /// How many events are pending.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no event is pending.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// How many lanes recurring delays have been given (for tests and benchmarks).
    pub fn lanes(&self) -> usize {
        self.lanes.len()
    }

    /// Where the earliest event is: the smallest (time, sequence) among the heads of the heap
    /// and the lanes.
    #[inline]
    fn find_head(&self) -> Option<((u64, u64), Head)> {
        let mut best = self
            .heap
            .peek()
            .map(|(time, stamped)| ((time.0, stamped.seq), Head::Heap));
        for (index, lane) in self.lanes.iter().enumerate() {
            if let Some(front) = lane.entries.front() {
                let key = (front.time, front.seq);
                if best.is_none_or(|(best_key, _)| key < best_key) {
                    best = Some((key, Head::Lane(index)));
                }
            }
        }
        best
    }

    /// The lane for `delay`: an existing one, or a new one if the delay has now recurred often
    /// enough and there is room.
    #[inline]
    fn lane_for(&mut self, delay: u64) -> Option<usize> {
        if let Some(lane) = self.lanes.iter().position(|lane| lane.delay == delay) {
            return Some(lane);
        }
        if self.lanes.len() == MAX_LANES {
            return None;
        }
        let slot = (delay ^ (delay >> 17)) as usize % CANDIDATES;
        let candidate = &mut self.candidates[slot];
        if candidate.0 != delay {
            *candidate = (delay, 1);
            return None;
        }
        candidate.1 += 1;
        if candidate.1 < PROMOTION {
            return None;
        }
        *candidate = (0, 0);
        self.lanes.push(Lane {
            delay,
            entries: VecDeque::new(),
        });
        Some(self.lanes.len() - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::reference::{Step, agrees_with_reference};
    use proptest::prelude::*;

    #[test]
    fn a_recurring_delay_gets_a_lane_and_ties_with_the_heap_leave_in_push_order() {
        let mut queue = LaneQueue::new();
        // Five timers 20 min out: the first three go to the heap; by the fourth the delay has
        // recurred often enough to get a lane.
        for i in 0..5 {
            queue.push(SimTime(1_200_000), i);
        }
        assert_eq!(queue.lanes(), 1);
        queue.push(SimTime(1_199_999), 5);
        assert_eq!(queue.pop(), Some((SimTime(1_199_999), 5)));
        // Pushed 1 ms later (heap), at the same instant as the five and after them.
        queue.push(SimTime(1_200_000), 6);
        let order: Vec<_> = std::iter::from_fn(|| queue.pop()).map(|(_, e)| e).collect();
        assert_eq!(order, [0, 1, 2, 3, 4, 6]);
    }

    #[test]
    fn a_lane_event_pushed_before_a_heap_event_of_equal_time_leaves_first() {
        let mut queue = LaneQueue::new();
        for i in 0..4 {
            queue.push(SimTime(5_000), i);
        }
        assert_eq!(queue.lanes(), 1);
        assert_eq!(queue.pop(), Some((SimTime(5_000), 0)));
        // At 10 s: pushed at 5 s (lane), then at 7 s (heap), then at 5 s again (lane).
        queue.push(SimTime(10_000), 10);
        queue.push(SimTime(7_000), 11);
        queue.push(SimTime(10_000), 12);
        let order: Vec<_> = std::iter::from_fn(|| queue.pop())
            .take(4)
            .map(|(_, e)| e)
            .collect();
        assert_eq!(order, [1, 2, 3, 11]);
        queue.push(SimTime(10_000), 13);
        queue.push(SimTime(12_000), 14);
        let order: Vec<_> = std::iter::from_fn(|| queue.pop()).map(|(_, e)| e).collect();
        assert_eq!(order, [10, 12, 13, 14]);
    }

    #[test]
    #[should_panic(expected = "before the last popped event")]
    fn pushing_into_the_past_is_refused() {
        let mut queue = LaneQueue::new();
        queue.push(SimTime(10), ());
        queue.pop();
        queue.push(SimTime(9), ());
    }

    #[test]
    fn random_delays_do_not_take_lanes() {
        let mut queue = LaneQueue::new();
        let mut rng = crate::engine::RandomStream::new(1, 0, "test");
        for i in 0..10_000u64 {
            let delay = 2_000 + rng.next_u64() % 100_000;
            queue.push(SimTime(delay), i);
        }
        assert_eq!(queue.lanes(), 0);
        assert_eq!(queue.len(), 10_000);
    }

    /// Delays mixing a few recurring ones (lanes), small ones and random ones (heap), with
    /// many ties.
    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            2 => (0u64..4).prop_map(|delay| Step::Push { delay }),
            2 => prop::sample::select(vec![1_024u64, 1_025, 5_000, 900_000, 1_200_000])
                .prop_map(|delay| Step::Push { delay }),
            2 => (0u64..2_000_000).prop_map(|delay| Step::Push { delay }),
            1 => prop::sample::select((0..12u64).map(|k| 1_024 << k).collect::<Vec<_>>())
                .prop_map(|delay| Step::Push { delay }),
            1 => (0u64..4).prop_map(|before| Step::Push { delay: u64::MAX / 2 - before }),
            5 => Just(Step::Pop),
        ]
    }

    proptest! {
        /// Pops, peeks and lengths equal those of a reference binary heap ordered by
        /// (time, push sequence), whichever lane or heap the events went to.
        #[test]
        fn pops_equal_a_reference_heap(steps in proptest::collection::vec(step(), 0..600)) {
            agrees_with_reference(&mut LaneQueue::new(), &steps)?;
        }
    }
}
