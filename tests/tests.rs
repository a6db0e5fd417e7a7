//! The end-to-end tests: one binary (as ripgrep does) so the `stance` binary and the helpers
//! in `common` are built and linked once, and a new test file is one `mod` line here.

mod baselines;
mod cli;
mod common;
mod evaluation;
mod explain;
mod fitting;
mod hardening;
mod holders;
mod normalize;
mod report;
mod scale;
mod solver;
mod stream;
mod suggest;
mod surprises;
mod targets;
mod threads;
mod tune;
