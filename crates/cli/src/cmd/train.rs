//! `stance train`: a labeled file → a model file, written atomically.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::Args;
use stance_train::{
    CalibrationSpec, CvSpec, StreamParams, StreamProgress, StreamSource, TextEncoding, TrainingRun,
};

use super::check_output;
use crate::args::{CvArgs, DataArgs, ModelArgs, SolverArg, TargetArgs};
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
    /// Skip the accuracy estimate (cross-validation or held-out fold) recorded in the model.
    #[arg(long, conflicts_with_all = ["full_cv", "held_out"])]
    no_cv: bool,
    /// Cross-validate whatever the data's size. Without it, data of more than 10,000 rows get
    /// a held-out estimate instead (one fold of 10 held out, the same seed and grouping): one
    /// extra fit rather than --folds of them.
    #[arg(long = "cv", conflicts_with = "held_out")]
    full_cv: bool,
    /// Estimate the accuracy on one held-out fold of 10 (the same seed and grouping) whatever
    /// the data's size: one fit besides the final one.
    #[arg(long)]
    held_out: bool,
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
    /// With --solver sgd: AdaGrad's step size, in (0, 100] [default: 0.1].
    #[arg(long, value_name = "RATE", allow_negative_numbers = true, help_heading = "Solver")]
    learning_rate: Option<f64>,
    /// With --solver sgd: passes of AdaGrad steps over the file, 1 to 1000, besides the pass
    /// that counts labels and buckets [default: 3].
    #[arg(long, value_name = "N", help_heading = "Solver")]
    passes: Option<usize>,
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
        full_cv,
        held_out,
        calibrate,
        topic_terms,
        learning_rate,
        passes,
        cv,
        targets,
        model,
    } = args;
    if model.solver == SolverArg::Sgd {
        let refused = [
            (full_cv, "--cv"),
            (held_out, "--held-out"),
            (calibrate, "--calibrate"),
            (topic_terms.is_some(), "--topic-terms"),
            (data.topic_col.is_some(), "--topic-col"),
            (data.target_col.is_some(), "--target-col"),
            (data.encoding != TextEncoding::Utf8, "--encoding"),
        ];
        if let Some((_, flag)) = refused.iter().find(|(given, _)| *given) {
            bail!("--solver sgd does not support {flag} (it streams the file once per pass)");
        }
        let params = model.stream_params(
            learning_rate.unwrap_or(DEFAULT_LEARNING_RATE),
            passes.unwrap_or(DEFAULT_PASSES),
        )?;
        check_output(&out, force)?;
        let source = StreamSource {
            path: data.data.clone(),
            format: data.input_format,
            columns: data.columns(group_col.as_deref()),
            neutral_label,
        };
        return train_streamed(&source, &params, &out, quiet);
    }
    if learning_rate.is_some() || passes.is_some() {
        bail!("--learning-rate and --passes are options of --solver sgd");
    }
    let params = model.params()?;
    let targets = targets.spec(data.target_col.as_deref())?;
    if !no_cv {
        cv.check()?;
    }
    check_output(&out, force)?;
    let mut run = TrainingRun {
        params,
        columns: data.columns(group_col.as_deref()),
        neutral_label,
        cross_validation: (!no_cv).then_some(CvSpec {
            folds: cv.folds,
            seed: cv.seed,
            grouped: group_col.is_some(),
        }),
        held_out: None,
        targets,
        calibration: calibrate.then_some(CalibrationSpec { seed: cv.seed }),
        topic_terms: topic_terms.as_deref().map(read_topic_terms).transpose()?.unwrap_or_default(),
    };
    // Everything the options alone can tell (e.g. --calibrate with a target strategy), before
    // the data is read.
    run.check()?;
    let labeled = data.read(group_col.as_deref())?;
    run.params = model.params_for(labeled.rows.len())?;
    if held_out {
        run.hold_out_instead();
    } else if !full_cv {
        run.scale_estimate_to(labeled.rows.len());
    }
    let what = match run.held_out {
        Some(_) => "training steps (the held-out fit and the final fit)",
        None => "training steps (folds, then the final fit)",
    };
    let bar = progress::Progress::new(0, what, quiet);
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
    if let Some(estimate) = &trained.held_out {
        writeln!(
            stderr,
            "held-out estimate ({}; {} rows): macro-F1 {:.3}, accuracy {:.3}{}",
            estimate.held_out,
            estimate.n_test,
            estimate.macro_f1,
            estimate.accuracy,
            estimate.f_avg.map_or(String::new(), |f| format!(", F_avg {f:.3}"))
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

/// AdaGrad's step size when --learning-rate is not given (`make bench`: 200,000 synthetic rows).
const DEFAULT_LEARNING_RATE: f64 = 0.1;
/// AdaGrad passes when --passes is not given.
const DEFAULT_PASSES: usize = 3;

/// `stance train --solver sgd`: streams `source` in passes, with a progress bar over the bytes
/// of every pass (rows/s and the time left), and writes the model atomically.
fn train_streamed(source: &StreamSource, params: &StreamParams, out: &Path, quiet: bool) -> Result<ExitCode> {
    let size = std::fs::metadata(&source.path).map(|m| m.len()).unwrap_or(0).max(1);
    let passes = params.passes as u64 + 1;
    let bar = progress::Progress::bytes(size * passes, "streamed", quiet);
    let started = std::time::Instant::now();
    let pass_started = std::cell::Cell::new((0usize, started));
    let model = stance_train::train_streaming(source, params, &|at: StreamProgress| {
        if pass_started.get().0 != at.pass {
            pass_started.set((at.pass, std::time::Instant::now()));
        }
        let seconds = pass_started.get().1.elapsed().as_secs_f64().max(1e-3);
        let what =
            if at.pass == 0 { "counting".to_owned() } else { format!("pass {}/{}", at.pass, at.passes) };
        bar.set_message(format!("{what}, {:.0} rows/s", at.rows as f64 / seconds));
        bar.set(at.pass as u64 * size + at.bytes);
    })?;
    bar.finish();
    model.save(out)?;
    let mut stderr = std::io::stderr().lock();
    writeln!(
        stderr,
        "trained on {} rows ({}) in {:.1} s by {}, {}; wrote {}",
        model.training.rows,
        model.training.rows_per_label.iter().map(|(l, n)| format!("{l} {n}")).collect::<Vec<_>>().join(", "),
        started.elapsed().as_secs_f64(),
        model.training.solver.solver,
        model.features_summary(),
        out.display()
    )?;
    Ok(ExitCode::SUCCESS)
}

/// The topic terms of a `--topic-terms` file.
fn read_topic_terms(path: &Path) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("--topic-terms: cannot read {}", path.display()))?;
    stance_model::parse_topic_terms(&text)
        .map_err(|e| anyhow::anyhow!("--topic-terms {}: {e}", path.display()))
}
