//! Text → sparse feature vectors for stance classification.
//!
//! The pipeline: [`split_sentences`] cuts news text into sentences; an [`Analyzer`] turns a
//! sentence into tokens (Unicode words, lowercased, optionally with URLs, mentions, numbers and
//! hashtags folded: [`Normalization`]), stems (Snowball) and word/char n-grams;
//! a [`Featurizer`] fitted on training text maps those terms to a vocabulary and weighs them
//! by tf-idf with L2 normalisation. The whole pipeline is described by one serializable
//! [`FeatureConfig`], which model files embed so inference featurizes exactly as training did.
//! A [`TargetRelation`] rewrites a text relative to its stance target, for models that must
//! carry to targets unseen in training.
//!
//! ```
//! use stance_features::{sentences, FeatureConfig, Featurizer};
//! let article = "Lavrov rejected the idea. Starmer is open to sending troops.";
//! let docs = sentences(article);
//! assert_eq!(docs.len(), 2);
//! let featurizer = Featurizer::fit(&FeatureConfig::default(), &docs).unwrap();
//! assert!(!featurizer.transform("Starmer sends troops").is_empty());
//! ```

mod analyzer;
mod config;
mod corpus;
mod csr;
mod cues;
mod error;
pub mod floats;
mod hash;
mod named;
mod normalize;
mod relation;
mod sentences;
mod sentiment;
mod stem_cache;
mod vectorizer;
mod vocabulary;
mod words;

pub use analyzer::{Analyzer, TermKind, CHAR_NGRAM_PREFIX};
pub use config::{
    parse_ngram_range, ConfigLayout, Extractor, FeatureConfig, Hashing, Idf, Language, NgramRange, Norm,
    Stemmer, TermFrequency,
};
pub use corpus::AnalyzedCorpus;
pub use csr::CsrMatrix;
pub use cues::{StanceCues, CUE_PREFIX};
pub use error::FeatureError;
pub use named::{NamedValue, UnknownValue};
pub use normalize::{Hashtags, Normalization, NEGATION_SUFFIX, NUM_TOKEN, URL_TOKEN, USER_TOKEN};
pub use relation::{TargetRelation, TargetView, TARGET_TOKEN};
pub use sentences::{sentences, split_sentences};
pub use sentiment::{SentimentLexicon, NEGATIVE_TERM, POSITIVE_TERM};
pub use vectorizer::{idf_weight, Featurizer, SparseVec, FIT_BLOCK_ROWS};
pub use vocabulary::Vocabulary;
