//! Criterion benchmarks of the engine and of whole runs.
//!
//! - `engine/mm1`: an M/M/1 queue at 90% load, the smallest pending set a model can have (two
//!   events), so the figure is the engine's own cost per event.
//! - `engine/hold/*`: the classic hold model with 1 million and 10 million pending timers (pop
//!   the earliest, push it again an exponential delay later), for the engine's radix heap, the
//!   binary heap ordered by (time, sequence) that it replaced, and a calendar queue.
//! - `campaign/*`: the throttled campaign end to end at 10k, 100k and 1M messages, issue 16's
//!   retry queue at 240k messages, and four replications on one thread against two.
//!
//! Sizes beyond these (10 million messages, peak memory, the scaling table) come from the
//! `scale` benchmark binary, which prints figures instead of looping; see `BENCHMARKS.md`.

mod support;

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use mailsim::engine::{EventQueue, SimTime};
use support::queues::{CalendarQueue, Pending, SequencedHeap, assert_same_order_as_reference};
use support::{Delays, retry_queue, throttled_campaign};

/// Runs `events` events of an M/M/1 queue (mean gap 1000 ms, mean service 900 ms) and returns
/// the number of customers left, so that nothing is optimised away.
fn mm1(queue: &mut EventQueue<bool>, gaps: &mut Delays, services: &mut Delays, events: u64) -> u64 {
    const ARRIVAL: bool = true;
    const DEPARTURE: bool = false;
    let mut in_system = 0u64;
    queue.push(SimTime(0), ARRIVAL);
    for _ in 0..events {
        let (now, event) = queue.pop().expect("an arrival is always pending");
        if event == ARRIVAL {
            queue.push(SimTime(now.0 + gaps.next()), ARRIVAL);
            in_system += 1;
            if in_system == 1 {
                queue.push(SimTime(now.0 + services.next()), DEPARTURE);
            }
        } else {
            in_system -= 1;
            if in_system > 0 {
                queue.push(SimTime(now.0 + services.next()), DEPARTURE);
            }
        }
    }
    while queue.pop().is_some() {}
    in_system
}

fn engine_mm1(c: &mut Criterion) {
    const EVENTS: u64 = 1_000_000;
    let mut group = c.benchmark_group("engine");
    group.throughput(Throughput::Elements(EVENTS));
    let mut gaps = Delays::exponential(1000.0, "gaps");
    let mut services = Delays::exponential(900.0, "services");
    group.bench_function("mm1", |b| {
        // A fresh queue each run: simulated time restarts at zero.
        b.iter(|| mm1(&mut EventQueue::new(), &mut gaps, &mut services, EVENTS))
    });
    group.finish();
}

/// Fills `queue` with `pending` timers spread like the hold model's steady state.
fn fill(queue: &mut impl Pending, delays: &mut Delays, pending: u64) {
    for event in 0..pending {
        queue.schedule(delays.next(), event);
    }
}

/// `steps` hold operations: pop the earliest timer and push it again a delay later.
#[inline]
fn hold(queue: &mut impl Pending, delays: &mut Delays, steps: u64) {
    for _ in 0..steps {
        let (now, event) = queue.next_event().expect("timers are always pending");
        queue.schedule(now + delays.next(), black_box(event));
    }
}

fn engine_hold(c: &mut Criterion) {
    const STEPS: u64 = 200_000;
    assert_same_order_as_reference(EventQueue::new());
    assert_same_order_as_reference(CalendarQueue::default());
    let mut group = c.benchmark_group("engine/hold");
    group.sample_size(10).warm_up_time(Duration::from_secs(1));
    group.throughput(Throughput::Elements(STEPS));
    for pending in [1_000_000u64, 10_000_000] {
        // Mean delay = pending ms, so one timer fires per ms on average, as in a retry queue.
        let mean = pending as f64;
        let mut delays = Delays::exponential(mean, "hold");
        let mut radix = EventQueue::new();
        fill(&mut radix, &mut delays, pending);
        group.bench_function(BenchmarkId::new("radix-heap", pending), |b| {
            b.iter(|| hold(&mut radix, &mut delays, STEPS))
        });
        drop(radix);
        let mut heap = SequencedHeap::default();
        fill(&mut heap, &mut delays, pending);
        group.bench_function(BenchmarkId::new("binary-heap", pending), |b| {
            b.iter(|| hold(&mut heap, &mut delays, STEPS))
        });
        drop(heap);
        let mut calendar = CalendarQueue::default();
        fill(&mut calendar, &mut delays, pending);
        group.bench_function(BenchmarkId::new("calendar-queue", pending), |b| {
            b.iter(|| hold(&mut calendar, &mut delays, STEPS))
        });
    }
    group.finish();
}

fn campaign(c: &mut Criterion) {
    let mut group = c.benchmark_group("campaign");
    group.sample_size(10).warm_up_time(Duration::from_secs(1));
    for messages in [10_000u64, 100_000, 1_000_000] {
        let scenario = throttled_campaign(messages);
        group.throughput(Throughput::Elements(messages));
        group.bench_function(BenchmarkId::new("end-to-end", messages), |b| {
            b.iter(|| mailsim::model::simulate(&scenario, 0).expect("run succeeds"))
        });
    }
    // Issue 16's retry queue at a tenth of its size (240k messages, about 2.7 M attempts).
    let scenario = retry_queue(240_000);
    group.throughput(Throughput::Elements(240_000));
    group.bench_function(BenchmarkId::new("retry-queue", 240_000), |b| {
        b.iter(|| mailsim::model::simulate(&scenario, 0).expect("run succeeds"))
    });
    let scenario = throttled_campaign(100_000);
    group.throughput(Throughput::Elements(4 * 100_000));
    for threads in [1usize, 2] {
        group.bench_function(BenchmarkId::new("4-replications-threads", threads), |b| {
            b.iter(|| support::replicate(&scenario, 4, threads))
        });
    }
    group.finish();
}

criterion_group!(benches, engine_mm1, engine_hold, campaign);
criterion_main!(benches);
