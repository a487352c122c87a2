//! Figures too large for criterion's loops: the hold model's speed and memory per pending event
//! at 1 M and 10 M pending for each queue, the throttled campaign end to end at 10k to 10M
//! messages and issue 16's retry queue at 2.4 M (time, events per second, peak memory), and
//! replications on one thread against two.
//!
//! `cargo bench --bench scale` prints every figure; each measurement runs in a child process of
//! this binary so that its peak memory is its own. The child modes can be run directly:
//!
//! ```text
//! target/release/deps/scale-* hold radix-heap 10000000     # or binary-heap, calendar-queue
//! target/release/deps/scale-* campaign 10000000
//! target/release/deps/scale-* retry-queue 2400000
//! target/release/deps/scale-* floor 2400000      # the retry queue on the bare engine (support/floor.rs)
//! target/release/deps/scale-* replications 1000000 4 2
//! target/release/deps/scale-* peer retry-queue 2400000 1     # one JSON line, for compare.py
//! target/release/deps/scale-* scenario 1000000 > campaign-1m.ron   # for `mailsim run --stats`
//! target/release/deps/scale-* retry-queue-scenario 2400000 > retry-queue.ron
//! ```

// Only this binary runs the floor model, so it is not part of `support`, which both share.
#[path = "support/floor.rs"]
mod floor;
mod support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use mailsim::engine::EventQueue;
use mailsim::metrics::peak_rss_bytes;
use mailsim::scenario::Scenario;
use support::queues::{CalendarQueue, Pending, SequencedHeap, assert_same_order_as_reference};
use support::{Delays, retry_queue, retry_queue_text, throttled_campaign, throttled_campaign_text};

/// The system allocator, counting allocations and reallocations so that the campaign figures can
/// show that the event loop does not allocate per event.
struct CountingAllocator;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let number = |i: usize| -> u64 {
        args.get(i)
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("argument {i} must be a number: {args:?}"))
    };
    match args.first().map(String::as_str) {
        None => all_figures(),
        Some("hold") => match args.get(1).map(String::as_str) {
            Some("radix-heap") => hold(EventQueue::new(), number(2)),
            Some("binary-heap") => hold(SequencedHeap::default(), number(2)),
            Some("calendar-queue") => hold(CalendarQueue::default(), number(2)),
            other => panic!("unknown queue {other:?}: radix-heap, binary-heap or calendar-queue"),
        },
        Some("campaign") => campaign(throttled_campaign(number(1)), number(1)),
        Some("retry-queue") => campaign(retry_queue(number(1)), number(1)),
        Some("floor") => floor(number(1)),
        Some("peer") => peer(
            args.get(1).map_or("", String::as_str),
            number(2),
            number(3) as u32,
        ),
        Some("replications") => replications(number(1), number(2) as u32, number(3) as usize),
        Some("scenario") => print!("{}", throttled_campaign_text(number(1))),
        Some("retry-queue-scenario") => print!("{}", retry_queue_text(number(1))),
        Some(other) => panic!(
            "unknown mode {other}; use hold, campaign, retry-queue, floor, replications, scenario \
             or retry-queue-scenario"
        ),
    }
}

/// Runs this binary in `args` mode and returns its one line of output.
fn child(args: &[String]) -> String {
    let exe = std::env::current_exe().expect("the benchmark knows its own path");
    let output = Command::new(exe)
        .args(args)
        .output()
        .expect("the child runs");
    assert!(output.status.success(), "child {args:?} failed");
    String::from_utf8(output.stdout)
        .expect("UTF-8")
        .trim()
        .to_string()
}

/// The best (smallest-time) of `runs` child runs; each child prints the time first.
fn best_of(runs: usize, args: &[&str]) -> String {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    (0..runs)
        .map(|_| child(&args))
        .min_by(|a, b| seconds(a).total_cmp(&seconds(b)))
        .expect("at least one run")
}

fn seconds(line: &str) -> f64 {
    line.split_whitespace()
        .next()
        .and_then(|s| s.parse().ok())
        .expect("a child line starts with its time in seconds")
}

fn all_figures() {
    println!(
        "machine: {} cores, {}, load average {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        cpu_model(),
        load_average()
    );
    assert_same_order_as_reference(EventQueue::new());
    assert_same_order_as_reference(CalendarQueue::default());
    println!("\nhold model: seconds, events/s, bytes per pending event (best of 3)");
    // The binary heap only at 1 M: at 10 M its three turns of the queue take minutes.
    for (queue, pending) in [
        ("radix-heap", "1000000"),
        ("radix-heap", "10000000"),
        ("calendar-queue", "1000000"),
        ("calendar-queue", "10000000"),
        ("binary-heap", "1000000"),
    ] {
        let figures = best_of(3, &["hold", queue, pending]);
        println!("  {queue}, {pending} pending: {figures}");
    }
    println!(
        "\nthrottled campaign end to end: seconds, events, events/s, messages/s, peak RSS MiB, \
         peak queued, bytes per queued message, heap allocations and reallocations during the run \
         (best of 3; 10M: best of 2)"
    );
    for (messages, runs) in [("10000", 3), ("100000", 3), ("1000000", 3), ("10000000", 2)] {
        println!("  {messages}: {}", best_of(runs, &["campaign", messages]));
    }
    println!(
        "\nissue 16's retry queue (2.4M Poisson messages, zero transaction time, 20 min retries): \
         the same figures (best of 3)"
    );
    println!("  2400000: {}", best_of(3, &["retry-queue", "2400000"]));
    println!(
        "  the same model on the bare engine (support/floor.rs): seconds, attempts, attempts/s, \
         results (best of 3)"
    );
    println!("  2400000: {}", best_of(3, &["floor", "2400000"]));
    println!(
        "\nreplications of the 1M campaign: seconds for 4 replications, events, events/s, CPU \
         seconds used by the process (best of 3)"
    );
    let one = best_of(3, &["replications", "1000000", "4", "1"]);
    let two = best_of(3, &["replications", "1000000", "4", "2"]);
    println!("  1 thread: {one}\n  2 threads: {two}");
    println!("  speed-up: {:.2}x", seconds(&one) / seconds(&two));
    println!("  load average at the end: {}", load_average());
}

/// The 1, 5 and 15 minute load averages: the machine is shared, so figures need them.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|_| "unavailable".to_string())
}

/// CPU time (user + system) used by this process so far, in seconds (Linux; 0 elsewhere).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses and may contain spaces).
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or(Vec::new(), |(_, rest)| rest.split_whitespace().collect());
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name; Linux counts
    // them in USER_HZ = 100 ticks per second.
    (ticks(11) + ticks(12)) / 100.0
}

/// Current resident set size in bytes (`VmRSS`).
fn current_rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|line| line.starts_with("VmRSS:"))
        .and_then(|line| line.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |kib| kib * 1024)
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split(':').nth(1))
                .map(|model| model.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".to_string())
}

/// The hold model with `pending` timers (mean delay `pending` ms, so about one timer fires per
/// millisecond): fills the queue, then runs three times `pending` pop-and-push steps, which is
/// about three full turns of the queue. Prints seconds, events per second and the peak memory
/// growth per pending event.
fn hold(mut queue: impl Pending, pending: u64) {
    let baseline = current_rss_bytes();
    let mut delays = Delays::exponential(pending as f64, "hold");
    for event in 0..pending {
        queue.schedule(delays.next(), event);
    }
    let steps = 3 * pending;
    let started = Instant::now();
    let mut checksum = 0u64;
    for _ in 0..steps {
        let (now, event) = queue.next_event().expect("timers are always pending");
        checksum = checksum.wrapping_add(event);
        queue.schedule(now + delays.next(), event);
    }
    let elapsed = started.elapsed().as_secs_f64();
    std::hint::black_box(checksum);
    let peak = peak_rss_bytes().unwrap_or(0);
    println!(
        "{elapsed:.3} s {:.2} M events/s {:.1} bytes/pending",
        steps as f64 / elapsed / 1e6,
        peak.saturating_sub(baseline) as f64 / pending as f64
    );
}

/// One run of `scenario`, a workload of `messages` messages.
fn campaign(scenario: Scenario, messages: u64) {
    let allocations_before = ALLOCATIONS.load(Ordering::Relaxed);
    let started = Instant::now();
    let output = mailsim::model::simulate(&scenario, 0).expect("run succeeds");
    let elapsed = started.elapsed().as_secs_f64();
    let allocations = ALLOCATIONS.load(Ordering::Relaxed) - allocations_before;
    let events = output.summary.events;
    let peak = peak_rss_bytes().unwrap_or(0);
    let peak_queued = output.samples.iter().map(|s| s.queued()).max().unwrap_or(0);
    println!(
        "{elapsed:.3} s {events} events {:.2} M events/s {:.2} M messages/s {:.1} MiB {peak_queued} queued {:.1} bytes/queued {allocations} allocations",
        events as f64 / elapsed / 1e6,
        messages as f64 / elapsed / 1e6,
        peak as f64 / (1024.0 * 1024.0),
        peak as f64 / peak_queued.max(1) as f64,
    );
}

/// The retry queue with `messages` messages on the bare engine (`support/floor.rs`): seconds,
/// attempts, attempts per second and the results to compare with `retry-queue`'s.
fn floor(messages: u64) {
    let started = Instant::now();
    let result = floor::retry_queue_floor(messages);
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "{elapsed:.3} s {} attempts {:.2} M attempts/s {} delivered {} bounced {} expired {} peak waiting {:.1} s mean latency",
        result.attempts,
        result.attempts as f64 / elapsed / 1e6,
        result.delivered,
        result.bounced,
        result.expired,
        result.peak_waiting,
        result.mean_latency_s,
    );
}

/// One replication (`seed` − 1) of a workload (`campaign` or `retry-queue`) with `messages`
/// messages, for `benches/peers/compare.py`: prints one JSON object like the SimPy peers' (the
/// results the two must agree on, the events, and the simulation's wall and CPU time and the
/// process's peak memory), so both sides time the simulation alone.
fn peer(workload: &str, messages: u64, seed: u32) {
    let scenario = match workload {
        "campaign" => throttled_campaign(messages),
        "retry-queue" => retry_queue(messages),
        other => panic!("unknown workload {other:?}: campaign or retry-queue"),
    };
    let cpu_before = thread_cpu_seconds();
    let started = Instant::now();
    let output = mailsim::model::simulate(&scenario, seed.saturating_sub(1)).expect("run succeeds");
    let wall = started.elapsed().as_secs_f64();
    let cpu = thread_cpu_seconds() - cpu_before;
    let summary = &output.summary;
    let mean_latency = summary.latency_s.as_ref().map_or(f64::NAN, |l| l.mean);
    println!(
        "{{\"arrived\": {}, \"delivered\": {}, \"bounced\": {}, \"expired\": {}, \"attempts\": {}, \
         \"mean_latency_s\": {mean_latency}, \"events\": {}, \"wall_s\": {wall}, \"cpu_s\": {cpu}, \
         \"peak_rss_mib\": {}}}",
        summary.arrived,
        summary.delivered,
        summary.bounced,
        summary.expired,
        summary.attempts,
        summary.events,
        peak_rss_bytes().unwrap_or(0) as f64 / (1024.0 * 1024.0),
    );
}

/// CPU time (user + system) this thread has used, in seconds, to the nanosecond where Linux
/// says it (`/proc/thread-self/schedstat`); 0 elsewhere.
fn thread_cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|text| text.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(0.0, |ns| ns / 1e9)
}

/// `count` replications of the campaign with `messages` messages on `threads` threads.
fn replications(messages: u64, count: u32, threads: usize) {
    let scenario = throttled_campaign(messages);
    let started = Instant::now();
    let events: u64 = support::replicate(&scenario, count, threads).iter().sum();
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "{elapsed:.3} s {events} events {:.2} M events/s {:.2} s CPU",
        events as f64 / elapsed / 1e6,
        cpu_seconds()
    );
}
