//! What a set of stance predictions scores, as numbers: the lowest layer every other crate
//! reads scores from.
//!
//! A [`Report`] holds scikit-learn-compatible metrics of one set of predictions (given as
//! label indices) plus SemEval-2016's F_avg ([`f_avg`], the one definition every caller uses)
//! and the majority-class [`Baseline`]. [`CvSummary`] is what a cross-validation scored, the
//! part a model file stores (`stance-model` keeps it typed); the loop that computes it is
//! `stance-train`'s and the rows it came from are `stance-eval`'s `CvReport`.
//!
//! This crate knows no model, no text and no file: it depends on `serde` only.
//!
//! ```
//! use stance_metrics::Report;
//! let labels = vec!["none".to_string(), "oppose".to_string(), "support".to_string()];
//! let report = Report::from_predictions_with_neutral(&labels, &[0, 1, 2], &[0, 1, 1], Some("none"));
//! assert_eq!(report.f_avg, Some(stance_metrics::f_avg(&report, "none")));
//! ```

mod cv;
mod metrics;

pub use cv::{CvMeans, CvSummary, FoldStrategy, FoldSummary};
pub use metrics::{f_avg, Baseline, ClassMetrics, Confusion, MeanStd, Report};
