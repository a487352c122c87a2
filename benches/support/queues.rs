//! The pending-event sets compared by the benchmarks, behind one trait: the engine's radix heap
//! ([`EventQueue`]), the binary heap it replaced, and a calendar queue. Only the radix heap is
//! part of mailsim; the others are here to be measured against it.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use mailsim::engine::{EventQueue, SimTime};

/// A pending-event set with the engine's contract: pops in order of (time, push order), and no
/// push earlier than the last pop.
pub trait Pending {
    /// Schedules `event` at `time`.
    fn schedule(&mut self, time: u64, event: u64);
    /// Removes the earliest event.
    fn next_event(&mut self) -> Option<(u64, u64)>;
}

impl Pending for EventQueue<u64> {
    #[inline]
    fn schedule(&mut self, time: u64, event: u64) {
        self.push(SimTime(time), event);
    }
    #[inline]
    fn next_event(&mut self) -> Option<(u64, u64)> {
        self.pop().map(|(time, event)| (time.0, event))
    }
}

/// The engine's previous queue: a binary heap of (time, insertion sequence, event).
#[derive(Default)]
pub struct SequencedHeap {
    heap: BinaryHeap<Reverse<(u64, u64, u64)>>,
    next_seq: u64,
}

impl Pending for SequencedHeap {
    #[inline]
    fn schedule(&mut self, time: u64, event: u64) {
        self.heap.push(Reverse((time, self.next_seq, event)));
        self.next_seq += 1;
    }
    #[inline]
    fn next_event(&mut self) -> Option<(u64, u64)> {
        self.heap
            .pop()
            .map(|Reverse((time, _, event))| (time, event))
    }
}

/// Brown's calendar queue (1988): a ring of buckets ("days") `width` ms wide; an event goes to
/// the bucket of its day modulo the ring, kept sorted by time with ties in push order. Popping
/// walks the ring from the current day. The ring doubles, and the width is re-estimated from the
/// spacing of the earliest events, whenever the count passes twice the number of buckets.
pub struct CalendarQueue {
    buckets: Vec<VecDeque<(u64, u64)>>,
    width: u64,
    current: usize,
    day_end: u64,
    len: usize,
    last: u64,
}

impl Default for CalendarQueue {
    fn default() -> Self {
        CalendarQueue {
            buckets: (0..2).map(|_| VecDeque::new()).collect(),
            width: 1,
            current: 0,
            day_end: 1,
            len: 0,
            last: 0,
        }
    }
}

impl CalendarQueue {
    #[inline]
    fn bucket_of(&self, time: u64) -> usize {
        ((time / self.width) as usize) & (self.buckets.len() - 1)
    }

    #[inline]
    fn insert(&mut self, time: u64, event: u64) {
        let bucket = self.bucket_of(time);
        let bucket = &mut self.buckets[bucket];
        if bucket.back().is_none_or(|&(t, _)| t <= time) {
            bucket.push_back((time, event));
        } else {
            let position = bucket.partition_point(|&(t, _)| t <= time);
            bucket.insert(position, (time, event));
        }
    }

    /// Rebuilds with `count` buckets and a width of three times the mean gap between the
    /// earliest (up to 1000) events.
    fn resize(&mut self, count: usize) {
        let mut entries: Vec<(u64, u64)> =
            self.buckets.iter_mut().flat_map(|b| b.drain(..)).collect();
        // Stable: equal times come from one bucket, in push order, and stay so.
        entries.sort_by_key(|&(time, _)| time);
        let sample = entries.len().min(1000);
        if sample > 1 {
            let span = entries[sample - 1].0 - entries[0].0;
            self.width = (3 * span / (sample as u64 - 1)).max(1);
        }
        self.buckets = (0..count).map(|_| VecDeque::new()).collect();
        for (time, event) in entries {
            self.insert(time, event);
        }
        self.current = self.bucket_of(self.last);
        self.day_end = (self.last / self.width + 1) * self.width;
    }

    fn pop_current(&mut self) -> (u64, u64) {
        let entry = self.buckets[self.current]
            .pop_front()
            .expect("the current bucket has the earliest event");
        self.len -= 1;
        self.last = entry.0;
        entry
    }
}

impl Pending for CalendarQueue {
    #[inline]
    fn schedule(&mut self, time: u64, event: u64) {
        self.insert(time, event);
        self.len += 1;
        if self.len > 2 * self.buckets.len() {
            self.resize(2 * self.buckets.len());
        }
    }

    fn next_event(&mut self) -> Option<(u64, u64)> {
        if self.len == 0 {
            return None;
        }
        for _ in 0..self.buckets.len() {
            if let Some(&(time, _)) = self.buckets[self.current].front()
                && time < self.day_end
            {
                return Some(self.pop_current());
            }
            self.current = (self.current + 1) & (self.buckets.len() - 1);
            self.day_end += self.width;
        }
        // A whole year without an event: jump straight to the earliest one.
        let (bucket, time) = self
            .buckets
            .iter()
            .enumerate()
            .filter_map(|(i, b)| b.front().map(|&(time, _)| (i, time)))
            .min_by_key(|&(_, time)| time)
            .expect("len > 0");
        self.current = bucket;
        self.day_end = (time / self.width + 1) * self.width;
        Some(self.pop_current())
    }
}

/// Checks that `queue` pops exactly like the reference heap on a random workload with ties and
/// pushes at the current time, so that a benchmark never times a wrong queue.
pub fn assert_same_order_as_reference(mut queue: impl Pending) {
    let mut reference = SequencedHeap::default();
    let mut rng = mailsim::engine::RandomStream::new(9, 0, "queue check");
    let mut now = 0;
    for event in 0..200_000u64 {
        if rng.chance(0.55) {
            let delay = match rng.next_u64() % 4 {
                0 => 0,
                1 => rng.next_u64() % 8,
                2 => rng.next_u64() % 1000,
                _ => rng.next_u64() % 1_000_000,
            };
            queue.schedule(now + delay, event);
            reference.schedule(now + delay, event);
        } else {
            let expected = reference.next_event();
            assert_eq!(queue.next_event(), expected, "after {event} steps");
            if let Some((time, _)) = expected {
                now = time;
            }
        }
    }
    while let Some(expected) = reference.next_event() {
        assert_eq!(queue.next_event(), Some(expected));
    }
    assert_eq!(queue.next_event(), None);
}
