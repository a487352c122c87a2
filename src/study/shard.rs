//! Splitting a study into parts (`--shard K/N`) that run on different machines, and merging
//! the parts back into the study they were split from, byte for byte.
//!
//! A part is identified by the fingerprint of the validated scenarios it ran (every value, not
//! the path they were read from) and the version of mailsim, so parts run on a modified file
//! are refused and the same file given by another path is accepted.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{Cell, RunRecord, Study, StudyMeta, StudyOptions};

/// Part `index` (from 1) of `count` of a study: runs number `i` (in (cell, replication) order)
/// with `i % count == index − 1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// Which part, from 1.
    pub index: u32,
    /// How many parts.
    pub count: u32,
}

impl Shard {
    /// Parses `K/N` with 1 ≤ K ≤ N.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let form = "write --shard K/N with 1 ≤ K ≤ N, e.g. --shard 2/8";
        let (index, count) = text
            .split_once('/')
            .ok_or_else(|| format!("`{text}` is not a shard: {form}"))?;
        let number = |part: &str| part.trim().parse::<u32>().ok();
        match (number(index), number(count)) {
            (Some(index), Some(count)) if index >= 1 && index <= count => {
                Ok(Shard { index, count })
            }
            _ => Err(format!("`{text}` is not a shard: {form}")),
        }
    }

    /// Whether run number `run` belongs to this part.
    pub fn owns(self, run: usize) -> bool {
        run % self.count as usize == (self.index - 1) as usize
    }
}

/// One part of a study as written by `--shard`: everything needed to check the parts belong
/// together and to combine them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShardFile {
    /// Which part this is.
    pub shard: Shard,
    /// The fingerprint of the study's scenarios and of the mailsim that ran them
    /// ([`super::Plan::fingerprint`]); identical in every part. Empty in files written before
    /// it was recorded, which are refused.
    #[serde(default)]
    pub fingerprint: String,
    /// The study's meta block (identical in every part).
    pub meta: StudyMeta,
    /// The study's cells (identical in every part).
    pub cells: Vec<Cell>,
    /// The study's settings, identical in every part.
    pub options: StudyOptions,
    /// The runs of this part.
    pub runs: Vec<RunRecord>,
}

/// The name of the file a shard writes in its folder.
pub const SHARD_FILE: &str = "shard.json";

/// Why shard files cannot be merged, and which of the files given (by position) is the one
/// that does not fit, if one is.
#[derive(Clone, Debug, PartialEq)]
pub struct MergeError {
    /// The position of the offending file among those given.
    pub part: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for MergeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for MergeError {}

/// How `part` differs from the first part's study, if it does.
fn difference(first: &ShardFile, part: &ShardFile) -> Option<String> {
    let (a, b) = (&first.meta, &part.meta);
    let what = if part.fingerprint.is_empty() {
        "was written by an earlier mailsim that did not record the scenario's fingerprint; run it again".to_string()
    } else if a.tool != b.tool {
        format!("was run by {}, shard 1's by {}", b.tool, a.tool)
    } else if part.shard.count != first.shard.count {
        format!(
            "is one of {} parts, not {}",
            part.shard.count, first.shard.count
        )
    } else if part.fingerprint != first.fingerprint {
        format!(
            "was run on other scenario content (fingerprint {} against {}): a modified scenario file, other --set values or policies",
            &part.fingerprint[..part.fingerprint.len().min(12)],
            &first.fingerprint[..first.fingerprint.len().min(12)]
        )
    } else if (a.kind, &a.scenario, a.seed, a.replications)
        != (b.kind, &b.scenario, b.seed, b.replications)
        || a.warmup_s != b.warmup_s
        || a.confidence != b.confidence
    {
        "has another kind of study, scenario name, seed, replication count or warm-up".to_string()
    } else if part.cells != first.cells || part.options != first.options {
        "has other configurations or report settings".to_string()
    } else {
        return None;
    };
    Some(what)
}

/// Combines shard files into the study they were split from, or says which file is missing,
/// given twice or from another study.
pub fn merge_shards(parts: Vec<ShardFile>) -> Result<(Study, StudyOptions), MergeError> {
    let fail = |part, message: String| MergeError { part, message };
    let Some(first) = parts.first().cloned() else {
        return Err(fail(None, "no shards given".into()));
    };
    let count = first.shard.count;
    if first.fingerprint.is_empty() {
        return Err(fail(
            Some(0),
            format!(
                "shard {}/{count} {}",
                first.shard.index,
                "was written by an earlier mailsim that did not record the scenario's fingerprint; run it again"
            ),
        ));
    }
    let mut seen = vec![false; count as usize];
    let mut runs = Vec::new();
    for (position, part) in parts.into_iter().enumerate() {
        let label = format!("shard {}/{}", part.shard.index, part.shard.count);
        if let Some(what) = difference(&first, &part) {
            return Err(fail(
                Some(position),
                format!(
                    "{label} does not belong with shard {}/{count}'s study: it {what}",
                    first.shard.index
                ),
            ));
        }
        if part.shard.index == 0 || part.shard.index > count {
            return Err(fail(
                Some(position),
                format!("{label} is not a part of {count}"),
            ));
        }
        let slot = (part.shard.index - 1) as usize;
        if seen[slot] {
            return Err(fail(Some(position), format!("{label} is given twice")));
        }
        seen[slot] = true;
        runs.extend(part.runs);
    }
    let missing: Vec<String> = seen
        .iter()
        .enumerate()
        .filter(|(_, seen)| !**seen)
        .map(|(i, _)| format!("{}/{count}", i + 1))
        .collect();
    if !missing.is_empty() {
        return Err(fail(
            None,
            format!("missing shard(s) {}", missing.join(", ")),
        ));
    }
    let study = Study::from_runs(first.meta, first.cells, runs).ok_or_else(|| {
        fail(
            None,
            "the shards' runs do not make up the whole study (a shard file was edited?)".into(),
        )
    })?;
    Ok((study, first.options))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::study::{StudyKind, stats};

    fn part(index: u32, count: u32, seed: u64, runs: Vec<RunRecord>) -> ShardFile {
        ShardFile {
            shard: Shard { index, count },
            fingerprint: "f1".into(),
            meta: StudyMeta {
                tool: "mailsim test".into(),
                kind: StudyKind::Replications,
                scenario: "s".into(),
                scenario_file: "s.ron".into(),
                seed,
                replications: 3,
                warmup_s: 0.0,
                confidence: stats::CONFIDENCE,
                deadlines: Vec::new(),
            },
            cells: vec![Cell {
                label: "s".into(),
                settings: Vec::new(),
            }],
            options: StudyOptions::default(),
            runs,
        }
    }

    fn record(replication: u32, value: f64) -> RunRecord {
        RunRecord {
            cell: 0,
            replication,
            values: vec![Some(value)],
        }
    }

    #[test]
    fn shards_own_every_run_once_and_merge_back_in_order() {
        let owners: Vec<u32> = (0..7)
            .map(|run| {
                (1..=3)
                    .filter(|&k| Shard { index: k, count: 3 }.owns(run))
                    .sum()
            })
            .collect();
        assert_eq!(owners, [1, 2, 3, 1, 2, 3, 1]);
        let (study, _) = merge_shards(vec![
            part(2, 2, 1, vec![record(1, 2.0)]),
            part(1, 2, 1, vec![record(0, 1.0), record(2, 3.0)]),
        ])
        .unwrap();
        assert_eq!(study.series(0, 0), [Some(1.0), Some(2.0), Some(3.0)]);
        let twice = merge_shards(vec![part(1, 2, 1, vec![]), part(1, 2, 1, vec![])]);
        assert!(twice.unwrap_err().message.contains("given twice"));
        let foreign = merge_shards(vec![part(1, 2, 1, vec![]), part(2, 2, 9, vec![])]);
        let foreign = foreign.unwrap_err();
        assert!(foreign.message.contains("does not belong"), "{foreign}");
        assert_eq!(foreign.part, Some(1));
        assert!(Shard::parse("0/3").is_err() && Shard::parse("4/3").is_err());
        assert_eq!(Shard::parse("2/3"), Ok(Shard { index: 2, count: 3 }));
    }

    #[test]
    fn parts_of_other_content_are_refused_and_the_path_does_not_matter() {
        let mut modified = part(2, 2, 1, vec![record(1, 2.0)]);
        modified.fingerprint = "f2".into();
        let error = merge_shards(vec![part(1, 2, 1, vec![record(0, 1.0)]), modified]).unwrap_err();
        assert_eq!(error.part, Some(1));
        assert!(
            error.message.starts_with("shard 2/2 does not belong"),
            "{error}"
        );
        assert!(error.message.contains("other scenario content"), "{error}");
        let mut elsewhere = part(2, 2, 1, vec![record(1, 2.0)]);
        elsewhere.meta.scenario_file = "/absolute/path/s.ron".into();
        let first = part(1, 2, 1, vec![record(0, 1.0), record(2, 3.0)]);
        assert!(merge_shards(vec![first, elsewhere]).is_ok());
        let mut old = part(1, 1, 1, vec![]);
        old.fingerprint.clear();
        assert!(
            merge_shards(vec![old])
                .unwrap_err()
                .message
                .contains("earlier mailsim")
        );
    }
}
