//! `stance train`: a labeled file → a model file, written atomically.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;
use stance_train::{CalibrationSpec, CvSpec, TrainingRun};

use super::check_output;
use crate::args::{CvArgs, DataArgs, ModelArgs, TargetArgs};
use crate::hints::with_folds_hint;
use crate::progress;

/// Train a model from a labeled file and write it atomically.
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  stance train --data data/labeled/peacekeepers.tsv --group-col article --out models/mine.json"
)]
pub struct TrainArgs {
    #[command(flatten)]
    data: DataArgs,
    /// Column (or JSON key) grouping rows, e.g. the article; cross-validation never splits a group.
    #[arg(long, value_name = "COL")]
    group_col: Option<String>,
    /// Label meaning "no stance" (default: a label named neutral or none, if any).
    #[arg(long, value_name = "LABEL")]
    neutral_label: Option<String>,
    /// Where to write the model.
    #[arg(long, value_name = "MODEL")]
    out: PathBuf,
    /// Overwrite --out if it exists.
    #[arg(long)]
    force: bool,
    /// Skip the cross-validation recorded in the model.
    #[arg(long)]
    no_cv: bool,
    /// Fit a temperature for the probabilities on held-out data and store it in the model:
    /// one fold of 5 (whole groups with --group-col, else stratified with --seed) is scored by
    /// a model fitted on the other rows; the final model is still fitted on all rows.
    #[arg(long)]
    calibrate: bool,
    /// A file of topic terms (one per line or comma-separated; `#` starts a comment line):
    /// a text mentioning one (matched on stems) is on topic whatever the relevance model says.
    /// Without --topic-col, these terms alone decide what is on topic.
    #[arg(long, value_name = "FILE")]
    topic_terms: Option<PathBuf>,
    #[command(flatten)]
    cv: CvArgs,
    #[command(flatten)]
    targets: TargetArgs,
    #[command(flatten)]
    model: ModelArgs,
}

/// `stance train`: options, output and topic terms are checked before the data is read.
pub fn run(args: TrainArgs, quiet: bool) -> Result<ExitCode> {
    let TrainArgs {
        data,
        group_col,
        neutral_label,
        out,
        force,
        no_cv,
        calibrate,
        topic_terms,
        cv,
        targets,
        model,
    } = args;
    let params = model.params()?;
    let targets = targets.spec(data.target_col.as_deref())?;
    if !no_cv {
        cv.check()?;
    }
    check_output(&out, force)?;
    let run = TrainingRun {
        params,
        columns: data.columns(group_col.as_deref()),
        neutral_label,
        cross_validation: (!no_cv).then_some(CvSpec {
            folds: cv.folds,
            seed: cv.seed,
            grouped: group_col.is_some(),
        }),
        targets,
        calibration: calibrate.then_some(CalibrationSpec { seed: cv.seed }),
        topic_terms: topic_terms.as_deref().map(read_topic_terms).transpose()?.unwrap_or_default(),
    };
    // Everything the options alone can tell (e.g. --calibrate with a target strategy), before
    // the data is read.
    run.check()?;
    let labeled = data.read(group_col.as_deref())?;
    let bar = progress::Progress::new(0, "training steps (folds, then the final fit)", quiet);
    let trained = (run.run_with_progress(&labeled, &|done, total| {
        bar.set_total(total as u64);
        bar.set(done as u64);
    }))
    .map_err(|error| with_folds_hint(error, true))?;
    bar.finish();
    for warning in &trained.warnings {
        eprintln!("stance: warning: {warning}");
    }
    trained.model.save(&out)?;
    let mut stderr = std::io::stderr().lock();
    writeln!(
        stderr,
        "trained on {} rows ({}), {}; wrote {}",
        labeled.rows.len(),
        labeled.rows_per_label().iter().map(|(l, n)| format!("{l} {n}")).collect::<Vec<_>>().join(", "),
        trained.model.features_summary(),
        out.display()
    )?;
    if let Some(report) = &trained.cv {
        writeln!(
            stderr,
            "cross-validation ({} folds): macro-F1 {:.3} ± {:.3}, accuracy {:.3} ± {:.3}; pooled macro-F1 {:.3}{}",
            report.folds,
            report.mean.macro_f1.mean,
            report.mean.macro_f1.std,
            report.mean.accuracy.mean,
            report.mean.accuracy.std,
            report.pooled.macro_f1,
            report.pooled.f_avg.map_or(String::new(), |f| format!(", pooled F_avg {f:.3}"))
        )?;
    }
    if let Some(calibration) = &trained.model.calibration {
        writeln!(
            stderr,
            "calibration: temperature {:.3}, fitted on {}",
            calibration.temperature, calibration.fitted_on
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The topic terms of a `--topic-terms` file.
fn read_topic_terms(path: &Path) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("--topic-terms: cannot read {}", path.display()))?;
    stance_model::parse_topic_terms(&text)
        .map_err(|e| anyhow::anyhow!("--topic-terms {}: {e}", path.display()))
}
