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
mod nb;
mod priors;
mod rows;
mod run;
mod space;
mod sparse_solver;
mod stream;
mod targets;
mod topic;
mod trainer;
mod tune;

pub use calibration::CalibrationSpec;
pub use cv::{cross_validate, Dataset};
pub use data::{
    json_kind, parse_labeled, parse_labeled_with_encoding, read_labeled, read_labeled_with,
    read_labeled_with_encoding, read_unlabeled, Columns, DataError, InputFormat, LabeledData, LabeledRow,
    LabeledStream, ReadOptions, TextEncoding, FASTTEXT_LABEL, SEMEVAL_HEADER,
};
pub use error::TrainError;
pub use folds::FoldError;
pub use priors::{choose_priors, fit_priors, PriorsChoice};
pub use run::{
    label_indices, CvSpec, SizeDefaults, Trained, TrainingRun, HELD_OUT_FOLDS, LARGE_DATA_MIN_DF,
    LARGE_DATA_ROWS, ROWS_PER_MIN_DF, SMALL_DATA_ROWS,
};
pub use space::{default_space, default_space_for, DataProfile};
pub use sparse_solver::LbfgsStats;
/// The report [`cross_validate`] returns (defined in `stance-eval`).
pub use stance_eval::CvReport;
pub use stream::{
    train_streaming, StreamParams, StreamProgress, StreamSource, MAX_PASSES, STREAM_DEFAULT_BITS,
};
pub use targets::{TargetSpec, TargetStrategy};
pub use topic::{row_topics, TopicClass};
pub use trainer::{char_columns, ClassWeight, Fitted, Solver, ToleranceScale, TrainParams, Trainer};
pub use tune::{
    check_metric, tune, Axis, Budget, Candidate, Grid, Metric, SearchSummary, Setting, TuneReport,
    TunedRecord, AXES, EXHAUSTIVE_MAX,
};
