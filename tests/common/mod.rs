//! Helpers shared by the end-to-end tests in `tests/*.rs`: each of those files is compiled as
//! its own test crate and pulls this module in with `mod common;`.

// Every test crate compiles its own copy of this module and uses only some of it; without this,
// each crate would warn about (and `clippy -D warnings` would reject) the helpers it leaves unused.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

pub const LABELED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/labeled/peacekeepers.tsv");
pub const TRAINING: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/labeled/training.tsv");
pub const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/corpus");
pub const MODEL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../models/peacekeepers.json");
pub const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures");

pub const LABELS: [&str; 3] = ["neutral", "oppose", "support"];

/// A fresh `stance` command, run from a throw-away directory unless the test picks another.
pub fn stance() -> Command {
    Command::new(env!("CARGO_BIN_EXE_stance"))
}

pub fn fixture(name: &str) -> PathBuf {
    Path::new(FIXTURES).join(name)
}

pub fn tmp() -> TempDir {
    tempfile::tempdir().expect("create a temporary directory")
}

/// What a finished run printed.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `cmd` to completion; never accepts a panic or a death by signal.
pub fn run(cmd: &mut Command) -> Run {
    let output = cmd.output().expect("run stance");
    let run = Run {
        code: output.status.code().expect("stance was killed by a signal"),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    };
    assert!(!run.stderr.contains("panicked"), "stance panicked:\n{}", run.stderr);
    run
}

/// Runs `cmd` and requires exit code 0.
pub fn ok(cmd: &mut Command) -> Run {
    let run = run(cmd);
    assert_eq!(run.code, 0, "expected success; stderr:\n{}", run.stderr);
    run
}

pub fn jsonl(text: &str) -> Vec<Value> {
    text.lines().map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"))).collect()
}

pub fn keys(value: &Value) -> BTreeSet<&str> {
    value.as_object().expect("a JSON object").keys().map(String::as_str).collect()
}

pub fn f64_of(value: &Value) -> f64 {
    value.as_f64().unwrap_or_else(|| panic!("not a number: {value}"))
}
