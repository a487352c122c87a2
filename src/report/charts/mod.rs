//! Charts of one run, drawn with plotters: one function per chart, each drawing on any
//! plotters backend and returning `Result`. [`render`] turns a chart into SVG (always
//! byte-identical for the same run) or PNG; [`render_all`] renders every chart.
//!
//! Text is laid out (and, in PNG, drawn) with DejaVu Sans embedded in the binary, so nothing
//! depends on the fonts installed on the machine. SVG text names the `sans-serif` family and
//! is drawn by the viewer.
//!
//! The data come from the run output only: the sampled time series, the summary and the
//! latency distribution; nothing here re-runs or changes the simulation.

mod latency;
mod load;
mod outcome;
mod queue;
mod study;
mod style;

use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;
use thiserror::Error;

pub use latency::{latency_cdf, latency_histogram};
pub use load::{deferral_rate, deferrals_by_reason, receiver_load};
pub use outcome::{attempts_per_message, outcomes};
pub use queue::queue_depth;
pub use study::{CompareChart, CompareView, SweepView, sweep_file_stem};

use crate::model::RunOutput;
use crate::scenario::Scenario;

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

/// Every chart a run produces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Chart {
    /// Messages waiting for a retry and for a connection, over time.
    QueueDepth,
    /// Attempts, deliveries and deferrals per hour, over time.
    ReceiverLoad,
    /// Deferrals per hour stacked by enhanced status code, over time.
    DeferralsByReason,
    /// Deferrals per attempt by receiver, over time.
    DeferralRate,
    /// Cumulative distribution of delivery latency on a log time axis.
    LatencyCdf,
    /// Histogram of delivery latency on a log time axis.
    LatencyHistogram,
    /// Delivered, bounced, expired and still queued.
    Outcomes,
    /// How many attempts the messages that left the queue took.
    AttemptsPerMessage,
}

impl Chart {
    /// Every chart, in report order.
    pub const ALL: [Chart; 8] = [
        Chart::QueueDepth,
        Chart::ReceiverLoad,
        Chart::DeferralsByReason,
        Chart::DeferralRate,
        Chart::LatencyCdf,
        Chart::LatencyHistogram,
        Chart::Outcomes,
        Chart::AttemptsPerMessage,
    ];

    /// The file name without extension, e.g. `queue-depth`.
    pub fn file_stem(self) -> &'static str {
        match self {
            Chart::QueueDepth => "queue-depth",
            Chart::ReceiverLoad => "receiver-load",
            Chart::DeferralsByReason => "deferrals-by-reason",
            Chart::DeferralRate => "deferral-rate",
            Chart::LatencyCdf => "latency-cdf",
            Chart::LatencyHistogram => "latency-histogram",
            Chart::Outcomes => "outcomes",
            Chart::AttemptsPerMessage => "attempts-per-message",
        }
    }

    /// The chart's title, without the scenario name.
    pub fn title(self) -> &'static str {
        match self {
            Chart::QueueDepth => "Queue depth over time",
            Chart::ReceiverLoad => "Receiver load over time",
            Chart::DeferralsByReason => "Deferrals by reason over time",
            Chart::DeferralRate => "Deferral rate by receiver over time",
            Chart::LatencyCdf => "Delivery latency (cumulative)",
            Chart::LatencyHistogram => "Delivery latency (histogram)",
            Chart::Outcomes => "Outcome of every message",
            Chart::AttemptsPerMessage => "Attempts per message",
        }
    }

    /// One or two sentences on how to read the chart (used as its caption in the report).
    pub fn how_to_read(self) -> &'static str {
        match self {
            Chart::QueueDepth => {
                "The blue area is the deferred queue (messages waiting for their retry time); the orange line counts messages waiting for a free connection. Shaded bands are receiver outages, incidents (their allow-listings, fixes and reversion labelled), DNS trouble and bans; the dashed red line is the queue alert threshold. A queue that stops growing once an outage ends and falls to zero is draining; its slope shows how fast."
            }
            Chart::ReceiverLoad => {
                "What the receiver sees, per hour: SMTP attempts (blue), deliveries (green) and deferrals (red). A spike of attempts right after an outage is a retry storm; regular waves at the retry interval are messages retrying in lock step (no jitter)."
            }
            Chart::DeferralsByReason => {
                "Deferrals per hour stacked by enhanced status code: the height of each band is that code's rate, the top edge is all deferrals. It tells throttling (4.7.500), reputation (4.7.650), connection failures (4.4.1) and server errors (4.3.2) apart over time."
            }
            Chart::DeferralRate => {
                "The share of attempts each receiver deferred in each sample interval: a deliverability signal. A receiver that climbs while the others stay low has a problem with this sender (throttling, an incident, a new IP on probation, DNS trouble); per-IP figures are in deliverability.csv."
            }
            Chart::LatencyCdf => {
                "For each time on the log axis, the share of delivered messages delivered within it. Read across from a share to find its percentile: p50 (half the messages), p90 and p99 are marked. A steep curve means consistent latency; long flat steps are retry intervals."
            }
            Chart::LatencyHistogram => {
                "How many delivered messages took each length of time, in bins that widen with time (log axis). Separate humps are groups of messages delivered on their first try, after one retry, after two, and so on."
            }
            Chart::Outcomes => {
                "Where every arrived message ended: delivered, bounced at once by a permanent (5xx) reply, expired because the retry policy gave up, or still in the queue when the run stopped. The bounce rate is stated above the bars."
            }
            Chart::AttemptsPerMessage => {
                "How many attempts the messages that left the queue needed. One attempt means first-time delivery (or an immediate bounce); a long tail means many retries, and extra load on the receiver."
            }
        }
    }

    /// The full title drawn on the chart, naming the scenario.
    pub fn full_title(self, view: &RunView) -> String {
        format!("{} · {}", self.title(), view.scenario.name)
    }

    fn draw<DB: DrawingBackend>(self, root: &DrawingArea<DB, Shift>, view: &RunView) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        match self {
            Chart::QueueDepth => queue_depth(root, view),
            Chart::ReceiverLoad => receiver_load(root, view),
            Chart::DeferralsByReason => deferrals_by_reason(root, view),
            Chart::DeferralRate => deferral_rate(root, view),
            Chart::LatencyCdf => latency_cdf(root, view),
            Chart::LatencyHistogram => latency_histogram(root, view),
            Chart::Outcomes => outcomes(root, view),
            Chart::AttemptsPerMessage => attempts_per_message(root, view),
        }
    }
}

/// An image format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Scalable vector graphics (text drawn by the viewer).
    Svg,
    /// A bitmap, with text drawn from the embedded font.
    Png,
}

impl Format {
    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Svg => "svg",
            Format::Png => "png",
        }
    }
}

/// A chart that could not be drawn.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ChartError {
    /// The embedded font could not be loaded (a build problem, not a data problem).
    #[error("the embedded chart font could not be loaded")]
    Font,
    /// Drawing or encoding failed.
    #[error("could not draw chart {file}: {message}")]
    Draw {
        /// The file being produced, e.g. `latency-cdf.svg`.
        file: String,
        /// What went wrong.
        message: String,
    },
}

/// Registers the embedded font with plotters, once per process.
fn register_font() -> Result<(), ChartError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        let regular =
            plotters::style::register_font(style::FONT, FontStyle::Normal, dejavu::sans::regular());
        let bold =
            plotters::style::register_font(style::FONT, FontStyle::Bold, dejavu::sans::bold());
        regular.is_ok() && bold.is_ok()
    });
    if ok { Ok(()) } else { Err(ChartError::Font) }
}

/// Something drawn on any plotters backend: a chart of one run, or of a study.
pub trait Drawing {
    /// Draws on `root`.
    fn draw_on<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static;
}

struct RunChart<'a, 'v> {
    chart: Chart,
    view: &'a RunView<'v>,
}

impl Drawing for RunChart<'_, '_> {
    fn draw_on<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        self.chart.draw(root, self.view)
    }
}

/// Draws `chart` for a run in `format` and returns the file's bytes.
pub fn render(chart: Chart, view: &RunView, format: Format) -> Result<Vec<u8>, ChartError> {
    let file = format!("{}.{}", chart.file_stem(), format.extension());
    render_drawing(&RunChart { chart, view }, &file, format)
}

/// Draws `drawing` in `format` (at the common chart size) and returns the bytes of `file`.
pub fn render_drawing(
    drawing: &impl Drawing,
    file: &str,
    format: Format,
) -> Result<Vec<u8>, ChartError> {
    register_font()?;
    let failed = |message: String| ChartError::Draw {
        file: file.to_string(),
        message,
    };
    let (width, height) = style::SIZE;
    match format {
        Format::Svg => {
            let mut text = String::new();
            {
                let root = SVGBackend::with_string(&mut text, style::SIZE).into_drawing_area();
                drawing.draw_on(&root).map_err(|e| failed(e.to_string()))?;
                root.present().map_err(|e| failed(e.to_string()))?;
            }
            text.push('\n');
            Ok(text.into_bytes())
        }
        Format::Png => {
            let mut pixels = vec![0u8; width as usize * height as usize * 3];
            {
                let root = BitMapBackend::with_buffer(&mut pixels, style::SIZE).into_drawing_area();
                drawing.draw_on(&root).map_err(|e| failed(e.to_string()))?;
                root.present().map_err(|e| failed(e.to_string()))?;
            }
            encode_png(&pixels, width, height).map_err(|e| failed(e.to_string()))
        }
    }
}

fn encode_png(rgb: &[u8], width: u32, height: u32) -> Result<Vec<u8>, png::EncodingError> {
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(rgb)?;
    writer.finish()?;
    Ok(bytes)
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
    let formats: &[Format] = if png {
        &[Format::Svg, Format::Png]
    } else {
        &[Format::Svg]
    };
    let mut files = Vec::new();
    for &format in formats {
        for chart in Chart::ALL {
            files.push(ChartFile {
                chart,
                format,
                name: format!("{}.{}", chart.file_stem(), format.extension()),
                bytes: render(chart, view, format)?,
            });
        }
    }
    Ok(files)
}
