//! Errors raised while building or applying a featurizer.

use thiserror::Error;

/// Everything that can go wrong in this crate.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum FeatureError {
    /// An n-gram range whose bounds are zero or reversed.
    #[error("invalid {kind} n-gram range {min}..={max}: need 1 <= min <= max")]
    InvalidNgramRange {
        /// "word" or "char".
        kind: &'static str,
        /// Lower bound given.
        min: usize,
        /// Upper bound given.
        max: usize,
    },
    /// An n-gram range that is not written like `1-2`, `2..5`, `3` or `none`, or whose bounds
    /// are zero or reversed.
    #[error("{0:?} is not an n-gram range MIN-MAX with 1 <= MIN <= MAX (like 1-2, 2..5 or 3) or none")]
    NgramRangeSyntax(String),
    /// `min_df` of zero, which would keep terms seen in no document.
    #[error("min_df must be at least 1, got {0}")]
    InvalidMinDf(usize),
    /// `max_features` of zero.
    #[error("max_features must be at least 1 when given")]
    InvalidMaxFeatures,
    /// A tag to strip that is not a hashtag body (letters, digits and `_`, without the `#`).
    #[error("invalid tag to strip {0:?}: give the tag without '#', letters, digits and '_' only")]
    InvalidStripTag(String),
    /// Two extractors of the same kind of n-gram (one range per kind).
    #[error("{0}s are given twice: one range per kind of n-gram")]
    RepeatedExtractor(crate::TermKind),
    /// A stance-cue extractor with unusable lexicons.
    #[error("invalid stance cues: {0}")]
    InvalidCues(String),
    /// A line of a sentiment lexicon file that is not `word<TAB>valence`.
    #[error("sentiment lexicon, line {line}: {message}")]
    InvalidLexiconLine {
        /// The 1-based line.
        line: usize,
        /// What is wrong with it.
        message: String,
    },
    /// A sentiment lexicon that cannot be used.
    #[error("invalid sentiment lexicon: {0}")]
    InvalidLexicon(String),
    /// Feature hashing with a number of bits outside the supported range.
    #[error("feature hashing needs {min} to {max} bits, got {0}", min = crate::Hashing::MIN_BITS, max = crate::Hashing::MAX_BITS)]
    InvalidHashingBits(u32),
    /// More training documents than the featurizer can count (`u32::MAX`).
    #[error("cannot fit on {0} documents: at most 4294967295")]
    TooManyDocuments(usize),
    /// Fitting on documents that produced no feature at all.
    #[error("no features left after fitting on {documents} documents (min_df = {min_df}); the texts are empty or min_df is too high")]
    EmptyVocabulary {
        /// Number of documents seen.
        documents: usize,
        /// The min_df in force.
        min_df: usize,
    },
    /// A fitted featurizer whose parts disagree (for example after loading a damaged file).
    #[error("inconsistent featurizer: {0}")]
    Inconsistent(String),
}
