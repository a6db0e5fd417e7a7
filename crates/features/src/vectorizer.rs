//! The fitted featurizer: a vocabulary and idf weights learned from training text, applied to
//! new text as sparse tf-idf vectors.

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::analyzer::{Analyzer, TermKind};
use crate::config::{FeatureConfig, Idf, Norm, TermFrequency};
use crate::FeatureError;

/// A sparse vector: strictly increasing feature indices and their values.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SparseVec {
    /// Feature indices, strictly increasing.
    pub indices: Vec<u32>,
    /// Value of each listed feature.
    pub values: Vec<f64>,
}

impl SparseVec {
    /// Number of stored (non-zero) entries.
    pub fn nnz(&self) -> usize {
        self.indices.len()
    }

    /// True when the vector has no non-zero entry.
    pub fn is_empty(&self) -> bool {
        self.indices.is_empty()
    }

    /// `(index, value)` pairs in index order.
    pub fn iter(&self) -> impl Iterator<Item = (usize, f64)> + '_ {
        self.indices.iter().map(|&i| i as usize).zip(self.values.iter().copied())
    }

    /// Euclidean length.
    pub fn norm(&self) -> f64 {
        self.values.iter().map(|v| v * v).sum::<f64>().sqrt()
    }
}

/// The serialized form of a [`Featurizer`]: its config, vocabulary and idf, nothing derived.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FeaturizerParts {
    config: FeatureConfig,
    vocabulary: Vec<String>,
    idf: Vec<f64>,
}

/// A featurizer fitted on training documents.
///
/// ```
/// use stance_features::{FeatureConfig, Featurizer};
/// let docs = ["Russia rejects peacekeepers", "Britain offers peacekeepers"];
/// let featurizer = Featurizer::fit(&FeatureConfig::default(), &docs).unwrap();
/// let vector = featurizer.transform("Russia rejects the idea");
/// assert_eq!(vector.nnz(), 3); // "russia", "reject", "russia reject"
/// assert!((vector.norm() - 1.0).abs() < 1e-12);
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "FeaturizerParts", into = "FeaturizerParts")]
pub struct Featurizer {
    analyzer: Analyzer,
    vocabulary: Vec<String>,
    idf: Vec<f64>,
    index: HashMap<String, u32>,
}

impl PartialEq for Featurizer {
    fn eq(&self, other: &Self) -> bool {
        self.config() == other.config() && self.vocabulary == other.vocabulary && self.idf == other.idf
    }
}

impl TryFrom<FeaturizerParts> for Featurizer {
    type Error = FeatureError;

    fn try_from(parts: FeaturizerParts) -> Result<Self, Self::Error> {
        Featurizer::from_parts(parts.config, parts.vocabulary, parts.idf)
    }
}

impl From<Featurizer> for FeaturizerParts {
    fn from(featurizer: Featurizer) -> Self {
        FeaturizerParts {
            config: featurizer.analyzer.config().clone(),
            vocabulary: featurizer.vocabulary,
            idf: featurizer.idf,
        }
    }
}

impl Featurizer {
    /// Learns the vocabulary (terms with document frequency ≥ `min_df`, sorted, at most
    /// `max_features` of the most frequent) and idf weights from `documents`.
    ///
    /// Document frequencies are counted in parallel (on the current rayon pool) and summed, so
    /// the result does not depend on the number of threads.
    pub fn fit<S: AsRef<str> + Sync>(config: &FeatureConfig, documents: &[S]) -> Result<Self, FeatureError> {
        let analyzer = Analyzer::new(config.clone())?;
        let document_frequency: HashMap<String, usize> = documents
            .par_iter()
            .with_min_len(MIN_DOCUMENTS_PER_TASK)
            .fold(
                || (HashMap::new(), HashSet::new()),
                |(mut counts, mut seen): (HashMap<String, usize>, HashSet<String>), document| {
                    // Only a document's distinct terms are kept (one allocation each), so a long
                    // document that repeats its words costs memory for its vocabulary only.
                    seen.clear();
                    analyzer.for_each_term(document.as_ref(), |term| {
                        if !seen.contains(term) {
                            seen.insert(term.to_owned());
                        }
                    });
                    for term in seen.drain() {
                        *counts.entry(term).or_insert(0) += 1;
                    }
                    (counts, seen)
                },
            )
            .map(|(counts, _)| counts)
            .reduce(HashMap::new, add_counts);
        // Everything below depends only on the (term, df) pairs, never on the map's order:
        // both sorts are total orders over distinct terms.
        let mut kept: Vec<(String, usize)> =
            document_frequency.into_iter().filter(|&(_, df)| df >= config.min_df).collect();
        if let Some(limit) = config.max_features {
            if kept.len() > limit {
                kept.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                kept.truncate(limit);
            }
        }
        if kept.is_empty() {
            return Err(FeatureError::EmptyVocabulary { documents: documents.len(), min_df: config.min_df });
        }
        kept.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let n = documents.len() as f64;
        let idf = kept.iter().map(|&(_, df)| idf_weight(config.idf, n, df as f64)).collect();
        let vocabulary = kept.into_iter().map(|(term, _)| term).collect();
        Self::from_parts(config.clone(), vocabulary, idf)
    }

    /// Rebuilds a fitted featurizer from stored parts, checking that they agree.
    pub fn from_parts(
        config: FeatureConfig,
        vocabulary: Vec<String>,
        idf: Vec<f64>,
    ) -> Result<Self, FeatureError> {
        let analyzer = Analyzer::new(config)?;
        if vocabulary.len() != idf.len() {
            return Err(FeatureError::Inconsistent(format!(
                "{} vocabulary terms but {} idf weights",
                vocabulary.len(),
                idf.len()
            )));
        }
        if vocabulary.len() > u32::MAX as usize {
            return Err(FeatureError::Inconsistent("vocabulary larger than 2^32 terms".into()));
        }
        if let Some(bad) = idf.iter().position(|w| !w.is_finite()) {
            return Err(FeatureError::Inconsistent(format!(
                "idf weight of {:?} is not finite",
                vocabulary[bad]
            )));
        }
        let mut index = HashMap::with_capacity(vocabulary.len());
        for (i, term) in vocabulary.iter().enumerate() {
            if index.insert(term.clone(), i as u32).is_some() {
                return Err(FeatureError::Inconsistent(format!(
                    "term {term:?} appears twice in the vocabulary"
                )));
            }
        }
        Ok(Self { analyzer, vocabulary, idf, index })
    }

    /// The pipeline configuration.
    pub fn config(&self) -> &FeatureConfig {
        self.analyzer.config()
    }

    /// The analyzer that produces terms.
    pub fn analyzer(&self) -> &Analyzer {
        &self.analyzer
    }

    /// Terms, by feature index.
    pub fn vocabulary(&self) -> &[String] {
        &self.vocabulary
    }

    /// Idf weight of each feature.
    pub fn idf(&self) -> &[f64] {
        &self.idf
    }

    /// Number of features (vocabulary size).
    pub fn n_features(&self) -> usize {
        self.vocabulary.len()
    }

    /// Number of features of one kind (word or character n-grams).
    pub fn n_features_of(&self, kind: TermKind) -> usize {
        self.vocabulary.iter().filter(|term| TermKind::of(term) == kind).count()
    }

    /// Feature index of a term, if it is in the vocabulary.
    pub fn feature_index(&self, term: &str) -> Option<usize> {
        self.index.get(term).map(|&i| i as usize)
    }

    /// The tf-idf vector of `text`. Terms outside the vocabulary are ignored; a text with no
    /// known term gives an empty vector.
    pub fn transform(&self, text: &str) -> SparseVec {
        let mut hits: Vec<u32> = Vec::new();
        self.analyzer.for_each_term(text, |term| {
            if let Some(&i) = self.index.get(term) {
                hits.push(i);
            }
        });
        hits.sort_unstable();
        let config = self.config();
        let mut vector = SparseVec::default();
        for run in hits.chunk_by(|a, b| a == b) {
            let feature = run[0];
            let tf = term_weight(config.tf, run.len() as f64);
            vector.indices.push(feature);
            vector.values.push(tf * self.idf[feature as usize]);
        }
        if config.norm == Norm::L2 {
            let norm = vector.norm();
            if norm > 0.0 {
                vector.values.iter_mut().for_each(|v| *v /= norm);
            }
        }
        vector
    }

    /// [`Featurizer::transform`] over many texts.
    /// Runs in parallel on the current rayon pool; the vectors are in the order of `texts`.
    pub fn transform_all<S: AsRef<str> + Sync>(&self, texts: &[S]) -> Vec<SparseVec> {
        texts
            .par_iter()
            .with_min_len(MIN_DOCUMENTS_PER_TASK)
            .map(|text| self.transform(text.as_ref()))
            .collect()
    }
}

/// Smallest number of documents one parallel task handles: below that, splitting the work
/// costs more than it saves.
const MIN_DOCUMENTS_PER_TASK: usize = 16;

/// Sums two document-frequency tables (merging the smaller into the larger).
fn add_counts(a: HashMap<String, usize>, b: HashMap<String, usize>) -> HashMap<String, usize> {
    let (mut into, from) = if a.len() >= b.len() { (a, b) } else { (b, a) };
    for (term, count) in from {
        *into.entry(term).or_insert(0) += count;
    }
    into
}

fn term_weight(tf: TermFrequency, count: f64) -> f64 {
    match tf {
        TermFrequency::Raw => count,
        TermFrequency::Sublinear => 1.0 + count.ln(),
        TermFrequency::Binary => 1.0,
    }
}

fn idf_weight(idf: Idf, n: f64, df: f64) -> f64 {
    match idf {
        Idf::None => 1.0,
        Idf::Smooth => ((1.0 + n) / (1.0 + df)).ln() + 1.0,
        Idf::Plain => (n / df).ln() + 1.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{NgramRange, Stemmer};

    fn unigram_config() -> FeatureConfig {
        FeatureConfig {
            stemmer: Stemmer::None,
            word_ngrams: Some(NgramRange::new(1, 1)),
            ..Default::default()
        }
    }

    #[test]
    fn vocabulary_is_sorted_and_idf_is_smooth() {
        let docs = ["b a a", "a c", "c"];
        let f = Featurizer::fit(&unigram_config(), &docs).unwrap();
        assert_eq!(f.vocabulary(), ["a", "b", "c"]);
        // n = 3; df(a) = 2, df(b) = 1, df(c) = 2; idf = ln((1+n)/(1+df)) + 1.
        let expected = [(4.0f64 / 3.0).ln() + 1.0, 2.0f64.ln() + 1.0, (4.0f64 / 3.0).ln() + 1.0];
        for (got, want) in f.idf().iter().zip(expected) {
            assert!((got - want).abs() < 1e-12, "{got} vs {want}");
        }
    }

    #[test]
    fn tfidf_is_sublinear_and_l2_normalised_by_hand() {
        let docs = ["b a a", "a c", "c"];
        let f = Featurizer::fit(&unigram_config(), &docs).unwrap();
        let v = f.transform("a a b zzz");
        // raw weights: a = (1 + ln 2) * idf(a), b = 1 * idf(b); zzz unknown.
        let a = (1.0 + 2.0f64.ln()) * ((4.0f64 / 3.0).ln() + 1.0);
        let b = 2.0f64.ln() + 1.0;
        let norm = (a * a + b * b).sqrt();
        assert_eq!(v.indices, [0, 1]);
        assert!((v.values[0] - a / norm).abs() < 1e-12);
        assert!((v.values[1] - b / norm).abs() < 1e-12);
    }

    #[test]
    fn features_are_counted_by_kind() {
        let config = FeatureConfig { char_ngrams: Some(NgramRange::new(2, 2)), ..unigram_config() };
        let f = Featurizer::fit(&config, &["ab", "ab c"]).unwrap();
        // words: ab, c; chars: "# a", "ab", "b ", "# c", "c ".
        assert_eq!(f.n_features_of(TermKind::WordNgram), 2);
        assert_eq!(f.n_features_of(TermKind::CharNgram), 5);
        assert_eq!(f.n_features(), 7);
    }

    #[test]
    fn unknown_text_gives_empty_vector() {
        let f = Featurizer::fit(&unigram_config(), &["a b"]).unwrap();
        assert!(f.transform("zzz yyy").is_empty());
        assert!(f.transform("").is_empty());
    }

    #[test]
    fn min_df_and_max_features_prune_the_vocabulary() {
        let docs = ["a b c", "a b", "a"];
        let config = FeatureConfig { min_df: 2, ..unigram_config() };
        assert_eq!(Featurizer::fit(&config, &docs).unwrap().vocabulary(), ["a", "b"]);
        let config = FeatureConfig { max_features: Some(1), ..unigram_config() };
        assert_eq!(Featurizer::fit(&config, &docs).unwrap().vocabulary(), ["a"]);
        let config = FeatureConfig { min_df: 4, ..unigram_config() };
        assert!(matches!(Featurizer::fit(&config, &docs), Err(FeatureError::EmptyVocabulary { .. })));
    }

    #[test]
    fn json_round_trip_keeps_behaviour() {
        let docs = ["Russia rejects Western peacekeepers", "Starmer is open to sending troops"];
        let f = Featurizer::fit(&FeatureConfig::default(), &docs).unwrap();
        let json = serde_json::to_string(&f).unwrap();
        let back: Featurizer = serde_json::from_str(&json).unwrap();
        assert_eq!(back, f);
        assert_eq!(back.transform("Russia sends troops"), f.transform("Russia sends troops"));
    }

    /// A few hundred documents of varied length and vocabulary (some empty, some repeated, some
    /// with typographic apostrophes and non-ASCII letters), from a fixed pseudo-random sequence.
    fn varied_documents() -> Vec<String> {
        const WORDS: [&str; 24] = [
            "Russia",
            "rejects",
            "Western",
            "peacekeepers",
            "in",
            "Ukraine",
            "Britain",
            "is",
            "ready",
            "to",
            "send",
            "troops",
            "Kremlin’s",
            "Zakharova",
            "said",
            "the",
            "deployment",
            "would",
            "be",
            "unacceptable",
            "Kyiv",
            "naïve",
            "Élysée",
            "talks",
        ];
        let mut state: u64 = 0x5eed;
        let mut next = move || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 33) as usize
        };
        (0..300)
            .map(|i| {
                let length = if i % 37 == 0 { 0 } else { 1 + next() % 30 };
                let words: Vec<&str> = (0..length).map(|_| WORDS[next() % WORDS.len()]).collect();
                format!("{}{}", words.join(" "), if i % 3 == 0 { "." } else { "" })
            })
            .collect()
    }

    fn pool(threads: usize) -> rayon::ThreadPool {
        rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap()
    }

    #[test]
    fn fit_and_transform_all_do_not_depend_on_the_thread_count() {
        let docs = varied_documents();
        let configs = [
            FeatureConfig::default(),
            FeatureConfig { char_ngrams: Some(NgramRange::new(2, 5)), ..Default::default() },
            FeatureConfig { min_df: 2, max_features: Some(150), ..Default::default() },
            FeatureConfig { max_features: Some(10), ..unigram_config() },
        ];
        for config in configs {
            let run = |threads: usize| {
                pool(threads).install(|| {
                    let featurizer = Featurizer::fit(&config, &docs).unwrap();
                    let vectors = featurizer.transform_all(&docs);
                    (featurizer, vectors)
                })
            };
            let (serial, serial_vectors) = run(1);
            let (parallel, parallel_vectors) = run(4);
            assert_eq!(parallel.vocabulary(), serial.vocabulary());
            let bits = |f: &Featurizer| f.idf().iter().map(|w| w.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&parallel), bits(&serial));
            assert_eq!(parallel_vectors.len(), docs.len());
            for (i, (p, s)) in parallel_vectors.iter().zip(&serial_vectors).enumerate() {
                assert_eq!(p.indices, s.indices, "document {i}");
                let bits = |v: &SparseVec| v.values.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(p), bits(s), "document {i}");
                assert_eq!(*p, serial.transform(&docs[i]), "document {i}");
            }
        }
    }

    #[test]
    fn damaged_parts_are_rejected() {
        let config = unigram_config();
        assert!(Featurizer::from_parts(config.clone(), vec!["a".into()], vec![]).is_err());
        assert!(Featurizer::from_parts(config.clone(), vec!["a".into(), "a".into()], vec![1.0, 1.0]).is_err());
        assert!(Featurizer::from_parts(config, vec!["a".into()], vec![f64::NAN]).is_err());
    }
}
