//! Fitting a multinomial logistic regression (linfa-logistic, L2) on tf-idf features.

use linfa::prelude::*;
use linfa_logistic::MultiLogisticRegression;
use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};
use stance_features::{FeatureConfig, Featurizer, SparseVec};
use stance_model::{softmax, SolverReport, Weights};

use crate::TrainError;

/// Dense matrices above this size are refused: linfa-logistic needs a dense design matrix.
pub const MAX_DENSE_BYTES: usize = 2 << 30;

/// Intercept given to a label that is absent from a training set (possible inside a
/// cross-validation fold), so the model never predicts it.
pub const ABSENT_LABEL_INTERCEPT: f64 = -30.0;

const SOLVER_NAME: &str = "linfa-logistic MultiLogisticRegression (L-BFGS, dense)";

/// Training hyperparameters, unchecked. Turn them into a [`Trainer`] with [`TrainParams::check`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainParams {
    /// The featurization pipeline.
    pub features: FeatureConfig,
    /// L2 regularisation strength on the coefficients (the intercepts are not penalised).
    /// The objective is the summed cross-entropy plus `alpha / 2 · ‖W‖²`, so `alpha = 1 / C`
    /// in scikit-learn's terms.
    pub alpha: f64,
    /// Iteration budget of L-BFGS.
    pub max_iterations: u64,
    /// L-BFGS stops when the gradient norm falls below this; a model whose final gradient
    /// norm is above it is reported as not converged.
    pub gradient_tolerance: f64,
}

impl Default for TrainParams {
    fn default() -> Self {
        Self {
            features: FeatureConfig::default(),
            alpha: 1.0,
            max_iterations: 1000,
            gradient_tolerance: 1e-4,
        }
    }
}

impl TrainParams {
    /// Validates the parameters.
    pub fn check(self) -> Result<Trainer, TrainError> {
        self.features.check()?;
        if !(self.alpha.is_finite() && self.alpha > 0.0) {
            return Err(TrainError::InvalidParam(format!(
                "alpha must be a positive number, got {}",
                self.alpha
            )));
        }
        if self.max_iterations == 0 {
            return Err(TrainError::InvalidParam("max_iterations must be at least 1".into()));
        }
        if !(self.gradient_tolerance.is_finite() && self.gradient_tolerance > 0.0) {
            return Err(TrainError::InvalidParam(format!(
                "gradient_tolerance must be a positive number, got {}",
                self.gradient_tolerance
            )));
        }
        Ok(Trainer { params: self })
    }
}

/// Checked training parameters, ready to fit.
#[derive(Debug, Clone, PartialEq)]
pub struct Trainer {
    params: TrainParams,
}

/// The result of one fit: featurizer, weights and how the solver ended.
#[derive(Debug, Clone)]
pub struct Fitted {
    /// The featurizer fitted on the training texts.
    pub featurizer: Featurizer,
    /// Label-major weights, one row per label of the label list given to `fit`.
    pub weights: Weights,
    /// Objective, gradient norm and convergence.
    pub solver: SolverReport,
    /// Sparse training vectors (kept so callers need not featurize twice).
    pub vectors: Vec<SparseVec>,
}

impl Trainer {
    /// The parameters.
    pub fn params(&self) -> &TrainParams {
        &self.params
    }

    /// Fits featurizer and model on `texts` with label indices `targets` into `labels`.
    ///
    /// Labels without any training row get zero coefficients and a strongly negative
    /// intercept. Fails if fewer than two labels have rows, if the dense matrix would be too
    /// large, if the solver fails, or if it returns all-zero weights.
    pub fn fit<S: AsRef<str> + Sync>(
        &self,
        texts: &[S],
        targets: &[usize],
        labels: &[String],
    ) -> Result<Fitted, TrainError> {
        assert_eq!(texts.len(), targets.len(), "one target per text");
        let present: Vec<usize> = {
            let mut seen: Vec<usize> = targets.to_vec();
            seen.sort_unstable();
            seen.dedup();
            seen
        };
        if present.len() < 2 {
            return Err(TrainError::TooFewClasses {
                path: None,
                found: present.iter().map(|&i| labels[i].clone()).collect(),
            });
        }
        let featurizer = Featurizer::fit(&self.params.features, texts)?;
        let vectors = featurizer.transform_all(texts);
        let (weights, solver) = self.fit_vectors(&vectors, featurizer.n_features(), targets, labels)?;
        Ok(Fitted { featurizer, weights, solver, vectors })
    }

    /// Fits the logistic model alone on already featurized `vectors` of width `n_features`
    /// (what [`Trainer::fit`] does after featurizing; conjoined target models call it on
    /// their augmented vectors). Same rules and errors as [`Trainer::fit`].
    pub fn fit_vectors(
        &self,
        vectors: &[SparseVec],
        n_features: usize,
        targets: &[usize],
        labels: &[String],
    ) -> Result<(Weights, SolverReport), TrainError> {
        assert_eq!(vectors.len(), targets.len(), "one target per vector");
        let present: Vec<usize> = {
            let mut seen: Vec<usize> = targets.to_vec();
            seen.sort_unstable();
            seen.dedup();
            seen
        };
        if present.len() < 2 {
            return Err(TrainError::TooFewClasses {
                path: None,
                found: present.iter().map(|&i| labels[i].clone()).collect(),
            });
        }
        let bytes = vectors.len().saturating_mul(n_features).saturating_mul(8);
        if bytes > MAX_DENSE_BYTES {
            return Err(TrainError::TooLargeForDense { rows: vectors.len(), features: n_features, bytes });
        }
        let mut x = Array2::<f64>::zeros((vectors.len(), n_features));
        for (row, vector) in vectors.iter().enumerate() {
            for (feature, value) in vector.iter() {
                x[[row, feature]] = value;
            }
        }
        let y: Array1<usize> = targets.iter().copied().collect();
        let dataset = Dataset::new(x, y);
        let fitted = MultiLogisticRegression::default()
            .alpha(self.params.alpha)
            .max_iterations(self.params.max_iterations)
            .gradient_tolerance(self.params.gradient_tolerance)
            .fit(&dataset)
            .map_err(|e| TrainError::Solver(e.to_string()))?;

        let mut coefficients = vec![vec![0.0; n_features]; labels.len()];
        let mut intercepts = vec![ABSENT_LABEL_INTERCEPT; labels.len()];
        let params = fitted.params();
        for (column, &label) in fitted.classes().iter().enumerate() {
            coefficients[label] = params.column(column).to_vec();
            intercepts[label] = fitted.intercept()[column];
        }
        let all_zero = coefficients.iter().flatten().all(|&w| w == 0.0);
        if all_zero || coefficients.iter().flatten().chain(&intercepts).any(|w| !w.is_finite()) {
            return Err(TrainError::DegenerateWeights { all_zero });
        }
        let weights = Weights { coefficients, intercepts };
        let solver = self.solver_report(vectors, targets, &weights, &present);
        Ok((weights, solver))
    }

    /// Recomputes the objective and its gradient at the solution, since linfa-logistic does
    /// not report whether L-BFGS converged.
    fn solver_report(
        &self,
        vectors: &[SparseVec],
        targets: &[usize],
        weights: &Weights,
        present: &[usize],
    ) -> SolverReport {
        let (objective, gradient_norm) =
            objective_and_gradient_norm(vectors, targets, weights, present, self.params.alpha);
        SolverReport {
            solver: SOLVER_NAME.into(),
            objective,
            gradient_norm,
            converged: gradient_norm <= self.params.gradient_tolerance,
        }
    }
}

/// Summed softmax cross-entropy plus `alpha/2 ‖W‖²` over the labels in `present`, and the
/// Euclidean norm of its gradient with respect to coefficients and intercepts.
pub fn objective_and_gradient_norm(
    vectors: &[SparseVec],
    targets: &[usize],
    weights: &Weights,
    present: &[usize],
    alpha: f64,
) -> (f64, f64) {
    let k = present.len();
    let n_features = weights.coefficients.first().map_or(0, Vec::len);
    let mut gradient_w = vec![0.0; n_features * k];
    let mut gradient_b = vec![0.0; k];
    let mut loss = 0.0;
    for (vector, &target) in vectors.iter().zip(targets) {
        let logits: Vec<f64> = present
            .iter()
            .map(|&label| {
                let row = &weights.coefficients[label];
                weights.intercepts[label] + vector.iter().map(|(f, v)| v * row[f]).sum::<f64>()
            })
            .collect();
        let probabilities = softmax(&logits);
        for (c, &label) in present.iter().enumerate() {
            let residual = probabilities[c] - if label == target { 1.0 } else { 0.0 };
            if label == target {
                loss -= probabilities[c].max(f64::MIN_POSITIVE).ln();
            }
            gradient_b[c] += residual;
            for (f, v) in vector.iter() {
                gradient_w[f * k + c] += residual * v;
            }
        }
    }
    let mut penalty = 0.0;
    for (c, &label) in present.iter().enumerate() {
        for (f, &w) in weights.coefficients[label].iter().enumerate() {
            penalty += w * w;
            gradient_w[f * k + c] += alpha * w;
        }
    }
    let objective = loss + 0.5 * alpha * penalty;
    let norm = gradient_w.iter().chain(&gradient_b).map(|g| g * g).sum::<f64>().sqrt();
    (objective, norm)
}

#[cfg(test)]
mod tests {
    use super::*;
    use stance_model::LinearModel;

    fn labels() -> Vec<String> {
        ["neutral", "oppose", "support"].iter().map(|s| s.to_string()).collect()
    }

    fn toy() -> (Vec<&'static str>, Vec<usize>) {
        let texts = vec![
            "Moscow rejects foreign troops in Ukraine",
            "Lavrov says peacekeepers are unacceptable",
            "The Kremlin opposes any Western deployment",
            "Britain is ready to send peacekeepers",
            "France supports deploying European troops",
            "Starmer is open to sending troops",
            "Air raid sirens sounded across Ukraine",
            "The talks took place in Riyadh",
            "Follow our coverage on Telegram",
        ];
        (texts, vec![1, 1, 1, 2, 2, 2, 0, 0, 0])
    }

    #[test]
    fn fits_training_data_and_converges() {
        let (texts, targets) = toy();
        let trainer = TrainParams { alpha: 0.1, ..Default::default() }.check().unwrap();
        let fitted = trainer.fit(&texts, &targets, &labels()).unwrap();
        assert!(fitted.solver.converged, "{:?}", fitted.solver);
        let model =
            LinearModel::from_label_major(&fitted.weights.coefficients, &fitted.weights.intercepts).unwrap();
        for (text, &target) in texts.iter().zip(&targets) {
            let p = model.probabilities(&fitted.featurizer.transform(text));
            assert_eq!(stance_model::argmax(&p), Some(target), "{text}");
        }
    }

    #[test]
    fn same_input_gives_identical_weights() {
        let (texts, targets) = toy();
        let trainer = TrainParams::default().check().unwrap();
        let a = trainer.fit(&texts, &targets, &labels()).unwrap();
        let b = trainer.fit(&texts, &targets, &labels()).unwrap();
        assert_eq!(a.weights, b.weights);
    }

    #[test]
    fn absent_label_is_never_predicted() {
        let (texts, targets) = toy();
        let keep: Vec<usize> = (0..texts.len()).filter(|&i| targets[i] != 2).collect();
        let texts: Vec<&str> = keep.iter().map(|&i| texts[i]).collect();
        let targets: Vec<usize> = keep.iter().map(|&i| targets[i]).collect();
        let fitted = TrainParams::default().check().unwrap().fit(&texts, &targets, &labels()).unwrap();
        assert_eq!(fitted.weights.intercepts[2], ABSENT_LABEL_INTERCEPT);
        assert!(fitted.weights.coefficients[2].iter().all(|&w| w == 0.0));
    }

    #[test]
    fn one_class_and_bad_params_are_errors() {
        let trainer = TrainParams::default().check().unwrap();
        let err = trainer.fit(&["a b", "c d"], &[1, 1], &labels()).unwrap_err();
        assert!(matches!(err, TrainError::TooFewClasses { .. }), "{err}");
        for alpha in [0.0, -1.0, f64::NAN] {
            assert!(TrainParams { alpha, ..Default::default() }.check().is_err());
        }
        assert!(TrainParams { max_iterations: 0, ..Default::default() }.check().is_err());
    }

    #[test]
    fn gradient_is_zero_at_an_optimum_and_not_elsewhere() {
        let (texts, targets) = toy();
        let trainer =
            TrainParams { alpha: 1.0, gradient_tolerance: 1e-8, ..Default::default() }.check().unwrap();
        let fitted = trainer.fit(&texts, &targets, &labels()).unwrap();
        assert!(fitted.solver.gradient_norm < 1e-6, "{:?}", fitted.solver);
        let mut moved = fitted.weights.clone();
        moved.intercepts[0] += 0.5;
        let (objective, norm) =
            objective_and_gradient_norm(&fitted.vectors, &targets, &moved, &[0, 1, 2], 1.0);
        assert!(objective > fitted.solver.objective);
        assert!(norm > 0.1);
    }
}
