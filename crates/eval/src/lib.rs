//! Scoring stance predictions: the numbers, not their rendering.
//!
//! A [`Report`] holds scikit-learn-compatible metrics of one set of predictions plus
//! SemEval-2016's F_avg ([`f_avg`], the one definition every caller uses) when the neutral
//! label is known ([`resolve_neutral_label`]). An [`Evaluation`] adds calibration
//! ([`Reliability`]), the worst errors, per-target reports and abstention to a set of
//! [`ScoredRow`]s; [`evaluate`] builds one by scoring labeled rows with a model's
//! [`stance_model::Scorer`]. [`CvReport`] is the cross-validation report (the loop that fills
//! it is `stance-train`'s). `stance-report` renders all of them as text, HTML and Markdown.
//!
//! The metric types themselves are `stance-metrics`' (re-exported here), so that a model file
//! can store a cross-validation summary typed. This crate depends on `stance-model` and
//! `stance-metrics` only: no linfa, no ndarray, no data-file readers.
//!
//! ```
//! use stance_eval::{Evaluation, Report, ScoredRow};
//! let labels = vec!["none".to_string(), "oppose".to_string(), "support".to_string()];
//! let report = Report::from_predictions_with_neutral(&labels, &[0, 1, 2], &[0, 1, 1], Some("none"));
//! assert_eq!(report.f_avg, Some(stance_eval::f_avg(&report, "none")));
//! let rows = [ScoredRow { text: "Moscow says no.".into(), source: "a:1".into(), truth: 1,
//!                         probabilities: vec![0.1, 0.8, 0.1], target: None }];
//! assert_eq!(Evaluation::from_rows(&labels, &rows).report.accuracy, 1.0);
//! ```

mod articles;
mod cv;
mod error;
mod evaluation;
mod neutral;
mod score;
mod summary;

pub use articles::{ArticleEvaluation, ArticleOutcome, OffTopicCount};
pub use cv::CvReport;
pub use error::EvalError;
pub use evaluation::{
    per_target_reports, Abstention, CoveragePoint, Evaluation, Mistake, Reliability, ReliabilityBin,
    ScoredRow, TemperatureEffect, ABSTENTION_THRESHOLDS, RELIABILITY_BINS, WORST_ERRORS,
};
pub use neutral::{detect_neutral_label, resolve_neutral_label, NEUTRAL_LABEL_NAMES};
pub use score::{evaluate, evaluate_model, EvaluateOptions, LabeledText};
pub use stance_metrics::{
    f_avg, Baseline, ClassMetrics, Confusion, CvMeans, CvSummary, FoldStrategy, FoldSummary, MeanStd, Report,
};
pub use summary::EvaluationSummary;
