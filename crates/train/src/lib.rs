//! Training, cross-validation and accuracy metrics for stance models.

mod data;
mod folds;
mod metrics;

pub use data::{read_labeled, Columns, DataError, InputFormat, LabeledData, LabeledRow};
pub use folds::{group_k_fold, stratified_k_fold, FoldError};
pub use metrics::{ClassMetrics, Confusion, Report};
