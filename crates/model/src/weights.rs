//! The weights of a linear model as stored in a model file.

use serde::{Deserialize, Serialize};

/// Weights of the multinomial logistic model, label-major.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Weights {
    /// `coefficients[label][feature]`, labels in [`crate::ModelFile::labels`] order (long rows are
    /// stored packed, see [`stance_features::floats`]).
    #[serde(with = "stance_features::floats::rows")]
    pub coefficients: Vec<Vec<f64>>,
    /// One intercept per label.
    pub intercepts: Vec<f64>,
}
