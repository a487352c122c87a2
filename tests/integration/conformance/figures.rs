//! The compared figures and their tolerance, as `conformance/README.md` states them (written
//! before the first comparison, and not to be loosened): counts within max(10 %, 2), latencies
//! within max(10 %, 1 s), the tries-per-message histogram within a distance of 10 %, and every
//! big retry wave matched within ±2 s.

use std::collections::BTreeMap;

use super::journeys::{Journey, Outcome};

/// Relative tolerance of counts and latencies.
const RELATIVE: f64 = 0.10;
/// Absolute floor of the count tolerance (messages or attempts).
const COUNT_FLOOR: f64 = 2.0;
/// Absolute floor of the latency tolerance, seconds (Postfix's clock ticks in seconds).
const LATENCY_FLOOR_S: f64 = 1.0;
/// Largest histogram distance (share of messages in another bin).
const HISTOGRAM_DISTANCE: f64 = 0.10;
/// A quiet spell this long ends a retry wave, seconds.
const WAVE_GAP_S: f64 = 5.0;
/// A big wave holds at least this share of the messages.
const BIG_WAVE_SHARE: f64 = 0.05;
/// A big wave is matched by one starting within this many seconds.
const WAVE_MATCH_S: f64 = 2.0;

/// A burst of retries: when it starts (s) and how many it holds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Wave {
    pub start_s: f64,
    pub size: f64,
}

/// A figure over the runs: the mean, and the lowest and highest run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Spread {
    pub mean: f64,
    pub min: f64,
    pub max: f64,
}

impl Spread {
    fn of(values: impl Iterator<Item = f64>) -> Option<Spread> {
        let values: Vec<f64> = values.collect();
        (!values.is_empty()).then(|| Spread {
            mean: values.iter().sum::<f64>() / values.len() as f64,
            min: values.iter().copied().fold(f64::INFINITY, f64::min),
            max: values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        })
    }
}

/// The figures of one recording, or of mailsim's runs with every seed.
#[derive(Clone, Debug, PartialEq)]
pub struct Figures {
    pub messages: usize,
    pub delivered: Spread,
    pub expired: Spread,
    pub tries: Spread,
    pub without_connection: Spread,
    /// Mean, p50, p90 and max of the delivered messages' latencies, seconds (over the runs
    /// that delivered anything).
    pub latency: Option<[Spread; 4]>,
    /// Messages by their number of tries (mean over the runs).
    pub histogram: BTreeMap<u32, f64>,
    /// The big retry waves.
    pub waves: Vec<Wave>,
}

/// The figures of several runs of the same set-up (one for a recording): each figure's mean
/// and range over the runs; the histogram's mean; waves found in the runs' retries pooled.
pub fn of(runs: &[Vec<Journey>]) -> Figures {
    let n = runs.len() as f64;
    let messages = runs[0].len();
    let per_run = |f: &dyn Fn(&Journey) -> f64| -> Spread {
        Spread::of(runs.iter().map(|run| run.iter().map(f).sum::<f64>())).expect("runs")
    };
    let mut histogram = BTreeMap::new();
    for journey in runs.iter().flatten() {
        *histogram.entry(journey.tries()).or_insert(0.0) += 1.0 / n;
    }
    let latencies: Vec<[f64; 4]> = runs.iter().filter_map(|run| latency(run)).collect();
    let latency = (!latencies.is_empty())
        .then(|| [0, 1, 2, 3].map(|i| Spread::of(latencies.iter().map(|l| l[i])).expect("runs")));
    Figures {
        messages,
        delivered: per_run(&|j| f64::from(matches!(j.outcome, Outcome::Delivered(_)))),
        expired: per_run(&|j| f64::from(j.outcome == Outcome::Expired)),
        tries: per_run(&|j| f64::from(j.tries())),
        without_connection: per_run(&|j| {
            j.events
                .iter()
                .filter(|(_, e)| e.without_connection())
                .count() as f64
        }),
        latency,
        histogram,
        waves: waves(runs, messages),
    }
}

/// Mean, p50, p90 (nearest rank) and max latency of a run's delivered messages, seconds.
fn latency(run: &[Journey]) -> Option<[f64; 4]> {
    let mut seconds: Vec<f64> = run
        .iter()
        .filter_map(|j| j.latency_ms())
        .map(|ms| ms as f64 / 1000.0)
        .collect();
    if seconds.is_empty() {
        return None;
    }
    seconds.sort_by(f64::total_cmp);
    let rank = |q: f64| seconds[((q * seconds.len() as f64).ceil() as usize).max(1) - 1];
    let mean = seconds.iter().sum::<f64>() / seconds.len() as f64;
    Some([mean, rank(0.5), rank(0.9), seconds[seconds.len() - 1]])
}

/// The big waves of the runs' retries (every event after a message's first), pooled.
fn waves(runs: &[Vec<Journey>], messages: usize) -> Vec<Wave> {
    let mut retries: Vec<f64> = runs
        .iter()
        .flatten()
        .flat_map(|j| j.events.iter().skip(1).map(|&(t, _)| t as f64 / 1000.0))
        .collect();
    retries.sort_by(f64::total_cmp);
    let mut waves: Vec<Wave> = Vec::new();
    let mut last = f64::NEG_INFINITY;
    for t in retries {
        match waves.last_mut() {
            Some(wave) if t - last < WAVE_GAP_S => wave.size += 1.0,
            _ => waves.push(Wave {
                start_s: t,
                size: 1.0,
            }),
        }
        last = t;
    }
    let n = runs.len() as f64;
    waves
        .into_iter()
        .map(|w| Wave {
            size: w.size / n,
            ..w
        })
        .filter(|w| w.size >= BIG_WAVE_SHARE * messages as f64)
        .collect()
}

/// One compared figure: its name, both values as text, the difference and the verdict.
#[derive(Clone, Debug)]
pub struct Check {
    pub figure: &'static str,
    pub real: String,
    pub mailsim: String,
    pub difference: String,
    pub within: bool,
}

/// Every figure of `mailsim` against `real`.
pub fn compare(real: &Figures, mailsim: &Figures) -> Vec<Check> {
    let mut checks = vec![
        count("delivered", real.delivered.mean, mailsim.delivered),
        count("expired", real.expired.mean, mailsim.expired),
        count("tries", real.tries.mean, mailsim.tries),
        count(
            "deferrals without a connection",
            real.without_connection.mean,
            mailsim.without_connection,
        ),
    ];
    let names = ["latency mean", "latency p50", "latency p90", "latency max"];
    for (i, name) in names.into_iter().enumerate() {
        checks.push(match (real.latency, mailsim.latency) {
            (Some(r), Some(m)) => seconds(name, r[i].mean, m[i]),
            (r, m) => Check {
                figure: name,
                real: r.map_or("none delivered".into(), |r| format!("{:.1} s", r[i].mean)),
                mailsim: m.map_or("none delivered".into(), |m| format!("{:.1} s", m[i].mean)),
                difference: "—".into(),
                within: r.is_none() && m.is_none(),
            },
        });
    }
    checks.push(histogram(real, mailsim));
    checks.push(wave_timing(&real.waves, &mailsim.waves));
    checks
}

fn signed(value: f64, decimals: usize) -> String {
    let text = format!("{value:+.decimals$}");
    text.replace('-', "−")
}

fn relative(real: f64, difference: f64) -> String {
    if real == 0.0 {
        String::new()
    } else {
        format!(" ({} %)", signed(100.0 * difference / real, 1))
    }
}

/// mailsim's mean, with the range over the seeds when they differ.
fn spread_text(spread: Spread, unit: &str) -> String {
    if spread.max - spread.min < 0.05 {
        format!("{:.1}{unit}", spread.mean)
    } else {
        format!(
            "{:.1}{unit} (seeds {:.1}–{:.1})",
            spread.mean, spread.min, spread.max
        )
    }
}

fn count(figure: &'static str, real: f64, mailsim: Spread) -> Check {
    let difference = mailsim.mean - real;
    Check {
        figure,
        real: format!("{real:.0}"),
        mailsim: spread_text(mailsim, ""),
        difference: format!("{}{}", signed(difference, 1), relative(real, difference)),
        within: difference.abs() <= (RELATIVE * real).max(COUNT_FLOOR),
    }
}

fn seconds(figure: &'static str, real: f64, mailsim: Spread) -> Check {
    let difference = mailsim.mean - real;
    Check {
        figure,
        real: format!("{real:.1} s"),
        mailsim: spread_text(mailsim, " s"),
        difference: format!("{} s{}", signed(difference, 1), relative(real, difference)),
        within: difference.abs() <= (RELATIVE * real).max(LATENCY_FLOOR_S),
    }
}

fn histogram_text(histogram: &BTreeMap<u32, f64>, decimals: usize) -> String {
    histogram
        .iter()
        .filter(|(_, n)| **n > 0.0)
        .map(|(k, n)| format!("{k}: {n:.decimals$}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn histogram(real: &Figures, mailsim: &Figures) -> Check {
    let bins: std::collections::BTreeSet<u32> = real
        .histogram
        .keys()
        .chain(mailsim.histogram.keys())
        .copied()
        .collect();
    let share =
        |f: &Figures, k: u32| f.histogram.get(&k).copied().unwrap_or(0.0) / f.messages as f64;
    let distance = bins
        .iter()
        .map(|&k| (share(real, k) - share(mailsim, k)).abs())
        .sum::<f64>()
        / 2.0;
    Check {
        figure: "tries per message",
        real: histogram_text(&real.histogram, 0),
        mailsim: histogram_text(&mailsim.histogram, 1),
        difference: format!("distance {:.1} %", 100.0 * distance),
        within: distance <= HISTOGRAM_DISTANCE,
    }
}

fn waves_text(waves: &[Wave], decimals: usize) -> String {
    if waves.is_empty() {
        return "none".into();
    }
    waves
        .iter()
        .map(|w| format!("{:.1} s ({:.decimals$})", w.start_s, w.size))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether every wave of `these` has one of `those` starting within the match window.
fn unmatched(these: &[Wave], those: &[Wave]) -> usize {
    these
        .iter()
        .filter(|w| {
            !those
                .iter()
                .any(|o| (o.start_s - w.start_s).abs() <= WAVE_MATCH_S)
        })
        .count()
}

fn wave_timing(real: &[Wave], mailsim: &[Wave]) -> Check {
    let (missing, extra) = (unmatched(real, mailsim), unmatched(mailsim, real));
    Check {
        figure: "retry waves (start, retries)",
        real: waves_text(real, 0),
        mailsim: waves_text(mailsim, 1),
        difference: format!(
            "{} of {} real waves matched, {extra} extra",
            real.len() - missing,
            real.len()
        ),
        within: missing == 0 && extra == 0,
    }
}
