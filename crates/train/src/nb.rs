//! Two fits of the stored linear model besides one multinomial fit, both folded back into plain
//! label-major weights, so the model format and every scorer (classify, evaluate, explain,
//! Python) apply them unchanged:
//!
//! - **NB log-count-ratio scaling** (Wang & Manning 2012, NBSVM's idea in a logistic model):
//!   for each label `c`, one-vs-rest, every feature `f` is scaled by its log-count ratio
//!   `r_fc` ([`log_count_ratios`]) and a binary model is fitted on the scaled rows. Its logit
//!   `Σ_f v_f·(r_fc·x_f)` equals `Σ_f (v_f·r_fc)·x_f`, so the stored coefficient is `v_f·r_fc`
//!   ([`fold_ratios`]).
//! - **The word/char blend**: one model fitted on the character n-gram columns, one on the
//!   others (word n-grams and stance cues), their logits averaged. An average of two linear
//!   models over disjoint columns of the same vector is one linear model with halved weights
//!   ([`ColumnSplit`]). Both parts see the shared tf-idf vector (L2 over all its columns), which
//!   is what lets the average be stored as one model over one featurizer.

use stance_features::SparseVec;

use crate::sparse_solver::SparseRows;

/// Additive smoothing of the feature counts (Wang & Manning's α = 1).
pub(crate) const NB_SMOOTHING: f64 = 1.0;

/// The log-count ratio of every feature for the rows marked `positive` against the others:
/// `r_f = ln( (α + p_f) / ‖α + p‖₁ ÷ (α + q_f) / ‖α + q‖₁ )`, where `p_f` (`q_f`) counts the
/// positive (other) rows in which feature `f` is non-zero (binarised counts, as in NBSVM).
/// A feature no training row has gets `ln(‖α + q‖₁ / ‖α + p‖₁)`, which multiplies a weight that
/// L2 keeps at zero.
pub(crate) fn log_count_ratios<R: SparseRows + ?Sized>(
    vectors: &R,
    positive: &[bool],
    n_features: usize,
    smoothing: f64,
) -> Vec<f64> {
    assert_eq!(vectors.n_rows(), positive.len(), "one mark per row");
    let mut p = vec![smoothing; n_features];
    let mut q = vec![smoothing; n_features];
    for (row, &is_positive) in positive.iter().enumerate() {
        let counts = if is_positive { &mut p } else { &mut q };
        let (indices, values) = vectors.row(row);
        for (&index, &value) in indices.iter().zip(values) {
            if value != 0.0 {
                counts[index as usize] += 1.0;
            }
        }
    }
    let (p_total, q_total): (f64, f64) = (p.iter().sum(), q.iter().sum());
    p.iter().zip(&q).map(|(p, q)| ((p / p_total) / (q / q_total)).ln()).collect()
}

/// A row (its feature indices and values) with every value multiplied by its feature's ratio.
pub(crate) fn scale((indices, values): (&[u32], &[f64]), ratios: &[f64]) -> SparseVec {
    SparseVec {
        indices: indices.to_vec(),
        values: indices.iter().zip(values).map(|(&i, v)| v * ratios[i as usize]).collect(),
    }
}

/// Folds the ratios into coefficients fitted on scaled features: afterwards
/// `coefficients · x == fitted coefficients · scale(x, ratios)` for every `x`.
pub(crate) fn fold_ratios(coefficients: &mut [f64], ratios: &[f64]) {
    assert_eq!(coefficients.len(), ratios.len(), "one ratio per coefficient");
    for (w, r) in coefficients.iter_mut().zip(ratios) {
        *w *= r;
    }
}

/// A partition of the columns into two parts, each renumbered from 0, for the blend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ColumnSplit {
    /// The original columns of each part, increasing.
    parts: [Vec<u32>; 2],
    /// For each original column, its part and its index within that part.
    place: Vec<(u8, u32)>,
}

impl ColumnSplit {
    /// Splits columns by `in_second`: `false` → part 0, `true` → part 1.
    pub(crate) fn new(in_second: &[bool]) -> Self {
        let mut parts: [Vec<u32>; 2] = [Vec::new(), Vec::new()];
        let place = in_second
            .iter()
            .enumerate()
            .map(|(column, &second)| {
                let part = usize::from(second);
                parts[part].push(column as u32);
                (part as u8, (parts[part].len() - 1) as u32)
            })
            .collect();
        ColumnSplit { parts, place }
    }

    /// Width of `part`.
    pub(crate) fn width(&self, part: usize) -> usize {
        self.parts[part].len()
    }

    /// The entries of a row (its feature indices and values) in `part`, renumbered within it.
    pub(crate) fn project(&self, (indices, values): (&[u32], &[f64]), part: usize) -> SparseVec {
        let mut out = SparseVec { indices: Vec::new(), values: Vec::new() };
        for (&index, &value) in indices.iter().zip(values) {
            let (p, within) = self.place[index as usize];
            if usize::from(p) == part {
                out.indices.push(within);
                out.values.push(value);
            }
        }
        out
    }

    /// Adds `scale ·` a part's coefficient row (indexed within the part) into a full-width row.
    pub(crate) fn add_into(&self, full: &mut [f64], part: usize, coefficients: &[f64], scale: f64) {
        for (&column, &w) in self.parts[part].iter().zip(coefficients) {
            full[column as usize] += scale * w;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vec(entries: &[(u32, f64)]) -> SparseVec {
        SparseVec {
            indices: entries.iter().map(|e| e.0).collect(),
            values: entries.iter().map(|e| e.1).collect(),
        }
    }

    fn row(x: &SparseVec) -> (&[u32], &[f64]) {
        (&x.indices, &x.values)
    }

    fn dot(w: &[f64], x: &SparseVec) -> f64 {
        x.indices.iter().zip(&x.values).map(|(&i, v)| w[i as usize] * v).sum()
    }

    #[test]
    fn ratios_follow_the_smoothed_binarised_counts() {
        // Feature 0 in both positive rows, feature 1 in the one negative row, feature 2 in all
        // three (with different values: counts are binarised), feature 3 in none.
        let rows = [vec(&[(0, 0.5), (2, 0.1)]), vec(&[(0, 0.2), (2, 0.9)]), vec(&[(1, 1.0), (2, 0.3)])];
        let r = log_count_ratios(rows.as_slice(), &[true, true, false], 4, 1.0);
        // p = [3, 1, 3, 1] (sum 8), q = [1, 2, 2, 1] (sum 6).
        let expected = |p: f64, q: f64| ((p / 8.0) / (q / 6.0)).ln();
        let want = [expected(3.0, 1.0), expected(1.0, 2.0), expected(3.0, 2.0), expected(1.0, 1.0)];
        for (got, want) in r.iter().zip(want) {
            assert!((got - want).abs() < 1e-12, "{r:?}");
        }
        assert!(r[0] > 0.0 && r[1] < 0.0, "a feature of the class scores up, one of the rest down");
        // Swapping the classes negates every ratio.
        let swapped = log_count_ratios(rows.as_slice(), &[false, false, true], 4, 1.0);
        for (a, b) in r.iter().zip(&swapped) {
            assert!((a + b).abs() < 1e-12);
        }
    }

    #[test]
    fn folded_weights_score_raw_rows_as_fitted_weights_score_scaled_rows() {
        let ratios = [0.7, -1.3, 2.0, 0.0, 0.25];
        let fitted = [1.5, 0.4, -0.8, 3.0, -2.0];
        let mut folded = fitted;
        fold_ratios(&mut folded, &ratios);
        for x in [vec(&[(0, 0.3), (1, 0.5), (4, 0.8)]), vec(&[(2, 1.0), (3, 0.2)]), vec(&[])] {
            let scaled = scale(row(&x), &ratios);
            assert_eq!(scaled.indices, x.indices);
            assert!((dot(&folded, &x) - dot(&fitted, &scaled)).abs() < 1e-12);
        }
    }

    #[test]
    fn a_split_projects_and_recombines_disjoint_columns() {
        let split = ColumnSplit::new(&[false, true, true, false, true]);
        assert_eq!((split.width(0), split.width(1)), (2, 3));
        let x = vec(&[(0, 0.1), (1, 0.2), (3, 0.4), (4, 0.5)]);
        assert_eq!(split.project(row(&x), 0), vec(&[(0, 0.1), (1, 0.4)]));
        assert_eq!(split.project(row(&x), 1), vec(&[(0, 0.2), (2, 0.5)]));
        // The average of the two part models is one model over all columns.
        let (a, b) = ([2.0, -1.0], [0.5, 4.0, -3.0]);
        let mut full = vec![0.0; 5];
        split.add_into(&mut full, 0, &a, 0.5);
        split.add_into(&mut full, 1, &b, 0.5);
        let average = (dot(&a, &split.project(row(&x), 0)) + dot(&b, &split.project(row(&x), 1))) / 2.0;
        assert!((dot(&full, &x) - average).abs() < 1e-12);
    }
}
