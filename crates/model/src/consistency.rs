//! Why the parts of a model disagree: the typed message of [`crate::ModelError::Inconsistent`].

use thiserror::Error;

/// A model whose parts disagree with each other (sizes, NaN weights, unknown labels, sections
/// the file's format version cannot hold). The message names the first problem found.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum ConsistencyError {
    /// Fewer than two labels.
    #[error("a model needs at least 2 labels, found {found}")]
    TooFewLabels {
        /// Labels found.
        found: usize,
    },
    /// A label listed twice.
    #[error("label {label:?} appears twice")]
    DuplicateLabel {
        /// The label.
        label: String,
    },
    /// A neutral label that is not one of the labels.
    #[error("neutral label {label:?} is not one of the labels")]
    UnknownNeutralLabel {
        /// The neutral label named.
        label: String,
    },
    /// A relative targets section whose swapped labels are not two distinct labels.
    #[error("the relative targets section swaps {labels:?}, which are not two distinct labels of the model")]
    BadMirroredLabels {
        /// The labels it names.
        labels: Vec<String>,
    },
    /// A section the file's format version cannot hold.
    #[error("a {section} section needs format version {needed}, the file says {found}")]
    SectionNeedsVersion {
        /// `targets` or `relevance`.
        section: &'static str,
        /// The oldest format version with that section.
        needed: u32,
        /// The file's format version.
        found: u32,
    },
    /// No `format_version` field.
    #[error("no format_version field")]
    MissingFormatVersion,
    /// A format version with checksums but a file without one.
    #[error("format version {version} requires a checksum field")]
    MissingChecksum {
        /// The file's format version.
        version: u32,
    },
    /// No weights at all.
    #[error("no coefficient rows")]
    NoCoefficientRows,
    /// Weight rows and labels disagree.
    #[error("{labels} labels but {rows} coefficient rows")]
    RowCount {
        /// Labels of the model.
        labels: usize,
        /// Coefficient rows.
        rows: usize,
    },
    /// Weight rows and intercepts disagree.
    #[error("{rows} coefficient rows but {intercepts} intercepts")]
    InterceptCount {
        /// Coefficient rows.
        rows: usize,
        /// Intercepts.
        intercepts: usize,
    },
    /// Coefficient rows of different lengths.
    #[error("coefficient row {row} has {len} weights, row 0 has {expected}")]
    RaggedRow {
        /// The row that differs.
        row: usize,
        /// Its length.
        len: usize,
        /// The length of row 0.
        expected: usize,
    },
    /// A NaN or infinite coefficient.
    #[error("coefficient [{label}][{feature}] is {value}")]
    NonFiniteCoefficient {
        /// Its row.
        label: usize,
        /// Its column.
        feature: usize,
        /// The value.
        value: f64,
    },
    /// A NaN or infinite intercept.
    #[error("intercept {value} is not finite")]
    NonFiniteIntercept {
        /// The value.
        value: f64,
    },
    /// Class priors that are not one finite log-offset per label.
    #[error("priors give {offsets} log-offsets for {labels} labels, or one that is not finite")]
    Priors {
        /// Log-offsets given.
        offsets: usize,
        /// Labels of the model.
        labels: usize,
    },
    /// A calibration temperature that is not finite and positive.
    #[error("temperature {temperature} is not a finite positive number")]
    Temperature {
        /// The temperature.
        temperature: f64,
    },
    /// Weights as wide as neither the vocabulary nor its conjoined blocks.
    #[error("{coefficients} coefficients per label but {expected}")]
    WidthMismatch {
        /// Coefficients per label.
        coefficients: usize,
        /// The width expected.
        expected: ExpectedWidth,
    },
    /// A targets section without targets.
    #[error("a {layout} model without any target")]
    NoTargets {
        /// `per-target` or `conjoined`.
        layout: &'static str,
    },
    /// Conjoined targets out of order or repeated.
    #[error("conjoined targets must be sorted and distinct")]
    UnsortedTargets,
    /// More conjoined features than fit in memory addresses.
    #[error("too many features")]
    TooManyFeatures,
    /// A relevance section without a neutral label to give off-topic text.
    #[error("a relevance section needs a neutral label")]
    RelevanceWithoutNeutral,
    /// Relevance coefficients and features disagree.
    #[error(
        "the relevance section has {coefficients} coefficients but the featurizer has {features} features"
    )]
    RelevanceWidth {
        /// Relevance coefficients.
        coefficients: usize,
        /// Features of the featurizer.
        features: usize,
    },
    /// A NaN or infinite relevance coefficient.
    #[error("relevance coefficient {index} is not finite")]
    NonFiniteRelevanceCoefficient {
        /// Its index.
        index: usize,
    },
    /// A NaN or infinite relevance intercept.
    #[error("the relevance intercept is not finite")]
    NonFiniteRelevanceIntercept,
    /// A relevance threshold outside (0, 1).
    #[error("relevance threshold {threshold} is not between 0 and 1")]
    RelevanceThreshold {
        /// The threshold.
        threshold: f64,
    },
    /// A topic term the analyzer finds no word in.
    #[error("topic term {term:?} has no word in it")]
    EmptyTopicTerm {
        /// The term.
        term: String,
    },
    /// A problem of one part of the model (`main model`, `model of target "a"`,
    /// `calibration`), named before the problem.
    #[error("{part}: {problem}")]
    In {
        /// The part.
        part: String,
        /// Its problem.
        problem: Box<ConsistencyError>,
    },
}

impl ConsistencyError {
    /// This problem, as a problem of `part`.
    pub fn within(self, part: impl Into<String>) -> Self {
        ConsistencyError::In { part: part.into(), problem: Box::new(self) }
    }

    /// The problem itself, under any [`ConsistencyError::In`] naming the part it is in.
    pub fn innermost(&self) -> &ConsistencyError {
        match self {
            ConsistencyError::In { problem, .. } => problem.innermost(),
            other => other,
        }
    }
}

/// The width weights should have had ([`ConsistencyError::WidthMismatch`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpectedWidth {
    /// The vocabulary's width.
    Vocabulary {
        /// Features of the featurizer.
        features: usize,
    },
    /// The main featurizer's width, for the main model of a per-target model.
    MainVocabulary {
        /// Features of the main featurizer.
        features: usize,
    },
    /// One block for the shared weights and one per target.
    Conjoined {
        /// `blocks × features`.
        width: usize,
        /// `1 + targets`.
        blocks: usize,
        /// Features of the featurizer.
        features: usize,
    },
}

impl std::fmt::Display for ExpectedWidth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExpectedWidth::Vocabulary { features } => write!(f, "a vocabulary of {features} features"),
            ExpectedWidth::MainVocabulary { features } => {
                write!(f, "main model: a vocabulary of {features} features")
            }
            ExpectedWidth::Conjoined { width, blocks, features } => {
                write!(f, "{width} (conjoined: {blocks} blocks of a vocabulary of {features} features)")
            }
        }
    }
}
