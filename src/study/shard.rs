//! Splitting a study into parts (`--shard K/N`) that run on different machines, and merging
//! the parts back into the study they were split from, byte for byte.

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

/// Combines shard files into the study they were split from, or says what is missing or
/// does not match.
pub fn merge_shards(parts: Vec<ShardFile>) -> Result<(Study, StudyOptions), String> {
    let Some(first) = parts.first() else {
        return Err("no shards given".into());
    };
    let count = first.shard.count;
    let (meta, cells, options) = (
        first.meta.clone(),
        first.cells.clone(),
        first.options.clone(),
    );
    let mut seen = vec![false; count as usize];
    let mut runs = Vec::new();
    for part in parts {
        if part.shard.count != count
            || part.shard.index == 0
            || part.shard.index > count
            || part.meta != meta
            || part.cells != cells
            || part.options != options
        {
            return Err(format!(
                "shard {}/{} does not belong with shard 1's study (a different scenario, seed, replications, cells or shard count)",
                part.shard.index, part.shard.count
            ));
        }
        let slot = (part.shard.index - 1) as usize;
        if seen[slot] {
            return Err(format!("shard {}/{count} is given twice", part.shard.index));
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
        return Err(format!("missing shard(s) {}", missing.join(", ")));
    }
    let study = Study::from_runs(meta, cells, runs)
        .ok_or("the shards' runs do not make up the whole study (a shard file was edited?)")?;
    Ok((study, options))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::study::{StudyKind, stats};

    fn part(index: u32, count: u32, seed: u64, runs: Vec<RunRecord>) -> ShardFile {
        ShardFile {
            shard: Shard { index, count },
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
        assert!(twice.unwrap_err().contains("given twice"));
        let foreign = merge_shards(vec![part(1, 2, 1, vec![]), part(2, 2, 9, vec![])]);
        assert!(foreign.unwrap_err().contains("does not belong"));
        assert!(Shard::parse("0/3").is_err() && Shard::parse("4/3").is_err());
        assert_eq!(Shard::parse("2/3"), Ok(Shard { index: 2, count: 3 }));
    }
}
