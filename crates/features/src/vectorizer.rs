//! The fitted featurizer: a vocabulary (or, with feature hashing, the buckets seen in training)
//! and idf weights learned from training text, applied to new text as sparse tf-idf vectors.

use std::cell::Cell;
use std::collections::hash_map::Entry;
use std::hash::Hash;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::analyzer::{Analyzer, TermKind};
use crate::config::{FeatureConfig, Hashing, Idf, Norm, TermFrequency};
use crate::csr::CsrMatrix;
use crate::hash::{term_hash, term_key, IntBuild, IntMap, StrMap, TermIndex};
use crate::{FeatureError, Vocabulary};

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
/// A hashing featurizer has an empty vocabulary and lists the buckets seen in training instead
/// (strictly increasing, parallel to `idf`); a vocabulary featurizer leaves `buckets` out, so
/// its bytes are what they were before hashing existed.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FeaturizerParts {
    config: FeatureConfig,
    vocabulary: Vocabulary,
    #[serde(default)]
    buckets: Vec<u32>,
    #[serde(with = "crate::floats::list")]
    idf: Vec<f64>,
}

/// [`FeaturizerParts`] borrowed from a featurizer, for writing it without a copy.
#[derive(Serialize)]
struct FeaturizerPartsRef<'a> {
    config: &'a FeatureConfig,
    vocabulary: &'a Vocabulary,
    #[serde(skip_serializing_if = "<[u32]>::is_empty")]
    buckets: &'a [u32],
    #[serde(with = "crate::floats::list")]
    idf: &'a [f64],
}

/// A featurizer fitted on training documents.
///
/// Without hashing, feature `i` is the `i`-th term of the sorted vocabulary. With
/// [`FeatureConfig::hashing`], feature `i` is bucket `i` of `2^bits`; only buckets that some
/// kept training term fell into have an idf weight, and terms in any other bucket are ignored
/// like out-of-vocabulary terms (so the model's weights for those buckets are zero and never
/// matter, and the L2 norm is taken over known features only in both modes).
///
/// ```
/// use stance_features::{FeatureConfig, Featurizer, Hashing};
/// let docs = ["Russia rejects peacekeepers", "Britain offers peacekeepers"];
/// let featurizer = Featurizer::fit(&FeatureConfig::default(), &docs).unwrap();
/// let vector = featurizer.transform("Russia rejects the idea");
/// assert_eq!(vector.nnz(), 3); // "russia", "reject", "russia reject"
/// assert!((vector.norm() - 1.0).abs() < 1e-12);
///
/// let hashed = FeatureConfig { hashing: Some(Hashing::new(16, 0)), ..Default::default() };
/// let featurizer = Featurizer::fit(&hashed, &docs).unwrap();
/// assert_eq!(featurizer.n_features(), 1 << 16);
/// assert_eq!(featurizer.transform("Russia rejects the idea").nnz(), 3);
/// ```
///
/// Clones share the fitted tables (a model file and its scorer hold the same featurizer), so
/// cloning one is cheap whatever its size.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "FeaturizerParts")]
pub struct Featurizer {
    analyzer: Analyzer,
    /// Buckets seen in training, strictly increasing (hashing mode) or empty.
    buckets: Arc<[u32]>,
    /// Idf weight per position: per vocabulary term, or per entry of `buckets`.
    idf: Arc<[f64]>,
    /// The sorted terms (vocabulary mode) or the buckets' positions (hashing mode).
    lookup: Arc<Lookup>,
}

impl Serialize for Featurizer {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        FeaturizerPartsRef {
            config: self.config(),
            vocabulary: self.vocabulary(),
            buckets: &self.buckets,
            idf: &self.idf,
        }
        .serialize(serializer)
    }
}

/// The vocabulary of a hashing featurizer.
static NO_VOCABULARY: Vocabulary = Vocabulary::new();

/// Term → position in `idf` (which is the feature index in vocabulary mode).
#[derive(Debug, Clone)]
enum Lookup {
    /// Vocabulary terms → feature index.
    Vocabulary(TermIndex),
    /// Bucket → position in `buckets`, as a table for up to 2^20 buckets, a map beyond.
    Hashing { hashing: Hashing, positions: Positions },
}

#[derive(Debug, Clone)]
enum Positions {
    /// `u32::MAX` for buckets seen in no training document.
    Dense(Vec<u32>),
    Sparse(IntMap<u32, u32>),
}

/// Largest number of buckets whose positions are kept in a table (4 MB) rather than a map.
const DENSE_POSITIONS_LIMIT: usize = 1 << 20;

impl PartialEq for Featurizer {
    fn eq(&self, other: &Self) -> bool {
        self.config() == other.config()
            && self.vocabulary() == other.vocabulary()
            && self.buckets == other.buckets
            && self.idf == other.idf
    }
}

impl TryFrom<FeaturizerParts> for Featurizer {
    type Error = FeatureError;

    fn try_from(parts: FeaturizerParts) -> Result<Self, Self::Error> {
        Featurizer::build(parts.config, parts.vocabulary, parts.buckets, parts.idf)
    }
}

/// The work buffers of one row: the keys of a text's terms and the feature positions found.
#[derive(Default)]
struct RowBuffers {
    keys: Vec<u64>,
    hits: Vec<u32>,
}

/// Work buffers of [`Featurizer::rows_of_ids`], reused from block to block.
#[derive(Default)]
pub(crate) struct IdRowBuffers {
    hits: Vec<u32>,
    indices: Vec<u32>,
    values: Vec<f64>,
}

thread_local! {
    /// Reused between calls of `transform`.
    static ROW_BUFFERS: Cell<RowBuffers> = Cell::new(RowBuffers::default());
}

impl Featurizer {
    /// Learns the vocabulary (terms with document frequency ≥ `min_df`, sorted, at most
    /// `max_features` of the most frequent) and idf weights from `documents`. With hashing,
    /// the same rules pick buckets instead of terms.
    ///
    /// Document frequencies are counted in parallel (on the current rayon pool) and summed, so
    /// the result does not depend on the number of threads. When `min_df` or `max_features`
    /// prune, a first pass counts 64-bit term hashes only and a second keeps the text of just
    /// the terms whose hash is frequent enough: the many rare n-grams of a large corpus never
    /// cost a string. A hash shared by several terms only makes the second pass keep more
    /// candidates; the final counts are exact per term.
    pub fn fit<S: AsRef<str> + Sync>(config: &FeatureConfig, documents: &[S]) -> Result<Self, FeatureError> {
        let analyzer = Analyzer::new(config.clone())?;
        if u32::try_from(documents.len()).is_err() {
            return Err(FeatureError::TooManyDocuments(documents.len()));
        }
        let n = documents.len() as f64;
        let empty = || FeatureError::EmptyVocabulary { documents: documents.len(), min_df: config.min_df };
        if let Some(hashing) = config.hashing {
            let counts = count_keys(documents.len(), |doc, see| {
                analyzer.for_each_term(documents[doc].as_ref(), |term| see(hashing.bucket(term)))
            });
            let kept =
                select(counts.into_iter().flatten().map(|(bucket, (df, _))| (bucket, df)).collect(), config);
            if kept.is_empty() {
                return Err(empty());
            }
            let idf = kept.iter().map(|&(_, df)| idf_weight(config.idf, n, f64::from(df))).collect();
            let buckets = kept.into_iter().map(|(bucket, _)| bucket).collect();
            return Self::build(config.clone(), Vocabulary::default(), buckets, idf);
        }
        let candidates = if config.min_df > 1 || config.max_features.is_some() {
            let counts = count_keys(documents.len(), |doc, see| {
                analyzer.for_each_term(documents[doc].as_ref(), |term| see(term_hash(term)))
            });
            let frequent: IntMap<u64, ()> = counts
                .into_iter()
                .flatten()
                .filter(|&(_, (df, _))| df as usize >= config.min_df)
                .map(|(hash, _)| (hash, ()))
                .collect();
            Some(frequent)
        } else {
            None
        };
        let kept = select(count_terms(&analyzer, documents, candidates.as_ref()), config);
        if kept.is_empty() {
            return Err(empty());
        }
        let idf = kept.iter().map(|&(_, df)| idf_weight(config.idf, n, f64::from(df))).collect();
        let vocabulary = kept.iter().map(|(term, _)| term).collect();
        Self::from_parts(config.clone(), vocabulary, idf)
    }

    /// Rebuilds a fitted vocabulary featurizer from stored parts, checking that they agree.
    pub fn from_parts(
        config: FeatureConfig,
        vocabulary: Vocabulary,
        idf: Vec<f64>,
    ) -> Result<Self, FeatureError> {
        Self::build(config, vocabulary, Vec::new(), idf)
    }

    /// Rebuilds a fitted hashing featurizer (its config has [`FeatureConfig::hashing`]) from
    /// the buckets seen in training, strictly increasing, and their idf weights.
    pub fn from_hashed_parts(
        config: FeatureConfig,
        buckets: Vec<u32>,
        idf: Vec<f64>,
    ) -> Result<Self, FeatureError> {
        Self::build(config, Vocabulary::default(), buckets, idf)
    }

    fn build(
        config: FeatureConfig,
        vocabulary: Vocabulary,
        buckets: Vec<u32>,
        idf: Vec<f64>,
    ) -> Result<Self, FeatureError> {
        let analyzer = Analyzer::new(config)?;
        let inconsistent = |message: String| Err(FeatureError::Inconsistent(message));
        let hashing = analyzer.config().hashing;
        let (keys, what) = match hashing {
            Some(_) if !vocabulary.is_empty() => {
                return inconsistent("a hashing featurizer with a vocabulary".into())
            }
            None if !buckets.is_empty() => return inconsistent("buckets without a hashing config".into()),
            Some(_) => (buckets.len(), "buckets"),
            None => (vocabulary.len(), "vocabulary terms"),
        };
        if keys != idf.len() {
            return inconsistent(format!("{keys} {what} but {} idf weights", idf.len()));
        }
        if keys > u32::MAX as usize {
            return inconsistent("vocabulary larger than 2^32 terms".into());
        }
        if let Some(bad) = idf.iter().position(|w| !w.is_finite()) {
            let feature = match hashing {
                Some(_) => format!("bucket {}", buckets[bad]),
                None => format!("{:?}", vocabulary.get(bad).unwrap_or_default()),
            };
            return inconsistent(format!("idf weight of {feature} is not finite"));
        }
        let lookup = match hashing {
            Some(hashing) => {
                if let Some(pair) = buckets.windows(2).find(|pair| pair[0] >= pair[1]) {
                    return inconsistent(format!("buckets {} and {} are out of order", pair[0], pair[1]));
                }
                if let Some(&last) = buckets.last().filter(|&&last| last as usize >= hashing.n_buckets()) {
                    return inconsistent(format!("bucket {last} is beyond 2^{} buckets", hashing.bits));
                }
                let positions = if hashing.n_buckets() <= DENSE_POSITIONS_LIMIT {
                    let mut table = vec![u32::MAX; hashing.n_buckets()];
                    for (position, &bucket) in buckets.iter().enumerate() {
                        table[bucket as usize] = position as u32;
                    }
                    Positions::Dense(table)
                } else {
                    Positions::Sparse(buckets.iter().enumerate().map(|(p, &b)| (b, p as u32)).collect())
                };
                Lookup::Hashing { hashing, positions }
            }
            None => Lookup::Vocabulary(TermIndex::new(vocabulary).map_err(FeatureError::Inconsistent)?),
        };
        Ok(Self { analyzer, buckets: buckets.into(), idf: idf.into(), lookup: Arc::new(lookup) })
    }

    /// The pipeline configuration.
    pub fn config(&self) -> &FeatureConfig {
        self.analyzer.config()
    }

    /// The analyzer that produces terms.
    pub fn analyzer(&self) -> &Analyzer {
        &self.analyzer
    }

    /// Feature hashing settings, if this featurizer hashes terms instead of keeping a vocabulary.
    pub fn hashing(&self) -> Option<Hashing> {
        self.config().hashing
    }

    /// Terms, by feature index (empty with hashing: see [`Featurizer::buckets`]).
    pub fn vocabulary(&self) -> &Vocabulary {
        match &*self.lookup {
            Lookup::Vocabulary(index) => index.vocabulary(),
            Lookup::Hashing { .. } => &NO_VOCABULARY,
        }
    }

    /// With hashing, the buckets seen (and kept) in training, strictly increasing; empty
    /// otherwise.
    pub fn buckets(&self) -> &[u32] {
        &self.buckets
    }

    /// Idf weights: one per vocabulary term, or with hashing one per entry of
    /// [`Featurizer::buckets`].
    pub fn idf(&self) -> &[f64] {
        &self.idf
    }

    /// Number of features: the vocabulary size, or with hashing the number of buckets
    /// (`2^bits`, most of which may be unused).
    pub fn n_features(&self) -> usize {
        match self.hashing() {
            Some(hashing) => hashing.n_buckets(),
            None => self.vocabulary().len(),
        }
    }

    /// Number of features training gave a weight to: the vocabulary size, or with hashing the
    /// number of buckets seen (and kept) in training.
    pub fn n_fitted_features(&self) -> usize {
        self.idf.len()
    }

    /// Number of features of one kind (word or character n-grams). With hashing a bucket can
    /// hold both kinds and its terms are not stored, so this is 0.
    pub fn n_features_of(&self, kind: TermKind) -> usize {
        self.vocabulary().iter().filter(|term| TermKind::of(term) == kind).count()
    }

    /// Feature index of a term, if it is in the vocabulary (with hashing: its bucket, if that
    /// bucket was seen in training).
    pub fn feature_index(&self, term: &str) -> Option<usize> {
        let position = self.position(term)? as usize;
        Some(match *self.lookup {
            Lookup::Hashing { .. } => self.buckets[position] as usize,
            Lookup::Vocabulary(_) => position,
        })
    }

    /// The term of a feature index: its vocabulary term, or `None` with hashing (a bucket
    /// stands for whatever terms hash there) or for an index out of range.
    pub fn term(&self, index: usize) -> Option<&str> {
        self.vocabulary().get(index)
    }

    /// Position of a term's feature in `idf`.
    #[inline]
    fn position(&self, term: &str) -> Option<u32> {
        match &*self.lookup {
            Lookup::Vocabulary(index) => index.get(term),
            Lookup::Hashing { hashing, positions } => {
                let bucket = hashing.bucket(term);
                match positions {
                    Positions::Dense(table) => Some(table[bucket as usize]).filter(|&p| p != u32::MAX),
                    Positions::Sparse(map) => map.get(&bucket).copied(),
                }
            }
        }
    }

    /// Appends the tf-idf row of `text` to `indices` and `values`.
    ///
    /// A vocabulary whose terms all have distinct 64-bit keys (checked when it is loaded) is
    /// looked up by key, without building any term's text, all of a text's keys at once (so
    /// the table's cache misses overlap); otherwise, and with hashing (whose buckets are
    /// defined on the term's text), by the terms' strings. Both find the same features: the
    /// order of lookups differs, but the hits are sorted before they count.
    fn push_row(&self, text: &str, buffers: &mut RowBuffers, indices: &mut Vec<u32>, values: &mut Vec<f64>) {
        let RowBuffers { keys, hits } = buffers;
        hits.clear();
        match &*self.lookup {
            Lookup::Vocabulary(index) if index.keys_are_distinct() => {
                keys.clear();
                self.analyzer.for_each_term_key(text, |key| keys.push(key));
                index.extend_with_keys(keys, hits);
            }
            _ => self.push_hits_by_string(text, hits),
        }
        self.push_weights(hits, indices, values);
    }

    /// The positions of `text`'s terms found by their strings, appended to `hits`.
    fn push_hits_by_string(&self, text: &str, hits: &mut Vec<u32>) {
        self.analyzer.for_each_term(text, |term| {
            if let Some(position) = self.position(term) {
                hits.push(position);
            }
        });
    }

    /// Appends the tf-idf row of the term positions `hits` (in any order; sorted here) to
    /// `indices` and `values`.
    fn push_weights(&self, hits: &mut [u32], indices: &mut Vec<u32>, values: &mut Vec<f64>) {
        // A branch-free read of every hit's idf weight first, so that their cache misses (a
        // large vocabulary's weights are larger than the cache) overlap each other and the sort.
        let touched =
            hits.iter().fold(0, |acc, &p| acc ^ self.idf.get(p as usize).map_or(0, |w| w.to_bits()));
        std::hint::black_box(touched);
        // Positions sort like feature indices (buckets are stored in increasing order).
        hits.sort_unstable();
        let config = self.config();
        let first = values.len();
        // At most one entry per hit: no growth step on the way.
        indices.reserve(hits.len());
        values.reserve(hits.len());
        for run in hits.chunk_by(|a, b| a == b) {
            let position = run[0] as usize;
            let tf = term_weight(config.tf, run.len() as f64);
            indices.push(if self.buckets.is_empty() { run[0] } else { self.buckets[position] });
            values.push(tf * self.idf[position]);
        }
        if config.norm == Norm::L2 {
            let row = &mut values[first..];
            let norm = row.iter().map(|v| v * v).sum::<f64>().sqrt();
            if norm > 0.0 {
                row.iter_mut().for_each(|v| *v /= norm);
            }
        }
    }

    /// The tf-idf vector of `text`. Terms outside the vocabulary are ignored; a text with no
    /// known term gives an empty vector.
    pub fn transform(&self, text: &str) -> SparseVec {
        let mut buffers = ROW_BUFFERS.take();
        let mut vector = SparseVec::default();
        self.push_row(text, &mut buffers, &mut vector.indices, &mut vector.values);
        ROW_BUFFERS.set(buffers);
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

    /// The tf-idf vectors of `texts` as the rows of one [`CsrMatrix`] with
    /// [`Featurizer::n_features`] columns, row `i` equal to `transform(texts[i])`. Runs in
    /// parallel on the current rayon pool, in blocks of rows joined in order, so the result does
    /// not depend on the number of threads.
    pub fn transform_csr<S: AsRef<str> + Sync>(&self, texts: &[S]) -> CsrMatrix {
        let blocks: Vec<CsrMatrix> =
            texts.par_chunks(ROWS_PER_BLOCK).map(|block| self.transform_block(block)).collect();
        let mut matrix = CsrMatrix::new(self.n_features());
        for block in &blocks {
            matrix.append(block);
        }
        matrix
    }

    /// The tf-idf vectors of `texts`, in order, as one [`CsrMatrix`], on this thread.
    fn transform_block<S: AsRef<str>>(&self, texts: &[S]) -> CsrMatrix {
        let mut matrix = CsrMatrix::new(self.n_features());
        let mut buffers = RowBuffers::default();
        let (indptr, indices, values) = matrix.arrays_mut();
        for text in texts {
            self.push_row(text.as_ref(), &mut buffers, indices, values);
            indptr.push(indices.len());
        }
        matrix
    }

    /// [`Featurizer::fit`] on `documents` and the tf-idf vectors of the same documents: the
    /// featurizer and the rows `fit` and then [`Featurizer::transform`] of every document would
    /// give, bit for bit, as blocks of [`FIT_BLOCK_ROWS`] rows in order (the last one may be
    /// shorter). Parallel on the current rayon pool; the result does not depend on the number of
    /// threads.
    ///
    /// Cheaper than the two steps: a vocabulary featurizer counts document frequencies by term
    /// key (see [`Analyzer`]) without building any term's text, then walks the documents once
    /// more for the frequent terms' ids, which become the rows' indices in place, and builds the
    /// text of each kept term once, from the first document that has it. Terms are told apart
    /// by their 64-bit keys, as scoring does: should two terms found in one document share a
    /// key, or two vocabulary terms, it falls back to the two steps.
    pub fn fit_transform<S: AsRef<str> + Sync>(
        config: &FeatureConfig,
        documents: &[S],
    ) -> Result<(Self, Vec<CsrMatrix>), FeatureError> {
        if config.hashing.is_none() {
            if let Some(fitted) = Self::fit_transform_by_keys(config, documents)? {
                return Ok(fitted);
            }
        }
        let featurizer = Self::fit(config, documents)?;
        let blocks =
            documents.par_chunks(FIT_BLOCK_ROWS).map(|block| featurizer.transform_block(block)).collect();
        Ok((featurizer, blocks))
    }

    /// [`Featurizer::fit_transform`] of a vocabulary featurizer by term keys; `None` when two
    /// terms turn out to share a key.
    fn fit_transform_by_keys<S: AsRef<str> + Sync>(
        config: &FeatureConfig,
        documents: &[S],
    ) -> Result<Option<(Self, Vec<CsrMatrix>)>, FeatureError> {
        let analyzer = Analyzer::new(config.clone())?;
        if u32::try_from(documents.len()).is_err() {
            return Err(FeatureError::TooManyDocuments(documents.len()));
        }
        // The keys frequent enough to be kept, sorted, each with its document frequency.
        let mut frequent: Vec<(u64, u32)> = count_keys(documents.len(), |doc, see| {
            analyzer.for_each_term_key(documents[doc].as_ref(), &mut *see)
        })
        .into_iter()
        .flatten()
        .filter(|&(_, (df, _))| df as usize >= config.min_df)
        .map(|(key, (df, _))| (key, df))
        .collect();
        frequent.sort_unstable_by_key(|&(key, _)| key);
        let ids: IntMap<u64, u32> =
            frequent.iter().enumerate().map(|(id, &(key, _))| (key, id as u32)).collect();
        // Every document's frequent term occurrences as ids, and the first document of each id
        // (a minimum, whatever order the blocks run in).
        let first_documents: Vec<AtomicU32> = frequent.iter().map(|_| AtomicU32::new(u32::MAX)).collect();
        let blocks: Vec<(Vec<usize>, Vec<u32>)> = documents
            .par_chunks(FIT_BLOCK_ROWS)
            .enumerate()
            .map_init(Vec::new, |occurrences, (block, texts)| {
                let mut ends = Vec::with_capacity(texts.len() + 1);
                ends.push(0);
                occurrences.clear();
                for (offset, text) in texts.iter().enumerate() {
                    let doc = (block * FIT_BLOCK_ROWS + offset) as u32;
                    analyzer.for_each_term_key(text.as_ref(), |key| {
                        if let Some(&id) = ids.get(&key) {
                            occurrences.push(id);
                            see_first(&first_documents[id as usize], doc);
                        }
                    });
                    ends.push(occurrences.len());
                }
                // Copied out of the growing buffer at its exact size, which keeps the heap compact.
                (ends, occurrences.to_vec())
            })
            .collect();
        let first_documents: Vec<u32> = first_documents.into_iter().map(AtomicU32::into_inner).collect();
        let Some(names) = name_keys(&analyzer, documents, &ids, &first_documents) else {
            return Ok(None);
        };
        let candidates =
            names.iter().zip(&frequent).enumerate().map(|(id, (name, &(_, df)))| ((&**name, id as u32), df));
        let Some((featurizer, feature_of)) = Self::fit_ids(config, documents.len(), candidates.collect())?
        else {
            return Ok(None);
        };
        let matrices = blocks
            .into_par_iter()
            .map_init(IdRowBuffers::default, |buffers, (ends, occurrences)| {
                let matrix = featurizer.rows_of_ids(
                    ends.windows(2).map(|bounds| &occurrences[bounds[0]..bounds[1]]),
                    &feature_of,
                    buffers,
                );
                // Freed whole, which keeps the heap compact (the next block's arrays fit where
                // it was).
                drop(occurrences);
                matrix
            })
            .collect();
        Ok(Some((featurizer, matrices)))
    }

    /// The vocabulary featurizer of `documents` documents whose candidate terms are
    /// `candidates`: `((text, id), document frequency)`, ids below `u32::MAX` and distinct. Also
    /// returns each id's feature (`u32::MAX` for none), indexed by id up to the largest
    /// candidate id. `None` when two kept terms share a 64-bit key (rows must then be found by
    /// the terms' strings). The vocabulary is [`select`]ed by `config` as [`Featurizer::fit`]
    /// selects it.
    pub(crate) fn fit_ids(
        config: &FeatureConfig,
        documents: usize,
        candidates: Vec<((&str, u32), u32)>,
    ) -> Result<Option<(Self, Vec<u32>)>, FeatureError> {
        let ids = candidates.iter().map(|&((_, id), _)| id as usize + 1).max().unwrap_or(0);
        let kept = select(candidates, config);
        if kept.is_empty() {
            return Err(FeatureError::EmptyVocabulary { documents, min_df: config.min_df });
        }
        let mut feature_of = vec![u32::MAX; ids];
        for (feature, &((_, id), _)) in kept.iter().enumerate() {
            feature_of[id as usize] = feature as u32;
        }
        let n = documents as f64;
        let idf = kept.iter().map(|&(_, df)| idf_weight(config.idf, n, f64::from(df))).collect();
        let vocabulary: Vocabulary = kept.iter().map(|&((term, _), _)| term).collect();
        let featurizer = Self::from_parts(config.clone(), vocabulary, idf)?;
        if !matches!(&*featurizer.lookup, Lookup::Vocabulary(index) if index.keys_are_distinct()) {
            return Ok(None);
        }
        Ok(Some((featurizer, feature_of)))
    }

    /// The block of rows whose term occurrences (as ids) are `rows`, ids mapped to features by
    /// `feature_of` (`u32::MAX` for none). The block's arrays are built in `buffers` and copied
    /// out at their exact sizes, which keeps the heap compact.
    pub(crate) fn rows_of_ids<'r>(
        &self,
        rows: impl ExactSizeIterator<Item = &'r [u32]>,
        feature_of: &[u32],
        buffers: &mut IdRowBuffers,
    ) -> CsrMatrix {
        let IdRowBuffers { hits, indices, values } = buffers;
        let mut indptr = Vec::with_capacity(rows.len() + 1);
        indptr.push(0);
        indices.clear();
        values.clear();
        for ids in rows {
            hits.clear();
            hits.extend(ids.iter().map(|&id| feature_of[id as usize]).filter(|&f| f != u32::MAX));
            self.push_weights(hits, indices, values);
            indptr.push(indices.len());
        }
        CsrMatrix::from_trusted_parts(self.n_features(), indptr, indices.to_vec(), values.to_vec())
    }
}

/// Rows per block of [`Featurizer::fit_transform`]: block `b` holds rows from
/// `b * FIT_BLOCK_ROWS`.
pub const FIT_BLOCK_ROWS: usize = ROWS_PER_BLOCK;

/// The text of every key of `ids` (indexed by id), built from the first document each occurs
/// in (`first_documents`, by id): only those documents are walked for strings, in parallel.
/// `None` when two different terms of one document share a key, or (never, when the keys came
/// from the same analyzer) a key is not found again.
pub(crate) fn name_keys<S: AsRef<str> + Sync>(
    analyzer: &Analyzer,
    documents: &[S],
    ids: &IntMap<u64, u32>,
    first_documents: &[u32],
) -> Option<Vec<Box<str>>> {
    let mut firsts = first_documents.to_vec();
    firsts.sort_unstable();
    firsts.dedup();
    let found: Vec<Vec<(u32, Box<str>)>> = firsts
        .par_iter()
        .with_min_len(MIN_DOCUMENTS_PER_TASK)
        .filter(|&&doc| doc != u32::MAX)
        .map(|&doc| {
            let mut found = Vec::new();
            analyzer.for_each_term(documents[doc as usize].as_ref(), |term| {
                if let Some(&id) = ids.get(&term_key(term)) {
                    if first_documents[id as usize] == doc {
                        found.push((id, term.into()));
                    }
                }
            });
            found
        })
        .collect();
    let mut names: Vec<Option<Box<str>>> = vec![None; first_documents.len()];
    for (id, name) in found.into_iter().flatten() {
        match &names[id as usize] {
            None => names[id as usize] = Some(name),
            Some(known) if *known == name => {}
            Some(_) => return None,
        }
    }
    names.into_iter().collect()
}

/// Smallest number of documents one parallel task handles: below that, splitting the work
/// costs more than it saves.
pub(crate) const MIN_DOCUMENTS_PER_TASK: usize = 16;

/// Rows one parallel task of `transform_csr` builds into its own block.
const ROWS_PER_BLOCK: usize = 1024;

/// Document frequency and the last document counted, so a key repeated within one document
/// counts once without a per-document set.
pub(crate) type Count = (u32, u32);

/// Shards [`count_keys`] splits its counts into, by key hash: shards are merged side by side,
/// where one map per task would be merged into one at the end by one thread (on 200,000
/// rows, 2.4 M keys: most of a second on one core, twice per training run).
const COUNT_SHARDS: usize = 16;

/// Parallel tasks per thread of [`count_keys`]: each holds its own counts until the merge,
/// so few, but enough to even out documents of different lengths.
const COUNT_TASKS_PER_THREAD: usize = 4;

/// The shard of `key` among [`COUNT_SHARDS`]: bits of its map hash that the maps themselves
/// use least (hashbrown takes the low bits for the slot and the top seven for the tag).
fn count_shard<K: Hash>(key: &K) -> usize {
    use std::hash::BuildHasher;
    (IntBuild::default().hash_one(key) >> 40) as usize % COUNT_SHARDS
}

/// Records that `doc` has the term whose first document is `first` (a minimum, whatever order
/// the documents are visited in).
pub(crate) fn see_first(first: &AtomicU32, doc: u32) {
    if first.load(Ordering::Relaxed) > doc {
        first.fetch_min(doc, Ordering::Relaxed);
    }
}

/// Counts in how many of `documents` documents each key occurs; `keys(doc, see)` calls `see`
/// for every key occurrence of document `doc`. The counts come in [`COUNT_SHARDS`] maps (a key
/// is in one of them), in no order that means anything. Parallel, summed, so independent of the
/// thread count.
pub(crate) fn count_keys<K, F>(documents: usize, keys: F) -> Vec<IntMap<K, Count>>
where
    K: Hash + Eq + Copy + Send,
    F: Fn(usize, &mut dyn FnMut(K)) + Sync,
{
    let tasks = rayon::current_num_threads() * COUNT_TASKS_PER_THREAD;
    let task_len = documents.div_ceil(tasks).max(MIN_DOCUMENTS_PER_TASK);
    let parts: Vec<Vec<IntMap<K, Count>>> = (0..documents.div_ceil(task_len))
        .into_par_iter()
        .map(|task| {
            let mut shards: Vec<IntMap<K, Count>> = (0..COUNT_SHARDS).map(|_| IntMap::default()).collect();
            for doc in task * task_len..((task + 1) * task_len).min(documents) {
                let id = doc as u32;
                keys(doc, &mut |key| match shards[count_shard(&key)].entry(key) {
                    Entry::Occupied(mut slot) => {
                        let (df, last) = slot.get_mut();
                        if *last != id {
                            *df += 1;
                            *last = id;
                        }
                    }
                    Entry::Vacant(slot) => {
                        slot.insert((1, id));
                    }
                });
            }
            shards
        })
        .collect();
    let mut by_shard: Vec<Vec<IntMap<K, Count>>> = (0..COUNT_SHARDS).map(|_| Vec::new()).collect();
    for part in parts {
        for (shard, counts) in part.into_iter().enumerate() {
            by_shard[shard].push(counts);
        }
    }
    by_shard
        .into_par_iter()
        .map(|maps| {
            let mut maps = maps.into_iter();
            let first = maps.next().unwrap_or_default();
            maps.fold(first, |a, b| {
                let (mut into, from) = if a.len() >= b.len() { (a, b) } else { (b, a) };
                for (key, (df, _)) in from {
                    into.entry(key).or_insert((0, 0)).0 += df;
                }
                into
            })
        })
        .collect()
}

/// Exact document frequencies of terms, keyed by their hash with the text stored once (not
/// once per document); a term whose hash a different term took first is kept by its text.
#[derive(Default)]
struct TermCounts {
    by_hash: IntMap<u64, (Box<str>, Count)>,
    collided: StrMap<Box<str>, Count>,
}

impl TermCounts {
    /// Counts `df` more documents for `term`: within a fold `df` is 1 and `doc` the document,
    /// counted once however often the term occurs in it; when merging, `doc` is `None`.
    fn add(&mut self, hash: u64, term: &str, df: u32, doc: Option<u32>) {
        let last = doc.unwrap_or(u32::MAX);
        let count = match self.by_hash.entry(hash) {
            Entry::Vacant(slot) => {
                slot.insert((term.into(), (df, last)));
                return;
            }
            Entry::Occupied(slot) if *slot.get().0 == *term => &mut slot.into_mut().1,
            Entry::Occupied(_) => match self.collided.get_mut(term) {
                Some(count) => count,
                None => {
                    self.collided.insert(term.into(), (df, last));
                    return;
                }
            },
        };
        if doc.is_none() || count.1 != last {
            count.0 += df;
            count.1 = last;
        }
    }

    fn merge(self, other: TermCounts) -> TermCounts {
        let (mut into, from) = if self.len() >= other.len() { (self, other) } else { (other, self) };
        let from = from
            .by_hash
            .into_iter()
            .map(|(hash, (term, count))| (hash, term, count))
            .chain(from.collided.into_iter().map(|(term, count)| (term_hash(&term), term, count)));
        for (hash, term, (df, _)) in from {
            into.add(hash, &term, df, None);
        }
        into
    }

    fn len(&self) -> usize {
        self.by_hash.len() + self.collided.len()
    }

    fn into_vec(self) -> Vec<(Box<str>, u32)> {
        let mut terms: Vec<(Box<str>, u32)> =
            self.by_hash.into_values().map(|(term, (df, _))| (term, df)).collect();
        terms.extend(self.collided.into_iter().map(|(term, (df, _))| (term, df)));
        terms
    }
}

/// Document frequency of every term, or with `candidates` of every term whose hash is one of
/// them.
fn count_terms<S: AsRef<str> + Sync>(
    analyzer: &Analyzer,
    documents: &[S],
    candidates: Option<&IntMap<u64, ()>>,
) -> Vec<(Box<str>, u32)> {
    documents
        .par_iter()
        .enumerate()
        .with_min_len(MIN_DOCUMENTS_PER_TASK)
        .fold(TermCounts::default, |mut counts, (doc, text)| {
            analyzer.for_each_term(text.as_ref(), |term| {
                let hash = term_hash(term);
                if candidates.is_none_or(|c| c.contains_key(&hash)) {
                    counts.add(hash, term, 1, Some(doc as u32));
                }
            });
            counts
        })
        .reduce(TermCounts::default, TermCounts::merge)
        .into_vec()
}

/// The keys to keep: document frequency ≥ `min_df`, at most `max_features` of the most
/// frequent (ties broken by key), sorted by key. Depends only on the (key, df) pairs, never on
/// their order: both sorts are total orders over distinct keys.
fn select<K: Ord>(mut counts: Vec<(K, u32)>, config: &FeatureConfig) -> Vec<(K, u32)> {
    counts.retain(|&(_, df)| df as usize >= config.min_df);
    if let Some(limit) = config.max_features {
        if counts.len() > limit {
            counts.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            counts.truncate(limit);
        }
    }
    counts.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    counts
}

fn term_weight(tf: TermFrequency, count: f64) -> f64 {
    match tf {
        TermFrequency::Raw => count,
        // Most terms occur once in a sentence: ln(1) is exactly 0, so no logarithm is taken.
        TermFrequency::Sublinear if count == 1.0 => 1.0,
        TermFrequency::Sublinear => 1.0 + count.ln(),
        TermFrequency::Binary => 1.0,
    }
}

/// The idf weight of a term (or bucket) seen in `df` of `n` training documents, as
/// [`Featurizer::fit`] computes it; for featurizers fitted elsewhere (e.g. on a streamed file)
/// and rebuilt with [`Featurizer::from_hashed_parts`].
pub fn idf_weight(idf: Idf, n: f64, df: f64) -> f64 {
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

    #[test]
    fn a_sublinear_weight_is_one_plus_the_log_of_the_count_bit_for_bit() {
        for count in [1.0, 2.0, 3.0, 7.0, 100.0] {
            let weight = term_weight(TermFrequency::Sublinear, count);
            assert_eq!(weight.to_bits(), (1.0 + f64::ln(count)).to_bits(), "count {count}");
        }
    }

    fn unigram_config() -> FeatureConfig {
        FeatureConfig {
            stemmer: Stemmer::None,
            extractors: crate::Extractor::ngrams(Some(NgramRange::new(1, 1)), None),
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
        let config = unigram_config().with_char_ngrams(Some(NgramRange::new(2, 2)));
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
            FeatureConfig::default().with_char_ngrams(Some(NgramRange::new(2, 5))),
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

    /// `fit_transform` is `fit`, then `transform` of every document, bit for bit, in blocks of
    /// `FIT_BLOCK_ROWS`, whatever the thread count (by keys for vocabularies, by the two steps
    /// with hashing).
    #[test]
    fn fit_transform_gives_fit_then_transform_bit_for_bit() {
        let mut docs = varied_documents();
        // More than one block, the last one short.
        while docs.len() < 2 * FIT_BLOCK_ROWS + 7 {
            let more = docs[docs.len() % 300].clone() + " more";
            docs.push(more);
        }
        let mut cued = FeatureConfig::default().with_char_ngrams(Some(NgramRange::new(2, 4))).extractors;
        cued.push(crate::Extractor::StanceCues(crate::StanceCues::default()));
        let configs = [
            FeatureConfig::default(),
            FeatureConfig { min_df: 5, ..Default::default() },
            FeatureConfig { extractors: cued, min_df: 2, ..Default::default() },
            FeatureConfig { max_features: Some(40), min_df: 3, ..unigram_config() },
            FeatureConfig { tf: TermFrequency::Raw, norm: Norm::None, ..unigram_config() },
            hashed(10, 4),
        ];
        let bits = |values: &[f64]| values.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        for config in configs {
            let expected = Featurizer::fit(&config, &docs).unwrap();
            for threads in [1, 3] {
                let (featurizer, blocks) =
                    pool(threads).install(|| Featurizer::fit_transform(&config, &docs).unwrap());
                assert_eq!(featurizer, expected, "{config:?}");
                assert_eq!(bits(featurizer.idf()), bits(expected.idf()));
                assert_eq!(blocks.len(), docs.len().div_ceil(FIT_BLOCK_ROWS));
                for (i, doc) in docs.iter().enumerate() {
                    let (indices, values) = blocks[i / FIT_BLOCK_ROWS].row(i % FIT_BLOCK_ROWS);
                    let want = expected.transform(doc);
                    assert_eq!(indices, want.indices, "document {i} of {config:?}");
                    assert_eq!(bits(values), bits(&want.values), "document {i} of {config:?}");
                }
                assert!(blocks.iter().all(|b| b.n_cols() == expected.n_features()));
            }
        }
        let too_rare = FeatureConfig { min_df: 100_000, ..Default::default() };
        assert!(matches!(
            Featurizer::fit_transform(&too_rare, &docs),
            Err(FeatureError::EmptyVocabulary { .. })
        ));
    }

    #[test]
    fn damaged_parts_are_rejected() {
        let config = unigram_config();
        assert!(Featurizer::from_parts(config.clone(), ["a"].into_iter().collect(), vec![]).is_err());
        assert!(
            Featurizer::from_parts(config.clone(), ["a", "a"].into_iter().collect(), vec![1.0, 1.0]).is_err()
        );
        assert!(Featurizer::from_parts(config, ["a"].into_iter().collect(), vec![f64::NAN]).is_err());
    }

    fn hashed(bits: u32, seed: u64) -> FeatureConfig {
        FeatureConfig {
            extractors: crate::Extractor::ngrams(Some(NgramRange::new(1, 2)), Some(NgramRange::new(2, 4))),
            hashing: Some(Hashing::new(bits, seed)),
            ..Default::default()
        }
    }

    #[test]
    fn hashing_is_deterministic_across_threads_and_runs() {
        let docs = varied_documents();
        let run = |threads: usize| {
            pool(threads).install(|| {
                let featurizer = Featurizer::fit(&hashed(12, 99), &docs).unwrap();
                let matrix = featurizer.transform_csr(&docs);
                (featurizer, matrix)
            })
        };
        let (serial, serial_matrix) = run(1);
        let (parallel, parallel_matrix) = run(4);
        assert_eq!(serial, parallel);
        let bits = |values: &[f64]| values.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(serial.idf()), bits(parallel.idf()));
        assert_eq!(serial_matrix, parallel_matrix);
        assert_eq!(serial_matrix.n_cols(), 1 << 12);
        for (i, doc) in docs.iter().enumerate() {
            assert_eq!(serial_matrix.row_vec(i), serial.transform(doc), "document {i}");
        }
        // The same text lands in the same buckets on another thread.
        let here = serial.transform(&docs[1]);
        let there = std::thread::scope(|s| s.spawn(|| serial.transform(&docs[1])).join().unwrap());
        assert_eq!(here, there);
        assert!(!here.is_empty());
    }

    #[test]
    fn another_seed_gives_other_buckets() {
        let docs = varied_documents();
        let a = Featurizer::fit(&hashed(16, 1), &docs).unwrap();
        let b = Featurizer::fit(&hashed(16, 2), &docs).unwrap();
        assert_ne!(a.buckets(), b.buckets());
        assert_ne!(a.transform(&docs[1]).indices, b.transform(&docs[1]).indices);
        assert_eq!(a.feature_index("russia"), Some(Hashing::new(16, 1).bucket("russia") as usize));
        assert_eq!(a.feature_index("never seen in training"), None);
        assert_eq!(a.term(0), None);
        assert_eq!(a.vocabulary(), [] as [String; 0]);
        assert_eq!(a.n_features_of(TermKind::WordNgram), 0);
    }

    /// With far more buckets than terms there is no collision, and hashing is the vocabulary
    /// with its columns renamed: the same values (up to rounding: the norm sums in another
    /// order), in bucket order.
    #[test]
    fn hashing_without_collisions_gives_the_vocabulary_values() {
        let docs = varied_documents();
        let config = FeatureConfig::default().with_char_ngrams(Some(NgramRange::new(2, 4)));
        let plain = Featurizer::fit(&config, &docs).unwrap();
        let hashing = Hashing::new(28, 5);
        let hashed = Featurizer::fit(&FeatureConfig { hashing: Some(hashing), ..config }, &docs).unwrap();
        let buckets: Vec<u32> = plain.vocabulary().iter().map(|t| hashing.bucket(t)).collect();
        let mut distinct = buckets.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(distinct.len(), buckets.len(), "a collision among {} terms", buckets.len());
        assert_eq!(hashed.buckets(), distinct);
        assert_eq!(hashed.n_fitted_features(), plain.n_features());
        for doc in docs.iter().take(60) {
            let mut renamed: Vec<(usize, f64)> =
                plain.transform(doc).iter().map(|(i, v)| (buckets[i] as usize, v)).collect();
            renamed.sort_unstable_by_key(|&(i, _)| i);
            let got: Vec<(usize, f64)> = hashed.transform(doc).iter().collect();
            assert_eq!(got.len(), renamed.len(), "{doc:?}");
            for ((i, v), (j, w)) in got.into_iter().zip(renamed) {
                assert_eq!(i, j, "{doc:?}");
                assert!((v - w).abs() < 1e-12, "{doc:?}: {v} vs {w}");
            }
        }
    }

    #[test]
    fn hashing_prunes_buckets_by_min_df_and_max_features() {
        let docs = varied_documents();
        let all = Featurizer::fit(&hashed(10, 0), &docs).unwrap();
        let few = Featurizer::fit(&FeatureConfig { max_features: Some(50), ..hashed(10, 0) }, &docs).unwrap();
        assert_eq!(few.buckets().len(), 50);
        assert!(few.buckets().iter().all(|b| all.buckets().contains(b)));
        let common = Featurizer::fit(&FeatureConfig { min_df: 40, ..hashed(10, 0) }, &docs).unwrap();
        assert!(common.buckets().len() < all.buckets().len());
        let too_rare = FeatureConfig { min_df: 1000, ..hashed(10, 0) };
        assert!(matches!(Featurizer::fit(&too_rare, &docs), Err(FeatureError::EmptyVocabulary { .. })));
    }

    #[test]
    fn hashed_json_lists_only_seen_buckets_and_round_trips() {
        let docs = ["Russia rejects Western peacekeepers", "Starmer is open to sending troops"];
        let f = Featurizer::fit(
            &FeatureConfig { hashing: Some(Hashing::new(20, 3)), ..Default::default() },
            &docs,
        )
        .unwrap();
        let json = serde_json::to_string(&f).unwrap();
        assert!(json.len() < 2000, "{} bytes", json.len());
        assert!(json.contains(r#""vocabulary":[],"buckets":["#), "{json}");
        let back: Featurizer = serde_json::from_str(&json).unwrap();
        assert_eq!(back, f);
        assert_eq!(back.transform("Russia sends troops"), f.transform("Russia sends troops"));
        assert_eq!(serde_json::to_string(&back).unwrap(), json);
        let plain =
            serde_json::to_string(&Featurizer::fit(&FeatureConfig::default(), &docs).unwrap()).unwrap();
        assert!(!plain.contains("buckets") && !plain.contains("hashing"), "{plain}");
    }

    #[test]
    fn damaged_hashed_parts_are_rejected() {
        let config = FeatureConfig { hashing: Some(Hashing::new(10, 0)), ..Default::default() };
        assert!(Featurizer::from_hashed_parts(config.clone(), vec![1, 5], vec![1.0, 2.0]).is_ok());
        assert!(Featurizer::from_hashed_parts(config.clone(), vec![5, 1], vec![1.0, 2.0]).is_err());
        assert!(Featurizer::from_hashed_parts(config.clone(), vec![1, 1], vec![1.0, 2.0]).is_err());
        assert!(Featurizer::from_hashed_parts(config.clone(), vec![1, 1024], vec![1.0, 2.0]).is_err());
        assert!(Featurizer::from_hashed_parts(config.clone(), vec![1], vec![1.0, 2.0]).is_err());
        assert!(Featurizer::from_hashed_parts(config.clone(), vec![1], vec![f64::INFINITY]).is_err());
        assert!(Featurizer::from_parts(config, ["a"].into_iter().collect(), vec![1.0]).is_err());
        assert!(Featurizer::from_hashed_parts(unigram_config(), vec![1], vec![1.0]).is_err());
        let sparse = FeatureConfig { hashing: Some(Hashing::new(24, 0)), ..Default::default() };
        let f = Featurizer::from_hashed_parts(sparse, vec![3, 1 << 23], vec![1.0, 2.0]).unwrap();
        assert_eq!(f.n_features(), 1 << 24);
    }

    /// The two-pass count (hashes first, then the text of frequent ones) must keep exactly the
    /// terms a plain count keeps: those whose df, told by their smooth idf, is high enough.
    #[test]
    fn pruned_fit_keeps_exactly_the_frequent_terms() {
        let docs = varied_documents();
        let config = FeatureConfig::default().with_char_ngrams(Some(NgramRange::new(2, 3)));
        let all = Featurizer::fit(&config, &docs).unwrap();
        let n = docs.len() as f64;
        let threshold = idf_weight(Idf::Smooth, n, 3.0);
        let expected: Vec<&str> = all
            .vocabulary()
            .iter()
            .zip(all.idf())
            .filter(|&(_, &w)| w <= threshold)
            .map(|(t, _)| t)
            .collect();
        let pruned = Featurizer::fit(&FeatureConfig { min_df: 3, ..config }, &docs).unwrap();
        assert_eq!(pruned.vocabulary().iter().collect::<Vec<_>>(), expected);
        assert!(pruned.n_features() < all.n_features());
        for (term, w) in pruned.vocabulary().iter().zip(pruned.idf()) {
            assert_eq!(w.to_bits(), all.idf()[all.feature_index(term).unwrap()].to_bits(), "{term}");
        }
    }

    #[test]
    fn count_keys_counts_each_key_once_per_document_in_one_shard_for_any_thread_count() {
        // Documents of keys 0..40 (repeats within a document count once).
        let documents: Vec<String> =
            (0..3000).map(|d| format!("{} {} {}", d % 40, (d * 7) % 40, d % 40)).collect();
        let mut expected = std::collections::BTreeMap::new();
        for text in &documents {
            let distinct: std::collections::BTreeSet<u64> =
                text.split(' ').map(|k| k.parse().unwrap()).collect();
            for key in distinct {
                *expected.entry(key).or_insert(0u32) += 1;
            }
        }
        for threads in [1, 2, 3] {
            let shards = pool(threads).install(|| {
                count_keys(documents.len(), |doc, see| {
                    documents[doc].split(' ').for_each(|k| see(k.parse::<u64>().unwrap()))
                })
            });
            assert_eq!(shards.len(), COUNT_SHARDS);
            for (shard, counts) in shards.iter().enumerate() {
                assert!(counts.keys().all(|key| count_shard(key) == shard), "shard {shard}");
            }
            let counted: std::collections::BTreeMap<u64, u32> =
                shards.into_iter().flatten().map(|(key, (df, _))| (key, df)).collect();
            assert_eq!(counted, expected, "{threads} threads");
        }
    }

    #[test]
    fn term_counts_keep_colliding_terms_apart() {
        let mut a = TermCounts::default();
        // Three different terms forced under one hash, "x" twice in document 0.
        for (term, doc) in [("x", 0), ("y", 0), ("x", 0), ("y", 1), ("z", 1)] {
            a.add(7, term, 1, Some(doc));
        }
        let mut b = TermCounts::default();
        for (term, doc) in [("z", 2), ("y", 2), ("x", 3)] {
            b.add(7, term, 1, Some(doc));
        }
        // merge re-hashes the collided terms with the real hash; use the same for all here.
        let mut merged = TermCounts::default();
        for counts in [a, b] {
            for (term, df) in counts.into_vec() {
                merged.add(7, &term, df, None);
            }
        }
        let mut terms = merged.into_vec();
        terms.sort();
        assert_eq!(terms, [("x".into(), 2), ("y".into(), 3), ("z".into(), 2)]);
    }

    /// The vector of `text` with every term looked up by its string (the path of vocabularies
    /// whose keys are not distinct).
    fn transform_by_strings(f: &Featurizer, text: &str) -> SparseVec {
        let mut hits = Vec::new();
        let mut vector = SparseVec::default();
        f.push_hits_by_string(text, &mut hits);
        f.push_weights(&mut hits, &mut vector.indices, &mut vector.values);
        vector
    }

    #[test]
    fn lookups_by_key_give_the_vectors_of_lookups_by_string_bit_for_bit() {
        let docs = varied_documents();
        let mut cued = FeatureConfig::default().with_char_ngrams(Some(NgramRange::new(2, 5))).extractors;
        cued.push(crate::Extractor::StanceCues(crate::StanceCues::default()));
        let configs = [
            FeatureConfig::default(),
            FeatureConfig { extractors: cued, ..Default::default() },
            FeatureConfig { tf: TermFrequency::Raw, norm: Norm::None, ..unigram_config() },
        ];
        let unseen = ["Zakharova rejects Western talks naïvely", "", "troops troops troops"];
        for config in configs {
            let f = Featurizer::fit(&config, &docs).unwrap();
            let Lookup::Vocabulary(index) = &*f.lookup else { panic!("a vocabulary featurizer") };
            assert!(index.keys_are_distinct());
            for text in docs.iter().map(String::as_str).chain(unseen) {
                let (by_key, by_string) = (f.transform(text), transform_by_strings(&f, text));
                assert_eq!(by_key.indices, by_string.indices, "{text:?}");
                let bits = |v: &SparseVec| v.values.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&by_key), bits(&by_string), "{text:?}");
            }
        }
    }

    #[test]
    fn vocabulary_lookup_finds_terms_that_share_a_hash() {
        // Lookups go by hash first: every term must still be found, and only itself.
        let f = Featurizer::fit(&unigram_config(), &["alpha beta gamma", "beta delta"]).unwrap();
        for (i, term) in f.vocabulary().iter().enumerate() {
            assert_eq!(f.feature_index(term), Some(i));
            assert_eq!(f.term(i), Some(term));
        }
        assert_eq!(f.feature_index("alph"), None);
        assert_eq!(f.n_fitted_features(), 4);
    }
}
