//! The stored summary of a cross-validation: how folds were formed ([`FoldStrategy`]), each
//! fold's metrics ([`FoldSummary`]), their mean ± std ([`CvMeans`]) and the pooled out-of-fold
//! metrics ([`CvSummary`]). A model file keeps a [`CvSummary`] of the cross-validation run at
//! training time; `stance-eval`'s `CvReport` is a summary plus the out-of-fold rows it was
//! computed from.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::metrics::{MeanStd, Report};

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

impl CvMeans {
    /// The means of `per_fold`'s accuracy, macro-F1 and weighted F1, with the per-label F1
    /// means given (F_avg is added later, when the neutral label is known).
    pub fn of(per_fold: &[FoldSummary], per_class_f1: BTreeMap<String, MeanStd>) -> Self {
        let metric = |f: fn(&FoldSummary) -> f64| MeanStd::of(&per_fold.iter().map(f).collect::<Vec<_>>());
        Self {
            accuracy: metric(|f| f.accuracy),
            macro_f1: metric(|f| f.macro_f1),
            weighted_f1: metric(|f| f.weighted_f1),
            f_avg: None,
            per_class_f1,
        }
    }
}

/// What a cross-validation scored: the part of a cross-validation report that is stored (in a
/// model file and in `stance cv --format json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CvSummary {
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
    /// The neutral label F_avg leaves out, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub neutral_label: Option<String>,
    /// The pooled out-of-fold metrics of each stance target, when rows have targets.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub per_target: BTreeMap<String, Report>,
}
