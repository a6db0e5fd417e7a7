//! The featurization pipeline as data.
//!
//! A [`FeatureConfig`] names every stage from raw text to a weighted vector. It is stored in
//! the model file, and the featurizer is built only from it, so inference featurizes exactly
//! as training did. Every choice of stage is a serde enum tagged by `type`, so new stages can
//! be added later without breaking old files.

use serde::{Deserialize, Serialize};

use crate::cues::StanceCues;
use crate::normalize::Normalization;
use crate::FeatureError;

/// An inclusive range of n-gram lengths, such as 1–2 for unigrams and bigrams.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NgramRange {
    /// Shortest n-gram.
    pub min: usize,
    /// Longest n-gram.
    pub max: usize,
}

impl NgramRange {
    /// A range from `min` to `max`, inclusive.
    pub const fn new(min: usize, max: usize) -> Self {
        Self { min, max }
    }

    fn check(self, kind: &'static str) -> Result<(), FeatureError> {
        if self.min == 0 || self.min > self.max {
            return Err(FeatureError::InvalidNgramRange { kind, min: self.min, max: self.max });
        }
        Ok(())
    }
}

/// Stemming applied to each word token before word n-grams are formed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Stemmer {
    /// Keep tokens as they are.
    None,
    /// Snowball stemming (rust-stemmers) in the given language.
    Snowball {
        /// Language of the Snowball algorithm.
        language: Language,
    },
}

/// Languages with a Snowball stemmer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum Language {
    Arabic,
    Danish,
    Dutch,
    English,
    Finnish,
    French,
    German,
    Greek,
    Hungarian,
    Italian,
    Norwegian,
    Portuguese,
    Romanian,
    Russian,
    Spanish,
    Swedish,
    Tamil,
    Turkish,
}

/// How raw term counts become term weights.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum TermFrequency {
    /// The count itself.
    Raw,
    /// `1 + ln(count)`, so a word repeated ten times does not weigh ten times as much.
    Sublinear,
    /// 1 if present.
    Binary,
}

/// Inverse document frequency weighting, as in scikit-learn's `TfidfTransformer`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Idf {
    /// No idf: every term weighs 1.
    None,
    /// `ln((1 + n) / (1 + df)) + 1`, as if one extra document held every term.
    Smooth,
    /// `ln(n / df) + 1`.
    Plain,
}

/// Normalisation of the final vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Norm {
    /// Leave the vector as it is.
    None,
    /// Scale to unit Euclidean length.
    L2,
}

/// Feature hashing: each term goes to one of `2^bits` buckets by a seeded xxh3 hash of its
/// bytes, instead of to its position in a vocabulary. Nothing but the seed has to be stored to
/// map terms, so the vocabulary can be unbounded; different terms can share a bucket.
///
/// ```
/// use stance_features::Hashing;
/// let hashing = Hashing::new(18, 7);
/// assert_eq!(hashing.n_buckets(), 1 << 18);
/// assert_eq!(hashing.bucket("reject deploy"), hashing.bucket("reject deploy"));
/// assert!(hashing.bucket("#ace") < 1 << 18);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hashing {
    /// `log2` of the number of buckets, from [`Hashing::MIN_BITS`] to [`Hashing::MAX_BITS`].
    pub bits: u32,
    /// Seed of the xxh3 hash (stored in the model file, so inference hashes as training did).
    pub seed: u64,
}

impl Hashing {
    /// Fewest bits allowed (1024 buckets).
    pub const MIN_BITS: u32 = 10;
    /// Most bits allowed (268 435 456 buckets).
    pub const MAX_BITS: u32 = 28;

    /// `2^bits` buckets hashed with `seed`.
    pub const fn new(bits: u32, seed: u64) -> Self {
        Self { bits, seed }
    }

    /// Number of buckets, `2^bits`.
    pub const fn n_buckets(self) -> usize {
        1 << self.bits
    }

    /// The bucket of a term: the low `bits` bits of `xxh3_64_with_seed(term, seed)`. Word and
    /// character n-grams are different strings (the latter start with
    /// [`crate::CHAR_NGRAM_PREFIX`]), so they share a bucket only when their hashes do.
    #[inline]
    pub fn bucket(self, term: &str) -> u32 {
        (xxhash_rust::xxh3::xxh3_64_with_seed(term.as_bytes(), self.seed) & ((1 << self.bits) - 1)) as u32
    }

    fn check(self) -> Result<(), FeatureError> {
        if !(Self::MIN_BITS..=Self::MAX_BITS).contains(&self.bits) {
            return Err(FeatureError::InvalidHashingBits(self.bits));
        }
        Ok(())
    }
}

/// The whole featurization pipeline: text → tokens → stems → n-grams → tf-idf → norm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeatureConfig {
    /// Text normalisation for social-media text (URLs, mentions, numbers, hashtags, elongation,
    /// negation), all off by default. Left out of the JSON when off, so model files written
    /// before these options existed keep their exact bytes.
    #[serde(default, skip_serializing_if = "Normalization::is_default")]
    pub normalize: Normalization,
    /// Lowercase text before tokenizing.
    pub lowercase: bool,
    /// Stemmer for word tokens.
    pub stemmer: Stemmer,
    /// Word n-grams over stems; `None` turns word features off.
    pub word_ngrams: Option<NgramRange>,
    /// Character n-grams inside word boundaries (padded with a space at each end, like
    /// scikit-learn's `char_wb`); `None` turns them off.
    pub char_ngrams: Option<NgramRange>,
    /// Term-frequency weighting.
    pub tf: TermFrequency,
    /// Inverse document frequency weighting.
    pub idf: Idf,
    /// Final vector normalisation.
    pub norm: Norm,
    /// Keep only terms seen in at least this many training documents.
    pub min_df: usize,
    /// Keep at most this many terms, the most frequent by document frequency.
    pub max_features: Option<usize>,
    /// Hash terms into buckets instead of learning a vocabulary; `None` (the default, and what
    /// model files without the field get) learns a vocabulary. With hashing, `min_df` and
    /// `max_features` prune buckets by their document frequency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hashing: Option<Hashing>,
    /// Feature extractors beyond word and character n-grams, each tagged by `type`; left out of
    /// the JSON when there are none, so older model files keep their bytes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extractors: Vec<Extractor>,
}

/// A feature extractor that adds terms of its own to the word and character n-grams.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Extractor {
    /// Commitment and rejection cues, negated and conjoined with target mentions
    /// ([`StanceCues`]); terms start with [`crate::CUE_PREFIX`].
    StanceCues(StanceCues),
}

impl Extractor {
    fn check(&self) -> Result<(), FeatureError> {
        match self {
            Extractor::StanceCues(cues) => cues.check(),
        }
    }
}

impl Default for FeatureConfig {
    /// Lowercased, English Snowball stems, word 1–2-grams, sublinear tf, smooth idf, L2.
    fn default() -> Self {
        Self {
            normalize: Normalization::default(),
            lowercase: true,
            stemmer: Stemmer::Snowball { language: Language::English },
            word_ngrams: Some(NgramRange::new(1, 2)),
            char_ngrams: None,
            tf: TermFrequency::Sublinear,
            idf: Idf::Smooth,
            norm: Norm::L2,
            min_df: 1,
            max_features: None,
            hashing: None,
            extractors: Vec::new(),
        }
    }
}

impl FeatureConfig {
    /// Checks that every stage is well-formed.
    pub fn check(&self) -> Result<(), FeatureError> {
        if let Some(range) = self.word_ngrams {
            range.check("word")?;
        }
        if let Some(range) = self.char_ngrams {
            range.check("char")?;
        }
        if self.min_df == 0 {
            return Err(FeatureError::InvalidMinDf(self.min_df));
        }
        if self.max_features == Some(0) {
            return Err(FeatureError::InvalidMaxFeatures);
        }
        if let Some(hashing) = self.hashing {
            hashing.check()?;
        }
        for extractor in &self.extractors {
            extractor.check()?;
        }
        self.normalize.check()
    }
}

/// Parses an n-gram range written `1-2`, `2..5` or `3`, or `none` (case-insensitive) for
/// "this kind of n-gram is off".
pub fn parse_ngram_range(text: &str) -> Result<Option<NgramRange>, FeatureError> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    let (min, max) = match text.split_once("..").or_else(|| text.split_once('-')) {
        Some((a, b)) => (a.trim(), b.trim()),
        None => (text, text),
    };
    let parse = |s: &str| s.parse::<usize>().map_err(|_| FeatureError::NgramRangeSyntax(text.to_owned()));
    let range = NgramRange::new(parse(min)?, parse(max)?);
    range.check("n-gram").map_err(|_| FeatureError::NgramRangeSyntax(text.to_owned()))?;
    Ok(Some(range))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_config_round_trips_through_tagged_json() {
        let config = FeatureConfig::default();
        let json = serde_json::to_string(&config).unwrap();
        assert!(json.contains(r#""stemmer":{"type":"snowball","language":"english"}"#), "{json}");
        assert!(json.contains(r#""tf":{"type":"sublinear"}"#), "{json}");
        let back: FeatureConfig = serde_json::from_str(&json).unwrap();
        assert_eq!(back, config);
    }

    /// The default config's exact JSON, as every model file before normalisation options had
    /// it: a default `normalize` must not add a byte.
    const DEFAULT_JSON: &str = concat!(
        r#"{"lowercase":true,"stemmer":{"type":"snowball","language":"english"},"#,
        r#""word_ngrams":{"min":1,"max":2},"char_ngrams":null,"tf":{"type":"sublinear"},"#,
        r#""idf":{"type":"smooth"},"norm":{"type":"l2"},"min_df":1,"max_features":null}"#
    );

    #[test]
    fn default_normalisation_serializes_exactly_as_before() {
        assert_eq!(serde_json::to_string(&FeatureConfig::default()).unwrap(), DEFAULT_JSON);
        let back: FeatureConfig = serde_json::from_str(DEFAULT_JSON).unwrap();
        assert_eq!(back, FeatureConfig::default());
    }

    #[test]
    fn normalisation_options_round_trip() {
        use crate::normalize::Hashtags;
        let config = FeatureConfig {
            normalize: Normalization {
                urls: true,
                numbers: true,
                hashtags: Hashtags::Strip,
                strip_tags: vec!["SemST".into()],
                negation: true,
                ..Default::default()
            },
            ..Default::default()
        };
        let json = serde_json::to_string(&config).unwrap();
        assert!(json.starts_with(r#"{"normalize":{"urls":true,"mentions":false,"numbers":true,"hashtags":{"type":"strip"},"strip_tags":["SemST"],"#), "{json}");
        assert_eq!(serde_json::from_str::<FeatureConfig>(&json).unwrap(), config);
        let bad = json.replace(r#"{"type":"strip"}"#, r#"{"type":"shout"}"#);
        assert!(serde_json::from_str::<FeatureConfig>(&bad).is_err());
    }

    #[test]
    fn check_rejects_bad_strip_tags() {
        let mut config = FeatureConfig::default();
        config.normalize.strip_tags = vec!["#SemST".into()];
        assert_eq!(config.check(), Err(FeatureError::InvalidStripTag("#SemST".into())));
    }

    #[test]
    fn unknown_stage_type_is_rejected() {
        let json = serde_json::to_string(&FeatureConfig::default())
            .unwrap()
            .replace(r#"{"type":"sublinear"}"#, r#"{"type":"log2"}"#);
        assert!(serde_json::from_str::<FeatureConfig>(&json).is_err());
    }

    #[test]
    fn ranges_parse_in_every_spelling() {
        assert_eq!(parse_ngram_range("1-2").unwrap(), Some(NgramRange::new(1, 2)));
        assert_eq!(parse_ngram_range(" 2..5 ").unwrap(), Some(NgramRange::new(2, 5)));
        assert_eq!(parse_ngram_range("3").unwrap(), Some(NgramRange::new(3, 3)));
        assert_eq!(parse_ngram_range("None").unwrap(), None);
        assert_eq!(parse_ngram_range("2-1"), Err(FeatureError::NgramRangeSyntax("2-1".into())));
        assert!(parse_ngram_range("0-1").is_err());
        assert_eq!(parse_ngram_range("a-b"), Err(FeatureError::NgramRangeSyntax("a-b".into())));
    }

    #[test]
    fn check_rejects_bad_ranges_and_min_df() {
        let mut config = FeatureConfig { word_ngrams: Some(NgramRange::new(3, 2)), ..Default::default() };
        assert!(matches!(config.check(), Err(FeatureError::InvalidNgramRange { kind: "word", .. })));
        config.word_ngrams = Some(NgramRange::new(0, 2));
        assert!(config.check().is_err());
        config.word_ngrams = Some(NgramRange::new(1, 1));
        config.min_df = 0;
        assert_eq!(config.check(), Err(FeatureError::InvalidMinDf(0)));
        config.min_df = 1;
        assert!(config.check().is_ok());
        config.hashing = Some(Hashing::new(9, 0));
        assert_eq!(config.check(), Err(FeatureError::InvalidHashingBits(9)));
        config.hashing = Some(Hashing::new(29, 0));
        assert!(config.check().is_err());
        config.hashing = Some(Hashing::new(10, u64::MAX));
        assert!(config.check().is_ok());
    }

    #[test]
    fn hashing_is_left_out_of_the_json_when_off_and_round_trips_when_on() {
        let json = serde_json::to_string(&FeatureConfig::default()).unwrap();
        assert!(!json.contains("hashing"), "{json}");
        let config = FeatureConfig { hashing: Some(Hashing::new(20, u64::MAX)), ..Default::default() };
        let json = serde_json::to_string(&config).unwrap();
        assert!(json.ends_with(r#""hashing":{"bits":20,"seed":18446744073709551615}}"#), "{json}");
        assert_eq!(serde_json::from_str::<FeatureConfig>(&json).unwrap(), config);
    }

    #[test]
    fn extractors_are_tagged_and_left_out_when_empty() {
        let config = FeatureConfig {
            extractors: vec![Extractor::StanceCues(StanceCues::default())],
            ..Default::default()
        };
        let json = serde_json::to_string(&config).unwrap();
        assert!(json.contains(r#""extractors":[{"type":"stance_cues","commit":["#), "{json}");
        assert_eq!(serde_json::from_str::<FeatureConfig>(&json).unwrap(), config);
        let unknown = json.replace(r#""type":"stance_cues""#, r#""type":"sentiment""#);
        assert!(serde_json::from_str::<FeatureConfig>(&unknown).is_err());
        let bad = FeatureConfig {
            extractors: vec![Extractor::StanceCues(StanceCues { window: 0, ..Default::default() })],
            ..Default::default()
        };
        assert!(matches!(bad.check(), Err(FeatureError::InvalidCues(_))));
    }

    #[test]
    fn buckets_depend_on_the_seed_and_stay_in_range() {
        let terms: Vec<String> = (0..200).map(|i| format!("term {i}")).collect();
        let buckets = |hashing: Hashing| terms.iter().map(|t| hashing.bucket(t)).collect::<Vec<_>>();
        let a = buckets(Hashing::new(16, 1));
        assert_eq!(a, buckets(Hashing::new(16, 1)));
        assert_ne!(a, buckets(Hashing::new(16, 2)));
        assert!(a.iter().all(|&b| b < 1 << 16));
        // A fixed value: the hash is part of the model format and must never change.
        assert_eq!(
            (Hashing::new(20, 0).bucket("reject deploy"), Hashing::new(28, 42).bucket("#ace")),
            (698_605, 182_167_102)
        );
    }
}
