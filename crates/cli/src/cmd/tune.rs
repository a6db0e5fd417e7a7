//! `stance tune`: a grid search by cross-validation, then the winner trained on all the data.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;
use stance_train::{Budget, CvSpec, TrainingRun};

use super::check_outputs;
use crate::args::{CvArgs, DataArgs, ModelArgs, TargetArgs};
use crate::{progress, UsageError};

/// Hyperparameter search by cross-validation: without --grid, a default space chosen from the
/// data (regularisation, class weights, word and character n-grams, min-df, social-media
/// normalisation for tweets, the target strategy when rows have targets) searched by successive
/// halving within --budget; with --grid, exactly that grid. The best by --metric is trained on
/// all the data; the model and the full results table (JSON and Markdown) are written.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    stance tune --data train.tsv --target-col target --metric f-avg --out models/tuned.json\n  \
    stance tune --data data/labeled/peacekeepers.tsv --group-col article \\\n    \
    --grid c=1,10,30,100 --grid char-ngrams=none,2-5 --grid min-df=1,2 --out models/tuned.json\n\n\
    The default space is listed in MODEL.tune.md as --grid flags: copy and narrow them.\n\n\
    Grid axes (NAME=V1,V2,…; repeat --grid for more axes):\n\
    alpha, c (= 1/alpha), word_ngrams, char_ngrams, min_df, max_features, tf, stem,\n\
    normalize (none, all, or e.g. urls+mentions+negation), hashtags (keep, split, strip),\n\
    class_weight (none, balanced), nb_scaling (off, on), blend (off, on; needs char n-grams),\n\
    hashing_bits (e.g. 18, or none),\n\
    target_strategy (pooled, per-target, per-target+fallback, conjoined; needs --target-col).\n\
    The results go to MODEL.tune.json and MODEL.tune.md beside --out (or --results PREFIX);\n\
    the Markdown table is also printed.")]
pub struct TuneArgs {
    #[command(flatten)]
    data: DataArgs,
    /// Column grouping rows (e.g. article); folds never split a group.
    #[arg(long, value_name = "COL")]
    group_col: Option<String>,
    /// Label meaning "no stance" (default: a label named neutral or none, if any).
    #[arg(long, value_name = "LABEL")]
    neutral_label: Option<String>,
    /// One grid axis, NAME=V1,V2,… (repeatable); replaces the default search space.
    #[arg(long = "grid", value_name = "NAME=VALUES")]
    grid: Vec<String>,
    /// Wall-clock time the search may take, e.g. 90s, 5m, 1h30m (the final fit not counted).
    #[arg(long, value_name = "DURATION", default_value = "4m", value_parser = parse_duration)]
    budget: f64,
    /// Sample exactly N candidates, whatever the clock says: the search is then the same on
    /// every machine.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    candidates: Option<u64>,
    /// What to maximise: pooled out-of-fold accuracy, macro-f1 or f-avg.
    #[arg(long, default_value = "macro-f1", value_parser = parse_metric)]
    metric: stance_train::Metric,
    /// Where to write the best model.
    #[arg(long, value_name = "MODEL")]
    out: PathBuf,
    /// Results prefix: writes PREFIX.json and PREFIX.md [default: --out without .json, plus .tune].
    #[arg(long, value_name = "PREFIX")]
    results: Option<PathBuf>,
    /// Overwrite existing outputs.
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    cv: CvArgs,
    #[command(flatten)]
    targets: TargetArgs,
    #[command(flatten)]
    model: ModelArgs,
}

/// Parses a duration: a number with a unit (s, m, h), several joined (`1h30m`), or a bare
/// number of seconds; it must be positive.
fn parse_duration(text: &str) -> std::result::Result<f64, String> {
    let bad = || format!("{text:?} is not a duration; write e.g. 90s, 5m or 1h30m");
    let mut seconds = 0.0;
    let mut number = String::new();
    for c in text.trim().chars() {
        if c.is_ascii_digit() || c == '.' {
            number.push(c);
            continue;
        }
        let unit = match c {
            's' => 1.0,
            'm' => 60.0,
            'h' => 3600.0,
            _ => return Err(bad()),
        };
        seconds += number.parse::<f64>().map_err(|_| bad())? * unit;
        number.clear();
    }
    if !number.is_empty() {
        seconds += number.parse::<f64>().map_err(|_| bad())?;
    }
    if text.trim().is_empty() || !seconds.is_finite() {
        return Err(bad());
    }
    if seconds <= 0.0 {
        return Err(format!("the budget must be more than 0 seconds, got {text:?}"));
    }
    Ok(seconds)
}

fn parse_metric(name: &str) -> std::result::Result<stance_train::Metric, String> {
    stance_train::Metric::parse(name)
        .ok_or_else(|| format!("unknown metric {name:?}; use accuracy, macro-f1 or f-avg"))
}

/// `stance tune`: search, then train the winner on everything with its cross-validation recorded.
pub fn run(args: TuneArgs, quiet: bool) -> Result<ExitCode> {
    let TuneArgs {
        data,
        group_col,
        neutral_label,
        grid,
        budget,
        candidates,
        metric,
        out,
        results,
        force,
        cv,
        targets,
        model,
    } = args;
    let out = out.as_path();
    let prefix = results.unwrap_or_else(|| {
        let stem = out.file_stem().map_or_else(|| "model".into(), |s| s.to_string_lossy().into_owned());
        out.with_file_name(format!("{stem}.tune"))
    });
    let with_extension = |ext: &str| {
        let mut name = prefix.clone().into_os_string();
        name.push(ext);
        PathBuf::from(name)
    };
    let (json_path, markdown_path) = (with_extension(".json"), with_extension(".md"));
    check_outputs([Some(out), Some(json_path.as_path()), Some(markdown_path.as_path())], force)?;
    cv.check()?;
    let mut base = TrainingRun {
        params: model.params()?,
        columns: data.columns(group_col.as_deref()),
        neutral_label,
        cross_validation: Some(CvSpec { folds: cv.folds, seed: cv.seed, grouped: group_col.is_some() }),
        held_out: None,
        targets: targets.spec(data.target_col.as_deref())?,
        calibration: None,
        topic_terms: Vec::new(),
    };
    // A bad grid is a usage error, reported before the data is read.
    let user_grid = (!grid.is_empty())
        .then(|| stance_train::Grid::parse(&grid, &base))
        .transpose()
        .map_err(UsageError::caused_by)?;
    let labeled = data.read(group_col.as_deref())?;
    base.params = model.params_for(labeled.rows.len())?;
    // Parsed again on the size-dependent parameters (the first parse only checked it).
    let user_grid = match user_grid {
        Some(_) => Some(stance_train::Grid::parse(&grid, &base).map_err(UsageError::caused_by)?),
        None => None,
    };
    let labels = labeled.labels();
    let neutral = stance_eval::resolve_neutral_label(&labels, base.neutral_label.as_deref())
        .map_err(UsageError::caused_by)?;
    stance_train::check_metric(metric, &labels, neutral.as_deref()).map_err(UsageError::caused_by)?;
    let grid = match user_grid {
        Some(grid) => grid,
        None => stance_train::default_space_for(&labeled, &base).0,
    };
    let spec = base.cross_validation.clone().expect("set above");
    let budget = Budget {
        seconds: Some(budget),
        candidates: candidates.map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
        seed: cv.seed,
    };
    let space = grid.candidates().len();
    let bar = progress::Progress::new(0, &format!("folds (a space of {space} candidates)"), quiet);
    let report = stance_train::tune(&base, &grid, &labeled, &spec, metric, &budget, &|done, total| {
        bar.set_total(total as u64);
        bar.set(done as u64);
    })
    .map_err(|error| crate::hints::with_folds_hint(error, false))?;
    bar.finish();
    let markdown = report.to_markdown();
    stance_model::write_atomically(&json_path, (serde_json::to_string_pretty(&report)? + "\n").as_bytes())
        .with_context(|| format!("cannot write {}", json_path.display()))?;
    stance_model::write_atomically(&markdown_path, markdown.as_bytes())
        .with_context(|| format!("cannot write {}", markdown_path.display()))?;
    let best = report.best();
    let trained = report.train_best(&base, &labeled)?;
    for warning in &trained.warnings {
        eprintln!("stance: warning: {warning}");
    }
    trained.model.save(out)?;
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(markdown.as_bytes())?;
    stdout.flush()?;
    eprintln!(
        "best of {} candidates (of a space of {}): {} (pooled {} {:.3}); wrote {}, {} and {}",
        report.candidates.len(),
        report.search.space,
        if best.settings.is_empty() {
            "the base options".to_string()
        } else {
            best.settings.iter().map(|s| format!("{}={}", s.name, s.value)).collect::<Vec<_>>().join(" ")
        },
        report.metric.name(),
        best.score,
        out.display(),
        json_path.display(),
        markdown_path.display()
    );
    Ok(ExitCode::SUCCESS)
}
