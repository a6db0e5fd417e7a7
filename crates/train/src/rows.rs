//! Training rows in compact form: the tf-idf rows of a training set as blocks of compressed
//! sparse rows, as [`Featurizer::fit_transform`] builds them in parallel, kept as they are
//! (never concatenated, so building the rows never holds the data twice).
//!
//! Memory is 12 bytes per non-zero (index and value) and 8 per row, against the same 12 plus
//! two allocations per row for a `Vec` of [`SparseVec`]. The values stay `f64`, so models keep
//! their bytes: stored as `f32` they changed the shipped model's weights (up to 4 %: the solver
//! stops at its tolerance elsewhere) and some labels of the 900,000-row held-out fit of the
//! 1,000,000-row bench corpus (its held-out macro-F1 0.8672 → 0.8678; README, "Training at
//! scale").

use stance_features::{AnalyzedCorpus, CsrMatrix, FeatureConfig, FeatureError, Featurizer, FIT_BLOCK_ROWS};

use crate::sparse_solver::SparseRows;

/// Rows of an analysed corpus that a fit trains on, in the order of its texts: text `i` of the
/// fit is row `rows[i]` of `corpus`.
#[derive(Clone, Copy)]
pub(crate) struct CorpusRows<'a> {
    pub(crate) corpus: &'a AnalyzedCorpus,
    pub(crate) rows: &'a [usize],
}

/// The featurized training rows, in order: row `i` is row `i % FIT_BLOCK_ROWS` of block
/// `i / FIT_BLOCK_ROWS`.
pub(crate) struct RowBlocks {
    blocks: Vec<CsrMatrix>,
    rows: usize,
}

impl RowBlocks {
    /// The featurizer fitted on `texts` and its rows of every text, in the order of `texts`
    /// (see [`Featurizer::fit_transform`]).
    pub(crate) fn fit<S: AsRef<str> + Sync>(
        config: &FeatureConfig,
        texts: &[S],
    ) -> Result<(Featurizer, Self), FeatureError> {
        let (featurizer, blocks) = Featurizer::fit_transform(config, texts)?;
        debug_assert!(blocks.iter().rev().skip(1).all(|b| b.n_rows() == FIT_BLOCK_ROWS));
        Ok((featurizer, Self { blocks, rows: texts.len() }))
    }

    /// [`RowBlocks::fit`] on the texts of `analysed`'s rows, from the corpus's stored term ids
    /// (bit for bit the same featurizer and rows). `None` when the corpus cannot serve the fit
    /// ([`AnalyzedCorpus::fit_transform`]).
    pub(crate) fn fit_analysed(
        config: &FeatureConfig,
        analysed: CorpusRows<'_>,
    ) -> Result<Option<(Featurizer, Self)>, FeatureError> {
        Ok(analysed.corpus.fit_transform(config, analysed.rows)?.map(|(featurizer, blocks)| {
            debug_assert!(blocks.iter().rev().skip(1).all(|b| b.n_rows() == FIT_BLOCK_ROWS));
            (featurizer, Self { blocks, rows: analysed.rows.len() })
        }))
    }

    /// Stored non-zeros.
    #[cfg(test)]
    pub(crate) fn nnz(&self) -> usize {
        self.blocks.iter().map(CsrMatrix::nnz).sum()
    }
}

impl SparseRows for RowBlocks {
    fn n_rows(&self) -> usize {
        self.rows
    }

    fn row(&self, i: usize) -> (&[u32], &[f64]) {
        self.blocks[i / FIT_BLOCK_ROWS].row(i % FIT_BLOCK_ROWS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_come_back_as_the_featurizer_makes_them() {
        let texts: Vec<String> =
            (0..2 * FIT_BLOCK_ROWS + 5)
                .map(|i| {
                    if i % 7 == 3 {
                        String::new()
                    } else {
                        format!("troops {} in Ukraine {}", i % 13, i % 5)
                    }
                })
                .collect();
        let (featurizer, rows) = RowBlocks::fit(&FeatureConfig::default(), &texts).unwrap();
        assert_eq!(featurizer, Featurizer::fit(&FeatureConfig::default(), &texts).unwrap());
        assert_eq!(rows.n_rows(), texts.len());
        let mut nnz = 0;
        for (i, text) in texts.iter().enumerate() {
            let expected = featurizer.transform(text);
            assert_eq!(rows.row(i), (&expected.indices[..], &expected.values[..]), "row {i}");
            nnz += expected.nnz();
        }
        assert_eq!(rows.nnz(), nnz);
    }
}
