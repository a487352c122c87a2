//! Writing results: the terminal summary table, `summary.json`, `timeseries.csv`, and the run
//! folder that holds them (written completely or not at all).

mod folder;
mod json;
mod table;
mod timeseries;

pub use folder::{OutputError, RunFolder};
pub use json::summary_json;
pub use table::summary_table;
pub use timeseries::timeseries_csv;
