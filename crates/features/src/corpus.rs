//! Training texts analysed once, for several vocabulary fits on subsets of them.
//!
//! One training run fits the same feature config several times on overlapping rows: each
//! cross-validation fold, the held-out estimate, the fit on all rows. Analysing a text (words,
//! stems, n-grams) is most of the cost of featurizing it, and [`Featurizer::fit_transform`]
//! analyses every row twice (once to count document frequencies, once for its row). An
//! [`AnalyzedCorpus`] analyses every text once and keeps its term occurrences as ids; each fit
//! then counts and builds its rows from the ids, bit for bit as `fit_transform` would on the
//! same rows. One corpus serves every config that analyses texts the same way (the weighting,
//! `min_df` at or above the corpus's and `max_features` may differ), which is what a search
//! over regularisation, class weights and pruning needs.

use std::sync::atomic::AtomicU32;

use rayon::prelude::*;

use crate::analyzer::Analyzer;
use crate::config::FeatureConfig;
use crate::csr::CsrMatrix;
use crate::hash::IntMap;
use crate::vectorizer::{count_keys, name_keys, see_first, IdRowBuffers, MIN_DOCUMENTS_PER_TASK};
use crate::{FeatureError, Featurizer, FIT_BLOCK_ROWS};

/// Every text of a corpus as the ids of its term occurrences, for vocabulary fits on any subset
/// of its rows ([`AnalyzedCorpus::fit_transform`]).
///
/// Only terms in at least `min_df` of all rows get an id: a term rarer than that in the whole
/// corpus is rarer in every subset, so no fit can keep it. Ids follow the terms' 64-bit keys,
/// as [`Featurizer::fit_transform`] orders them.
pub struct AnalyzedCorpus {
    config: FeatureConfig,
    /// The rows in blocks of [`FIT_BLOCK_ROWS`].
    blocks: Vec<IdBlock>,
    /// Each id's term.
    names: Vec<Box<str>>,
    rows: usize,
}

/// Rows whose term occurrences are `ids[ends[r]..ends[r + 1]]`.
struct IdBlock {
    ends: Vec<usize>,
    ids: Vec<u32>,
}

impl AnalyzedCorpus {
    /// Analyses `documents` with `config`, in parallel on the current rayon pool (the result
    /// does not depend on the number of threads). `None` where the corpus cannot serve: a
    /// hashing config (whose buckets are fitted from the terms' strings), or two different
    /// terms of one document sharing a 64-bit key. The errors of [`Featurizer::fit`].
    pub fn new<S: AsRef<str> + Sync>(
        config: &FeatureConfig,
        documents: &[S],
    ) -> Result<Option<Self>, FeatureError> {
        if config.hashing.is_some() {
            return Ok(None);
        }
        let analyzer = Analyzer::new(config.clone())?;
        if u32::try_from(documents.len()).is_err() {
            return Err(FeatureError::TooManyDocuments(documents.len()));
        }
        // The one analysis: every row's term keys.
        let keyed: Vec<(Vec<usize>, Vec<u64>)> = documents
            .par_chunks(FIT_BLOCK_ROWS)
            .map_init(Vec::new, |keys, texts| {
                let mut ends = Vec::with_capacity(texts.len() + 1);
                ends.push(0);
                keys.clear();
                for text in texts {
                    analyzer.for_each_term_key(text.as_ref(), |key| keys.push(key));
                    ends.push(keys.len());
                }
                (ends, keys.to_vec())
            })
            .collect();
        let keys_of = |doc: usize| {
            let (ends, keys) = &keyed[doc / FIT_BLOCK_ROWS];
            let row = doc % FIT_BLOCK_ROWS;
            &keys[ends[row]..ends[row + 1]]
        };
        let mut frequent: Vec<u64> =
            count_keys(documents.len(), |doc, see| keys_of(doc).iter().for_each(|&k| see(k)))
                .into_iter()
                .flatten()
                .filter(|&(_, (df, _))| df as usize >= config.min_df)
                .map(|(key, _)| key)
                .collect();
        frequent.sort_unstable();
        let ids: IntMap<u64, u32> = frequent.iter().enumerate().map(|(id, &key)| (key, id as u32)).collect();
        drop(frequent);
        let first_documents: Vec<AtomicU32> = (0..ids.len()).map(|_| AtomicU32::new(u32::MAX)).collect();
        // Consumed block by block, so the keys are freed as their ids are made.
        let blocks: Vec<IdBlock> = keyed
            .into_par_iter()
            .enumerate()
            .map(|(block, (ends, keys))| {
                let mut kept = Vec::with_capacity(keys.len());
                let mut kept_ends = Vec::with_capacity(ends.len());
                kept_ends.push(0);
                for (row, bounds) in ends.windows(2).enumerate() {
                    let doc = (block * FIT_BLOCK_ROWS + row) as u32;
                    for key in &keys[bounds[0]..bounds[1]] {
                        if let Some(&id) = ids.get(key) {
                            kept.push(id);
                            see_first(&first_documents[id as usize], doc);
                        }
                    }
                    kept_ends.push(kept.len());
                }
                kept.shrink_to_fit();
                IdBlock { ends: kept_ends, ids: kept }
            })
            .collect();
        let first_documents: Vec<u32> = first_documents.into_iter().map(AtomicU32::into_inner).collect();
        let Some(names) = name_keys(&analyzer, documents, &ids, &first_documents) else {
            return Ok(None);
        };
        Ok(Some(Self { config: config.clone(), blocks, names, rows: documents.len() }))
    }

    /// The feature config the texts were analysed with.
    pub fn config(&self) -> &FeatureConfig {
        &self.config
    }

    /// Whether a fit with `config` can be made from this corpus: it analyses texts as the
    /// corpus's config does (normalisation, lowercasing, stemmer, extractors), learns a
    /// vocabulary, and prunes at least as much (`min_df` at or above the corpus's: a term the
    /// corpus dropped is rarer than that in every subset).
    pub fn serves(&self, config: &FeatureConfig) -> bool {
        config.hashing.is_none() && config.min_df >= self.config.min_df && self.config.analyses_like(config)
    }

    /// Heap bytes held (term ids, row bounds and term names), for callers that keep several
    /// corpora within a memory bound.
    pub fn heap_bytes(&self) -> usize {
        let blocks: usize = self
            .blocks
            .iter()
            .map(|b| b.ids.capacity() * size_of::<u32>() + b.ends.capacity() * size_of::<usize>())
            .sum();
        let names: usize = self.names.iter().map(|n| n.len() + size_of::<Box<str>>()).sum();
        blocks + names
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows
    }

    /// Whether the corpus has no rows.
    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// The ids of row `row`'s term occurrences.
    fn row(&self, row: usize) -> &[u32] {
        let IdBlock { ends, ids } = &self.blocks[row / FIT_BLOCK_ROWS];
        let offset = row % FIT_BLOCK_ROWS;
        &ids[ends[offset]..ends[offset + 1]]
    }

    /// [`Featurizer::fit_transform`] with `config` on the texts of `rows` (distinct indices
    /// into the corpus, in the order of the fit's documents), bit for bit, from the stored ids.
    /// `None` when the corpus does not serve `config` ([`AnalyzedCorpus::serves`]) or two kept
    /// terms share a 64-bit key (`fit_transform` on the texts then finds the rows by string).
    ///
    /// # Panics
    /// If a row index is out of range or repeated (a repeated row could lift a term the corpus
    /// pruned over `min_df`).
    pub fn fit_transform(
        &self,
        config: &FeatureConfig,
        rows: &[usize],
    ) -> Result<Option<(Featurizer, Vec<CsrMatrix>)>, FeatureError> {
        if !self.serves(config) {
            return Ok(None);
        }
        let mut seen = vec![false; self.rows];
        for &row in rows {
            assert!(row < self.rows, "row {row} out of range: the corpus has {} rows", self.rows);
            assert!(!std::mem::replace(&mut seen[row], true), "row {row} repeated");
        }
        drop(seen);
        let terms = self.names.len();
        // Document frequencies per id, a row counted once however often it has the term.
        let task_len = rows.len().div_ceil(rayon::current_num_threads()).max(MIN_DOCUMENTS_PER_TASK);
        let df = rows
            .par_chunks(task_len)
            .map(|rows| {
                let mut df = vec![0u32; terms];
                let mut last = vec![u32::MAX; terms];
                for (doc, &row) in rows.iter().enumerate() {
                    for &id in self.row(row) {
                        let id = id as usize;
                        if last[id] != doc as u32 {
                            last[id] = doc as u32;
                            df[id] += 1;
                        }
                    }
                }
                df
            })
            .reduce_with(|mut sum, part| {
                sum.iter_mut().zip(part).for_each(|(total, df)| *total += df);
                sum
            })
            .unwrap_or_default();
        let candidates = df
            .iter()
            .enumerate()
            .filter(|&(_, &df)| df > 0)
            .map(|(id, &df)| ((&*self.names[id], id as u32), df))
            .collect();
        let Some((featurizer, feature_of)) = Featurizer::fit_ids(config, rows.len(), candidates)? else {
            return Ok(None);
        };
        let blocks = rows
            .par_chunks(FIT_BLOCK_ROWS)
            .map_init(IdRowBuffers::default, |buffers, block| {
                featurizer.rows_of_ids(block.iter().map(|&row| self.row(row)), &feature_of, buffers)
            })
            .collect();
        Ok(Some((featurizer, blocks)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Idf, NgramRange, Norm, Stemmer, TermFrequency};
    use crate::Extractor;

    fn configs() -> Vec<FeatureConfig> {
        let words = FeatureConfig {
            stemmer: Stemmer::None,
            extractors: Extractor::ngrams(Some(NgramRange::new(1, 2)), None),
            ..Default::default()
        };
        vec![
            words.clone(),
            FeatureConfig { min_df: 2, ..words.clone() },
            FeatureConfig { min_df: 3, max_features: Some(7), ..words },
            FeatureConfig { min_df: 2, ..FeatureConfig::default() },
        ]
    }

    /// What `fit_transform` gives on the texts of `rows`.
    fn expected(config: &FeatureConfig, texts: &[String], rows: &[usize]) -> (Featurizer, Vec<CsrMatrix>) {
        let subset: Vec<&str> = rows.iter().map(|&row| texts[row].as_str()).collect();
        Featurizer::fit_transform(config, &subset).unwrap()
    }

    fn pool(threads: usize) -> rayon::ThreadPool {
        rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap()
    }

    #[test]
    fn a_fit_on_any_rows_is_fit_transform_on_their_texts_bit_for_bit() {
        // More than one block of rows, words shared across rows, and rows with no text.
        let texts: Vec<String> = (0..2500)
            .map(|i| match i % 97 {
                0 => String::new(),
                _ => format!(
                    "Troops w{} w{} sent to w{} by w{}, w{} w{}",
                    i % 13,
                    i % 7,
                    i % 31,
                    i % 5,
                    i % 3,
                    i % 13
                ),
            })
            .collect();
        let every: Vec<usize> = (0..texts.len()).collect();
        let held_out: Vec<usize> = (0..texts.len()).filter(|i| i % 10 != 3).collect();
        let shuffled: Vec<usize> = (0..texts.len()).rev().step_by(3).chain([5, 1]).collect();
        for config in configs() {
            let corpus = AnalyzedCorpus::new(&config, &texts).unwrap().expect("no shared keys");
            assert_eq!(corpus.len(), texts.len());
            for rows in [&every, &held_out, &shuffled] {
                let (featurizer, blocks) = corpus.fit_transform(&config, rows).unwrap().unwrap();
                let (want_featurizer, want_blocks) = expected(&config, &texts, rows);
                assert!(featurizer == want_featurizer, "{config:?}");
                assert_eq!(blocks.len(), want_blocks.len());
                for (got, want) in blocks.iter().zip(&want_blocks) {
                    assert_eq!(got, want, "{config:?}");
                }
            }
        }
    }

    #[test]
    fn the_corpus_does_not_depend_on_the_thread_count() {
        let texts: Vec<String> =
            (0..3000).map(|i| format!("a{} b{} c{} a{}", i % 11, i % 17, i % 5, i % 11)).collect();
        let rows: Vec<usize> = (0..texts.len()).filter(|i| i % 4 != 0).collect();
        let config = FeatureConfig { min_df: 2, ..configs()[0].clone() };
        let fits: Vec<_> = [1, 2, 3]
            .into_iter()
            .map(|threads| {
                pool(threads).install(|| {
                    let corpus = AnalyzedCorpus::new(&config, &texts).unwrap().unwrap();
                    corpus.fit_transform(&config, &rows).unwrap().unwrap()
                })
            })
            .collect();
        for (featurizer, blocks) in &fits[1..] {
            assert!(*featurizer == fits[0].0);
            assert_eq!(*blocks, fits[0].1);
        }
    }

    #[test]
    fn hashing_configs_are_not_served_and_an_empty_fit_is_the_usual_error() {
        let texts = ["troops sent", "troops kept"];
        let hashed = FeatureConfig { hashing: Some(crate::Hashing::new(10, 1)), ..FeatureConfig::default() };
        assert!(AnalyzedCorpus::new(&hashed, &texts).unwrap().is_none());
        let config = FeatureConfig { min_df: 2, ..configs()[0].clone() };
        let corpus = AnalyzedCorpus::new(&config, &texts).unwrap().unwrap();
        // "troops" is in both rows, but in only one of the fit's.
        let error = corpus.fit_transform(&config, &[1]).err().unwrap();
        let want = Featurizer::fit_transform(&config, &texts[1..]).err().unwrap();
        assert_eq!(error.to_string(), want.to_string());
    }

    #[test]
    fn one_corpus_serves_every_config_that_analyses_alike_and_prunes_at_least_as_much() {
        let texts: Vec<String> = (0..1500)
            .map(|i| format!("b{} troops a{} b{} sent b{}", i % 7, i % 23, i % 7, i % 101))
            .collect();
        let base = FeatureConfig { min_df: 2, ..configs()[0].clone() };
        let corpus = AnalyzedCorpus::new(&base, &texts).unwrap().unwrap();
        let rows: Vec<usize> = (0..texts.len()).filter(|i| i % 5 != 2).collect();
        let served = [
            FeatureConfig { min_df: 3, ..base.clone() },
            FeatureConfig { max_features: Some(20), ..base.clone() },
            FeatureConfig { tf: TermFrequency::Sublinear, idf: Idf::Plain, norm: Norm::None, ..base.clone() },
            FeatureConfig { tf: TermFrequency::Binary, idf: Idf::None, min_df: 40, ..base.clone() },
        ];
        for config in served {
            assert!(corpus.serves(&config), "{config:?}");
            let (featurizer, blocks) = corpus.fit_transform(&config, &rows).unwrap().unwrap();
            let (want_featurizer, want_blocks) = expected(&config, &texts, &rows);
            assert!(featurizer == want_featurizer, "{config:?}");
            assert_eq!(blocks, want_blocks, "{config:?}");
        }
        let refused = [
            FeatureConfig { min_df: 1, ..base.clone() },
            FeatureConfig { lowercase: !base.lowercase, ..base.clone() },
            FeatureConfig {
                extractors: Extractor::ngrams(Some(NgramRange::new(1, 1)), None),
                ..base.clone()
            },
            FeatureConfig { hashing: Some(crate::Hashing::new(10, 1)), ..base.clone() },
        ];
        for config in refused {
            assert!(!corpus.serves(&config), "{config:?}");
            assert!(corpus.fit_transform(&config, &rows).unwrap().is_none(), "{config:?}");
        }
        assert!(corpus.heap_bytes() >= rows.len() * 4 * size_of::<u32>());
    }

    proptest::proptest! {
        #[test]
        fn fits_on_random_rows_match_fit_transform(
            texts in proptest::collection::vec("[a-d ]{0,12}", 1..40),
            picks in proptest::collection::vec(0usize..1000, 1..60),
            corpus_min_df in 1usize..3,
            more_min_df in 0usize..2,
            max_features in proptest::option::of(1usize..6),
        ) {
            let analysed = FeatureConfig { min_df: corpus_min_df, ..configs()[0].clone() };
            let config = FeatureConfig { min_df: corpus_min_df + more_min_df, max_features, ..analysed.clone() };
            let texts: Vec<String> = texts;
            let mut seen = std::collections::BTreeSet::new();
            let rows: Vec<usize> = picks.iter().map(|p| p % texts.len()).filter(|&row| seen.insert(row)).collect();
            let corpus = AnalyzedCorpus::new(&analysed, &texts).unwrap().unwrap();
            let subset: Vec<&str> = rows.iter().map(|&row| texts[row].as_str()).collect();
            match (corpus.fit_transform(&config, &rows), Featurizer::fit_transform(&config, &subset)) {
                (Ok(Some((featurizer, blocks))), Ok((want, want_blocks))) => {
                    proptest::prop_assert!(featurizer == want);
                    proptest::prop_assert_eq!(blocks, want_blocks);
                }
                (Err(error), Err(want)) => proptest::prop_assert_eq!(error.to_string(), want.to_string()),
                (got, want) => proptest::prop_assert!(false, "{:?} vs {:?}", got.map(|f| f.is_some()), want.map(|_| ())),
            }
        }
    }
}
