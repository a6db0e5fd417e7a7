//! Cross-validation: grouped (a group never straddles folds) or stratified k-fold.

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use stance_model::Scorer;

use crate::evaluation::{Evaluation, ScoredRow};
use crate::folds::{group_k_fold, stratified_k_fold, train_indices};
use crate::metrics::{MeanStd, Report};
use crate::targets::{fit_strategy, TargetSpec};
use crate::trainer::Trainer;
use crate::TrainError;

/// How rows are dealt into folds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum FoldStrategy {
    /// Every group in one fold (GroupKFold); with as many folds as groups, leave-one-group-out.
    Grouped {
        /// The column the groups come from, for the record.
        column: String,
    },
    /// Label proportions kept in each fold, rows shuffled with a seed (StratifiedKFold).
    Stratified {
        /// Shuffle seed.
        seed: u64,
    },
}

/// Metrics of one fold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FoldSummary {
    /// 1-based fold number.
    pub fold: usize,
    /// Groups in the test fold (empty for stratified folds).
    pub test_groups: Vec<String>,
    /// Training rows.
    pub n_train: usize,
    /// Test rows.
    pub n_test: usize,
    /// Accuracy on the test fold.
    pub accuracy: f64,
    /// Macro-F1 over the labels that occur in the fold's truth or predictions.
    pub macro_f1: f64,
    /// Support-weighted F1.
    pub weighted_f1: f64,
    /// SemEval's F_avg over the stance labels that occur in the fold's truth or predictions
    /// (0 when none does); `None` when no neutral label is known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub f_avg: Option<f64>,
    /// Whether the fold's solver converged.
    pub converged: bool,
}

/// Mean ± standard deviation of the per-fold metrics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CvMeans {
    /// Accuracy.
    pub accuracy: MeanStd,
    /// Macro-F1.
    pub macro_f1: MeanStd,
    /// Weighted F1.
    pub weighted_f1: MeanStd,
    /// F_avg, when the neutral label is known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub f_avg: Option<MeanStd>,
    /// F1 of each label, over the folds whose test set contains that label.
    pub per_class_f1: BTreeMap<String, MeanStd>,
}

/// A cross-validation report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CvReport {
    /// How folds were formed.
    pub strategy: FoldStrategy,
    /// Number of folds.
    pub folds: usize,
    /// Rows in all.
    pub n: usize,
    /// Each fold's metrics.
    pub per_fold: Vec<FoldSummary>,
    /// Mean ± std over folds.
    pub mean: CvMeans,
    /// Metrics of all out-of-fold predictions pooled together.
    pub pooled: Report,
    /// The neutral label F_avg leaves out, when known (see [`CvReport::annotate`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub neutral_label: Option<String>,
    /// The pooled out-of-fold metrics of each stance target, when rows have targets.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub per_target: BTreeMap<String, Report>,
    /// Every row's out-of-fold prediction, in row order (not serialized: it holds the texts).
    #[serde(skip)]
    pub out_of_fold: Vec<ScoredRow>,
    /// Each fold's full report, in fold order (not serialized; empty when read back).
    #[serde(skip)]
    pub fold_reports: Vec<Report>,
}

/// Cross-validates `trainer` on `texts` labeled `targets` (indices into `labels`).
///
/// The featurizer is refitted inside each fold on its training rows only, so no vocabulary
/// or idf information leaks from the test fold. With `groups`, folds follow the groups;
/// otherwise they are stratified by label and shuffled with `seed`.
pub fn cross_validate<S: AsRef<str> + Sync>(
    trainer: &Trainer,
    texts: &[S],
    targets: &[usize],
    labels: &[String],
    groups: Option<(&str, &[String])>,
    folds: usize,
    seed: u64,
) -> Result<CvReport, TrainError> {
    cross_validate_with_progress(trainer, texts, targets, labels, groups, folds, seed, &|_, _| {})
}

/// [`cross_validate`], calling `progress(done, total)` after each fold.
///
/// Folds run in parallel on the current rayon pool; their results are gathered in fold order,
/// so the report is the same whatever the number of threads. `progress` is called from the
/// worker threads, one call at a time, with `done` increasing.
#[allow(clippy::too_many_arguments)]
pub fn cross_validate_with_progress<S: AsRef<str> + Sync>(
    trainer: &Trainer,
    texts: &[S],
    targets: &[usize],
    labels: &[String],
    groups: Option<(&str, &[String])>,
    folds: usize,
    seed: u64,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<CvReport, TrainError> {
    let pooled = TargetSpec::default();
    cross_validate_targets(trainer, &pooled, texts, targets, labels, None, groups, folds, seed, progress)
}

/// [`cross_validate_with_progress`] with a target strategy: every fold trains with `spec`
/// (for per-target, one model per target of the fold's training rows) and scores its test
/// rows through their targets. `stance_targets` holds every row's target (required for a
/// target-aware strategy); the out-of-fold rows carry it.
#[allow(clippy::too_many_arguments)]
pub fn cross_validate_targets<S: AsRef<str> + Sync>(
    trainer: &Trainer,
    spec: &TargetSpec,
    texts: &[S],
    targets: &[usize],
    labels: &[String],
    stance_targets: Option<&[Option<String>]>,
    groups: Option<(&str, &[String])>,
    folds: usize,
    seed: u64,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<CvReport, TrainError> {
    if spec.uses_targets() {
        let missing = stance_targets.map_or(Some(0), |t| t.iter().position(Option::is_none));
        if let Some(row) = missing {
            return Err(TrainError::InvalidParam(format!(
                "the {:?} target strategy needs a target for every row (row {} has none)",
                spec.strategy,
                row + 1
            )));
        }
    }
    let (strategy, test_sets) = match groups {
        Some((column, groups)) => {
            (FoldStrategy::Grouped { column: column.to_owned() }, group_k_fold(groups, folds)?)
        }
        None => (FoldStrategy::Stratified { seed }, stratified_k_fold(targets, folds, seed)?),
    };
    let done = Mutex::new(0);
    let outcomes: Vec<Result<FoldOutcome, TrainError>> = test_sets
        .par_iter()
        .enumerate()
        .map(|(fold, test)| {
            let data = FoldData { spec, texts, targets, labels, stance_targets, groups };
            let outcome = run_fold(trainer, &data, fold, test);
            if outcome.is_ok() {
                let mut done = done.lock().unwrap_or_else(PoisonError::into_inner);
                *done += 1;
                progress(*done, test_sets.len());
            }
            outcome
        })
        .collect();
    let mut out_of_fold: Vec<Option<ScoredRow>> = vec![None; texts.len()];
    let mut per_fold = Vec::with_capacity(test_sets.len());
    let mut fold_reports = Vec::with_capacity(test_sets.len());
    let mut per_class: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for outcome in outcomes {
        // The first failing fold in fold order, as a serial run would report it.
        let outcome = outcome?;
        for (i, row) in outcome.scored {
            out_of_fold[i] = Some(row);
        }
        for (label, f1) in outcome.class_f1 {
            per_class.entry(label).or_default().push(f1);
        }
        per_fold.push(outcome.summary);
        fold_reports.push(outcome.report);
    }
    let metric = |f: fn(&FoldSummary) -> f64| MeanStd::of(&per_fold.iter().map(f).collect::<Vec<_>>());
    let mean = CvMeans {
        accuracy: metric(|f| f.accuracy),
        macro_f1: metric(|f| f.macro_f1),
        weighted_f1: metric(|f| f.weighted_f1),
        f_avg: None,
        per_class_f1: per_class.into_iter().map(|(label, f1s)| (label, MeanStd::of(&f1s))).collect(),
    };
    // Every row is in exactly one test fold, so every slot is filled.
    let out_of_fold: Vec<ScoredRow> = out_of_fold.into_iter().flatten().collect();
    let predicted: Vec<usize> = out_of_fold.iter().map(ScoredRow::predicted).collect();
    let pooled = Report::from_predictions(labels, targets, &predicted);
    Ok(CvReport {
        strategy,
        folds: test_sets.len(),
        n: texts.len(),
        per_fold,
        mean,
        pooled,
        neutral_label: None,
        per_target: BTreeMap::new(),
        out_of_fold,
        fold_reports,
    })
}

/// What one fold contributes to a [`CvReport`].
struct FoldOutcome {
    summary: FoldSummary,
    /// `(row index, out-of-fold prediction)` for every test row, in test-set order.
    scored: Vec<(usize, ScoredRow)>,
    /// F1 of every label with test rows in this fold, in label order.
    class_f1: Vec<(String, f64)>,
    /// The fold's full report.
    report: Report,
}

/// What every fold reads.
struct FoldData<'a, S> {
    spec: &'a TargetSpec,
    texts: &'a [S],
    targets: &'a [usize],
    labels: &'a [String],
    stance_targets: Option<&'a [Option<String>]>,
    groups: Option<(&'a str, &'a [String])>,
}

/// Trains on everything outside `test` and scores `test` (fold number `fold`, 0-based).
fn run_fold<S: AsRef<str> + Sync>(
    trainer: &Trainer,
    data: &FoldData<'_, S>,
    fold: usize,
    test: &[usize],
) -> Result<FoldOutcome, TrainError> {
    let FoldData { spec, texts, targets, labels, stance_targets, groups } = *data;
    let train = train_indices(texts.len(), test);
    let train_texts: Vec<&str> = train.iter().map(|&i| texts[i].as_ref()).collect();
    let train_targets: Vec<usize> = train.iter().map(|&i| targets[i]).collect();
    let train_stance: Option<Vec<String>> = stance_targets
        .filter(|_| spec.uses_targets())
        .map(|all| train.iter().filter_map(|&i| all[i].clone()).collect());
    let fitted = fit_strategy(trainer, spec, &train_texts, &train_targets, labels, train_stance.as_deref())?;
    let scorer =
        Scorer::new(labels, &fitted.featurizer, &fitted.weights, fitted.targets.as_ref(), None).map_err(
            |message| stance_model::ModelError::Inconsistent { path: "<cross-validation>".into(), message },
        )?;
    let scored: Vec<(usize, ScoredRow)> = test
        .iter()
        .map(|&i| {
            let target = stance_targets.and_then(|all| all[i].clone());
            let route =
                scorer.route(target.as_deref().filter(|_| spec.uses_targets())).map_err(|source| {
                    TrainError::FoldTarget { fold: fold + 1, grouped: groups.is_some(), source }
                })?;
            let probabilities = route.probabilities(texts[i].as_ref());
            let source = match groups {
                Some((_, groups)) => groups[i].clone(),
                None => format!("row {}", i + 1),
            };
            let row = ScoredRow {
                text: texts[i].as_ref().to_owned(),
                source,
                truth: targets[i],
                probabilities,
                target,
            };
            Ok((i, row))
        })
        .collect::<Result<_, TrainError>>()?;
    let truth: Vec<usize> = test.iter().map(|&i| targets[i]).collect();
    let guess: Vec<usize> = scored.iter().map(|(_, row)| row.predicted()).collect();
    let report = Report::from_predictions(labels, &truth, &guess);
    let class_f1 = report
        .per_class
        .iter()
        .filter(|(_, metrics)| metrics.support > 0)
        .map(|(label, metrics)| (label.clone(), metrics.f1))
        .collect();
    let mut test_groups: Vec<String> = match groups {
        Some((_, groups)) => test.iter().map(|&i| groups[i].clone()).collect(),
        None => Vec::new(),
    };
    test_groups.dedup();
    test_groups.sort();
    test_groups.dedup();
    let summary = FoldSummary {
        fold: fold + 1,
        test_groups,
        n_train: train.len(),
        n_test: test.len(),
        accuracy: report.accuracy,
        macro_f1: macro_f1_over_observed_labels(&report),
        weighted_f1: report.weighted_f1,
        f_avg: None,
        converged: fitted.converged,
    };
    Ok(FoldOutcome { summary, scored, class_f1, report })
}

/// Macro-F1 over the labels that occur in the truth or the predictions, as scikit-learn
/// computes it when no label list is given: a label absent from a fold does not count as 0.
fn macro_f1_over_observed_labels(report: &Report) -> f64 {
    mean_f1_over_observed_labels(report, None)
}

/// Mean F1 over the labels other than `except` that occur in the truth or the predictions.
fn mean_f1_over_observed_labels(report: &Report, except: Option<&str>) -> f64 {
    let confusion = &report.confusion;
    let observed: Vec<f64> = confusion
        .labels
        .iter()
        .enumerate()
        .filter(|&(i, label)| {
            if except == Some(label.as_str()) {
                return false;
            }
            let support: usize = confusion.matrix[i].iter().sum();
            let predicted: usize = confusion.matrix.iter().map(|row| row[i]).sum();
            support + predicted > 0
        })
        .map(|(_, label)| report.per_class[label].f1)
        .collect();
    if observed.is_empty() {
        0.0
    } else {
        observed.iter().sum::<f64>() / observed.len() as f64
    }
}

impl CvReport {
    /// Names the neutral label (F_avg per fold, as mean ± std and pooled; `None` clears them)
    /// and gives the out-of-fold rows their stance targets (`targets[i]` of row `i`, in row
    /// order; an empty slice leaves them as they are), which adds the pooled per-target
    /// reports.
    ///
    /// # Panics
    ///
    /// When `neutral` is not one of the labels or `targets` is neither empty nor one per row.
    pub fn annotate(&mut self, neutral: Option<&str>, targets: &[Option<String>]) {
        if !targets.is_empty() {
            assert_eq!(targets.len(), self.out_of_fold.len(), "one target per row");
            for (row, target) in self.out_of_fold.iter_mut().zip(targets) {
                row.target.clone_from(target);
            }
        }
        self.neutral_label = neutral.map(str::to_owned);
        self.pooled.set_neutral_label(neutral);
        for (summary, report) in self.per_fold.iter_mut().zip(&self.fold_reports) {
            summary.f_avg = neutral.map(|n| mean_f1_over_observed_labels(report, Some(n)));
        }
        self.mean.f_avg =
            neutral.map(|_| MeanStd::of(&self.per_fold.iter().filter_map(|f| f.f_avg).collect::<Vec<_>>()));
        self.per_target =
            crate::evaluation::per_target_reports(&self.pooled.confusion.labels, &self.out_of_fold, neutral);
    }

    /// Calibration and worst errors of the pooled out-of-fold predictions (empty for a report
    /// read back from JSON, which does not keep them), with F_avg and per-target metrics when
    /// [`CvReport::annotate`] named the neutral label and targets.
    pub fn evaluation(&self) -> Evaluation {
        Evaluation::from_rows_with_neutral(
            &self.pooled.confusion.labels,
            &self.out_of_fold,
            self.neutral_label.as_deref(),
        )
    }

    fn strategy_text(&self) -> String {
        match &self.strategy {
            FoldStrategy::Grouped { column } => {
                format!("{}-fold grouped by {column:?} (a group never straddles folds)", self.folds)
            }
            FoldStrategy::Stratified { seed } => {
                format!("{}-fold stratified, shuffled with seed {seed}", self.folds)
            }
        }
    }

    /// Plain-text report: strategy, per-fold table, mean ± std, and the pooled report.
    pub fn to_text(&self) -> String {
        let mut out = format!("cross-validation: {} over {} rows\n\n", self.strategy_text(), self.n);
        let with_f_avg = self.mean.f_avg.is_some();
        out.push_str(if with_f_avg {
            "fold   n_test  accuracy  macro-F1  weighted-F1     F_avg  test groups\n"
        } else {
            "fold   n_test  accuracy  macro-F1  weighted-F1  test groups\n"
        });
        for fold in &self.per_fold {
            out.push_str(&format!(
                "{:>4}  {:>7}  {:>8.3}  {:>8.3}  {:>11.3}  {}{}{}\n",
                fold.fold,
                fold.n_test,
                fold.accuracy,
                fold.macro_f1,
                fold.weighted_f1,
                fold.f_avg.map_or(String::new(), |f| format!("{f:>8.3}  ")),
                fold.test_groups.join(", "),
                if fold.converged { "" } else { "  (solver did not converge)" }
            ));
        }
        let m = &self.mean;
        out.push_str(&format!(
            "\nmean ± std over folds: accuracy {:.3} ± {:.3}, macro-F1 {:.3} ± {:.3}, weighted-F1 {:.3} ± {:.3}{}\n",
            m.accuracy.mean,
            m.accuracy.std,
            m.macro_f1.mean,
            m.macro_f1.std,
            m.weighted_f1.mean,
            m.weighted_f1.std,
            m.f_avg.map_or(String::new(), |f| format!(", F_avg {:.3} ± {:.3}", f.mean, f.std))
        ));
        for (label, f1) in &m.per_class_f1 {
            out.push_str(&format!("  F1 {label}: {:.3} ± {:.3}\n", f1.mean, f1.std));
        }
        out.push_str("\npooled out-of-fold predictions:\n\n");
        out.push_str(&self.pooled.to_text());
        if !self.per_target.is_empty() {
            out.push('\n');
            out.push_str(&crate::evaluation::per_target_text(&self.per_target));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::targets::TargetSpec;
    use crate::trainer::TrainParams;
    use stance_features::FeatureConfig;

    const LABELED: &str = include_str!("../../../data/labeled/peacekeepers.tsv");

    /// The report (JSON) and out-of-fold rows (JSON) of a 5-fold CV of the seed data on a
    /// `threads`-thread pool, checking the progress calls on the way.
    fn cv_on(threads: usize, grouped: bool) -> (String, String) {
        let rows: Vec<Vec<&str>> = LABELED.lines().skip(1).map(|line| line.split('\t').collect()).collect();
        let texts: Vec<&str> = rows.iter().map(|row| row[2]).collect();
        let mut labels: Vec<String> = rows.iter().map(|row| row[3].to_owned()).collect();
        labels.sort();
        labels.dedup();
        let targets: Vec<usize> =
            rows.iter().map(|row| labels.binary_search(&row[3].to_owned()).unwrap()).collect();
        let groups: Vec<String> = rows.iter().map(|row| row[0].to_owned()).collect();
        let features = FeatureConfig { max_features: Some(200), ..Default::default() };
        let trainer = TrainParams { features, alpha: 0.3, ..Default::default() }.check().unwrap();
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        let calls = Mutex::new(Vec::new());
        let report = pool
            .install(|| {
                cross_validate_with_progress(
                    &trainer,
                    &texts,
                    &targets,
                    &labels,
                    grouped.then_some(("article", &groups[..])),
                    5,
                    7,
                    &|done, total| calls.lock().unwrap().push((done, total)),
                )
            })
            .unwrap();
        assert_eq!(calls.into_inner().unwrap(), [(1, 5), (2, 5), (3, 5), (4, 5), (5, 5)]);
        assert_eq!(report.out_of_fold.len(), texts.len());
        (serde_json::to_string(&report).unwrap(), serde_json::to_string(&report.out_of_fold).unwrap())
    }

    #[test]
    fn report_does_not_depend_on_the_thread_count() {
        for grouped in [true, false] {
            let serial = cv_on(1, grouped);
            let parallel = cv_on(2, grouped);
            assert_eq!(parallel.0, serial.0, "report, grouped: {grouped}");
            assert_eq!(parallel.1, serial.1, "out-of-fold rows, grouped: {grouped}");
        }
    }

    #[test]
    fn target_strategies_run_per_fold_and_out_of_fold_rows_carry_the_target() {
        use crate::targets::TargetStrategy;
        // "win" is favor for target a and against for target b.
        let mut texts = Vec::new();
        let mut truth = Vec::new();
        let mut stance_targets = Vec::new();
        for place in ["north", "south", "east", "west", "city", "port"] {
            for (target, win_label) in [("a", 1), ("b", 0)] {
                texts.push(format!("a win in the {place}"));
                truth.push(win_label);
                texts.push(format!("a loss in the {place}"));
                truth.push(1 - win_label);
                stance_targets.extend([Some(target.to_string()), Some(target.to_string())]);
            }
        }
        let labels = vec!["against".to_string(), "favor".to_string()];
        let trainer = TrainParams { alpha: 0.1, ..Default::default() }.check().unwrap();
        let run = |strategy, threads| {
            let spec = TargetSpec { strategy, pooled_fallback: false };
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            pool.install(|| {
                cross_validate_targets(
                    &trainer,
                    &spec,
                    &texts,
                    &truth,
                    &labels,
                    Some(&stance_targets),
                    None,
                    3,
                    5,
                    &|_, _| {},
                )
            })
            .unwrap()
        };
        for strategy in [TargetStrategy::PerTarget, TargetStrategy::Conjoined] {
            let report = run(strategy, 1);
            let targets: Vec<Option<String>> = report.out_of_fold.iter().map(|r| r.target.clone()).collect();
            assert_eq!(targets, stance_targets, "{strategy:?}");
            assert!(report.pooled.accuracy > 0.9, "{strategy:?}: {}", report.pooled.accuracy);
            let parallel = run(strategy, 2);
            assert_eq!(serde_json::to_string(&parallel).unwrap(), serde_json::to_string(&report).unwrap());
        }
        // Pooled cannot tell the targets apart; its out-of-fold rows carry them all the same.
        let pooled = run(TargetStrategy::Pooled, 1);
        assert!(pooled.pooled.accuracy < 0.6, "{}", pooled.pooled.accuracy);
        assert_eq!(pooled.out_of_fold[3].target.as_deref(), Some("b"));
    }

    #[test]
    fn annotate_adds_f_avg_per_fold_and_per_target() {
        // Four rows per fold, labels a (neutral), b, c; stratified folds.
        let texts = [
            "calm day",
            "calm night",
            "calm noon",
            "calm dawn",
            "yes troops",
            "yes soldiers",
            "yes army",
            "yes guard",
            "no troops",
            "no soldiers",
            "no army",
            "no guard",
        ];
        let targets: Vec<usize> = (0..12).map(|i| i / 4).collect();
        let labels: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let trainer = TrainParams { alpha: 0.1, ..Default::default() }.check().unwrap();
        let mut report = cross_validate(&trainer, &texts, &targets, &labels, None, 2, 3).unwrap();
        assert_eq!(report.pooled.f_avg, None);
        assert!(report.per_fold.iter().all(|f| f.f_avg.is_none()));
        let row_targets: Vec<Option<String>> =
            (0..12).map(|i| Some(if i % 2 == 0 { "even" } else { "odd" }.to_owned())).collect();
        report.annotate(Some("a"), &row_targets);
        let pooled = &report.pooled.per_class;
        assert_eq!(report.pooled.f_avg, Some((pooled["b"].f1 + pooled["c"].f1) / 2.0));
        for (fold, full) in report.per_fold.iter().zip(&report.fold_reports) {
            // Every label occurs in each stratified fold, so the fold's F_avg is (F1 b + F1 c) / 2.
            let expected = (full.per_class["b"].f1 + full.per_class["c"].f1) / 2.0;
            assert!((fold.f_avg.unwrap() - expected).abs() < 1e-12);
        }
        let f_avgs: Vec<f64> = report.per_fold.iter().map(|f| f.f_avg.unwrap()).collect();
        assert_eq!(report.mean.f_avg, Some(MeanStd::of(&f_avgs)));
        assert_eq!(report.per_target.keys().collect::<Vec<_>>(), ["even", "odd"]);
        assert_eq!(report.per_target["even"].n + report.per_target["odd"].n, 12);
        let evaluation = report.evaluation();
        assert_eq!(evaluation.per_target, report.per_target);
        assert_eq!(evaluation.report.f_avg, report.pooled.f_avg);
        let text = report.to_text();
        assert!(text.contains("weighted-F1     F_avg  test groups"), "{text}");
        assert!(text.contains(", F_avg ") && text.contains("per target:"), "{text}");
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["neutral_label"], "a");
        assert!(json["per_fold"][0]["f_avg"].is_number() && json["mean"]["f_avg"]["mean"].is_number());
        // Clearing the neutral label removes every F_avg.
        report.annotate(None, &[]);
        assert!(report.pooled.f_avg.is_none() && report.mean.f_avg.is_none());
        assert!(!report.to_text().contains("F_avg"));
    }
}
