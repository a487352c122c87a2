//! Workloads shared by the benchmark binaries: the throttled-campaign scenario at any size,
//! pre-drawn random delays, and the pending-event sets being compared ([`queues`]).

pub mod queues;

use mailsim::engine::RandomStream;
use mailsim::scenario::Scenario;

/// `scenarios/o365-server-busy.ron` (100 000 messages in one hour from 4 IPs into a 6000/h
/// per-IP throttle, 20 connections, fixed 15 min retries) scaled to `messages`: the IPs, the
/// connections and the queue-alert threshold grow with the campaign, so the shape of the run
/// (drain after about 4 hours; a sixth of the campaign waiting on retry timers at the peak, most
/// of the rest waiting for a connection) is the same at every size.
pub fn throttled_campaign_text(messages: u64) -> String {
    let scale = messages as f64 / 100_000.0;
    let ips = (4.0 * scale).round().max(1.0);
    let rate_per_ip = 6000.0 * 4.0 * scale / ips;
    let connections = (20.0 * scale).round().max(1.0);
    let threshold = (10_000.0 * scale).round().max(1.0);
    format!(
        r#"(
    name: "throttled-campaign-{messages}",
    description: "o365-server-busy scaled to {messages} messages",
    run: (horizon: "2d", sample_every: "5m", seed: 1),
    senders: [
        (
            name: "esp",
            ips: [(count: {ips}, reputation: Good, first_address: "10.0.0.1")],
            traffic: [Campaign(messages: {messages}, at: "0s", spread: "1h")],
            recipients: (mix: {{"o365": 1.0}}, invalid_share: 0.01),
            connections: (
                per_destination: {connections},
                messages_per_connection: 50,
                transaction_time: LogNormal(mean: "800ms", sd: "400ms"),
            ),
            delay_warning: "4h",
            queue_alert: (threshold: {threshold}, every: "30m"),
            retry: Fixed(interval: "15m", lifetime: "2d"),
        ),
    ],
    receivers: {{
        "o365": (throttle: (rate: "{rate_per_ip}/h", burst: 500)),
    }},
)
"#
    )
}

/// The throttled campaign with `messages` messages, parsed and validated.
pub fn throttled_campaign(messages: u64) -> Scenario {
    let text = throttled_campaign_text(messages);
    mailsim::scenario::parse("throttled-campaign", &text).expect("the generated scenario is valid")
}

/// Exponential delays in whole milliseconds, drawn once, so that a benchmark times the event
/// queue and not the logarithm behind each draw.
pub struct Delays {
    table: Vec<u64>,
    next: usize,
}

impl Delays {
    /// 65 536 draws with the given mean, from a fixed stream.
    pub fn exponential(mean_ms: f64, purpose: &str) -> Delays {
        let mut rng = RandomStream::new(1, 0, purpose);
        let table = (0..1 << 16)
            .map(|_| rng.exponential(mean_ms).round() as u64)
            .collect();
        Delays { table, next: 0 }
    }

    /// The next delay (the table repeats).
    #[inline]
    pub fn next(&mut self) -> u64 {
        let delay = self.table[self.next];
        self.next = (self.next + 1) & (self.table.len() - 1);
        delay
    }
}

/// Runs replications `0..count` of `scenario` on `threads` threads through the same runner as
/// `mailsim run --replications` and returns the events each processed, in replication order.
pub fn replicate(scenario: &Scenario, count: u32, threads: usize) -> Vec<u64> {
    let workers = mailsim::study::Workers {
        threads,
        shard: None,
        control: mailsim::model::RunControl::default(),
        progress: &|| {},
    };
    mailsim::study::run_cells(
        std::slice::from_ref(scenario),
        &[scenario.name().to_string()],
        0..count,
        workers,
        &|_, _, output| output.summary.events,
    )
    .expect("replications succeed")
}
