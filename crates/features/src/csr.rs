//! Rows of sparse vectors in compressed sparse row (CSR) form: one allocation per array
//! instead of two per row, which is what training on millions of sentences needs.

use crate::{FeatureError, SparseVec};

/// A matrix of sparse rows in compressed sparse row form: row `i` holds the entries
/// `indptr[i]..indptr[i + 1]` of `indices` (strictly increasing within a row, each below
/// `n_cols`) and `values`.
///
/// ```
/// use stance_features::{CsrMatrix, SparseVec};
/// let mut m = CsrMatrix::new(4);
/// m.push_row(&[0, 3], &[0.6, 0.8]);
/// m.push_row(&[], &[]);
/// assert_eq!((m.n_rows(), m.n_cols(), m.nnz()), (2, 4, 2));
/// assert_eq!(m.row(0), (&[0u32, 3][..], &[0.6, 0.8][..]));
/// assert!(m.row_vec(1).is_empty());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct CsrMatrix {
    indptr: Vec<usize>,
    indices: Vec<u32>,
    values: Vec<f64>,
    n_cols: usize,
}

impl CsrMatrix {
    /// A matrix with no rows and `n_cols` columns.
    pub fn new(n_cols: usize) -> Self {
        Self { indptr: vec![0], indices: Vec::new(), values: Vec::new(), n_cols }
    }

    /// A matrix from its arrays, checked: `indptr` starts at 0, never decreases and ends at
    /// the number of entries; `indices` and `values` have that length; each row's indices
    /// are strictly increasing and below `n_cols`.
    pub fn from_parts(
        n_cols: usize,
        indptr: Vec<usize>,
        indices: Vec<u32>,
        values: Vec<f64>,
    ) -> Result<Self, FeatureError> {
        let bad = |message: String| Err(FeatureError::Inconsistent(format!("CSR matrix: {message}")));
        if indptr.first() != Some(&0) || indptr.last() != Some(&indices.len()) {
            return bad(format!("indptr must run from 0 to {} entries", indices.len()));
        }
        if values.len() != indices.len() {
            return bad(format!("{} indices but {} values", indices.len(), values.len()));
        }
        for (row, bounds) in indptr.windows(2).enumerate() {
            if bounds[0] > bounds[1] || bounds[1] > indices.len() {
                return bad(format!("indptr decreases or runs past the entries at row {row}"));
            }
            let columns = &indices[bounds[0]..bounds[1]];
            if columns.windows(2).any(|pair| pair[0] >= pair[1]) {
                return bad(format!("indices of row {row} are not strictly increasing"));
            }
            if columns.last().is_some_and(|&last| last as usize >= n_cols) {
                return bad(format!("row {row} has a column index beyond {n_cols} columns"));
            }
        }
        Ok(Self { indptr, indices, values, n_cols })
    }

    /// A matrix from arrays its builder in this crate made consistent (checked in debug builds
    /// only; see [`CsrMatrix::from_parts`]).
    pub(crate) fn from_trusted_parts(
        n_cols: usize,
        indptr: Vec<usize>,
        indices: Vec<u32>,
        values: Vec<f64>,
    ) -> Self {
        debug_assert!(Self::from_parts(n_cols, indptr.clone(), indices.clone(), values.clone()).is_ok());
        Self { indptr, indices, values, n_cols }
    }

    /// Appends a row. `indices` must be strictly increasing and below [`CsrMatrix::n_cols`],
    /// with one value each.
    ///
    /// # Panics
    /// If `indices` and `values` differ in length.
    pub fn push_row(&mut self, indices: &[u32], values: &[f64]) {
        assert_eq!(indices.len(), values.len(), "one value per index");
        debug_assert!(indices.windows(2).all(|pair| pair[0] < pair[1]));
        debug_assert!(indices.last().is_none_or(|&last| (last as usize) < self.n_cols));
        self.indices.extend_from_slice(indices);
        self.values.extend_from_slice(values);
        self.indptr.push(self.indices.len());
    }

    /// Appends the rows of `other` (which must have as many columns).
    pub(crate) fn append(&mut self, other: &CsrMatrix) {
        debug_assert_eq!(self.n_cols, other.n_cols);
        let offset = self.indices.len();
        self.indices.extend_from_slice(&other.indices);
        self.values.extend_from_slice(&other.values);
        self.indptr.extend(other.indptr[1..].iter().map(|&end| offset + end));
    }

    /// The arrays a row is appended to, for building rows in place; the caller pushes the row
    /// end to `indptr` when done.
    pub(crate) fn arrays_mut(&mut self) -> (&mut Vec<usize>, &mut Vec<u32>, &mut Vec<f64>) {
        (&mut self.indptr, &mut self.indices, &mut self.values)
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.indptr.len() - 1
    }

    /// Number of columns (features).
    pub fn n_cols(&self) -> usize {
        self.n_cols
    }

    /// Number of stored entries.
    pub fn nnz(&self) -> usize {
        self.indices.len()
    }

    /// Column indices and values of row `i`.
    ///
    /// # Panics
    /// If `i >= n_rows()`.
    pub fn row(&self, i: usize) -> (&[u32], &[f64]) {
        let (start, end) = (self.indptr[i], self.indptr[i + 1]);
        (&self.indices[start..end], &self.values[start..end])
    }

    /// Row `i` as an owned [`SparseVec`].
    pub fn row_vec(&self, i: usize) -> SparseVec {
        let (indices, values) = self.row(i);
        SparseVec { indices: indices.to_vec(), values: values.to_vec() }
    }

    /// The rows in order, as `(indices, values)`.
    pub fn rows(&self) -> impl ExactSizeIterator<Item = (&[u32], &[f64])> + '_ {
        (0..self.n_rows()).map(|i| self.row(i))
    }

    /// Row offsets: row `i` is `indptr()[i]..indptr()[i + 1]`.
    pub fn indptr(&self) -> &[usize] {
        &self.indptr
    }

    /// Column indices of all entries, row after row.
    pub fn indices(&self) -> &[u32] {
        &self.indices
    }

    /// Values of all entries, row after row.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// The arrays `(indptr, indices, values)`.
    pub fn into_parts(self) -> (Vec<usize>, Vec<u32>, Vec<f64>) {
        (self.indptr, self.indices, self.values)
    }
}

impl<'a> FromIterator<&'a SparseVec> for CsrMatrix {
    /// Stacks vectors as rows; the column count is one past the largest index seen.
    fn from_iter<I: IntoIterator<Item = &'a SparseVec>>(rows: I) -> Self {
        let mut matrix = CsrMatrix::new(0);
        for row in rows {
            let last = row.indices.last().map_or(0, |&i| i as usize + 1);
            matrix.n_cols = matrix.n_cols.max(last);
            matrix.push_row(&row.indices, &row.values);
        }
        matrix
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_come_back_as_pushed() {
        let vectors = [
            SparseVec { indices: vec![1, 5], values: vec![0.5, 1.5] },
            SparseVec::default(),
            SparseVec { indices: vec![0], values: vec![2.0] },
        ];
        let m: CsrMatrix = vectors.iter().collect();
        assert_eq!((m.n_rows(), m.n_cols(), m.nnz()), (3, 6, 3));
        assert_eq!(m.indptr(), [0, 2, 2, 3]);
        let back: Vec<SparseVec> = (0..m.n_rows()).map(|i| m.row_vec(i)).collect();
        assert_eq!(back, vectors);
        assert_eq!(m.rows().len(), 3);
        let mut joined = CsrMatrix::new(6);
        joined.append(&m);
        joined.append(&m);
        assert_eq!(joined.n_rows(), 6);
        assert_eq!(joined.row(5), m.row(2));
    }

    #[test]
    fn from_parts_checks_the_arrays() {
        assert!(CsrMatrix::from_parts(3, vec![0, 1, 2], vec![2, 0], vec![1.0, 1.0]).is_ok());
        assert!(CsrMatrix::from_parts(3, vec![0, 2], vec![2, 0], vec![1.0, 1.0]).is_err());
        assert!(CsrMatrix::from_parts(3, vec![0, 1], vec![3], vec![1.0]).is_err());
        assert!(CsrMatrix::from_parts(3, vec![0, 1], vec![1], vec![]).is_err());
        assert!(CsrMatrix::from_parts(3, vec![1, 1], vec![1], vec![1.0]).is_err());
        assert!(CsrMatrix::from_parts(3, vec![0, 2, 1], vec![1], vec![1.0]).is_err());
        assert_eq!(CsrMatrix::from_parts(3, vec![0], vec![], vec![]).unwrap(), CsrMatrix::new(3));
    }
}
