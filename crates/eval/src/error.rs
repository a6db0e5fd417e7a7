//! Errors of resolving the neutral label and of scoring labeled rows with a model.

use stance_model::{ConsistencyError, TargetError};
use thiserror::Error;

/// Everything that can go wrong in this crate.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum EvalError {
    /// A neutral label was named that is not one of the labels.
    #[error("neutral label {name:?} is not one of the labels ({})", labels.join(", "))]
    UnknownNeutralLabel {
        /// The label named.
        name: String,
        /// The labels it was looked for in.
        labels: Vec<String>,
    },
    /// A labeled row's label is not one of the model's labels.
    #[error("{at}: label {label:?} is not one of the model's labels ({})", labels.join(", "))]
    UnknownLabel {
        /// Where the row came from (its [`crate::LabeledText::source`]).
        at: String,
        /// The row's label.
        label: String,
        /// The model's labels.
        labels: Vec<String>,
    },
    /// A labeled row's target cannot be scored by the model.
    #[error("{at}")]
    Target {
        /// Where the row came from (its [`crate::LabeledText::source`]).
        at: String,
        /// Why the model cannot score it.
        #[source]
        source: TargetError,
    },
    /// The model's weights do not fit its labels or features.
    #[error("the model's weights are inconsistent: {0}")]
    Inconsistent(#[from] ConsistencyError),
}
