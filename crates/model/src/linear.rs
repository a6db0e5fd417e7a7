//! Scoring with a multinomial linear model over sparse features.

use stance_features::SparseVec;

use crate::ConsistencyError;

/// Coefficients and intercepts of a multinomial logistic model, laid out for sparse scoring:
/// the weights of one feature for all labels are adjacent, so a sparse input touches one small
/// contiguous block per non-zero feature.
#[derive(Debug, Clone, PartialEq)]
pub struct LinearModel {
    n_labels: usize,
    n_features: usize,
    /// `n_features × n_labels`, feature-major.
    weights: Vec<f64>,
    intercepts: Vec<f64>,
    /// Logits are divided by this before the softmax (temperature scaling); 1 = none.
    temperature: f64,
}

impl LinearModel {
    /// Builds a model from label-major coefficients (`coefficients[label][feature]`).
    ///
    /// Fails on the first inconsistency: no labels, rows of different lengths, an intercept
    /// count that differs from the label count, or a non-finite value.
    pub fn from_label_major(coefficients: &[Vec<f64>], intercepts: &[f64]) -> Result<Self, ConsistencyError> {
        let n_labels = coefficients.len();
        if n_labels == 0 {
            return Err(ConsistencyError::NoCoefficientRows);
        }
        if intercepts.len() != n_labels {
            return Err(ConsistencyError::InterceptCount { rows: n_labels, intercepts: intercepts.len() });
        }
        let n_features = coefficients[0].len();
        let mut weights = vec![0.0; n_features * n_labels];
        for (label, row) in coefficients.iter().enumerate() {
            if row.len() != n_features {
                return Err(ConsistencyError::RaggedRow { row: label, len: row.len(), expected: n_features });
            }
            for (feature, &w) in row.iter().enumerate() {
                if !w.is_finite() {
                    return Err(ConsistencyError::NonFiniteCoefficient { label, feature, value: w });
                }
                weights[feature * n_labels + label] = w;
            }
        }
        if let Some(bad) = intercepts.iter().find(|b| !b.is_finite()) {
            return Err(ConsistencyError::NonFiniteIntercept { value: *bad });
        }
        Ok(Self { n_labels, n_features, weights, intercepts: intercepts.to_vec(), temperature: 1.0 })
    }

    /// The coefficients label-major (`coefficients[label][feature]`), as
    /// [`LinearModel::from_label_major`] takes them: the same numbers, bit for bit.
    pub fn to_label_major(&self) -> Vec<Vec<f64>> {
        (0..self.n_labels)
            .map(|label| self.weights.iter().skip(label).step_by(self.n_labels).copied().collect())
            .collect()
    }

    /// The same model with probabilities from `softmax(logits / temperature)`: a temperature
    /// above 1 softens over-confident probabilities. The logits and so the predicted label do
    /// not change. Fails unless `temperature` is finite and positive.
    pub fn with_temperature(mut self, temperature: f64) -> Result<Self, ConsistencyError> {
        if !(temperature.is_finite() && temperature > 0.0) {
            return Err(ConsistencyError::Temperature { temperature });
        }
        self.temperature = temperature;
        Ok(self)
    }

    /// The temperature probabilities are computed with (1 unless set by
    /// [`LinearModel::with_temperature`]).
    pub fn temperature(&self) -> f64 {
        self.temperature
    }

    /// Number of labels (classes).
    pub fn n_labels(&self) -> usize {
        self.n_labels
    }

    /// Number of input features.
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// Weight of `feature` for `label`.
    pub fn weight(&self, feature: usize, label: usize) -> f64 {
        self.weights[feature * self.n_labels + label]
    }

    /// Intercept of each label.
    pub fn intercepts(&self) -> &[f64] {
        &self.intercepts
    }

    /// The raw scores (logits) `x · w_label + b_label` for every label.
    ///
    /// Features beyond the model's width are ignored.
    pub fn logits(&self, x: &SparseVec) -> Vec<f64> {
        let mut scores = self.intercepts.clone();
        // First a read of every feature's block with no branch on what it holds: these loads
        // do not wait for each other, so the cache misses of a large model overlap, and the
        // sums below (in feature order, as always) mostly hit the cache.
        let touched = x.indices.iter().fold(0, |acc, &feature| {
            acc ^ self.weights.get(feature as usize * self.n_labels).map_or(0, |w| w.to_bits())
        });
        std::hint::black_box(touched);
        // The usual label counts with their block length known to the compiler (the loop
        // over labels unrolled, the sums kept in registers): the same sums in the same order.
        match self.n_labels {
            2 => self.add_blocks::<2>(x, &mut scores),
            3 => self.add_blocks::<3>(x, &mut scores),
            4 => self.add_blocks::<4>(x, &mut scores),
            _ => {
                for (feature, value) in x.iter() {
                    if feature >= self.n_features {
                        continue;
                    }
                    let block = &self.weights[feature * self.n_labels..(feature + 1) * self.n_labels];
                    for (score, w) in scores.iter_mut().zip(block) {
                        *score += value * w;
                    }
                }
            }
        }
        scores
    }

    /// Adds to `scores` (the model's `N` labels' scores) each feature's value of `x` times its
    /// block of weights, feature by feature.
    #[inline]
    fn add_blocks<const N: usize>(&self, x: &SparseVec, scores: &mut [f64]) {
        let mut sums: [f64; N] = scores.try_into().expect("one score per label");
        for (feature, value) in x.iter() {
            if feature >= self.n_features {
                continue;
            }
            let block = &self.weights[feature * N..(feature + 1) * N];
            for (sum, w) in sums.iter_mut().zip(block) {
                *sum += value * w;
            }
        }
        scores.copy_from_slice(&sums);
    }

    /// Softmax probabilities of every label, at the model's temperature.
    pub fn probabilities(&self, x: &SparseVec) -> Vec<f64> {
        self.probabilities_from_logits(&self.logits(x))
    }

    /// `softmax(logits / temperature)`, for logits from [`LinearModel::logits`].
    pub fn probabilities_from_logits(&self, logits: &[f64]) -> Vec<f64> {
        if self.temperature == 1.0 {
            return softmax(logits);
        }
        softmax(&logits.iter().map(|z| z / self.temperature).collect::<Vec<_>>())
    }
}

/// Numerically stable softmax.
///
/// Never returns NaN: a model with finite but huge weights can overflow a logit to ±∞ (or NaN
/// from ∞ − ∞). A NaN logit counts as −∞; labels whose logit is +∞ share all the probability;
/// if every logit is −∞ the probabilities are uniform.
pub fn softmax(logits: &[f64]) -> Vec<f64> {
    // One vector, rewritten in place: the cleaned logits, then their exponentials, then the
    // probabilities.
    let mut values: Vec<f64> =
        logits.iter().map(|&z| if z.is_nan() { f64::NEG_INFINITY } else { z }).collect();
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let share_among = |values: &mut [f64], hit: &dyn Fn(f64) -> bool| {
        let count = values.iter().filter(|&&z| hit(z)).count() as f64;
        values.iter_mut().for_each(|z| *z = if hit(*z) { 1.0 / count } else { 0.0 });
    };
    if max == f64::INFINITY {
        share_among(&mut values, &|z| z == f64::INFINITY);
    } else if max == f64::NEG_INFINITY {
        share_among(&mut values, &|_| true);
    } else {
        values.iter_mut().for_each(|z| *z = (*z - max).exp());
        let sum: f64 = values.iter().sum();
        values.iter_mut().for_each(|e| *e /= sum);
    }
    values
}

/// Index of the largest value (the first one on ties); `None` for an empty slice.
pub fn argmax(values: &[f64]) -> Option<usize> {
    let mut best: Option<(usize, f64)> = None;
    for (i, &v) in values.iter().enumerate() {
        if best.is_none_or(|(_, b)| v > b) {
            best = Some((i, v));
        }
    }
    best.map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sparse(pairs: &[(u32, f64)]) -> SparseVec {
        SparseVec {
            indices: pairs.iter().map(|p| p.0).collect(),
            values: pairs.iter().map(|p| p.1).collect(),
        }
    }

    #[test]
    fn logits_are_sparse_dot_products_plus_intercepts() {
        let model = LinearModel::from_label_major(&[vec![1.0, 2.0, 3.0], vec![-1.0, 0.5, 0.0]], &[0.1, -0.2])
            .unwrap();
        let logits = model.logits(&sparse(&[(0, 2.0), (2, 1.0)]));
        assert!((logits[0] - (0.1 + 2.0 + 3.0)).abs() < 1e-12);
        assert!((logits[1] - (-0.2 - 2.0)).abs() < 1e-12);
        assert_eq!(model.logits(&SparseVec::default()), vec![0.1, -0.2]);
    }

    #[test]
    fn logits_of_every_label_count_are_the_plain_sums_bit_for_bit() {
        // A small xorshift stream of weights and values with varied signs and magnitudes.
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64 * 8.0 - 4.0
        };
        for n_labels in 1..=6 {
            let n_features = 40;
            let rows: Vec<Vec<f64>> =
                (0..n_labels).map(|_| (0..n_features).map(|_| next() * next().exp()).collect()).collect();
            let intercepts: Vec<f64> = (0..n_labels).map(|_| next()).collect();
            let model = LinearModel::from_label_major(&rows, &intercepts).unwrap();
            for width in [0, 1, 7, 30] {
                // Sorted distinct features, some beyond the model's width (ignored).
                let mut features: Vec<u32> = (0..width).map(|_| ((next() + 4.0) * 6.0) as u32).collect();
                features.sort_unstable();
                features.dedup();
                let pairs: Vec<(u32, f64)> = features.iter().map(|&f| (f, next())).collect();
                let mut expected = intercepts.clone();
                for &(feature, value) in &pairs {
                    if (feature as usize) < n_features {
                        for (label, score) in expected.iter_mut().enumerate() {
                            *score += value * rows[label][feature as usize];
                        }
                    }
                }
                let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&model.logits(&sparse(&pairs))), bits(&expected), "{n_labels} labels");
            }
        }
    }

    #[test]
    fn label_major_coefficients_come_back_bit_for_bit() {
        let rows = vec![vec![1.5, -0.0, 3e-300, 0.0], vec![-1.0, 0.5, f64::MIN_POSITIVE, 7.0], vec![0.0; 4]];
        let model = LinearModel::from_label_major(&rows, &[0.1, -0.2, 0.0]).unwrap();
        let back = model.to_label_major();
        let bits = |rows: &[Vec<f64>]| rows.iter().flatten().map(|w| w.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&back), bits(&rows));
        assert_eq!(back.len(), 3);
        let no_features = LinearModel::from_label_major(&[vec![], vec![]], &[0.0, 1.0]).unwrap();
        assert_eq!(no_features.to_label_major(), [Vec::<f64>::new(), Vec::new()]);
    }

    #[test]
    fn probabilities_sum_to_one_even_for_huge_logits() {
        let p = softmax(&[1000.0, 999.0, -1000.0]);
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!(p[0] > p[1] && p[1] > p[2]);
        assert_eq!(argmax(&p), Some(0));
        assert_eq!(argmax(&[]), None);
        assert_eq!(argmax(&[0.5, 0.5]), Some(0));
    }

    #[test]
    fn overflowing_logits_never_give_nan_probabilities() {
        assert_eq!(softmax(&[f64::INFINITY, 1.0, f64::INFINITY]), [0.5, 0.0, 0.5]);
        assert_eq!(softmax(&[f64::NAN, 2.0]), [0.0, 1.0]);
        assert_eq!(softmax(&[f64::NEG_INFINITY, f64::NAN]), [0.5, 0.5]);
        // Finite weights near f64::MAX overflow the dot product; scoring stays a distribution.
        let model =
            LinearModel::from_label_major(&[vec![f64::MAX, f64::MAX], vec![-f64::MAX, 1.0]], &[0.0, 0.0])
                .unwrap();
        let p = model.probabilities(&sparse(&[(0, 1.0), (1, 1.0)]));
        assert!(p.iter().all(|x| x.is_finite()), "{p:?}");
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn temperature_softens_probabilities_but_keeps_the_argmax() {
        let model = LinearModel::from_label_major(&[vec![2.0], vec![0.0]], &[0.0, 0.0]).unwrap();
        let x = sparse(&[(0, 1.0)]);
        assert_eq!(model.temperature(), 1.0);
        let sharp = model.probabilities(&x);
        let soft = model.clone().with_temperature(2.0).unwrap();
        let p = soft.probabilities(&x);
        // softmax([2, 0] / 2) = [e / (e + 1), 1 / (e + 1)].
        let e = std::f64::consts::E;
        assert!((p[0] - e / (e + 1.0)).abs() < 1e-12, "{p:?}");
        assert!(p[0] < sharp[0] && argmax(&p) == argmax(&sharp));
        assert_eq!(soft.logits(&x), model.logits(&x));
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(model.clone().with_temperature(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn inconsistent_shapes_and_nan_are_rejected() {
        assert!(LinearModel::from_label_major(&[], &[]).is_err());
        assert!(LinearModel::from_label_major(&[vec![1.0], vec![1.0, 2.0]], &[0.0, 0.0]).is_err());
        assert!(LinearModel::from_label_major(&[vec![1.0]], &[0.0, 0.0]).is_err());
        assert!(LinearModel::from_label_major(&[vec![f64::NAN]], &[0.0]).is_err());
        assert!(LinearModel::from_label_major(&[vec![1.0]], &[f64::INFINITY]).is_err());
    }
}
