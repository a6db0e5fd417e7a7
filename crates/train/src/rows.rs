//! Training rows in compact form: the tf-idf rows of a training set as blocks of compressed
//! sparse rows, each block built by one parallel task and kept as it is (never concatenated,
//! so building the rows never holds the data twice).
//!
//! Memory is 12 bytes per non-zero (index and value) and 4 per row, against the same 12 plus
//! two allocations per row for a `Vec` of [`SparseVec`]. The values stay `f64`, so models keep
//! their bytes: stored as `f32` they changed the shipped model's weights (up to 4 %: the solver
//! stops at its tolerance elsewhere) and some labels of the 900,000-row held-out fit of the
//! 1,000,000-row bench corpus (its held-out macro-F1 0.8672 → 0.8678; README, "Training at
//! scale").

use rayon::prelude::*;
use stance_features::{Featurizer, SparseVec};

use crate::sparse_solver::SparseRows;

/// Rows per block: row `i` is row `i % BLOCK_ROWS` of block `i / BLOCK_ROWS`.
const BLOCK_ROWS: usize = 1024;

/// One block of rows: row `r` holds entries `ends[r - 1]..ends[r]` (from 0 for the first).
struct Block {
    ends: Vec<u32>,
    indices: Vec<u32>,
    values: Vec<f64>,
}

/// The featurized training rows, in order.
pub(crate) struct RowBlocks {
    blocks: Vec<Block>,
    rows: usize,
}

impl RowBlocks {
    /// `featurizer.transform` of every text, in the order of `texts`, in parallel blocks.
    pub(crate) fn featurize<S: AsRef<str> + Sync>(featurizer: &Featurizer, texts: &[S]) -> Self {
        let blocks = texts
            .par_chunks(BLOCK_ROWS)
            .map(|chunk| {
                let vectors: Vec<SparseVec> =
                    chunk.iter().map(|t| featurizer.transform(t.as_ref())).collect();
                Block::of(&vectors)
            })
            .collect();
        Self { blocks, rows: texts.len() }
    }

    /// Stored non-zeros.
    #[cfg(test)]
    pub(crate) fn nnz(&self) -> usize {
        self.blocks.iter().map(|b| b.indices.len()).sum()
    }
}

impl Block {
    /// The block of `vectors`, with arrays of exactly the needed length.
    fn of(vectors: &[SparseVec]) -> Self {
        let nnz: usize = vectors.iter().map(SparseVec::nnz).sum();
        assert!(nnz <= u32::MAX as usize, "a block's entries fit in u32");
        let mut block = Block {
            ends: Vec::with_capacity(vectors.len()),
            indices: Vec::with_capacity(nnz),
            values: Vec::with_capacity(nnz),
        };
        for vector in vectors {
            block.indices.extend_from_slice(&vector.indices);
            block.values.extend_from_slice(&vector.values);
            block.ends.push(block.indices.len() as u32);
        }
        block
    }
}

impl SparseRows for RowBlocks {
    fn n_rows(&self) -> usize {
        self.rows
    }

    fn row(&self, i: usize) -> (&[u32], &[f64]) {
        let block = &self.blocks[i / BLOCK_ROWS];
        let r = i % BLOCK_ROWS;
        let start = if r == 0 { 0 } else { block.ends[r - 1] as usize };
        let end = block.ends[r] as usize;
        (&block.indices[start..end], &block.values[start..end])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use stance_features::FeatureConfig;

    #[test]
    fn rows_come_back_as_the_featurizer_makes_them() {
        let texts: Vec<String> =
            (0..2 * BLOCK_ROWS + 5)
                .map(|i| {
                    if i % 7 == 3 {
                        String::new()
                    } else {
                        format!("troops {} in Ukraine {}", i % 13, i % 5)
                    }
                })
                .collect();
        let featurizer = Featurizer::fit(&FeatureConfig::default(), &texts).unwrap();
        let rows = RowBlocks::featurize(&featurizer, &texts);
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
