//! The featurization pipeline as data.
//!
//! A [`FeatureConfig`] names every stage from raw text to a weighted vector. It is stored in
//! the model file, and the featurizer is built only from it, so inference featurizes exactly
//! as training did. Every choice of stage is a serde enum tagged by `type`, so new stages can
//! be added later without breaking old files.

use serde::{Deserialize, Serialize};

use crate::cues::StanceCues;
use crate::normalize::Normalization;
use crate::sentiment::SentimentLexicon;
use crate::{FeatureError, TermKind};

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

/// The whole featurization pipeline: text → tokens → stems → terms of each extractor →
/// tf-idf → norm.
///
/// Serialized through [`ConfigLayout`]: files written before the extractor list spelled word
/// and character n-grams as two fixed fields, and such a config is written back exactly so.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "WireConfig", into = "WireConfig")]
pub struct FeatureConfig {
    /// Text normalisation for social-media text (URLs, mentions, numbers, hashtags, elongation,
    /// negation), all off by default.
    pub normalize: Normalization,
    /// Lowercase text before tokenizing.
    pub lowercase: bool,
    /// Stemmer for word tokens.
    pub stemmer: Stemmer,
    /// The feature extractors, in the order their terms are emitted. Word n-grams come first
    /// and character n-grams second when present (see [`FeatureConfig::set_word_ngrams`]).
    pub extractors: Vec<Extractor>,
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
    pub hashing: Option<Hashing>,
    /// How this config is spelled in JSON; a new config uses [`ConfigLayout::ExtractorList`].
    pub layout: ConfigLayout,
}

/// How a [`FeatureConfig`] is spelled in a model file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ConfigLayout {
    /// `word_ngrams` and `char_ngrams` as fields of their own (model formats 1–4), other
    /// extractors in `extractors`. Kept for files read in it, so they write back byte for byte
    /// (their checksum covers the canonical serialization).
    NgramFields,
    /// Every extractor in the tagged `extractors` list (model format 5).
    #[default]
    ExtractorList,
}

/// A feature extractor: one kind of term, emitted by its own walk over the text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Extractor {
    /// Word n-grams over stems, joined by a space.
    WordNgrams(NgramRange),
    /// Character n-grams inside word boundaries (padded with a space at each end, like
    /// scikit-learn's `char_wb`), prefixed with [`crate::CHAR_NGRAM_PREFIX`].
    CharNgrams(NgramRange),
    /// Commitment and rejection cues, negated and conjoined with target mentions
    /// ([`StanceCues`]); terms start with [`crate::CUE_PREFIX`].
    StanceCues(StanceCues),
    /// Positive and negative terms from a sentiment lexicon, flipped after a negator
    /// ([`SentimentLexicon`]; model format 7); terms start with [`crate::CUE_PREFIX`].
    Sentiment(SentimentLexicon),
}

impl Extractor {
    /// The word and character n-gram extractors for two optional ranges, in emission order.
    ///
    /// ```
    /// use stance_features::{Extractor, NgramRange};
    /// let both = Extractor::ngrams(Some(NgramRange::new(1, 2)), Some(NgramRange::new(2, 5)));
    /// assert_eq!(both[1], Extractor::CharNgrams(NgramRange::new(2, 5)));
    /// assert!(Extractor::ngrams(None, None).is_empty());
    /// ```
    pub fn ngrams(word: Option<NgramRange>, char: Option<NgramRange>) -> Vec<Extractor> {
        word.map(Extractor::WordNgrams).into_iter().chain(char.map(Extractor::CharNgrams)).collect()
    }

    /// The kind of term this extractor emits.
    pub fn term_kind(&self) -> TermKind {
        match self {
            Extractor::WordNgrams(_) => TermKind::WordNgram,
            Extractor::CharNgrams(_) => TermKind::CharNgram,
            Extractor::StanceCues(_) | Extractor::Sentiment(_) => TermKind::Cue,
        }
    }

    fn check(&self) -> Result<(), FeatureError> {
        match self {
            Extractor::WordNgrams(range) => range.check("word"),
            Extractor::CharNgrams(range) => range.check("char"),
            Extractor::StanceCues(cues) => cues.check(),
            Extractor::Sentiment(lexicon) => lexicon.check(),
        }
    }
}

/// The JSON of a [`FeatureConfig`] in either layout. `word_ngrams`/`char_ngrams` are `Some`
/// exactly when the file spelled them as fields (`null` inside meaning "off").
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireConfig {
    #[serde(default, skip_serializing_if = "Normalization::is_default")]
    normalize: Normalization,
    lowercase: bool,
    stemmer: Stemmer,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    word_ngrams: Option<Option<NgramRange>>,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    char_ngrams: Option<Option<NgramRange>>,
    tf: TermFrequency,
    idf: Idf,
    norm: Norm,
    min_df: usize,
    max_features: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    hashing: Option<Hashing>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    extractors: Vec<Extractor>,
}

/// A field that is present, whether `null` or not (serde maps a plain `null` to `None`).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<NgramRange>>, D::Error> {
    Option::<NgramRange>::deserialize(d).map(Some)
}

impl TryFrom<WireConfig> for FeatureConfig {
    type Error = String;

    fn try_from(wire: WireConfig) -> Result<Self, String> {
        let layout = match (wire.word_ngrams, wire.char_ngrams) {
            (None, None) => ConfigLayout::ExtractorList,
            (Some(_), Some(_)) => ConfigLayout::NgramFields,
            _ => return Err("word_ngrams and char_ngrams are both fields or both absent".into()),
        };
        let mut extractors = Vec::with_capacity(wire.extractors.len() + 2);
        if layout == ConfigLayout::NgramFields {
            if wire
                .extractors
                .iter()
                .any(|e| matches!(e, Extractor::WordNgrams(_) | Extractor::CharNgrams(_)))
            {
                return Err("n-grams given both as fields and in extractors".into());
            }
            extractors.extend(wire.word_ngrams.flatten().map(Extractor::WordNgrams));
            extractors.extend(wire.char_ngrams.flatten().map(Extractor::CharNgrams));
        }
        extractors.extend(wire.extractors);
        Ok(Self {
            normalize: wire.normalize,
            lowercase: wire.lowercase,
            stemmer: wire.stemmer,
            extractors,
            tf: wire.tf,
            idf: wire.idf,
            norm: wire.norm,
            min_df: wire.min_df,
            max_features: wire.max_features,
            hashing: wire.hashing,
            layout,
        })
    }
}

impl From<FeatureConfig> for WireConfig {
    fn from(config: FeatureConfig) -> Self {
        let fields = config.layout == ConfigLayout::NgramFields && config.fits_ngram_fields();
        let (word_ngrams, char_ngrams, extractors) = if fields {
            let (word, char) = (config.word_ngrams(), config.char_ngrams());
            let others = config
                .extractors
                .into_iter()
                .filter(|e| !matches!(e, Extractor::WordNgrams(_) | Extractor::CharNgrams(_)))
                .collect();
            (Some(word), Some(char), others)
        } else {
            (None, None, config.extractors)
        };
        Self {
            normalize: config.normalize,
            lowercase: config.lowercase,
            stemmer: config.stemmer,
            word_ngrams,
            char_ngrams,
            tf: config.tf,
            idf: config.idf,
            norm: config.norm,
            min_df: config.min_df,
            max_features: config.max_features,
            hashing: config.hashing,
            extractors,
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
            extractors: vec![Extractor::WordNgrams(NgramRange::new(1, 2))],
            tf: TermFrequency::Sublinear,
            idf: Idf::Smooth,
            norm: Norm::L2,
            min_df: 1,
            max_features: None,
            hashing: None,
            layout: ConfigLayout::ExtractorList,
        }
    }
}

impl FeatureConfig {
    /// Whether `other` emits the same terms as this config for every text (same
    /// normalisation, lowercasing, stemmer and extractors), whatever their weighting and
    /// pruning.
    pub fn analyses_like(&self, other: &FeatureConfig) -> bool {
        self.normalize == other.normalize
            && self.lowercase == other.lowercase
            && self.stemmer == other.stemmer
            && self.extractors == other.extractors
    }

    /// The word n-gram range, `None` when word n-grams are off.
    pub fn word_ngrams(&self) -> Option<NgramRange> {
        self.extractors.iter().find_map(|e| match e {
            Extractor::WordNgrams(range) => Some(*range),
            _ => None,
        })
    }

    /// The character n-gram range, `None` when character n-grams are off.
    pub fn char_ngrams(&self) -> Option<NgramRange> {
        self.extractors.iter().find_map(|e| match e {
            Extractor::CharNgrams(range) => Some(*range),
            _ => None,
        })
    }

    /// Sets (or, with `None`, removes) the word n-gram extractor; a new one goes first.
    pub fn set_word_ngrams(&mut self, range: Option<NgramRange>) {
        self.extractors.retain(|e| !matches!(e, Extractor::WordNgrams(_)));
        if let Some(range) = range {
            self.extractors.insert(0, Extractor::WordNgrams(range));
        }
    }

    /// Sets (or, with `None`, removes) the character n-gram extractor; a new one goes right
    /// after the word n-grams, so terms keep the order older files had.
    pub fn set_char_ngrams(&mut self, range: Option<NgramRange>) {
        self.extractors.retain(|e| !matches!(e, Extractor::CharNgrams(_)));
        if let Some(range) = range {
            let after_words = usize::from(matches!(self.extractors.first(), Some(Extractor::WordNgrams(_))));
            self.extractors.insert(after_words, Extractor::CharNgrams(range));
        }
    }

    /// This config with the word n-gram range set ([`FeatureConfig::set_word_ngrams`]).
    #[must_use]
    pub fn with_word_ngrams(mut self, range: Option<NgramRange>) -> Self {
        self.set_word_ngrams(range);
        self
    }

    /// This config with the character n-gram range set ([`FeatureConfig::set_char_ngrams`]).
    #[must_use]
    pub fn with_char_ngrams(mut self, range: Option<NgramRange>) -> Self {
        self.set_char_ngrams(range);
        self
    }

    /// Whether the n-gram extractors could be spelled as the two fixed fields of
    /// [`ConfigLayout::NgramFields`]: at most one of each, word before char, both before any
    /// other extractor.
    fn fits_ngram_fields(&self) -> bool {
        let rank = |e: &Extractor| match e {
            Extractor::WordNgrams(_) => 0,
            Extractor::CharNgrams(_) => 1,
            Extractor::StanceCues(_) | Extractor::Sentiment(_) => 2,
        };
        // Strictly increasing among the n-grams (each at most once, word first); any number of
        // other extractors after them.
        self.extractors.windows(2).all(|w| rank(&w[0]) < rank(&w[1]) || rank(&w[0]) == 2)
    }

    /// Whether some extractor reads a sentiment lexicon (model format 7).
    pub fn uses_sentiment_lexicon(&self) -> bool {
        self.extractors.iter().any(|e| matches!(e, Extractor::Sentiment(_)))
    }

    /// Whether the file spelling needs the extractor list (model format 5).
    pub fn needs_extractor_list(&self) -> bool {
        self.layout == ConfigLayout::ExtractorList || !self.fits_ngram_fields()
    }

    /// Checks that every stage is well-formed.
    pub fn check(&self) -> Result<(), FeatureError> {
        if self.min_df == 0 {
            return Err(FeatureError::InvalidMinDf(self.min_df));
        }
        if self.max_features == Some(0) {
            return Err(FeatureError::InvalidMaxFeatures);
        }
        if let Some(hashing) = self.hashing {
            hashing.check()?;
        }
        for (i, extractor) in self.extractors.iter().enumerate() {
            extractor.check()?;
            let kind = extractor.term_kind();
            if kind != TermKind::Cue && self.extractors[..i].iter().any(|e| e.term_kind() == kind) {
                return Err(FeatureError::RepeatedExtractor(kind));
            }
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

    /// The default config's exact JSON in model files of formats 1–4 (n-grams as two fields).
    const FIELDS_JSON: &str = concat!(
        r#"{"lowercase":true,"stemmer":{"type":"snowball","language":"english"},"#,
        r#""word_ngrams":{"min":1,"max":2},"char_ngrams":null,"tf":{"type":"sublinear"},"#,
        r#""idf":{"type":"smooth"},"norm":{"type":"l2"},"min_df":1,"max_features":null}"#
    );

    #[test]
    fn the_old_ngram_fields_load_and_write_back_byte_for_byte() {
        let old: FeatureConfig = serde_json::from_str(FIELDS_JSON).unwrap();
        assert_eq!(old.layout, ConfigLayout::NgramFields);
        assert_eq!(old, FeatureConfig { layout: ConfigLayout::NgramFields, ..FeatureConfig::default() });
        assert_eq!(serde_json::to_string(&old).unwrap(), FIELDS_JSON);
        assert!(!old.needs_extractor_list());
        // An old layout that gains an extractor after the n-grams keeps its fields.
        let mut cued = old.clone();
        cued.extractors.push(Extractor::StanceCues(StanceCues::default()));
        let json = serde_json::to_string(&cued).unwrap();
        assert!(
            json.contains(r#""char_ngrams":null"#) && json.contains(r#""extractors":[{"type":"stance_cues""#),
            "{json}"
        );
        assert_eq!(serde_json::from_str::<FeatureConfig>(&json).unwrap(), cued);
    }

    #[test]
    fn a_new_config_lists_every_extractor_and_a_default_normalize_adds_no_byte() {
        let json = serde_json::to_string(&FeatureConfig::default()).unwrap();
        assert_eq!(
            json,
            concat!(
                r#"{"lowercase":true,"stemmer":{"type":"snowball","language":"english"},"#,
                r#""tf":{"type":"sublinear"},"idf":{"type":"smooth"},"norm":{"type":"l2"},"min_df":1,"#,
                r#""max_features":null,"extractors":[{"type":"word_ngrams","min":1,"max":2}]}"#
            )
        );
        assert_eq!(serde_json::from_str::<FeatureConfig>(&json).unwrap(), FeatureConfig::default());
        assert!(FeatureConfig::default().needs_extractor_list());
    }

    #[test]
    fn ngrams_in_both_spellings_or_half_the_old_fields_are_refused() {
        let half = FIELDS_JSON.replace(r#""char_ngrams":null,"#, "");
        assert!(serde_json::from_str::<FeatureConfig>(&half).is_err());
        let twice = FIELDS_JSON.replace(
            r#""max_features":null}"#,
            r#""max_features":null,"extractors":[{"type":"char_ngrams","min":2,"max":3}]}"#,
        );
        let err = serde_json::from_str::<FeatureConfig>(&twice).unwrap_err().to_string();
        assert!(err.contains("both as fields and in extractors"), "{err}");
    }

    #[test]
    fn setting_ngrams_keeps_word_then_char_then_the_rest() {
        let mut config = FeatureConfig::default();
        config.extractors.push(Extractor::StanceCues(StanceCues::default()));
        config.set_char_ngrams(Some(NgramRange::new(2, 5)));
        let kinds = |c: &FeatureConfig| c.extractors.iter().map(Extractor::term_kind).collect::<Vec<_>>();
        assert_eq!(kinds(&config), [TermKind::WordNgram, TermKind::CharNgram, TermKind::Cue]);
        config.set_word_ngrams(None);
        assert_eq!(kinds(&config), [TermKind::CharNgram, TermKind::Cue]);
        config.set_word_ngrams(Some(NgramRange::new(1, 3)));
        assert_eq!(
            (config.word_ngrams(), config.char_ngrams()),
            (Some(NgramRange::new(1, 3)), Some(NgramRange::new(2, 5)))
        );
        assert_eq!(kinds(&config), [TermKind::WordNgram, TermKind::CharNgram, TermKind::Cue]);
        // A config the old fields cannot spell (char before word) needs the list.
        let reordered = FeatureConfig {
            extractors: vec![
                Extractor::CharNgrams(NgramRange::new(2, 3)),
                Extractor::WordNgrams(NgramRange::new(1, 1)),
            ],
            layout: ConfigLayout::NgramFields,
            ..Default::default()
        };
        assert!(reordered.needs_extractor_list());
        let json = serde_json::to_string(&reordered).unwrap();
        assert!(!json.contains(r#""word_ngrams":"#), "{json}");
    }

    #[test]
    fn a_kind_of_ngram_given_twice_is_refused() {
        let config = FeatureConfig {
            extractors: vec![
                Extractor::WordNgrams(NgramRange::new(1, 1)),
                Extractor::WordNgrams(NgramRange::new(2, 2)),
            ],
            ..Default::default()
        };
        assert_eq!(config.check(), Err(FeatureError::RepeatedExtractor(TermKind::WordNgram)));
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
        let mut config = FeatureConfig::default().with_word_ngrams(Some(NgramRange::new(3, 2)));
        assert!(matches!(config.check(), Err(FeatureError::InvalidNgramRange { kind: "word", .. })));
        config.set_word_ngrams(Some(NgramRange::new(0, 2)));
        assert!(config.check().is_err());
        config.set_word_ngrams(Some(NgramRange::new(1, 1)));
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
        assert!(json.contains(r#""hashing":{"bits":20,"seed":18446744073709551615},"extractors""#), "{json}");
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
        let unknown = json.replace(r#""type":"stance_cues""#, r#""type":"emoji""#);
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
