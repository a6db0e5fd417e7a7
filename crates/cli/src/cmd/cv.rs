//! `stance cv`: cross-validating training options.

use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use stance_train::{CvSpec, TrainingRun};

use super::{check_outputs, emit_report};
use crate::args::{CvArgs, DataArgs, ModelArgs, ReportArgs, ReportFormat, TargetArgs};
use crate::hints::with_folds_hint;
use crate::{progress, report_file};

/// Cross-validate training options; with --group-col no group straddles folds.
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  stance cv --data data/labeled/peacekeepers.tsv --group-col article --folds 5"
)]
pub struct CvCommandArgs {
    #[command(flatten)]
    data: DataArgs,
    /// Column grouping rows (e.g. article); folds never split a group.
    #[arg(long, value_name = "COL")]
    group_col: Option<String>,
    /// Label meaning "no stance", left out of F_avg (default: a label named neutral or none).
    #[arg(long, value_name = "LABEL")]
    neutral_label: Option<String>,
    #[command(flatten)]
    cv: CvArgs,
    #[command(flatten)]
    targets: TargetArgs,
    #[command(flatten)]
    model: ModelArgs,
    #[command(flatten)]
    output: ReportArgs,
}

/// `stance cv`: options and outputs are checked before the data is read.
pub fn run(args: CvCommandArgs, quiet: bool) -> Result<ExitCode> {
    let CvCommandArgs {
        data,
        group_col,
        neutral_label,
        cv,
        targets,
        model,
        output: ReportArgs { format, out, report: report_path, force },
    } = args;
    let targets = targets.spec(data.target_col.as_deref())?;
    check_outputs([out.as_deref(), report_path.as_deref()], force)?;
    let report_file = report_file::ReportFile::check(report_path)?;
    let params = model.params()?;
    cv.check()?;
    let mut run = TrainingRun {
        params,
        columns: data.columns(group_col.as_deref()),
        neutral_label,
        cross_validation: None,
        held_out: None,
        targets,
        calibration: None,
        topic_terms: Vec::new(),
    };
    run.check()?;
    let labeled = data.read(group_col.as_deref())?;
    run.params = model.params_for(labeled.rows.len())?;
    let trainer = run.check()?;
    let spec = CvSpec { folds: cv.folds, seed: cv.seed, grouped: group_col.is_some() };
    let bar = progress::Progress::new(spec.folds as u64, "folds", quiet);
    let report = (run.cross_validate(&trainer, &labeled, &spec, &|done, _| bar.set(done as u64)))
        .map_err(|error| with_folds_hint(error, false))?;
    bar.finish();
    let evaluation = report.evaluation();
    if let Some(file) = &report_file {
        file.write_cv(&labeled.path, &report, &evaluation)?;
    }
    let text = match format {
        ReportFormat::Text => stance_report::cv_text(&report),
        ReportFormat::Json => serde_json::to_string_pretty(&report)? + "\n",
        ReportFormat::Markdown => {
            stance_report::render_markdown(&report_file::cv_page(&labeled.path, &report, &evaluation))
        }
    };
    emit_report(&text, out.as_deref())
}
