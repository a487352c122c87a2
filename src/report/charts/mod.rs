//! Charts, drawn with plotters: one function per chart, each drawing on any plotters backend
//! and returning `Result`. A run's charts are listed once, in [`Chart`] (file stem, title,
//! caption and function per chart); the run folder, `report.html` and `--png` all read that
//! list through [`render_all`]. A comparison's charts are listed the same way in
//! [`CompareChart`]; a sweep has one chart per metric ([`SweepView`]).
//!
//! Files: one per chart or family of charts (`queue`, `load`, `deferral_rate`, `latency`,
//! `outcome`, `compare`, `sweep`); what they share in `style` (look, lines and areas), `axes`
//! (axes and time charts), `outages` (shaded windows) and `thin` (long series drawn one pixel
//! column at a time); [`render_drawing`] turns any [`Drawing`] into SVG (always byte-identical
//! for the same data) or PNG.
//!
//! Text is laid out (and, in PNG, drawn) with DejaVu Sans embedded in the binary, so nothing
//! depends on the fonts installed on the machine. SVG text names the `sans-serif` family and
//! is drawn by the viewer.
//!
//! The data come from the run output only: the sampled time series (with its interval), the
//! summary and the latency distribution; nothing here re-runs or changes the simulation.

mod axes;
mod chart_list;
mod compare;
mod deferral_rate;
mod forest;
mod latency;
mod load;
mod outages;
mod outcome;
mod panels;
mod queue;
mod render;
mod style;
mod sweep;
mod thin;

use plotters::coord::Shift;
use plotters::prelude::*;

pub use compare::{CompareChart, CompareView};
pub use outages::{Window, windows as trouble_windows};
pub use render::{ChartError, Drawing, Format, render_drawing};
pub use sweep::{SweepView, sweep_file_stem};

use crate::model::RunOutput;
use crate::scenario::Scenario;
use chart_list::chart_list;

/// What a chart is drawn from: the scenario as run and its output.
#[derive(Clone, Copy)]
pub struct RunView<'a> {
    /// The scenario (name, outage windows, queue alert thresholds).
    pub scenario: &'a Scenario,
    /// The results.
    pub output: &'a RunOutput,
}

/// The result of a chart function: plotters errors are boxed, then given context by
/// [`render`].
pub type DrawResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

chart_list! {
    /// Every chart a run produces, in report order. This list is the only place a chart is
    /// named: the run folder, `report.html` and `--png` all read it.
    pub enum Chart for RunView<'_> {
        /// Messages waiting for a retry and for a connection, over time.
        QueueDepth {
            file_stem: "queue-depth",
            title: "Queue depth over time",
            how_to_read: "The blue area is the deferred queue (messages waiting for their retry time); the dashed orange line counts messages waiting for a free connection. Grey bands are receiver outages, incidents, DNS trouble and bans, labelled above the plot; dashed grey lines mark where each starts and ends and an incident's allow-listings, fixes and reversion. The dashed vermillion line is the queue alert threshold. A queue that stops growing once an outage ends and falls to zero is draining; its slope shows how fast.",
            draw: queue::queue_depth,
        },
        /// Attempts, deliveries and deferrals per hour, over time.
        ReceiverLoad {
            file_stem: "receiver-load",
            title: "Receiver load over time",
            how_to_read: "What the receiver sees, per hour: attempts (grey: every SMTP connection or transaction the sender tried, failed connections included), deliveries (blue) and deferrals by the receiver (vermillion: attempts that got a temporary reply, so never above the attempts). A purple dashed line counts messages the sender's own policy deferred without an attempt (a suspended or dead destination). A spike of attempts right after an outage is a retry storm; regular waves at the retry interval are messages retrying in lock step (no jitter). A spike far above the rest is drawn to the top and labelled, so the rest stays readable.",
            draw: load::receiver_load,
        },
        /// Deferrals per hour stacked by enhanced status code, over time.
        DeferralsByReason {
            file_stem: "deferrals-by-reason",
            title: "Deferrals by reason over time",
            how_to_read: "Deferrals per hour stacked by enhanced status code: the height of each band is that code's rate, the top edge is all deferrals. It tells throttling (4.7.500), reputation (4.7.650), connection failures (4.4.1) and server errors (4.3.2) apart over time.",
            draw: load::deferrals_by_reason,
        },
        /// Deferrals per attempt by receiver, over time.
        DeferralRate {
            file_stem: "deferral-rate",
            title: "Deferral rate by receiver over time",
            how_to_read: "The share of attempts each receiver deferred in each sample interval, from 0 to 100%: a deliverability signal. A receiver that climbs while the others stay low has a problem with this sender (throttling, an incident, a new IP on probation, DNS trouble). Gaps are intervals without attempts.",
            draw: deferral_rate::deferral_rate,
        },
        /// Deferrals per attempt by sending IP, over time.
        DeferralRateByIp {
            file_stem: "deferral-rate-by-ip",
            title: "Deferral rate by sending IP over time",
            how_to_read: "The same share per sending IP, at all receivers together: the IPs with the most deferrals one by one, the others as one line. An incident on some IPs only, a banned IP or a new IP on probation shows as its own line climbing while the others stay low. Every IP's totals are in deliverability.csv.",
            draw: deferral_rate::deferral_rate_by_ip,
        },
        /// Cumulative distribution of delivery latency on a log time axis.
        LatencyCdf {
            file_stem: "latency-cdf",
            title: "Delivery latency (cumulative)",
            how_to_read: "For each time on the log axis, the share of delivered messages delivered within it. Read across from a share to find its percentile: p50 (half the messages), p90 and p99 are marked. A steep curve means consistent latency; long flat steps are retry intervals.",
            draw: latency::latency_cdf,
        },
        /// Histogram of delivery latency on a log time axis.
        LatencyHistogram {
            file_stem: "latency-histogram",
            title: "Delivery latency (histogram)",
            how_to_read: "How many delivered messages took each length of time, in bins that widen with time (log axis). Separate humps are groups of messages delivered on their first try, after one retry, after two, and so on.",
            draw: latency::latency_histogram,
        },
        /// Delivered, bounced, expired and still queued.
        Outcomes {
            file_stem: "outcomes",
            title: "Outcome of every message",
            how_to_read: "Where every arrived message ended: delivered, bounced at once by a permanent (5xx) reply, expired because the retry policy gave up, or still in the queue when the run stopped. The bounce rate is stated above the bars.",
            draw: outcome::outcomes,
        },
        /// How many attempts the messages that left the queue took.
        AttemptsPerMessage {
            file_stem: "attempts-per-message",
            title: "Attempts per message",
            how_to_read: "How many attempts the messages that left the queue needed. One attempt means first-time delivery (or an immediate bounce); a long tail means many retries, and extra load on the receiver.",
            draw: outcome::attempts_per_message,
        },
    }
}

impl Chart {
    /// The full title drawn on the chart, naming the scenario.
    pub fn full_title(self, view: &RunView) -> String {
        format!("{} · {}", self.title(), view.scenario.name)
    }

    /// Why the chart has nothing to show, if so (the chart itself says the same): the
    /// report then says it in one line instead of giving the chart its full space.
    pub fn empty_note(self, view: &RunView) -> Option<String> {
        let output = view.output;
        let s = &output.summary;
        let note = match self {
            _ if output.samples.len() < 2
                && matches!(
                    self,
                    Chart::QueueDepth
                        | Chart::ReceiverLoad
                        | Chart::DeferralsByReason
                        | Chart::DeferralRate
                        | Chart::DeferralRateByIp
                ) =>
            {
                "the run ended before a second sample was taken"
            }
            Chart::DeferralsByReason if s.deferrals.values().sum::<u64>() == 0 => {
                "no deferrals in this run"
            }
            Chart::DeferralRate | Chart::DeferralRateByIp if s.attempts == 0 => {
                "no attempts were made"
            }
            Chart::DeferralRateByIp
                if view.scenario.ip_addresses().len() < 2 && view.scenario.receivers.len() < 2 =>
            {
                "one sending IP and one receiver: the chart by receiver shows the same rate"
            }
            Chart::LatencyCdf | Chart::LatencyHistogram if s.delivered == 0 => {
                "nothing was delivered, so there is no latency to plot"
            }
            Chart::Outcomes if s.arrived == 0 => "no message arrived",
            Chart::AttemptsPerMessage if s.attempts_per_message.is_empty() => {
                "no message left the queue"
            }
            _ => return None,
        };
        Some(note.to_string())
    }
}

impl Drawing for (Chart, &RunView<'_>) {
    fn draw_on<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let (chart, view) = *self;
        chart.draw(root, view)
    }
}

/// Draws `chart` for a run in `format` and returns the file's bytes.
pub fn render(chart: Chart, view: &RunView, format: Format) -> Result<Vec<u8>, ChartError> {
    render_drawing(&(chart, view), &format.file_name(chart.file_stem()), format)
}

/// One rendered chart file.
#[derive(Clone, Debug)]
pub struct ChartFile {
    /// Which chart.
    pub chart: Chart,
    /// Its format.
    pub format: Format,
    /// The file name, e.g. `queue-depth.svg`.
    pub name: String,
    /// The file's contents.
    pub bytes: Vec<u8>,
}

/// Renders every chart as SVG and, if `png`, as PNG too (SVGs first, in [`Chart::ALL`] order).
pub fn render_all(view: &RunView, png: bool) -> Result<Vec<ChartFile>, ChartError> {
    let mut files = Vec::new();
    for &format in Format::wanted(png) {
        for chart in Chart::ALL {
            files.push(ChartFile {
                chart,
                format,
                name: format.file_name(chart.file_stem()),
                bytes: render(chart, view, format)?,
            });
        }
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_run_chart_has_its_own_file_and_words() {
        let mut stems: Vec<&str> = Chart::ALL.iter().map(|c| c.file_stem()).collect();
        assert_eq!(stems[0], "queue-depth", "the report opens with the queue");
        for chart in Chart::ALL {
            let stem = chart.file_stem();
            assert!(
                stem.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{stem}"
            );
            assert!(!chart.title().is_empty() && chart.how_to_read().ends_with('.'));
        }
        stems.sort_unstable();
        stems.dedup();
        assert_eq!(stems.len(), Chart::ALL.len(), "file stems are unique");
        assert_eq!(Chart::LatencyCdf.title(), "Delivery latency (cumulative)");
    }
}
