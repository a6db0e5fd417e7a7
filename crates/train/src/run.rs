//! A whole training run: labeled file → (optional cross-validation) → model file.

use std::collections::BTreeSet;

use serde::Serialize;
use stance_model::{
    CalibrationOptions, ColumnNames, CvOptions, ModelFile, TargetOptions, TrainingInfo, TrainingOptions,
    FORMAT, FORMAT_VERSION,
};

use crate::calibration::{calibrate, CalibrationSpec};
use stance_eval::CvReport;

use crate::cv::cross_validate_targets;
use crate::data::{Columns, LabeledData};
use crate::targets::{fit_strategy, TargetSpec};
use crate::topic::{fit_relevance, row_topics, terms_only, TopicClass};
use crate::trainer::{TrainParams, Trainer};
use crate::{FoldError, TrainError};

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
            cross_validation: self.cross_validation.as_ref().map(|cv| CvOptions {
                folds: cv.folds,
                seed: cv.seed,
                grouped: cv.grouped,
            }),
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

/// The outcome of [`TrainingRun::run`].
#[derive(Debug, Clone)]
pub struct Trained {
    /// The model, ready to save.
    pub model: ModelFile,
    /// The cross-validation report, if one was run.
    pub cv: Option<CvReport>,
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
pub fn row_groups(data: &LabeledData, column: &str) -> Result<Vec<String>, TrainError> {
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
pub fn row_targets(
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
    /// Checks everything the run's options alone can tell, before any data is read or any
    /// model fitted: the hyperparameters, the fold count of the cross-validation, and
    /// calibration with a target strategy. Returns the checked trainer.
    /// [`TrainingRun::run`] checks first too; callers that read data call this before.
    pub fn check(&self) -> Result<Trainer, TrainError> {
        let trainer = self.params.clone().check()?;
        if let Some(spec) = &self.cross_validation {
            if spec.folds < 2 {
                return Err(FoldError::TooFewFolds(spec.folds).into());
            }
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
        let (labels, targets) = label_indices(data);
        let texts: Vec<&str> = data.rows.iter().map(|r| r.text.as_str()).collect();
        let group_column = self.columns.group.as_deref().filter(|_| spec.grouped);
        let groups = group_column.map(|column| row_groups(data, column)).transpose()?;
        let groups = group_column.zip(groups.as_deref());
        // Checked before the folds run: F_avg needs the neutral label.
        let neutral = neutral_label(&labels, self.neutral_label.as_deref())?;
        let stance_targets = self.row_targets(data)?;
        let mut report = cross_validate_targets(
            trainer,
            &self.targets,
            &texts,
            &targets,
            &labels,
            stance_targets.as_deref(),
            groups,
            spec.folds,
            spec.seed,
            progress,
        )?;
        let row_targets: Vec<Option<String>> = data.rows.iter().map(|r| r.target.clone()).collect();
        report.annotate(neutral.as_deref(), &row_targets);
        Ok(report)
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
        // Checked before any fit: a bad topic value or a relevance without a neutral label
        // should not cost a cross-validation first.
        let topics = self.row_topics(data, neutral_label.as_deref())?;
        let steps = self.cross_validation.as_ref().map_or(0, |spec| spec.folds) + 1;
        let cv = self
            .cross_validation
            .as_ref()
            .map(|spec| self.cross_validate(&trainer, data, spec, &|done, _| progress(done, steps)))
            .transpose()?;
        let texts: Vec<&str> = data.rows.iter().map(|r| r.text.as_str()).collect();
        let stance_targets: Option<Vec<String>> = match self.targets.uses_targets() {
            true => self.row_targets(data)?.map(|rows| rows.into_iter().flatten().collect()),
            false => None,
        };
        let fitted =
            fit_strategy(&trainer, &self.targets, &texts, &targets, &labels, stance_targets.as_deref())?;
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
                cross_validation: cv
                    .as_ref()
                    .map(|report| serde_json::to_value(report).expect("report serializes")),
            },
            calibration,
            checksum: None,
            relevance,
            priors: None,
        };
        model.format_version = model.version_needed();
        Ok(Trained { model, cv, warnings })
    }
}
