//! `--shard auto`: which part of a split study this process is, read from the array-job
//! runner's environment instead of written by hand.
//!
//! - **Slurm job arrays** set `SLURM_ARRAY_TASK_ID`, with `SLURM_ARRAY_TASK_MIN`,
//!   `SLURM_ARRAY_TASK_MAX`, `SLURM_ARRAY_TASK_STEP` and `SLURM_ARRAY_TASK_COUNT`. Any regular
//!   range works (`--array=0-7`, `--array=1-8`, `--array=0-14:2`): the part is the task's place
//!   in the range and the count is the number of tasks. A list such as `--array=1,4,9` has no
//!   place to read, and is refused.
//! - **Kubernetes indexed Jobs** set `JOB_COMPLETION_INDEX` (from 0) but not the number of
//!   completions, so the count must be given: `--shards N`, or `MAILSIM_SHARDS=N` in the pod's
//!   environment (the Job's `spec.completions`).
//! - **GNU parallel** sets `PARALLEL_SEQ` (from 1); the count comes from `--shards N` (e.g.
//!   `--shards {##}`, parallel's total number of jobs) or `MAILSIM_SHARDS`.
//!
//! When none of these is set, or more than one runner's variables are, it says so rather than
//! guess.

use super::Shard;

/// The environment variable that gives the number of parts when the runner does not.
pub const SHARDS_VARIABLE: &str = "MAILSIM_SHARDS";

/// Which part this process is, read from the environment through `get` (e.g.
/// `|name| std::env::var(name).ok()`), with `count` from `--shards N` if given. Returns the
/// part and a sentence saying where it was read from, or what is missing and how to give it.
pub fn shard_from_env(
    get: impl Fn(&str) -> Option<String>,
    count: Option<u32>,
) -> Result<(Shard, String), String> {
    let present = |name: &str| get(name).filter(|value| !value.trim().is_empty());
    let runners: Vec<&str> = [
        ("SLURM_ARRAY_TASK_ID", "Slurm"),
        ("JOB_COMPLETION_INDEX", "Kubernetes"),
        ("PARALLEL_SEQ", "GNU parallel"),
    ]
    .into_iter()
    .filter(|(variable, _)| present(variable).is_some())
    .map(|(variable, _)| variable)
    .collect();
    let count = match count {
        Some(count) => Some((count, "--shards".to_string())),
        None => match present(SHARDS_VARIABLE) {
            Some(text) => Some((number(SHARDS_VARIABLE, &text)?, SHARDS_VARIABLE.to_string())),
            None => None,
        },
    };
    match runners.as_slice() {
        [] => Err("--shard auto found no array index: it reads SLURM_ARRAY_TASK_ID (Slurm job arrays), JOB_COMPLETION_INDEX (Kubernetes indexed Jobs) or PARALLEL_SEQ (GNU parallel), and none of them is set; give the part as --shard K/N instead".to_string()),
        ["SLURM_ARRAY_TASK_ID"] => slurm(&present, count),
        ["JOB_COMPLETION_INDEX"] => {
            let index = number("JOB_COMPLETION_INDEX", &present("JOB_COMPLETION_INDEX").unwrap_or_default())?;
            let (count, from) = count.ok_or_else(|| format!(
                "--shard auto: JOB_COMPLETION_INDEX={index} says which part this is, but Kubernetes does not tell a pod how many parts there are; pass --shards N or set {SHARDS_VARIABLE}=N, N being the Job's spec.completions"
            ))?;
            part(index.checked_add(1), count, format!("JOB_COMPLETION_INDEX={index}, {from}={count}"))
        }
        ["PARALLEL_SEQ"] => {
            let seq = number("PARALLEL_SEQ", &present("PARALLEL_SEQ").unwrap_or_default())?;
            let (count, from) = count.ok_or_else(|| format!(
                "--shard auto: PARALLEL_SEQ={seq} says which part this is, but not how many parts there are; pass --shards N (with GNU parallel, --shards {{##}}) or set {SHARDS_VARIABLE}=N"
            ))?;
            part(Some(seq), count, format!("PARALLEL_SEQ={seq}, {from}={count}"))
        }
        several => Err(format!(
            "--shard auto found the array indexes of more than one runner ({}); it cannot tell which one splits this study, so give the part as --shard K/N",
            several.join(", ")
        )),
    }
}

/// Slurm: the task's place in a regular range of task ids.
fn slurm(
    present: &impl Fn(&str) -> Option<String>,
    count: Option<(u32, String)>,
) -> Result<(Shard, String), String> {
    let read = |name: &str| present(name).map(|text| number(name, &text)).transpose();
    let id = read("SLURM_ARRAY_TASK_ID")?.unwrap_or_default();
    let min = read("SLURM_ARRAY_TASK_MIN")?;
    let max = read("SLURM_ARRAY_TASK_MAX")?;
    let step = read("SLURM_ARRAY_TASK_STEP")?.unwrap_or(1).max(1);
    let tasks = read("SLURM_ARRAY_TASK_COUNT")?;
    let Some(min) = min else {
        return Err(format!(
            "--shard auto: SLURM_ARRAY_TASK_ID={id} is set but SLURM_ARRAY_TASK_MIN is not, so the task's place in the array is unknown; run it as a Slurm job array (sbatch --array=0-N), or give --shard K/N"
        ));
    };
    let from_range = max
        .filter(|&max| max >= min)
        .map(|max| (max - min) / step + 1);
    let tasks = match (tasks, from_range) {
        (Some(tasks), Some(range)) if tasks != range => {
            return Err(format!(
                "--shard auto: this Slurm array is not a regular range (SLURM_ARRAY_TASK_COUNT={tasks}, but ids {min} to {} in steps of {step} make {range}), e.g. --array=1,4,9; use a range such as --array=0-{} or give --shard K/N",
                max.unwrap_or(min),
                tasks.saturating_sub(1)
            ));
        }
        (Some(tasks), _) => tasks,
        (None, Some(range)) => range,
        (None, None) => {
            return Err(
                "--shard auto: neither SLURM_ARRAY_TASK_COUNT nor SLURM_ARRAY_TASK_MAX is set, so the number of parts is unknown; give --shard K/N".to_string(),
            );
        }
    };
    if id < min || (id - min) % step != 0 {
        return Err(format!(
            "--shard auto: SLURM_ARRAY_TASK_ID={id} is not in the array's range (from {min} in steps of {step})"
        ));
    }
    if let Some((given, from)) = &count
        && *given != tasks
    {
        return Err(format!(
            "--shard auto: {from}={given} disagrees with the Slurm array's {tasks} tasks; leave {from} out or make them agree"
        ));
    }
    part(
        Some((id - min) / step + 1),
        tasks,
        format!("SLURM_ARRAY_TASK_ID={id}, SLURM_ARRAY_TASK_MIN={min}, {tasks} tasks"),
    )
}

/// Part `index` (from 1) of `count`, checked.
fn part(index: Option<u32>, count: u32, from: String) -> Result<(Shard, String), String> {
    match index {
        Some(index) if count >= 1 && (1..=count).contains(&index) => Ok((
            Shard { index, count },
            format!("shard {index} of {count}, from {from}"),
        )),
        _ => Err(format!(
            "--shard auto: {from} does not name a part from 1 to {count}; check the array's size and the number of parts"
        )),
    }
}

/// A whole number from an environment variable.
fn number(name: &str, text: &str) -> Result<u32, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("--shard auto: {name}=`{text}` is not a whole number"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(vars: &[(&str, &str)], count: Option<u32>) -> Result<(u32, u32), String> {
        let get = |name: &str| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        };
        shard_from_env(get, count).map(|(shard, _)| (shard.index, shard.count))
    }

    #[test]
    fn slurm_arrays_from_any_start_and_step() {
        let task = |id: &str, min: &str, max: &str, count: &str| {
            from(
                &[
                    ("SLURM_ARRAY_TASK_ID", id),
                    ("SLURM_ARRAY_TASK_MIN", min),
                    ("SLURM_ARRAY_TASK_MAX", max),
                    ("SLURM_ARRAY_TASK_COUNT", count),
                ],
                None,
            )
        };
        assert_eq!(task("0", "0", "7", "8"), Ok((1, 8)));
        assert_eq!(task("7", "0", "7", "8"), Ok((8, 8)));
        assert_eq!(task("3", "1", "4", "4"), Ok((3, 4)));
        let stepped = [
            ("SLURM_ARRAY_TASK_ID", "6"),
            ("SLURM_ARRAY_TASK_MIN", "0"),
            ("SLURM_ARRAY_TASK_MAX", "8"),
            ("SLURM_ARRAY_TASK_STEP", "2"),
            ("SLURM_ARRAY_TASK_COUNT", "5"),
        ];
        assert_eq!(from(&stepped, None), Ok((4, 5)));
        // Without COUNT, MAX gives the size.
        assert_eq!(
            from(
                &[
                    ("SLURM_ARRAY_TASK_ID", "2"),
                    ("SLURM_ARRAY_TASK_MIN", "1"),
                    ("SLURM_ARRAY_TASK_MAX", "3"),
                ],
                None
            ),
            Ok((2, 3))
        );
        let list = task("4", "1", "9", "3").unwrap_err();
        assert!(list.contains("not a regular range"), "{list}");
        let disagree = from(
            &[
                ("SLURM_ARRAY_TASK_ID", "0"),
                ("SLURM_ARRAY_TASK_MIN", "0"),
                ("SLURM_ARRAY_TASK_COUNT", "4"),
            ],
            Some(5),
        )
        .unwrap_err();
        assert!(disagree.contains("disagrees"), "{disagree}");
    }

    #[test]
    fn kubernetes_needs_the_count_and_counts_from_zero() {
        assert_eq!(from(&[("JOB_COMPLETION_INDEX", "0")], Some(3)), Ok((1, 3)));
        assert_eq!(
            from(
                &[("JOB_COMPLETION_INDEX", "2"), ("MAILSIM_SHARDS", "3")],
                None
            ),
            Ok((3, 3))
        );
        let missing = from(&[("JOB_COMPLETION_INDEX", "0")], None).unwrap_err();
        assert!(missing.contains("spec.completions"), "{missing}");
        let beyond = from(&[("JOB_COMPLETION_INDEX", "3")], Some(3)).unwrap_err();
        assert!(beyond.contains("from 1 to 3"), "{beyond}");
    }

    #[test]
    fn gnu_parallel_counts_from_one() {
        assert_eq!(from(&[("PARALLEL_SEQ", "1")], Some(4)), Ok((1, 4)));
        assert_eq!(
            from(&[("PARALLEL_SEQ", "4"), ("MAILSIM_SHARDS", "4")], None),
            Ok((4, 4))
        );
        assert!(from(&[("PARALLEL_SEQ", "5")], Some(4)).is_err());
        assert!(
            from(&[("PARALLEL_SEQ", "x")], Some(4))
                .unwrap_err()
                .contains("whole number")
        );
    }

    #[test]
    fn none_or_several_runners_is_an_error_that_says_what_to_do() {
        let none = from(&[], Some(4)).unwrap_err();
        assert!(
            none.contains("SLURM_ARRAY_TASK_ID")
                && none.contains("JOB_COMPLETION_INDEX")
                && none.contains("PARALLEL_SEQ")
                && none.contains("--shard K/N"),
            "{none}"
        );
        let several = from(
            &[("PARALLEL_SEQ", "1"), ("JOB_COMPLETION_INDEX", "0")],
            Some(2),
        )
        .unwrap_err();
        assert!(several.contains("more than one runner"), "{several}");
        // An empty variable counts as unset.
        assert!(from(&[("PARALLEL_SEQ", "")], Some(2)).is_err());
    }
}
