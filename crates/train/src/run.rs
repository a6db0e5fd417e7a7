//! A whole training run: labeled file → (optional cross-validation) → model file.

use std::collections::BTreeSet;

use serde::Serialize;
use stance_model::{
    CalibrationOptions, ColumnNames, CvOptions, HeldOutEstimate, ModelFile, TargetOptions, TrainingInfo,
    TrainingOptions, FORMAT, FORMAT_VERSION,
};

use crate::calibration::{calibrate, CalibrationSpec};
use stance_eval::CvReport;

use crate::cv::{
    analyse_for_folds, cross_validate, cross_validate_folds, held_out_estimate, Dataset, FoldData, HeldOut,
};
use crate::data::{Columns, LabeledData};
use crate::rows::CorpusRows;
use crate::targets::{fit_strategy, FittedModel, Reuse, TargetSpec};
use crate::topic::{fit_relevance, row_topics, terms_only, TopicClass};
use crate::trainer::{ClassWeight, TrainParams, Trainer};
use crate::{FoldError, TrainError};
use stance_features::{AnalyzedCorpus, NgramRange};

/// The most rows the small-data defaults are for. Above it, [`TrainingRun::scale_estimate_to`]
/// replaces a cross-validation by one held-out fold of [`HELD_OUT_FOLDS`], and
/// [`SizeDefaults::for_rows`] prunes terms seen in fewer than [`LARGE_DATA_MIN_DF`] rows (or
/// one row in [`ROWS_PER_MIN_DF`], if more) and loosens the tolerance. Chosen by measurement
/// (README, "Training at scale").
pub const LARGE_DATA_ROWS: usize = 10_000;

/// Below this many rows [`SizeDefaults::min_df`] keeps every term.
pub const SMALL_DATA_ROWS: usize = 100;

/// [`SizeDefaults::min_df`] above [`LARGE_DATA_ROWS`], and the least it is there.
pub const LARGE_DATA_MIN_DF: usize = 5;

/// Above [`LARGE_DATA_ROWS`], [`SizeDefaults::min_df`] is at least one per this many rows (a
/// proportion, as scikit-learn's float `min_df`): 10 at 1,000,000 rows, where the vocabulary
/// would otherwise keep growing with the data.
pub const ROWS_PER_MIN_DF: usize = 100_000;

/// The defaults of the options a user did not set, some of which depend on the data's size.
/// Chosen by cross-validation on the seed corpus, SemEval-2016, IBM claim stance and the
/// synthetic benchmark corpus (README, "Defaults chosen by evidence").
#[derive(Debug, Clone, PartialEq)]
pub struct SizeDefaults {
    /// [`crate::TrainParams::alpha`]: 0.3 up to [`LARGE_DATA_ROWS`] (1.0 underfits the seed
    /// corpus, SemEval-2016 and IBM claim stance); 1.0 above, where it scored a higher held-out
    /// macro-F1 at 20,000 to 200,000 synthetic rows and converges in fewer iterations.
    pub alpha: f64,
    /// [`crate::TrainParams::class_weight`]: balanced at every size (stance labels are rare).
    pub class_weight: ClassWeight,
    /// [`stance_features::FeatureConfig::min_df`]: 2 from [`SMALL_DATA_ROWS`] rows: a term
    /// seen in one row carries no weight a held-out row can use (200,000 synthetic rows: 2.4 M
    /// terms, 0.44 M seen twice or more). Below, 1, so that a toy file keeps a vocabulary (a
    /// judgement, not a measurement). Above [`LARGE_DATA_ROWS`], 5: on 20,000 to 200,000
    /// synthetic rows it held out as well as 2 or better, with a vocabulary a third the size
    /// (so a smaller, faster model that trains in less time and memory). From 600,000 rows, one
    /// row in [`ROWS_PER_MIN_DF`] (10 at 1,000,000 rows, where it held out as well as 5, macro-F1
    /// 0.866 both, with half the vocabulary and half the training time).
    pub min_df: usize,
    /// Character n-grams: 2–5 up to [`LARGE_DATA_ROWS`], none above, where they multiply the
    /// vocabulary and the training time.
    pub char_ngrams: Option<NgramRange>,
    /// [`crate::TrainParams::gradient_tolerance`]: 1e-4 for small data; 1e-3 above
    /// [`LARGE_DATA_ROWS`], where the sparse solver's per-row tolerance of 1e-4 costs hundreds
    /// of iterations for no held-out accuracy.
    pub gradient_tolerance: f64,
}

impl SizeDefaults {
    /// The defaults for `rows` training rows.
    pub fn for_rows(rows: usize) -> Self {
        let large = rows > LARGE_DATA_ROWS;
        Self {
            alpha: if large { 1.0 } else { 0.3 },
            class_weight: ClassWeight::Balanced,
            min_df: if rows < SMALL_DATA_ROWS {
                1
            } else if large {
                LARGE_DATA_MIN_DF.max(rows / ROWS_PER_MIN_DF)
            } else {
                2
            },
            char_ngrams: (!large).then_some(NgramRange::new(2, 5)),
            gradient_tolerance: if large { 1e-3 } else { 1e-4 },
        }
    }

    /// The defaults of a streamed fit (`--solver sgd`), whose row count is not known before
    /// the file has been read once: the large-data defaults, with [`LARGE_DATA_MIN_DF`] (its
    /// hashed buckets bound the memory whatever the vocabulary).
    pub fn streamed() -> Self {
        Self { min_df: LARGE_DATA_MIN_DF, ..Self::for_rows(LARGE_DATA_ROWS + 1) }
    }
}

/// The held-out estimate holds out one fold of this many (10 % of the rows).
pub const HELD_OUT_FOLDS: usize = 10;

/// Cross-validation to run as part of training.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CvSpec {
    /// Number of folds.
    pub folds: usize,
    /// Shuffle seed for stratified folds.
    pub seed: u64,
    /// Fold by the data's group column when it has one.
    pub grouped: bool,
}

impl CvSpec {
    fn options(&self) -> CvOptions {
        CvOptions { folds: self.folds, seed: self.seed, grouped: self.grouped }
    }
}

/// Everything that defines a training run; recorded in the model file.
#[derive(Debug, Clone, Serialize)]
pub struct TrainingRun {
    /// Hyperparameters.
    pub params: TrainParams,
    /// Columns read from the data file.
    #[serde(skip)]
    pub columns: Columns,
    /// The neutral label, or `None` to detect one of [`stance_eval::NEUTRAL_LABEL_NAMES`].
    pub neutral_label: Option<String>,
    /// Cross-validation to record in the model, if any.
    pub cross_validation: Option<CvSpec>,
    /// One held-out fold (the first of `folds`) to estimate the accuracy with instead, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub held_out: Option<CvSpec>,
    /// How the model uses the rows' stance targets (read from `columns.target`); not
    /// recorded for a pooled model, so pooled models keep their bytes.
    #[serde(skip_serializing_if = "TargetSpec::is_pooled")]
    pub targets: TargetSpec,
    /// Temperature scaling fitted on a held-out fold and stored in the model, if asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calibration: Option<CalibrationSpec>,
    /// Topic terms that make a text on topic whatever the relevance model says (the relevance
    /// model itself is learned when `columns.topic` names a topic column).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub topic_terms: Vec<String>,
}

impl TrainingRun {
    /// The options as the model file records them.
    pub fn options(&self) -> TrainingOptions {
        let strategy = serde_json::to_value(self.targets.strategy).expect("a strategy serializes");
        TrainingOptions {
            params: serde_json::to_value(&self.params).expect("params serialize"),
            columns: ColumnNames {
                text: self.columns.text.clone(),
                label: self.columns.label.clone(),
                group: self.columns.group.clone(),
                target: self.columns.target.clone(),
                topic: self.columns.topic.clone(),
            },
            neutral_label: self.neutral_label.clone(),
            cross_validation: self.cross_validation.as_ref().map(CvSpec::options),
            held_out: self.held_out.as_ref().map(CvSpec::options),
            targets: (!self.targets.is_pooled()).then(|| TargetOptions {
                strategy: strategy.as_str().unwrap_or_default().to_owned(),
                pooled_fallback: self.targets.pooled_fallback,
            }),
            calibration: self.calibration.as_ref().map(|c| CalibrationOptions { seed: c.seed }),
            topic_terms: self.topic_terms.clone(),
            extra: serde_json::Map::new(),
        }
    }
}

/// What [`TrainingRun::cross_validate`] and the held-out estimate read from the data.
struct FoldInputs<'a> {
    labels: Vec<String>,
    targets: Vec<usize>,
    texts: Vec<&'a str>,
    group_column: Option<&'a str>,
    groups: Option<Vec<String>>,
    neutral: Option<String>,
    stance_targets: Option<Vec<Option<String>>>,
}

/// The outcome of [`TrainingRun::run`].
#[derive(Debug, Clone)]
pub struct Trained {
    /// The model, ready to save.
    pub model: ModelFile,
    /// The cross-validation report, if one was run.
    pub cv: Option<CvReport>,
    /// The held-out estimate, if one was run (also stored in the model).
    pub held_out: Option<HeldOutEstimate>,
    /// Things the user should know (for example a solver that did not converge).
    pub warnings: Vec<String>,
}

/// Labels of `data` as indices into its sorted label list.
pub fn label_indices(data: &LabeledData) -> (Vec<String>, Vec<usize>) {
    let labels = data.labels();
    let targets =
        data.rows.iter().map(|row| labels.binary_search(&row.label).expect("label listed")).collect();
    (labels, targets)
}

/// The group of every row, or an error naming the first row without one.
pub(crate) fn row_groups(data: &LabeledData, column: &str) -> Result<Vec<String>, TrainError> {
    data.rows
        .iter()
        .map(|row| {
            row.group.clone().filter(|g| !g.is_empty()).ok_or_else(|| TrainError::MissingGroup {
                path: data.path.clone(),
                line: row.line,
                column: column.to_owned(),
            })
        })
        .collect()
}

/// The stance target of every row, `None` for rows without one (or all `None` without a
/// target column). With `required`, a row without a target is an error naming it.
pub(crate) fn row_targets(
    data: &LabeledData,
    column: Option<&str>,
    required: bool,
) -> Result<Vec<Option<String>>, TrainError> {
    data.rows
        .iter()
        .map(|row| {
            let target = row.target.clone().filter(|t| !t.is_empty());
            match (column, &target) {
                (Some(column), None) if required => Err(TrainError::MissingTarget {
                    path: data.path.clone(),
                    line: row.line,
                    column: column.to_owned(),
                }),
                (None, _) if required => Err(TrainError::NoTargetColumn),
                _ => Ok(target),
            }
        })
        .collect()
}

/// The index of `label` among `labels`, if it is one.
pub(crate) fn label_index(labels: &[String], label: Option<&str>) -> Option<usize> {
    label.and_then(|label| labels.iter().position(|l| l == label))
}

/// The neutral label: the one named (which must be one of `labels`) or a detected one
/// ([`stance_eval::resolve_neutral_label`]), with the error in training's words.
pub(crate) fn neutral_label(labels: &[String], named: Option<&str>) -> Result<Option<String>, TrainError> {
    stance_eval::resolve_neutral_label(labels, named).map_err(|_| {
        TrainError::InvalidParam(format!(
            "neutral label {:?} is not among the data's labels ({})",
            named.unwrap_or_default(),
            labels.join(", ")
        ))
    })
}

impl TrainingRun {
    /// The default for `rows` rows: a cross-validation of more than [`LARGE_DATA_ROWS`] rows
    /// (five fits or more, then the final one) becomes one held-out fold of
    /// [`HELD_OUT_FOLDS`] with the same seed and grouping (one fit besides the final one).
    pub fn scale_estimate_to(&mut self, rows: usize) {
        if rows > LARGE_DATA_ROWS {
            self.hold_out_instead();
        }
    }

    /// Replaces the cross-validation, if any, by one held-out fold of [`HELD_OUT_FOLDS`] with
    /// the same seed and grouping.
    pub fn hold_out_instead(&mut self) {
        if let Some(spec) = self.cross_validation.take() {
            self.held_out = Some(CvSpec { folds: HELD_OUT_FOLDS, ..spec });
        }
    }

    /// Checks everything the run's options alone can tell, before any data is read or any
    /// model fitted: the hyperparameters, the fold count of the cross-validation, and
    /// calibration with a target strategy. Returns the checked trainer.
    /// [`TrainingRun::run`] checks first too; callers that read data call this before.
    pub fn check(&self) -> Result<Trainer, TrainError> {
        let trainer = self.params.clone().check()?;
        for spec in self.cross_validation.iter().chain(&self.held_out) {
            if spec.folds < 2 {
                return Err(FoldError::TooFewFolds(spec.folds).into());
            }
        }
        if self.cross_validation.is_some() && self.held_out.is_some() {
            return Err(TrainError::InvalidParam(
                "a run estimates its accuracy by a cross-validation or by a held-out fold, not both".into(),
            ));
        }
        if self.calibration.is_some() && self.targets.uses_targets() {
            // The temperature is fitted on one scorer's held-out logits; per-target and
            // conjoined models score through other parts, so a shared temperature would be
            // fitted on the wrong logits.
            return Err(TrainError::CalibrationNeedsPooled);
        }
        Ok(trainer)
    }

    /// Cross-validates `trainer` on `data` as `spec` says, calling `progress(done, total)`
    /// after each fold.
    pub fn cross_validate(
        &self,
        trainer: &Trainer,
        data: &LabeledData,
        spec: &CvSpec,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<CvReport, TrainError> {
        self.cross_validate_analysed(trainer, data, spec, None, progress)
    }

    /// [`TrainingRun::cross_validate`], the folds fitting from `analysed` (`data`'s texts
    /// analysed with `trainer`'s features) when given.
    fn cross_validate_analysed(
        &self,
        trainer: &Trainer,
        data: &LabeledData,
        spec: &CvSpec,
        analysed: Option<&AnalyzedCorpus>,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<CvReport, TrainError> {
        let FoldInputs { labels, targets, texts, group_column, groups, neutral, stance_targets } =
            self.fold_inputs(data, spec)?;
        let groups = group_column.zip(groups.as_deref());
        let dataset = Dataset {
            texts: &texts,
            label_ids: &targets,
            labels: &labels,
            groups,
            stance_targets: stance_targets.as_deref(),
            neutral: label_index(&labels, neutral.as_deref()),
        };
        let mut report = match analysed {
            Some(analysed) => {
                let data = FoldData { spec: &self.targets, dataset, analysed: Some(analysed) };
                cross_validate_folds(trainer, &data, spec.folds, spec.seed, progress)?
            }
            None => cross_validate(trainer, &self.targets, &dataset, spec.folds, spec.seed, progress)?,
        };
        let row_targets: Vec<Option<String>> = data.rows.iter().map(|r| r.target.clone()).collect();
        report.annotate(neutral.as_deref(), &row_targets);
        Ok(report)
    }

    /// What folds of `data` as `spec` says read: labels, texts, groups, the neutral label
    /// (checked before any fold runs: F_avg needs it) and the rows' targets.
    fn fold_inputs<'a>(&'a self, data: &'a LabeledData, spec: &CvSpec) -> Result<FoldInputs<'a>, TrainError> {
        let (labels, targets) = label_indices(data);
        let group_column = self.columns.group.as_deref().filter(|_| spec.grouped);
        let groups = group_column.map(|column| row_groups(data, column)).transpose()?;
        let neutral = neutral_label(&labels, self.neutral_label.as_deref())?;
        self.check_strategy_labels(data, &labels, neutral.as_deref())?;
        Ok(FoldInputs {
            texts: data.rows.iter().map(|r| r.text.as_str()).collect(),
            labels,
            targets,
            group_column,
            groups,
            neutral,
            stance_targets: self.row_targets(data)?,
        })
    }

    /// The held-out estimate of `spec` on `data` (see [`held_out_estimate`]), in the model's
    /// terms, and the model fitted for it.
    fn held_out_estimate(
        &self,
        trainer: &Trainer,
        data: &LabeledData,
        spec: &CvSpec,
        analysed: Option<&AnalyzedCorpus>,
    ) -> Result<(HeldOutEstimate, FittedModel), TrainError> {
        let FoldInputs { labels, targets, texts, group_column, groups, neutral, stance_targets } =
            self.fold_inputs(data, spec)?;
        let groups = group_column.zip(groups.as_deref());
        let fold_data = FoldData {
            spec: &self.targets,
            dataset: Dataset {
                texts: &texts,
                label_ids: &targets,
                labels: &labels,
                groups,
                stance_targets: stance_targets.as_deref(),
                neutral: label_index(&labels, neutral.as_deref()),
            },
            analysed,
        };
        let HeldOut { strategy, folds, summary, report, model } =
            held_out_estimate(trainer, &fold_data, spec.folds, spec.seed)?;
        let how = match strategy {
            stance_eval::FoldStrategy::Grouped { column } => {
                let plural = if summary.test_groups.len() == 1 { "" } else { "s" };
                format!(
                    "fold 1 of {folds} grouped by {column:?}: {} group{plural}",
                    summary.test_groups.len()
                )
            }
            stance_eval::FoldStrategy::Stratified { seed } => {
                format!("fold 1 of {folds} stratified by label, seed {seed}")
            }
        };
        let estimate = HeldOutEstimate {
            held_out: how,
            n_train: summary.n_train,
            n_test: summary.n_test,
            accuracy: summary.accuracy,
            macro_f1: summary.macro_f1,
            weighted_f1: summary.weighted_f1,
            f_avg: neutral.as_deref().map(|n| report.mean_f1_over_observed_labels(Some(n))),
            per_class_f1: report
                .per_class
                .iter()
                .filter(|(_, m)| m.support > 0)
                .map(|(label, m)| (label.clone(), m.f1))
                .collect(),
            converged: summary.converged,
        };
        Ok((estimate, model))
    }

    /// The rows' targets when the data has a target column (required for a target-aware
    /// strategy).
    fn row_targets(&self, data: &LabeledData) -> Result<Option<Vec<Option<String>>>, TrainError> {
        let column = self.columns.target.as_deref();
        if column.is_none() && !self.targets.uses_targets() {
            return Ok(None);
        }
        row_targets(data, column, self.targets.uses_targets()).map(Some)
    }

    /// Refuses, before any fit and naming the file, labels the target strategy cannot use
    /// (the relative strategy swaps exactly two stance labels).
    fn check_strategy_labels(
        &self,
        data: &LabeledData,
        labels: &[String],
        neutral: Option<&str>,
    ) -> Result<(), TrainError> {
        if self.targets.strategy != crate::TargetStrategy::Relative {
            return Ok(());
        }
        crate::targets::mirrored_labels(labels, label_index(labels, neutral)).map(|_| ()).map_err(|error| {
            match error {
                TrainError::NotTwoStanceLabels { stance, .. } => {
                    TrainError::NotTwoStanceLabels { path: Some(data.path.clone()), stance }
                }
                other => other,
            }
        })
    }

    /// The rows' topic classes when the run learns relevance (the data has a topic column);
    /// `None` otherwise. Relevance needs a neutral label to give off-topic text.
    fn row_topics(
        &self,
        data: &LabeledData,
        neutral: Option<&str>,
    ) -> Result<Option<Vec<Option<TopicClass>>>, TrainError> {
        if self.columns.topic.is_none() && self.topic_terms.is_empty() {
            return Ok(None);
        }
        if neutral.is_none() {
            return Err(TrainError::Relevance {
                path: data.path.clone(),
                reason: "off-topic text gets the neutral label, and the data has none (name one with the neutral label option)".into(),
            });
        }
        if self.columns.topic.is_none() {
            return Ok(None);
        }
        row_topics(data, neutral).map(Some)
    }

    /// Trains on all of `data` (after the cross-validation, if one is asked for) and
    /// assembles the model file.
    pub fn run(&self, data: &LabeledData) -> Result<Trained, TrainError> {
        self.run_with_progress(data, &|_, _| {})
    }

    /// [`TrainingRun::run`], calling `progress(done, total)` after each cross-validation fold
    /// and after the final fit.
    pub fn run_with_progress(
        &self,
        data: &LabeledData,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<Trained, TrainError> {
        let trainer = self.check()?;
        let (labels, targets) = label_indices(data);
        let distinct: BTreeSet<&usize> = targets.iter().collect();
        if distinct.len() < 2 {
            return Err(TrainError::TooFewClasses { path: Some(data.path.clone()), found: labels });
        }
        let neutral_label = neutral_label(&labels, self.neutral_label.as_deref())?;
        self.check_strategy_labels(data, &labels, neutral_label.as_deref())?;
        // Checked before any fit: a bad topic value or a relevance without a neutral label
        // should not cost a cross-validation first.
        let topics = self.row_topics(data, neutral_label.as_deref())?;
        let steps = self.cross_validation.as_ref().map_or(0, |spec| spec.folds)
            + usize::from(self.held_out.is_some())
            + 1;
        let texts: Vec<&str> = data.rows.iter().map(|r| r.text.as_str()).collect();
        // With several fits of the same features on the same rows, the texts are analysed once.
        let corpus = match self.cross_validation.is_some() || self.held_out.is_some() {
            true => analyse_for_folds(&trainer, &self.targets, &texts)?,
            false => None,
        };
        let cv = (self.cross_validation.as_ref())
            .map(|spec| {
                let progress = |done, _| progress(done, steps);
                self.cross_validate_analysed(&trainer, data, spec, corpus.as_ref(), &progress)
            })
            .transpose()?;
        let stance_targets: Option<Vec<String>> = match self.targets.uses_targets() {
            true => self.row_targets(data)?.map(|rows| rows.into_iter().flatten().collect()),
            false => None,
        };
        // One after the other: each fit already runs on every thread, and side by side their
        // matrices and solver vectors would add up in the peak memory. The fit on all rows
        // starts from the held-out fit's weights (a warm start: nine tenths of the same rows,
        // so fewer iterations to the same tolerance).
        let held_out = (self.held_out.as_ref())
            .map(|spec| self.held_out_estimate(&trainer, data, spec, corpus.as_ref()))
            .transpose()?;
        let (held_out, start) = held_out.unzip();
        let all_rows: Vec<usize> = match &corpus {
            Some(_) => (0..texts.len()).collect(),
            None => Vec::new(),
        };
        let fitted = fit_strategy(
            &trainer,
            &self.targets,
            &texts,
            &targets,
            &labels,
            label_index(&labels, neutral_label.as_deref()),
            stance_targets.as_deref(),
            Reuse {
                start: start.as_ref(),
                analysed: corpus.as_ref().map(|corpus| CorpusRows { corpus, rows: &all_rows }),
            },
        )?;
        drop((start, corpus, all_rows));
        let calibration = (self.calibration.as_ref())
            .map(|spec| calibrate(&trainer, data, self.columns.group.as_deref(), &labels, &targets, spec))
            .transpose()?;
        let relevance = match &topics {
            Some(topics) => {
                Some(fit_relevance(&self.params, &fitted.featurizer, data, topics, &self.topic_terms)?)
            }
            None if !self.topic_terms.is_empty() => Some(terms_only(&fitted.featurizer, &self.topic_terms)),
            None => None,
        };
        progress(steps, steps);
        let mut warnings = fitted.warnings.clone();
        if !fitted.solver.converged {
            warnings.push(format!(
                "the solver did not converge within {} iterations (gradient norm {:.3e} > tolerance {:.1e}); \
                 the model may be under-fitted: raise --max-iterations or --alpha",
                self.params.max_iterations, fitted.solver.gradient_norm, self.params.gradient_tolerance
            ));
        }
        if held_out.as_ref().is_some_and(|estimate| !estimate.converged) {
            warnings.push("the solver did not converge in the held-out estimate's fit".into());
        }
        if let Some(report) = &cv {
            let unconverged = report.per_fold.iter().filter(|f| !f.converged).count();
            if unconverged > 0 {
                warnings
                    .push(format!("the solver did not converge in {unconverged} cross-validation fold(s)"));
            }
        }
        let data_file = data
            .path
            .file_name()
            .map_or_else(|| data.path.display().to_string(), |n| n.to_string_lossy().into_owned());
        let options = self.options();
        let mut model = ModelFile {
            format: FORMAT.into(),
            format_version: FORMAT_VERSION,
            labels,
            neutral_label,
            features: fitted.featurizer,
            weights: fitted.weights,
            targets: fitted.targets,
            training: TrainingInfo {
                stance_version: env!("CARGO_PKG_VERSION").into(),
                data_file,
                data_sha256: data.sha256.clone(),
                rows: data.rows.len(),
                rows_per_label: data.rows_per_label(),
                options,
                solver: fitted.solver,
                cross_validation: cv.as_ref().map(|report| report.summary.clone()),
                held_out: held_out.clone(),
            },
            calibration,
            checksum: None,
            relevance,
            priors: None,
        };
        model.format_version = model.version_needed();
        Ok(Trained { model, cv, held_out, warnings })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{parse_labeled, InputFormat};
    use std::path::Path;

    const LABELED: &str = include_str!("../../../data/labeled/peacekeepers.tsv");

    #[test]
    fn defaults_follow_the_data_size() {
        let toy = SizeDefaults::for_rows(SMALL_DATA_ROWS - 1);
        assert_eq!((toy.min_df, toy.char_ngrams), (1, Some(NgramRange::new(2, 5))));
        assert_eq!((toy.alpha, &toy.class_weight), (0.3, &ClassWeight::Balanced));
        let seed = SizeDefaults::for_rows(169);
        assert_eq!(
            (seed.min_df, seed.char_ngrams, seed.gradient_tolerance),
            (2, Some(NgramRange::new(2, 5)), 1e-4)
        );
        let large = SizeDefaults::for_rows(LARGE_DATA_ROWS + 1);
        assert_eq!((large.min_df, large.char_ngrams, large.gradient_tolerance), (5, None, 1e-3));
        assert_eq!(SizeDefaults::for_rows(LARGE_DATA_ROWS).min_df, 2);
        assert_eq!((large.alpha, &large.class_weight), (1.0, &ClassWeight::Balanced));
        let min_df = |rows| SizeDefaults::for_rows(rows).min_df;
        assert_eq!((min_df(599_999), min_df(600_000), min_df(1_000_000), min_df(2_500_000)), (5, 6, 10, 25));
        assert_eq!(SizeDefaults::streamed(), SizeDefaults { min_df: 5, ..large.clone() });
        assert_eq!(SizeDefaults::for_rows(LARGE_DATA_ROWS).alpha, 0.3);
        assert_eq!(SizeDefaults::for_rows(LARGE_DATA_ROWS).char_ngrams, Some(NgramRange::new(2, 5)));
    }

    fn run() -> TrainingRun {
        TrainingRun {
            // The sparse solver: quick in a debug build.
            params: TrainParams { solver: crate::Solver::Sparse, ..TrainParams::default() },
            columns: Columns { group: Some("article".into()), ..Columns::default() },
            neutral_label: None,
            cross_validation: Some(CvSpec { folds: 5, seed: 7, grouped: false }),
            held_out: None,
            targets: TargetSpec::default(),
            calibration: None,
            topic_terms: Vec::new(),
        }
    }

    #[test]
    fn large_data_get_a_held_out_fold_instead_of_a_cross_validation() {
        let mut small = run();
        small.scale_estimate_to(LARGE_DATA_ROWS);
        assert_eq!(small.cross_validation, run().cross_validation);
        assert_eq!(small.held_out, None);
        let mut large = run();
        large.scale_estimate_to(LARGE_DATA_ROWS + 1);
        assert_eq!(large.cross_validation, None);
        assert_eq!(large.held_out, Some(CvSpec { folds: HELD_OUT_FOLDS, seed: 7, grouped: false }));
        let mut none = TrainingRun { cross_validation: None, ..run() };
        none.scale_estimate_to(LARGE_DATA_ROWS + 1);
        assert_eq!((none.cross_validation, none.held_out), (None, None));
        let both = TrainingRun { held_out: large.held_out.clone(), ..run() };
        assert!(matches!(both.check(), Err(TrainError::InvalidParam(_))));
    }

    #[test]
    fn a_held_out_estimate_is_stored_typed_in_a_format_5_model() {
        let data = parse_labeled(
            Path::new("peacekeepers.tsv"),
            LABELED.as_bytes(),
            InputFormat::Tsv,
            &run().columns,
        )
        .unwrap();
        let mut held = run();
        held.hold_out_instead();
        let trained = held.run(&data).unwrap();
        let estimate = trained.held_out.clone().expect("a held-out estimate");
        assert!(trained.cv.is_none() && trained.model.training.cross_validation.is_none());
        assert_eq!(trained.model.training.held_out.as_ref(), Some(&estimate));
        assert_eq!(trained.model.format_version, 5);
        assert_eq!(estimate.n_train + estimate.n_test, data.rows.len());
        // One stratified fold of ten.
        assert!(estimate.n_test.abs_diff(data.rows.len() / HELD_OUT_FOLDS) <= 3, "{estimate:?}");
        assert_eq!(estimate.held_out, "fold 1 of 10 stratified by label, seed 7");
        assert!((0.0..=1.0).contains(&estimate.macro_f1) && estimate.accuracy > 0.3, "{estimate:?}");
        assert!(estimate.f_avg.is_some(), "the seed data have a neutral label");
        // The final model is fitted on all rows, started from the held-out fit's weights: the
        // features of a run without an estimate and its minimum, to within the tolerance
        // (f − f* ≤ ‖∇f‖² / 2α for the α-strongly convex objective), by another path.
        let plain = TrainingRun { cross_validation: None, ..run() }.run(&data).unwrap();
        assert_eq!(plain.model.features, trained.model.features);
        assert_ne!(plain.model.weights, trained.model.weights);
        let (warm, cold) = (&trained.model.training.solver, &plain.model.training.solver);
        assert!(warm.converged && cold.converged, "{warm:?} {cold:?}");
        let alpha = run().params.alpha;
        let bound = warm.gradient_norm.max(cold.gradient_norm).powi(2) / (2.0 * alpha);
        assert!((warm.objective - cold.objective).abs() <= bound, "{warm:?} {cold:?}");
        // Format 5 all the same: every model this build trains lists its extractors.
        assert_eq!(plain.model.format_version, 5);
        assert!(plain.model.training.held_out.is_none());
        // The estimate is the cross-validation's first fold, alone.
        let mut ten = run();
        ten.cross_validation = Some(CvSpec { folds: HELD_OUT_FOLDS, seed: 7, grouped: false });
        let cv = ten.run(&data).unwrap().cv.unwrap();
        assert_eq!(cv.per_fold[0].macro_f1, estimate.macro_f1);
        assert_eq!(cv.per_fold[0].n_test, estimate.n_test);
    }
}
