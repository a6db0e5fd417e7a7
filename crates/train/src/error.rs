//! Errors raised while reading data, training or cross-validating.

use thiserror::Error;

use crate::{DataError, FoldError};

/// Everything that can go wrong in this crate.
#[derive(Debug, Error)]
pub enum TrainError {
    /// The labeled data file could not be read.
    #[error(transparent)]
    Data(#[from] DataError),
    /// Folds could not be formed.
    #[error(transparent)]
    Folds(#[from] FoldError),
    /// The featurizer could not be built.
    #[error(transparent)]
    Features(#[from] stance_features::FeatureError),
    /// A per-target or conjoined strategy without a target column to read targets from.
    #[error("a target-aware strategy (per-target or conjoined) needs a target column")]
    NoTargetColumn,
    /// F_avg asked for on data whose neutral label is not known.
    #[error("F_avg needs a neutral label, the one it leaves out (labels: {})", labels.join(", "))]
    MetricNeedsNeutralLabel {
        /// The data's labels.
        labels: Vec<String>,
    },
    /// Calibration asked for with a target strategy other than pooled.
    #[error("calibration is only supported with the pooled target strategy")]
    CalibrationNeedsPooled,
    /// A streamed file changed between passes (rows or labels other than the first pass saw).
    #[error("{}:{line}: the file changed while it was being trained on (its rows differ from the first pass's)", path.display())]
    StreamChanged {
        /// The file.
        path: std::path::PathBuf,
        /// The line where the difference showed.
        line: usize,
    },
    /// The word/char blend asked for with features that do not make two parts.
    #[error("the word/char blend needs character n-grams and word n-grams (or stance cues), but the features have {0}")]
    BlendNeedsTwoParts(&'static str),
    /// The word/char blend asked for with feature hashing, whose buckets mix word and
    /// character terms.
    #[error("the word/char blend needs a vocabulary: hashed buckets mix word and character n-grams")]
    BlendNeedsVocabulary,
    /// A hyperparameter is out of range.
    #[error("invalid training parameter: {0}")]
    InvalidParam(String),
    /// Training data with fewer than two distinct labels.
    #[error("{}training needs at least two labels, found {}",
        path.as_ref().map_or(String::new(), |p| format!("{}: ", p.display())),
        if found.is_empty() { "none".to_string() } else { found.join(", ") })]
    TooFewClasses {
        /// The data file, when known.
        path: Option<std::path::PathBuf>,
        /// The labels that were found.
        found: Vec<String>,
    },
    /// The relative target strategy on labels that are not two stance labels besides the
    /// neutral one.
    #[error("{}the relative target strategy swaps two stance labels for targets phrased against something, and the data has {} besides the neutral label ({}); name the neutral label if one of them is it",
        path.as_ref().map_or(String::new(), |p| format!("{}: ", p.display())),
        stance.len(),
        stance.join(", "))]
    NotTwoStanceLabels {
        /// The data file, when known.
        path: Option<std::path::PathBuf>,
        /// The labels besides the neutral one.
        stance: Vec<String>,
    },
    /// The dense design matrix linfa-logistic needs would not fit in memory.
    #[error("{rows} rows × {features} features needs {} MiB as a dense matrix, above the {} MiB limit of the dense solver; use the sparse (or auto) solver, a higher min_df or a max_features limit", bytes >> 20, crate::trainer::MAX_DENSE_BYTES >> 20)]
    TooLargeForDense {
        /// Training rows.
        rows: usize,
        /// Features.
        features: usize,
        /// Bytes the dense matrix would take.
        bytes: usize,
    },
    /// An explicit class weight names a label the data does not have.
    #[error("class weight given for label {label:?}, which is not one of the data's labels: {}", labels.join(", "))]
    UnknownClassWeightLabel {
        /// The unknown label.
        label: String,
        /// The data's labels.
        labels: Vec<String>,
    },
    /// The L-BFGS solver failed.
    #[error("the logistic regression solver failed: {0} (a larger alpha often helps)")]
    Solver(String),
    /// The solver returned weights that cannot be a trained model.
    #[error("the solver returned {} weights; nothing was learned (try a smaller alpha or check the labels)", if *all_zero { "all-zero" } else { "non-finite" })]
    DegenerateWeights {
        /// True for all-zero weights, false for NaN/infinite ones.
        all_zero: bool,
    },
    /// Grouped cross-validation on rows that have no group.
    #[error("{path}:{line}: row has no value in group column {column:?}", path = path.display())]
    MissingGroup {
        /// Data file.
        path: std::path::PathBuf,
        /// Line of the row.
        line: usize,
        /// The group column.
        column: String,
    },
    /// Training the sub-model of one target failed.
    #[error("target {target:?}: {source}")]
    Target {
        /// The target.
        target: String,
        /// What went wrong.
        source: Box<TrainError>,
    },
    /// A target-aware strategy on rows that have no target.
    #[error("{path}:{line}: row has no value in target column {column:?}", path = path.display())]
    MissingTarget {
        /// Data file.
        path: std::path::PathBuf,
        /// Line of the row.
        line: usize,
        /// The target column.
        column: String,
    },
    /// A cross-validation fold holds a row its model cannot score.
    #[error("cross-validation fold {fold}: {source}{}",
        if *grouped { "; folds grouped by target leave every test target unseen: use stratified folds" } else { "" })]
    FoldTarget {
        /// 1-based fold number.
        fold: usize,
        /// Whether folds were grouped.
        grouped: bool,
        /// Why the row cannot be scored.
        source: stance_model::TargetError,
    },
    /// A topic value that is not one of the known spellings.
    #[error("{path}:{line}: topic {value:?} is not one of target, related, other (or true/false)", path = path.display())]
    BadTopic {
        /// Data file.
        path: std::path::PathBuf,
        /// Line of the row.
        line: usize,
        /// The value found.
        value: String,
    },
    /// Topic relevance cannot be learned from the data's topic column.
    #[error("{path}: cannot learn topic relevance: {reason}", path = path.display())]
    Relevance {
        /// Data file.
        path: std::path::PathBuf,
        /// What is missing.
        reason: String,
    },
    /// The trained model could not be assembled.
    #[error(transparent)]
    Model(#[from] stance_model::ModelError),
}
