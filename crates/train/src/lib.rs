//! Training, cross-validation and accuracy metrics for stance models.
//!
//! Data flows one way: [`read_labeled`] reads a user's TSV/CSV/JSONL file, a [`Trainer`]
//! (checked [`TrainParams`]) fits a featurizer and a multinomial logistic model (linfa-logistic dense, or
//! in-place L-BFGS over sparse rows for large data),
//! [`cross_validate`] measures it on held-out folds (grouped folds never split a group), and
//! [`TrainingRun::run`] assembles a [`stance_model::ModelFile`] with its provenance. The metrics
//! and report types ([`CvReport`], `Report`, `Evaluation`, …) are `stance-eval`'s.
//!
//! ```
//! use stance_eval::Report;
//! use stance_train::TrainParams;
//! let texts = ["Moscow rejects the troops", "Kremlin rejects peacekeepers",
//!              "Britain backs the troops", "France backs peacekeepers"];
//! let labels = vec!["oppose".to_string(), "support".to_string()];
//! let trainer = TrainParams { alpha: 0.1, ..Default::default() }.check().unwrap();
//! let fitted = trainer.fit(&texts, &[0, 0, 1, 1], &labels).unwrap();
//! assert!(fitted.solver.converged);
//! let report = Report::from_predictions(&labels, &[0, 1], &[0, 0]);
//! assert_eq!(report.accuracy, 0.5);
//! ```

mod calibration;
mod cv;
mod data;
mod error;
mod folds;
mod priors;
mod run;
mod space;
mod sparse_solver;
mod targets;
mod topic;
mod trainer;
mod tune;

pub use calibration::{
    calibrate, fit_temperature, negative_log_likelihood, CalibrationSpec, CALIBRATION_FOLDS, MAX_TEMPERATURE,
    MIN_TEMPERATURE,
};
pub use cv::{cross_validate, cross_validate_targets, cross_validate_with_progress};
pub use data::{
    json_kind, parse_labeled, parse_labeled_with_encoding, read_labeled, read_labeled_with,
    read_labeled_with_encoding, read_unlabeled, Columns, DataError, InputFormat, LabeledData, LabeledRow,
    ReadOptions, TextEncoding, FASTTEXT_LABEL, SEMEVAL_HEADER,
};
pub use error::TrainError;
pub use folds::{group_k_fold, stratified_k_fold, train_indices, FoldError};
pub use priors::{choose_priors, fit_priors, PriorsChoice};
pub use run::{label_indices, row_groups, row_targets, CvSpec, Trained, TrainingRun};
pub use space::{default_space, default_space_for, DataProfile};
pub use sparse_solver::{
    minimize, DenseObjective, LbfgsStats, Minimum, Objective, SparseObjective, SparseRows,
};
/// The report [`cross_validate`] returns (defined in `stance-eval`).
pub use stance_eval::CvReport;
pub use targets::{fit_strategy, FittedModel, TargetSpec, TargetStrategy};
pub use topic::{fit_relevance, row_topics, TopicClass, RELEVANCE_THRESHOLD};
pub use trainer::{
    objective_and_gradient_norm, ClassWeight, Fitted, Solver, ToleranceScale, TrainParams, Trainer,
    ABSENT_LABEL_INTERCEPT, AUTO_DENSE_MAX_BYTES, MAX_DENSE_BYTES,
};
pub use tune::{
    check_metric, tune, Axis, Budget, Candidate, Grid, Metric, SearchSummary, Setting, TuneReport,
    TunedRecord, AXES, EXHAUSTIVE_MAX,
};
