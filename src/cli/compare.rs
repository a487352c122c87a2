//! `mailsim compare`: one scenario under several retry policies, with common random numbers
//! (replication r has the same arrivals and recipients under every policy), paired differences
//! against a baseline and a ranking. The scenario is parsed once; each policy is swapped into
//! it ([`mailsim::scenario::Scenario::with_policy`]).

use std::path::PathBuf;

use clap::Args;
use mailsim::retry::{RetrySpec, find_policy};
use mailsim::scenario::Scenario;
use mailsim::scenario::edit::{EditError, FieldPath, field_text};
use mailsim::study::{Cell, MetricList, Plan, StudyKind, StudyOptions};

use super::CliError;
use super::policies::unknown_policy;
use super::study::{OutputArgs, ReplicationArgs, load_with_text, run_and_write};

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The scenario file (RON).
    scenario: PathBuf,
    /// A policy to compare, with optional parameters: `postfix`, or
    /// `postfix:minimal_backoff_time=600s,maximal_backoff_time=1h`. It replaces the retry
    /// policy of every sender. Give two or more; without any, the scenario's `policies` list
    /// is compared.
    #[arg(long = "policy", value_name = "NAME[:K=V,...]")]
    policies: Vec<String>,
    /// The policy the others are compared with (default: the first one).
    #[arg(long)]
    baseline: Option<String>,
    /// Rank the policies by this metric (lower is better, except for deliveries and
    /// throughput).
    #[arg(long, default_value = "latency_s.mean", value_name = "METRIC")]
    rank_by: String,
    #[command(flatten)]
    output: OutputArgs,
    #[command(flatten)]
    replication: ReplicationArgs,
}

/// Splits `k=v,k=v` at the commas that start a new `name=`, so values may hold commas
/// (`rules=F,1h,10m`).
fn split_params(text: &str) -> Vec<(String, String)> {
    let mut params: Vec<(String, String)> = Vec::new();
    for piece in text.split(',') {
        let starts_param = piece.split_once('=').is_some_and(|(key, _)| {
            let key = key.trim();
            !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        });
        match (starts_param, params.last_mut()) {
            (false, Some(last)) => {
                last.1.push(',');
                last.1.push_str(piece);
            }
            _ => {
                let (key, value) = piece.split_once('=').unwrap_or((piece, ""));
                params.push((key.trim().to_string(), value.to_string()));
            }
        }
    }
    params
}

/// `--policy NAME[:K=V,...]`, checked: how a scenario file would write it (the label its
/// results carry) and the policy itself.
pub(super) fn given_policy(given: &str) -> Result<(String, RetrySpec), CliError> {
    let (name, params) = given.split_once(':').unwrap_or((given, ""));
    let info = find_policy(name.trim()).ok_or_else(|| unknown_policy(name.trim()))?;
    let params = if params.trim().is_empty() {
        Vec::new()
    } else {
        split_params(params)
    };
    let spec = info.spec(&params).map_err(|message| {
        CliError::Input(miette::miette!(
            help = format!(
                "write --policy {}:name=value,…; `mailsim policies {}` lists its parameters",
                info.name, info.name
            ),
            "--policy `{given}`: {message}"
        ))
    })?;
    Ok((info.spec_text(&params), spec))
}

/// The scenario's own `policies` list: each one's name, its text as written in the file and the
/// policy.
fn listed_policies(text: &str, base: &Scenario) -> Result<Vec<Chosen>, CliError> {
    let failed = |why: EditError| CliError::Failed(anyhow::anyhow!(why));
    let mut chosen = Vec::new();
    for (index, (name, spec)) in base.policies().iter().enumerate() {
        let path = FieldPath::parse(&format!("policies[{index}].retry")).map_err(failed)?;
        let written = field_text(text, &path).map_err(failed)?;
        chosen.push(Chosen {
            label: name.clone(),
            written: written.to_string(),
            spec: spec.clone(),
        });
    }
    Ok(chosen)
}

/// A policy to compare.
struct Chosen {
    /// Its label: as given with --policy, or its name in the scenario's list.
    label: String,
    /// How a scenario file writes it (shown with the results).
    written: String,
    /// The policy.
    spec: RetrySpec,
}

/// The policies to compare: from `--policy`, else the scenario's `policies` list; two or more.
fn chosen_policies(
    args: &CompareArgs,
    text: &str,
    base: &Scenario,
    origin: &str,
) -> Result<Vec<Chosen>, CliError> {
    let mut chosen: Vec<Chosen> = Vec::new();
    for given in &args.policies {
        let (written, spec) = given_policy(given)?;
        chosen.push(Chosen {
            label: given.clone(),
            written,
            spec,
        });
    }
    if chosen.is_empty() {
        chosen = listed_policies(text, base)?;
    }
    if chosen.is_empty() {
        return Err(CliError::Input(miette::miette!(
            help = "e.g. --policy postfix --policy fope, or policies: [(name: \"postfix\", retry: Postfix()), …] in the scenario",
            "nothing to compare: give --policy (twice or more) or a `policies` list in {origin}"
        )));
    }
    if let [only] = chosen.as_slice() {
        let given = if args.policies.is_empty() {
            format!("the `policies` list in {origin} names only one")
        } else {
            "only one --policy was given".to_string()
        };
        return Err(CliError::Input(miette::miette!(
            help = "add another --policy (e.g. --policy fope), or use `mailsim run --replications N` for one policy",
            "a comparison needs two or more policies, but {given}: `{}`",
            only.label
        )));
    }
    Ok(chosen)
}

pub fn compare(args: CompareArgs) -> Result<(), CliError> {
    let (text, base) = load_with_text(&args.scenario, &args.replication)?;
    let origin = args.scenario.display().to_string();
    let metrics = MetricList::new(&base.run().deadlines);
    metrics.check(&args.rank_by).map_err(|why| {
        CliError::Input(miette::miette!(
            help = "e.g. --rank-by latency_s.p99",
            "--rank-by: {why}"
        ))
    })?;
    let chosen = chosen_policies(&args, &text, &base, &origin)?;
    let mut cells = Vec::new();
    let mut scenarios = Vec::new();
    for policy in chosen {
        // The seed and warm-up overrides are already in `base`.
        scenarios.push(base.with_policy(policy.spec)?);
        let mut label = policy.label.clone();
        let mut copy = 2;
        while cells.iter().any(|c: &Cell| c.label == label) {
            label = format!("{} #{copy}", policy.label);
            copy += 1;
        }
        cells.push(Cell {
            label,
            settings: vec![("policy".to_string(), policy.written)],
        });
    }
    let baseline = match &args.baseline {
        None => 0,
        Some(name) => cells.iter().position(|c| &c.label == name).ok_or_else(|| {
            let labels: Vec<&str> = cells.iter().map(|c| c.label.as_str()).collect();
            CliError::Input(miette::miette!(
                help = format!("use one of the --policy values: {}", labels.join(", ")),
                "--baseline `{name}` is not one of the compared policies"
            ))
        })?,
    };
    let plan = Plan {
        kind: StudyKind::Compare,
        base: &base,
        scenarios,
        cells,
        options: StudyOptions {
            baseline: Some(baseline),
            rank_by: Some(args.rank_by.clone()),
            ..StudyOptions::default()
        },
        keep_first: true,
    };
    run_and_write(plan, &args.replication, &args.output, None, 10)
}
