//! One module per `stance` command: its clap arguments beside the code that runs it. Each
//! command's `run` checks everything its arguments alone can tell before it reads data or
//! trains.

pub mod classify;
pub mod cv;
pub mod evaluate;
pub mod explain;
pub mod holders;
pub mod inspect;
pub mod sentences;
pub mod suggest;
pub mod train;
pub mod tune;

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use stance_holders::{AliasTable, HolderFinder};
use stance_infer::{Classifier, StanceHolders};

/// The model file, or the compiled-in default model.
fn load_classifier(path: Option<&Path>) -> Result<Classifier> {
    Ok(match path {
        Some(path) => Classifier::load(path)?,
        None => Classifier::default_model().context("the compiled-in default model is unusable")?,
    })
}

/// The holders of `classifier`'s stance sentences, found with the built-in aliases and those of
/// the `--aliases` file.
pub(crate) fn load_holders(aliases: Option<&Path>, classifier: &Classifier) -> Result<StanceHolders> {
    let mut table = AliasTable::builtin();
    if let Some(path) = aliases {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read alias file {}", path.display()))?;
        table.extend_from(&path.display().to_string(), &text)?;
    }
    Ok(StanceHolders::new(HolderFinder::new(table), classifier))
}

/// How reports name a model: its path, or the name of the compiled-in default model.
fn model_name(path: Option<&Path>) -> String {
    path.map_or(stance_infer::DEFAULT_MODEL_NAME.into(), |p| p.display().to_string())
}

/// Binds `--target` to the classifier; a target-aware model without one is refused here,
/// before any input is read.
fn bind_target(classifier: Classifier, target: Option<&str>) -> Result<Classifier> {
    if classifier.needs_target() && target.is_none() {
        bail!(
            "the model is target-aware: pass --target TARGET (known targets: {})",
            classifier.targets().join(", ")
        );
    }
    Ok(classifier.with_target(target)?)
}

/// [`check_output`] for every output path that was given.
fn check_outputs<const N: usize>(paths: [Option<&Path>; N], force: bool) -> Result<()> {
    paths.into_iter().flatten().try_for_each(|path| check_output(path, force))
}

/// Refuses to overwrite an existing output unless forced, before any work starts.
fn check_output(path: &Path, force: bool) -> Result<()> {
    if path.exists() && !force {
        bail!("{} exists; pass --force to overwrite it", path.display());
    }
    if path.is_dir() {
        bail!("{} is a directory", path.display());
    }
    Ok(())
}

/// Writes a report to `out` (atomically), if given, and to stdout.
fn emit_report(text: &str, out: Option<&Path>) -> Result<ExitCode> {
    if let Some(path) = out {
        stance_model::write_atomically(path, text.as_bytes())
            .with_context(|| format!("cannot write report {}", path.display()))?;
    }
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// A probability for `--min-confidence`: a number from 0 to 1.
fn parse_probability(text: &str) -> Result<f64, String> {
    let value: f64 = text.trim().parse().map_err(|_| format!("{text:?} is not a number"))?;
    if !(0.0..=1.0).contains(&value) {
        return Err(format!("{value} is not a probability: it must be between 0 and 1"));
    }
    Ok(value)
}
