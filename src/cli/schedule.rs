//! `mailsim schedule`: one message's attempt timeline under a policy, against a receiver that
//! defers every attempt (computed by [`mailsim::retry::schedule`]).

use clap::{Args, ValueEnum};
use mailsim::domain::Reply;
use mailsim::retry::find_policy;
use mailsim::retry::schedule::{compute, parse_reply};

use super::policies::unknown_policy;
use super::{CliError, print_stdout};

#[derive(Debug, Args)]
pub struct ScheduleArgs {
    /// The policy (see `mailsim policies`).
    policy: String,
    /// Override a parameter, as in a scenario file: `--param minimal_backoff_time=600s`.
    #[arg(long = "param", value_name = "NAME=VALUE")]
    params: Vec<String>,
    /// The reply every attempt gets: a reply line (`451 4.7.500 Server busy`), an enhanced
    /// code (`4.7.650`) or a name (`connect-refused`).
    #[arg(
        long,
        default_value = "451 4.7.500 Server busy. Please try again later"
    )]
    reply: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Seed of the policy's random stream (jitter, Exim H rules).
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Format {
    Table,
    Csv,
    Json,
}

pub fn schedule(args: ScheduleArgs) -> Result<(), CliError> {
    let info = find_policy(&args.policy).ok_or_else(|| unknown_policy(&args.policy))?;
    let mut params = Vec::new();
    for param in &args.params {
        let Some((name, value)) = param.split_once('=') else {
            return Err(CliError::Input(miette::miette!(
                help = "write --param name=value, e.g. --param minimal_backoff_time=600s",
                "--param `{param}` has no `=`"
            )));
        };
        params.push((name.trim().to_string(), value.to_string()));
    }
    let spec = info.spec(&params).map_err(|message| {
        CliError::Input(miette::miette!(
            help = format!(
                "`mailsim policies {}` lists its parameters and defaults",
                info.name
            ),
            "{message}"
        ))
    })?;
    let reply: Reply = parse_reply(&args.reply).map_err(|message| {
        CliError::Input(miette::miette!(
            help = "pass --reply with a 4xx reply or a connection failure",
            "{message}"
        ))
    })?;
    let timeline = compute(&spec, reply, args.seed);
    let text = match args.format {
        Format::Table => timeline.to_table(),
        Format::Csv => timeline.to_csv(),
        Format::Json => timeline.to_json(),
    };
    print_stdout(&text)
}
