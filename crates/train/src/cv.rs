//! Cross-validation: grouped (a group never straddles folds) or stratified k-fold. The report
//! types ([`CvReport`] and its parts) are `stance-eval`'s.

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};

use rayon::prelude::*;
use stance_eval::{CvMeans, CvReport, CvSummary, FoldStrategy, FoldSummary, MeanStd, Report, ScoredRow};
use stance_features::AnalyzedCorpus;
use stance_model::Scorer;

use crate::folds::{group_k_fold, stratified_k_fold, train_indices};
use crate::rows::CorpusRows;
use crate::targets::{fit_strategy, FittedModel, Reuse, TargetSpec};
use crate::trainer::Trainer;
use crate::TrainError;

/// Cross-validates `trainer` on `dataset` with `folds` folds: grouped when the dataset has
/// groups (a group is never split), otherwise stratified by label and shuffled with `seed`.
/// Every fold trains with the target strategy `spec` (for per-target, one model per target of
/// the fold's training rows) and scores its test rows through their targets (a target-aware
/// strategy needs [`Dataset::stance_targets`]; the out-of-fold rows carry them).
///
/// Folds run in parallel on the current rayon pool; their results are gathered in fold order,
/// so the report is the same whatever the number of threads. `progress(done, total)` is called
/// after each fold from the worker threads, one call at a time, with `done` increasing.
pub fn cross_validate<S: AsRef<str> + Sync>(
    trainer: &Trainer,
    spec: &TargetSpec,
    dataset: &Dataset<'_, S>,
    folds: usize,
    seed: u64,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<CvReport, TrainError> {
    // Planned here too so that a fold error comes before the analysis.
    plan_folds(dataset.label_ids, dataset.groups, folds, seed)?;
    let corpus = analyse_for_folds(trainer, spec, dataset.texts)?;
    let data = FoldData { spec, dataset: *dataset, analysed: corpus.as_ref() };
    cross_validate_folds(trainer, &data, folds, seed, progress)
}

/// [`cross_validate`] on `data`, which may bring its texts analysed.
pub(crate) fn cross_validate_folds<S: AsRef<str> + Sync>(
    trainer: &Trainer,
    data: &FoldData<'_, S>,
    folds: usize,
    seed: u64,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<CvReport, TrainError> {
    let Dataset { texts, label_ids, labels, groups, .. } = data.dataset;
    let (strategy, test_sets) = plan_folds(label_ids, groups, folds, seed)?;
    let all: Vec<usize> = (0..test_sets.len()).collect();
    let outcomes = run_folds(trainer, data, &test_sets, &all, progress)?;
    let mut out_of_fold: Vec<Option<ScoredRow>> = vec![None; texts.len()];
    let mut per_fold = Vec::with_capacity(test_sets.len());
    let mut fold_reports = Vec::with_capacity(test_sets.len());
    let mut per_class: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for outcome in outcomes {
        for (i, row) in outcome.scored {
            out_of_fold[i] = Some(row);
        }
        for (label, f1) in outcome.class_f1 {
            per_class.entry(label).or_default().push(f1);
        }
        per_fold.push(outcome.summary);
        fold_reports.push(outcome.report);
    }
    let per_class_f1 = per_class.into_iter().map(|(label, f1s)| (label, MeanStd::of(&f1s))).collect();
    let mean = CvMeans::of(&per_fold, per_class_f1);
    // Every row is in exactly one test fold, so every slot is filled.
    let out_of_fold: Vec<ScoredRow> = out_of_fold.into_iter().flatten().collect();
    let predicted: Vec<usize> = out_of_fold.iter().map(ScoredRow::predicted).collect();
    let pooled = Report::from_predictions(labels, label_ids, &predicted);
    let summary = CvSummary {
        strategy,
        folds: test_sets.len(),
        n: texts.len(),
        per_fold,
        mean,
        pooled,
        neutral_label: None,
        per_target: BTreeMap::new(),
    };
    Ok(CvReport { summary, out_of_fold, fold_reports })
}

/// How folds are formed and each fold's test rows: grouped when `groups` is given, otherwise
/// stratified by `label_ids` and shuffled with `seed`.
pub(crate) fn plan_folds(
    label_ids: &[usize],
    groups: Option<(&str, &[String])>,
    folds: usize,
    seed: u64,
) -> Result<(FoldStrategy, Vec<Vec<usize>>), TrainError> {
    Ok(match groups {
        Some((column, groups)) => {
            (FoldStrategy::Grouped { column: column.to_owned() }, group_k_fold(groups, folds)?)
        }
        None => (FoldStrategy::Stratified { seed }, stratified_k_fold(label_ids, folds, seed)?),
    })
}

/// Runs the folds `which` (indices into `test_sets`) in parallel and returns their outcomes in
/// the order of `which`, or the error of the first failing fold in that order (as a serial
/// run would report it). `progress(done, which.len())` is called after each fold.
pub(crate) fn run_folds<S: AsRef<str> + Sync>(
    trainer: &Trainer,
    data: &FoldData<'_, S>,
    test_sets: &[Vec<usize>],
    which: &[usize],
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Vec<FoldOutcome>, TrainError> {
    check_fold_targets(data)?;
    let done = Mutex::new(0);
    which
        .par_iter()
        .map(|&fold| {
            let outcome = run_fold(trainer, data, fold, &test_sets[fold]).map(|(outcome, _)| outcome);
            if outcome.is_ok() {
                let mut done = done.lock().unwrap_or_else(PoisonError::into_inner);
                *done += 1;
                progress(*done, which.len());
            }
            outcome
        })
        .collect::<Vec<_>>()
        .into_iter()
        .collect()
}

/// A target-aware strategy needs every row's target: an error naming the first row without.
fn check_fold_targets<S>(data: &FoldData<'_, S>) -> Result<(), TrainError> {
    if data.spec.uses_targets() {
        let missing = data.stance_targets.map_or(Some(0), |t| t.iter().position(Option::is_none));
        if let Some(row) = missing {
            return Err(TrainError::InvalidParam(format!(
                "the {:?} target strategy needs a target for every row (row {} has none)",
                data.spec.strategy,
                row + 1
            )));
        }
    }
    Ok(())
}

/// The outcome of [`held_out_estimate`]: the first fold of a cross-validation, alone.
#[derive(Debug, Clone)]
pub(crate) struct HeldOut {
    /// How the folds were drawn.
    pub strategy: FoldStrategy,
    /// The number of folds the held-out one is one of.
    pub folds: usize,
    /// The held-out fold's summary (rows, accuracy, macro-F1, convergence).
    pub summary: FoldSummary,
    /// The held-out fold's full report.
    pub report: Report,
    /// The model fitted on the other folds (a warm start for the fit on all rows).
    pub model: FittedModel,
}

/// Fits `trainer` on all rows but the first fold of the `folds` that [`cross_validate`]
/// would draw, and scores that fold: one fit instead of `folds`, for data too large for a
/// cross-validation to be cheap. With groups, there are at most as many folds as groups (so
/// few groups hold out one whole group). The same errors as [`cross_validate`].
pub(crate) fn held_out_estimate<S: AsRef<str> + Sync>(
    trainer: &Trainer,
    data: &FoldData<'_, S>,
    folds: usize,
    seed: u64,
) -> Result<HeldOut, TrainError> {
    let folds = match data.groups {
        Some((_, groups)) => folds.min(groups.iter().collect::<std::collections::BTreeSet<_>>().len()),
        None => folds,
    };
    let (strategy, test_sets) = plan_folds(data.label_ids, data.groups, folds, seed)?;
    check_fold_targets(data)?;
    let (outcome, model) = run_fold(trainer, data, 0, &test_sets[0])?;
    Ok(HeldOut { strategy, folds: test_sets.len(), summary: outcome.summary, report: outcome.report, model })
}

/// What one fold contributes to a [`CvReport`].
pub(crate) struct FoldOutcome {
    pub(crate) summary: FoldSummary,
    /// `(row index, out-of-fold prediction)` for every test row, in test-set order.
    pub(crate) scored: Vec<(usize, ScoredRow)>,
    /// F1 of every label with test rows in this fold, in label order.
    class_f1: Vec<(String, f64)>,
    /// The fold's full report.
    report: Report,
}

/// The labeled rows a cross-validation reads: the texts, each row's label index into
/// `labels`, and optionally each row's group (folds never split a group) and stance target.
pub struct Dataset<'a, S> {
    /// The texts, one per row.
    pub texts: &'a [S],
    /// Each row's label, an index into `labels`.
    pub label_ids: &'a [usize],
    /// The label names.
    pub labels: &'a [String],
    /// The group column's name and each row's group, for grouped folds.
    pub groups: Option<(&'a str, &'a [String])>,
    /// Each row's stance target, for target-aware strategies.
    pub stance_targets: Option<&'a [Option<String>]>,
    /// The neutral label's index, if the labels have one (the relative strategy swaps the
    /// other two).
    pub neutral: Option<usize>,
}

// By hand: derived impls would require `S: Copy`, and only references are copied.
impl<S> Clone for Dataset<'_, S> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<S> Copy for Dataset<'_, S> {}

impl<'a, S> Dataset<'a, S> {
    /// Rows without groups or targets.
    pub fn new(texts: &'a [S], label_ids: &'a [usize], labels: &'a [String]) -> Self {
        Dataset { texts, label_ids, labels, groups: None, stance_targets: None, neutral: None }
    }

    /// The same rows, in groups of the column `column` (folds are then grouped).
    #[must_use]
    pub fn grouped_by(self, column: &'a str, groups: &'a [String]) -> Self {
        Dataset { groups: Some((column, groups)), ..self }
    }

    /// The same rows with the neutral label `neutral` (an index into the labels).
    #[must_use]
    pub fn with_neutral(self, neutral: Option<usize>) -> Self {
        Dataset { neutral, ..self }
    }

    /// The same rows with their stance targets.
    #[must_use]
    pub fn with_targets(self, stance_targets: Option<&'a [Option<String>]>) -> Self {
        Dataset { stance_targets, ..self }
    }
}

/// What every fold reads: the dataset and how the model uses its targets.
pub(crate) struct FoldData<'a, S> {
    pub(crate) spec: &'a TargetSpec,
    pub(crate) dataset: Dataset<'a, S>,
    /// The dataset's texts analysed with the trainer's feature config, which every pooled
    /// fold fits from instead of analysing its training texts again ([`analyse_for_folds`]).
    pub(crate) analysed: Option<&'a AnalyzedCorpus>,
}

/// `texts` analysed once with `trainer`'s feature config, where folds fitting `spec` would use
/// it: a pooled strategy (the others fit their own feature sets) and a config the corpus can
/// serve. Each fold then saves analysing its training texts twice, for one analysis of all.
pub(crate) fn analyse_for_folds<S: AsRef<str> + Sync>(
    trainer: &Trainer,
    spec: &TargetSpec,
    texts: &[S],
) -> Result<Option<AnalyzedCorpus>, TrainError> {
    if spec.uses_targets() {
        return Ok(None);
    }
    Ok(AnalyzedCorpus::new(&trainer.params().features, texts)?)
}

impl<'a, S> std::ops::Deref for FoldData<'a, S> {
    type Target = Dataset<'a, S>;
    fn deref(&self) -> &Dataset<'a, S> {
        &self.dataset
    }
}

/// Trains on everything outside `test` and scores `test` (fold number `fold`, 0-based);
/// returns the outcome and the fold's model.
fn run_fold<S: AsRef<str> + Sync>(
    trainer: &Trainer,
    data: &FoldData<'_, S>,
    fold: usize,
    test: &[usize],
) -> Result<(FoldOutcome, FittedModel), TrainError> {
    let spec = data.spec;
    let Dataset { texts, label_ids, labels, stance_targets, groups, neutral } = data.dataset;
    let train = train_indices(texts.len(), test);
    let train_texts: Vec<&str> = train.iter().map(|&i| texts[i].as_ref()).collect();
    let train_label_ids: Vec<usize> = train.iter().map(|&i| label_ids[i]).collect();
    let train_stance: Option<Vec<String>> = stance_targets
        .filter(|_| spec.uses_targets())
        .map(|all| train.iter().filter_map(|&i| all[i].clone()).collect());
    let fitted = fit_strategy(
        trainer,
        spec,
        &train_texts,
        &train_label_ids,
        labels,
        neutral,
        train_stance.as_deref(),
        Reuse { start: None, analysed: data.analysed.map(|corpus| CorpusRows { corpus, rows: &train }) },
    )?;
    let scorer =
        Scorer::new(labels, &fitted.featurizer, &fitted.weights, fitted.targets.as_ref(), None).map_err(
            |problem| stance_model::ModelError::Inconsistent { path: "<cross-validation>".into(), problem },
        )?;
    // Scored in parallel; the first failing row (in test order) names the error.
    let scored: Vec<(usize, ScoredRow)> = test
        .par_iter()
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
                truth: label_ids[i],
                probabilities,
                target,
            };
            Ok((i, row))
        })
        .collect::<Vec<Result<_, TrainError>>>()
        .into_iter()
        .collect::<Result<_, TrainError>>()?;
    let truth: Vec<usize> = test.iter().map(|&i| label_ids[i]).collect();
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
        // Over the labels that occur in the fold, as scikit-learn computes it without a label
        // list: a label absent from a fold does not count as 0.
        macro_f1: report.mean_f1_over_observed_labels(None),
        weighted_f1: report.weighted_f1,
        f_avg: None,
        converged: fitted.converged,
    };
    Ok((FoldOutcome { summary, scored, class_f1, report }, fitted))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pooled cross-validation without progress reports.
    fn pooled<S: AsRef<str> + Sync>(
        trainer: &Trainer,
        dataset: Dataset<'_, S>,
        folds: usize,
        seed: u64,
    ) -> Result<CvReport, TrainError> {
        cross_validate(trainer, &TargetSpec::default(), &dataset, folds, seed, &|_, _| {})
    }
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
                let dataset = Dataset {
                    groups: grouped.then_some(("article", &groups[..])),
                    ..Dataset::new(&texts, &targets, &labels)
                };
                cross_validate(&trainer, &TargetSpec::default(), &dataset, 5, 7, &|done, total| {
                    calls.lock().unwrap().push((done, total))
                })
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
                let dataset = Dataset::new(&texts, &truth, &labels).with_targets(Some(&stance_targets));
                cross_validate(&trainer, &spec, &dataset, 3, 5, &|_, _| {})
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

    /// Four groups of four rows; every word belongs to one group and one label ("amber" is x
    /// in group north, "basil" y there, and so on), so a model that never saw a group knows
    /// none of its words.
    fn private_words() -> (Vec<String>, Vec<usize>, Vec<String>) {
        let groups = [
            ("north", "amber", "basil"),
            ("south", "cobalt", "daisy"),
            ("east", "ember", "fjord"),
            ("west", "garnet", "hazel"),
        ];
        let (mut texts, mut truth, mut row_groups) = (Vec::new(), Vec::new(), Vec::new());
        for (group, x_word, y_word) in groups {
            for (word, label) in [(x_word, 0), (y_word, 1), (x_word, 0), (y_word, 1)] {
                texts.push(format!("{word} {word}"));
                truth.push(label);
                row_groups.push(group.to_owned());
            }
        }
        (texts, truth, row_groups)
    }

    #[test]
    fn grouped_cv_never_trains_on_its_test_rows() {
        let (texts, truth, groups) = private_words();
        let labels = vec!["x".to_string(), "y".to_string()];
        let trainer = TrainParams { alpha: 0.01, ..Default::default() }.check().unwrap();
        // Trained on every row, the model knows every word and gets every row right ...
        let all = trainer.fit(&texts, &truth, &labels).unwrap();
        let scorer = Scorer::new(&labels, &all.featurizer, &all.weights, None, None).unwrap();
        let route = scorer.route(None).unwrap();
        let seen: Vec<usize> =
            texts.iter().map(|t| stance_model::argmax(&route.probabilities(t)).unwrap()).collect();
        assert_eq!(seen, truth, "a model that saw the rows classifies them");
        // ... so a leave-one-group-out CV that trained on its test rows would score 1. One that
        // does not sees none of the test group's words: all four test rows get the same
        // probabilities, hence the same label, and each fold (two x, two y) scores exactly 1/2.
        let report =
            pooled(&trainer, Dataset::new(&texts, &truth, &labels).grouped_by("place", &groups), 4, 0)
                .unwrap();
        assert_eq!(report.folds, 4);
        assert_eq!(report.per_fold.iter().map(|f| f.fold).collect::<Vec<_>>(), [1, 2, 3, 4]);
        for fold in &report.per_fold {
            assert_eq!((fold.n_train, fold.n_test), (12, 4), "{fold:?}");
            assert_eq!(fold.accuracy, 0.5, "{fold:?}");
            // One label predicted for all: F1 2/3 for it (TP 2, FP 2), 0 for the other.
            assert!((fold.macro_f1 - 1.0 / 3.0).abs() < 1e-12, "{fold:?}");
        }
        for group in report.out_of_fold.chunks(4) {
            assert!(group.iter().all(|row| row.probabilities == group[0].probabilities), "{group:?}");
        }
        assert_eq!(report.pooled.accuracy, 0.5);
        assert_eq!(report.mean.accuracy, MeanStd { mean: 0.5, std: 0.0 });
        let sources: Vec<&str> = report.out_of_fold.iter().map(|row| row.source.as_str()).collect();
        assert_eq!(sources, groups.iter().map(String::as_str).collect::<Vec<_>>());
    }

    #[test]
    fn fold_macro_f1_and_f_avg_leave_out_labels_absent_from_the_fold() {
        // Labels a (neutral), b, c, told apart by their first word; group g1 has no c row. Every
        // row is classified right, so the folds score 1 over the labels they contain; counting
        // the absent c as 0 would give g1's fold a macro-F1 of 2/3 and an F_avg of 1/2.
        let rows = [
            ("g1", "calm day", 0),
            ("g1", "calm night", 0),
            ("g1", "yes troops", 1),
            ("g1", "yes soldiers", 1),
            ("g2", "calm noon", 0),
            ("g2", "calm dawn", 0),
            ("g2", "yes army", 1),
            ("g2", "yes guard", 1),
            ("g2", "no troops", 2),
            ("g2", "no soldiers", 2),
            ("g3", "calm dusk", 0),
            ("g3", "calm evening", 0),
            ("g3", "yes navy", 1),
            ("g3", "yes police", 1),
            ("g3", "no army", 2),
            ("g3", "no guard", 2),
        ];
        let texts: Vec<&str> = rows.iter().map(|r| r.1).collect();
        let truth: Vec<usize> = rows.iter().map(|r| r.2).collect();
        let groups: Vec<String> = rows.iter().map(|r| r.0.to_owned()).collect();
        let labels: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let trainer = TrainParams { alpha: 0.1, ..Default::default() }.check().unwrap();
        let mut report =
            pooled(&trainer, Dataset::new(&texts, &truth, &labels).grouped_by("group", &groups), 3, 0)
                .unwrap();
        assert_eq!(report.pooled.accuracy, 1.0, "every row classified right");
        report.annotate(Some("a"), &[]);
        let g1 = report.per_fold.iter().position(|f| f.test_groups == ["g1"]).expect("a fold of g1 alone");
        let fold = &report.per_fold[g1];
        assert_eq!((fold.n_test, fold.accuracy, fold.macro_f1, fold.f_avg), (4, 1.0, 1.0, Some(1.0)));
        assert!((report.fold_reports[g1].macro_f1 - 2.0 / 3.0).abs() < 1e-12, "all labels: c counts 0");
        assert!(report.per_fold.iter().all(|f| f.macro_f1 == 1.0 && f.f_avg == Some(1.0)));
        assert_eq!(report.mean.macro_f1, MeanStd { mean: 1.0, std: 0.0 });
        assert_eq!(report.mean.f_avg, Some(MeanStd { mean: 1.0, std: 0.0 }));
        // A label's F1 is averaged over the folds that contain it: c over g2 and g3 only.
        assert_eq!(report.mean.per_class_f1["c"], MeanStd { mean: 1.0, std: 0.0 });
        assert_eq!(report.mean.per_class_f1["a"], MeanStd { mean: 1.0, std: 0.0 });
    }

    #[test]
    fn a_test_target_unseen_in_training_names_its_fold() {
        use crate::targets::TargetStrategy;
        // Target c only in group gc, the third fold (groups g1 and g2 are larger): a per-target
        // model of that fold has no model for c and no pooled fallback.
        let mut texts = Vec::new();
        let mut truth = Vec::new();
        let mut stance_targets = Vec::new();
        let mut groups = Vec::new();
        for (group, targets) in [("g1", ["a", "b"]), ("g2", ["a", "b"]), ("gc", ["c", "c"])] {
            for (target, place) in targets.into_iter().zip(["north", "south"]) {
                for (word, label) in [("win", 1), ("loss", 0)] {
                    texts.push(format!("a {word} in the {place} for {group}"));
                    truth.push(label);
                    stance_targets.push(Some(target.to_owned()));
                    groups.push(group.to_owned());
                }
            }
        }
        let labels = vec!["against".to_string(), "favor".to_string()];
        let trainer = TrainParams { alpha: 0.1, ..Default::default() }.check().unwrap();
        let spec = TargetSpec { strategy: TargetStrategy::PerTarget, pooled_fallback: false };
        let dataset = Dataset::new(&texts, &truth, &labels)
            .grouped_by("group", &groups)
            .with_targets(Some(&stance_targets));
        let err = cross_validate(&trainer, &spec, &dataset, 3, 0, &|_, _| {}).unwrap_err();
        assert!(matches!(err, TrainError::FoldTarget { fold: 3, grouped: true, .. }), "{err}");
        assert!(err.to_string().starts_with("cross-validation fold 3: "), "{err}");
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
        let mut report = pooled(&trainer, Dataset::new(&texts, &targets, &labels), 2, 3).unwrap();
        assert_eq!(report.per_fold.iter().map(|f| f.fold).collect::<Vec<_>>(), [1, 2]);
        let sources: Vec<String> = report.out_of_fold.iter().map(|row| row.source.clone()).collect();
        assert_eq!(sources, (1..=12).map(|i| format!("row {i}")).collect::<Vec<_>>());
        assert!(report.per_fold.iter().all(|f| f.test_groups.is_empty()));
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
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["neutral_label"], "a");
        assert!(json["per_fold"][0]["f_avg"].is_number() && json["mean"]["f_avg"]["mean"].is_number());
        // Clearing the neutral label removes every F_avg.
        report.annotate(None, &[]);
        assert!(report.pooled.f_avg.is_none() && report.mean.f_avg.is_none());
    }
}
