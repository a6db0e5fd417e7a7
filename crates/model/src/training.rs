//! Training provenance stored in a model file: what the model was trained on and how.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// How the solver ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SolverReport {
    /// Solver name, e.g. `linfa-logistic (L-BFGS, dense)`.
    pub solver: String,
    /// Value of the training objective at the returned weights.
    pub objective: f64,
    /// Euclidean norm of the objective's gradient at the returned weights.
    pub gradient_norm: f64,
    /// Whether the gradient norm is within the configured tolerance.
    pub converged: bool,
}

/// What the model was trained on and how.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingInfo {
    /// Version of stance that trained the model.
    pub stance_version: String,
    /// File name (without directories) of the training data.
    pub data_file: String,
    /// SHA-256 of the training data file's bytes.
    pub data_sha256: String,
    /// Training rows.
    pub rows: usize,
    /// Training rows per label.
    pub rows_per_label: BTreeMap<String, usize>,
    /// The training options, as the trainer records them.
    pub options: serde_json::Value,
    /// How the solver ended.
    pub solver: SolverReport,
    /// Cross-validation summary computed at training time, if any.
    pub cross_validation: Option<serde_json::Value>,
}
