//! `mailsim fit`: fit a scenario to a real MTA log — arrivals replayed, each receiver's deferral
//! pattern estimated, the sender's policy from `--policy`, `--import` or the MTA's defaults —
//! then run it and show observed and simulated figures side by side. Writes the scenario, its
//! arrivals file and a fit report folder beside each other; an earlier fit is kept unless
//! `--force`.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use mailsim::mta::config::{self, ConfigFile, ConfigFormat};
use mailsim::mta::fit::{self, Fit, Soft, text::ScenarioInput};
use mailsim::mta::logs::{Format, History, write};
use mailsim::report::fit::{fit_report_html, rows, table_csv, table_markdown, table_text};
use mailsim::retry::find_policy;
use mailsim::scenario::Scenario;
use mailsim::study::check_fit;

use super::compare::given_policy;
use super::replay::LogArgs;
use super::{CliError, print_stdout};

#[derive(Debug, Args)]
pub struct FitArgs {
    #[command(flatten)]
    input: LogArgs,
    /// The sender's retry policy, `NAME[:K=V,...]` as for `compare` (e.g. `postfix:queue_run_delay=30s`).
    /// Default: the log's MTA with its defaults.
    #[arg(long, value_name = "NAME[:K=V,...]", conflicts_with = "import")]
    policy: Option<String>,
    /// Take the sender's policy from the MTA's configuration: `main.cf` or `postconf -n` output
    /// (postfix), the Exim configuration (exim), `shaping.toml` (kumomta).
    #[arg(long, value_name = "CONFIG")]
    import: Option<PathBuf>,
    /// The scenario to write. The arrivals (`NAME-arrivals.csv`) and the fit report
    /// (`NAME-fit/`) go beside it. Default: `fit-<log file name>.ron` here.
    #[arg(short, long, value_name = "SCENARIO.ron")]
    out: Option<PathBuf>,
    /// Runs of the fitted scenario to compare with the log (their mean and range are shown).
    #[arg(long, default_value_t = 10)]
    replications: u32,
    /// Replace the files of an earlier fit with the same name.
    #[arg(long)]
    force: bool,
}

/// Where a fit's files go.
struct Paths {
    scenario: PathBuf,
    arrivals: PathBuf,
    report: PathBuf,
    name: String,
}

impl Paths {
    fn new(args: &FitArgs) -> Paths {
        let scenario = args.out.clone().unwrap_or_else(|| {
            let stem: String = args.input.file_name();
            PathBuf::from(format!("fit-{stem}.ron"))
        });
        let stem = scenario
            .file_stem()
            .map_or("fit".into(), |s| s.to_string_lossy().into_owned());
        let dir = scenario.parent().unwrap_or(Path::new("")).to_path_buf();
        let name: String = stem
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '-'
                }
            })
            .collect();
        Paths {
            arrivals: dir.join(format!("{stem}-arrivals.csv")),
            report: dir.join(format!("{stem}-fit")),
            scenario,
            name,
        }
    }

    fn check_free(&self, force: bool) -> Result<(), CliError> {
        if force {
            return Ok(());
        }
        for path in [&self.scenario, &self.arrivals, &self.report] {
            if path.exists() {
                return Err(CliError::Input(miette::miette!(
                    help = "choose another name with -o, or add --force to replace the earlier fit",
                    "{} already exists",
                    path.display()
                )));
            }
        }
        Ok(())
    }
}

pub fn fit(args: FitArgs) -> Result<(), CliError> {
    let paths = Paths::new(&args);
    paths.check_free(args.force)?;
    let history = args.input.history()?;
    let fitted = fit::fit(&history);
    if fitted.arrivals == 0 {
        return Err(CliError::Input(miette::miette!(
            help = "the log needs the lines where messages enter the queue (Postfix smtpd/pickup/cleanup, Exim <=, KumoMTA Reception); `mailsim replay` shows what was read",
            "no message's arrival is in {}: there is nothing to replay",
            args.input.log.display()
        )));
    }
    let (policy, source) = policy(&args, &fitted)?;
    let text = mailsim::mta::fit::text::scenario_text(
        &fitted,
        &ScenarioInput {
            name: &paths.name,
            log: &args.input.log.display().to_string(),
            format: args.input.format,
            arrivals_file: &file_name(&paths.arrivals),
            policy: &policy,
            policy_source: &source,
        },
    );
    write_atomically(&paths.arrivals, |out| {
        write::arrivals(&history, write::TimeFormat::SecondsFrom(fitted.zero), out)
            .map(|_| ())
            .map_err(anyhow::Error::new)
    })?;
    let origin = paths.scenario.display().to_string();
    let scenario = Scenario::parse(&origin, &text).map_err(|error| {
        let _ = fs::remove_file(&paths.arrivals);
        CliError::Failed(anyhow::anyhow!(
            "internal error: the fitted scenario does not load: {error}"
        ))
    })?;
    write_atomically(&paths.scenario, |out| {
        std::io::Write::write_all(out, text.as_bytes()).map_err(anyhow::Error::new)
    })?;
    let check = check_fit(&scenario, &history, fitted.zero, args.replications)
        .map_err(|error| CliError::Failed(error.into()))?;
    let compared = rows(&check);
    let replications = check.simulated.len();
    write_report(&paths, &args, &compared, replications, &text)?;
    let mut out = describe(&fitted, &history);
    out.push_str(&format!(
        "\nObserved (the {} replayed messages of the log) and simulated (the fitted scenario):\n",
        fitted.arrivals
    ));
    out.push_str(&table_text(&compared, replications));
    out.push_str(&format!(
        "\nwrote {} (scenario), {} (arrivals), {} (fit report)\n",
        paths.scenario.display(),
        paths.arrivals.display(),
        paths.report.join("report.html").display()
    ));
    print_stdout(&out)
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map_or(String::new(), |n| n.to_string_lossy().into_owned())
}

/// The policy's scenario text and where it came from.
fn policy(args: &FitArgs, fitted: &Fit) -> Result<(String, String), CliError> {
    let (mut text, spec, mut source) = if let Some(path) = &args.import {
        let format = match args.input.format {
            Format::Postfix => ConfigFormat::Postfix,
            Format::Exim => ConfigFormat::Exim,
            Format::KumoMta => ConfigFormat::KumoMta,
        };
        let file = fs::read_to_string(path).map_err(|error| {
            CliError::Input(miette::miette!(
                "could not read {}: {error}",
                path.display()
            ))
        })?;
        let imported = config::import(
            format,
            &[ConfigFile {
                name: path.display().to_string(),
                text: file,
            }],
        )
        .map_err(|error| {
            CliError::Input(miette::miette!(
                help = "fix the setting, or give the policy with --policy",
                "{error}"
            ))
        })?;
        let source = format!("imported from {} (`mailsim import`)", path.display());
        (imported.text, imported.spec, source)
    } else if let Some(given) = &args.policy {
        let (written, spec) = given_policy(given)?;
        (written, spec, format!("given with --policy {given}"))
    } else {
        let info = find_policy(args.input.format.name()).ok_or_else(|| {
            CliError::Failed(anyhow::anyhow!(
                "no built-in policy for {}",
                args.input.format
            ))
        })?;
        let spec = info
            .spec(&[])
            .map_err(|message| CliError::Failed(anyhow::anyhow!(message)))?;
        let text = spec.scenario_text().unwrap_or_default();
        let source = format!(
            "{}'s defaults (give --import CONFIG or --policy for your settings)",
            info.name
        );
        (text, spec, source)
    };
    let (filled, note) = fit::text::policy_from_log(&text, &spec, fitted);
    text = filled;
    if let Some(note) = note {
        source.push_str(&format!("; {note}"));
    }
    Ok((text, source))
}

/// Writes `path` through a temporary file beside it, renamed into place when complete.
fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut fs::File) -> anyhow::Result<()>,
) -> Result<(), CliError> {
    let staging = path.with_file_name(format!(".{}.partial", file_name(path)));
    let result = (|| -> anyhow::Result<()> {
        let mut file = fs::File::create(&staging)
            .with_context(|| format!("could not write {}", path.display()))?;
        write(&mut file).with_context(|| format!("could not write {}", path.display()))?;
        fs::rename(&staging, path).with_context(|| format!("could not write {}", path.display()))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&staging);
    }
    result.map_err(CliError::Failed)
}

/// The fit report folder (`report.html`, `summary.md`, `comparison.csv`): written under a
/// staging name, renamed into place when complete.
fn write_report(
    paths: &Paths,
    args: &FitArgs,
    compared: &[mailsim::report::fit::Row],
    replications: usize,
    text: &str,
) -> Result<(), CliError> {
    let staging = paths
        .report
        .with_file_name(format!(".{}.partial", file_name(&paths.report)));
    let title = format!("{} · fit to {}", paths.name, args.input.log.display());
    let lead = format!(
        "How well the scenario {} reproduces the log it was fitted to.",
        paths.scenario.display()
    );
    let files = [
        (
            "report.html",
            fit_report_html(&title, &lead, compared, replications, text),
        ),
        (
            "summary.md",
            format!(
                "# {title}\n\n{lead}\n\n## Observed and simulated\n\nThe simulated figure is the mean of {replications} replications of the fitted scenario, each recorded as the MTA would have logged it and summarised as the log was.\n\n{}",
                table_markdown(compared, replications)
            ),
        ),
        ("comparison.csv", table_csv(compared)),
    ];
    let result = (|| -> anyhow::Result<()> {
        let _ = fs::remove_dir_all(&staging);
        fs::create_dir_all(&staging)
            .with_context(|| format!("could not create {}", staging.display()))?;
        for (name, contents) in &files {
            fs::write(staging.join(name), contents).with_context(|| {
                format!("could not write {}", paths.report.join(name).display())
            })?;
        }
        if paths.report.exists() {
            fs::remove_dir_all(&paths.report)
                .with_context(|| format!("could not replace {}", paths.report.display()))?;
        }
        fs::rename(&staging, &paths.report)
            .with_context(|| format!("could not write {}", paths.report.display()))
    })();
    if result.is_err() {
        let _ = fs::remove_dir_all(&staging);
    }
    result.map_err(CliError::Failed)
}

/// What was fitted, receiver by receiver, in a few lines.
fn describe(fitted: &Fit, history: &History) -> String {
    let mut out = format!(
        "Fitted to the {} log ({} lines read, {} not understood): {} arrivals; time zero {}, {}.\n",
        history.format,
        history.lines.read,
        history.lines.problem_total(),
        fitted.arrivals,
        fitted.zero.rfc3339(),
        fitted.zero_source
    );
    for r in &fitted.receivers {
        let soft = match &r.soft {
            Soft::None => "no transaction deferrals".to_string(),
            Soft::Bucket { fit, .. } => format!(
                "token bucket {:.3}/s (95 %: {:.3}–{:.3}), burst {} ({}–{})",
                fit.rate,
                fit.rate_range.0,
                fit.rate_range.1,
                fit.burst,
                fit.burst_range.0,
                fit.burst_range.1
            ),
            Soft::Windows { windows, .. } => format!("{} deferral window(s)", windows.len()),
        };
        out.push_str(&format!(
            "  receiver {}: {} attempts; {} outage window(s); {soft}\n",
            r.name,
            r.tried,
            r.outages.len()
        ));
    }
    out
}
