//! The integration tests, one module per topic, built and linked as one test binary (one link of
//! the library and its dependencies instead of one per topic). Run one topic with
//! `cargo test --test integration golden::`.
//!
//! Shared helpers live in `helpers`. The data the tests read stays outside this folder and is
//! named relative to the package root, where `cargo test` runs them: `tests/golden/`,
//! `tests/snapshots/`, `tests/fuzz-regressions/` and `scenarios/`. Proptest saves a failing
//! case of the property tests under `tests/proptest-regressions/` (named after the module's
//! file), where later runs replay it first.

mod helpers;

mod bad_input;
mod browser;
mod charts;
mod cli_honesty;
mod cli_install;
mod cli_policies;
mod cli_trace;
mod clock;
mod cluster;
mod conformance;
mod determinism;
mod estimate;
mod file_shapes;
mod fit;
mod fit_real;
mod formats;
mod fuzz;
mod golden;
mod incidents;
mod layout;
mod log_round_trip;
mod micro;
mod openmetrics;
mod output_safety;
mod policies;
mod properties;
mod queueing;
mod report_pages;
mod robustness;
mod scenario_library;
mod scenarios;
mod schemas;
mod signals;
mod study;
