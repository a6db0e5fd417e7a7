//! Fitting a multinomial logistic regression (L2, optional class weights) on tf-idf features.
//!
//! Two solvers minimise the same objective (see [`crate::sparse_solver`]): linfa-logistic's
//! dense `MultiLogisticRegression`, the reference, and an in-crate L-BFGS over the sparse rows.
//! linfa-logistic 0.8.1 ignores a `Dataset`'s sample weights, so a weighted dense fit runs the
//! same L-BFGS over a dense ndarray objective instead of silently dropping the weights.

use std::collections::BTreeMap;

use linfa::prelude::*;
use linfa_logistic::MultiLogisticRegression;
use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};
use stance_features::{FeatureConfig, Featurizer, SparseVec, TermKind};
use stance_model::{SolverReport, Weights};

use crate::nb::{self, ColumnSplit};
use crate::rows::{CorpusRows, RowBlocks};
use crate::sparse_solver::{
    minimize, DenseObjective, LbfgsStats, Minimum, Objective, SparseObjective, SparseRows,
};
use crate::TrainError;

/// Dense matrices above this size are refused by the dense solver.
pub(crate) const MAX_DENSE_BYTES: usize = 2 << 30;

/// [`Solver::Auto`] uses the dense solver up to this dense-matrix size and the sparse one
/// above it. The sparse solver is faster at every size measured (tf-idf rows are over 99 %
/// zeros; e.g. 300 synthetic rows × 8,300 features, 19 MiB dense: linfa 1.3 s, sparse 0.07 s;
/// 600 × 15,117, 69 MiB: 3.7 s against 0.04 s), so this bound only caps what keeping small data
/// sets on the reference solver costs (about 2 s per fit) while leaving room above the shipped
/// model's 15 MiB, which keeps reproducing bit for bit.
pub(crate) const AUTO_DENSE_MAX_BYTES: usize = 32 << 20;

/// Intercept given to a label that is absent from a training set (possible inside a
/// cross-validation fold), so the model never predicts it.
pub(crate) const ABSENT_LABEL_INTERCEPT: f64 = -30.0;

const LINFA_NAME: &str = "linfa-logistic MultiLogisticRegression (L-BFGS, dense)";
const DENSE_WEIGHTED_NAME: &str = "L-BFGS (dense ndarray, class-weighted)";
const SPARSE_NAME: &str = "L-BFGS (sparse rows)";

/// Which solver minimises the objective.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Solver {
    /// Dense when the dense matrix takes at most [`AUTO_DENSE_MAX_BYTES`], sparse otherwise.
    #[default]
    Auto,
    /// linfa-logistic on a dense matrix (the in-crate L-BFGS on a dense matrix when class weights
    /// are not all one). Refused above [`MAX_DENSE_BYTES`].
    Dense,
    /// The in-crate L-BFGS over the sparse rows; memory grows with the non-zeros, not rows × features.
    Sparse,
}

impl stance_features::NamedValue for Solver {
    const WHAT: &'static str = "solver";
    const VALUES: &'static [(&'static str, Self, &'static str)] = &[
        ("auto", Solver::Auto, "dense up to a 32 MiB dense matrix, sparse above"),
        ("dense", Solver::Dense, "linfa-logistic on a dense matrix (refused above 2 GiB)"),
        ("sparse", Solver::Sparse, "L-BFGS over the sparse rows (memory grows with the non-zeros)"),
    ];
}
stance_features::named_value_traits!(Solver);

impl stance_features::NamedValue for ToleranceScale {
    const WHAT: &'static str = "tolerance scale";
    const VALUES: &'static [(&'static str, Self, &'static str)] = &[
        ("auto", ToleranceScale::Auto, "sum for the dense solver, mean for the sparse one"),
        ("sum", ToleranceScale::Sum, "the summed objective's gradient"),
        ("mean", ToleranceScale::Mean, "the per-row objective's gradient"),
    ];
}
stance_features::named_value_traits!(ToleranceScale);

impl Solver {
    fn is_auto(&self) -> bool {
        *self == Solver::Auto
    }
}

/// What [`TrainParams::gradient_tolerance`] bounds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToleranceScale {
    /// `sum` with the dense solver, `mean` with the sparse one.
    #[default]
    Auto,
    /// The gradient norm of the summed objective (linfa-logistic's criterion). It tightens
    /// as rows are added: on 200,000 rows it asks for far more accuracy than the data carry.
    Sum,
    /// The gradient norm of the objective divided by the total row weight (the number of rows
    /// when unweighted), as scikit-learn scales its `tol`.
    Mean,
}

impl ToleranceScale {
    fn is_auto(&self) -> bool {
        *self == ToleranceScale::Auto
    }
}

/// How much each training row's loss term counts, by its label.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClassWeight {
    /// Every row counts once.
    #[default]
    None,
    /// `rows / (classes · rows of the class)`, as scikit-learn's `class_weight="balanced"`,
    /// over the classes present in the training set.
    Balanced,
    /// A weight per label name; labels not listed weigh 1.
    Explicit(BTreeMap<String, f64>),
}

impl ClassWeight {
    fn is_none(&self) -> bool {
        *self == ClassWeight::None
    }

    /// The weight of each class in `present` (indices into `labels`), given the targets.
    /// Fails when an explicit weight names a label that is not in `labels`.
    pub fn resolve(
        &self,
        labels: &[String],
        targets: &[usize],
        present: &[usize],
    ) -> Result<Vec<f64>, TrainError> {
        match self {
            ClassWeight::None => Ok(vec![1.0; present.len()]),
            ClassWeight::Balanced => {
                let mut counts = vec![0usize; labels.len()];
                for &t in targets {
                    counts[t] += 1;
                }
                let n = targets.len() as f64;
                let k = present.len() as f64;
                Ok(present.iter().map(|&label| n / (k * counts[label] as f64)).collect())
            }
            ClassWeight::Explicit(map) => {
                if let Some(unknown) = map.keys().find(|name| !labels.contains(name)) {
                    return Err(TrainError::UnknownClassWeightLabel {
                        label: unknown.clone(),
                        labels: labels.to_vec(),
                    });
                }
                Ok(present.iter().map(|&label| map.get(&labels[label]).copied().unwrap_or(1.0)).collect())
            }
        }
    }
}

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
    /// L-BFGS stops when the gradient norm falls below this (scaled as `tolerance_scale`
    /// says); a model whose final gradient norm is above it is reported as not converged.
    pub gradient_tolerance: f64,
    /// Whether the tolerance bounds the summed or the per-row objective's gradient.
    #[serde(default, skip_serializing_if = "ToleranceScale::is_auto")]
    pub tolerance_scale: ToleranceScale,
    /// Which solver runs.
    #[serde(default, skip_serializing_if = "Solver::is_auto")]
    pub solver: Solver,
    /// Per-class weights of the rows' loss terms.
    #[serde(default, skip_serializing_if = "ClassWeight::is_none")]
    pub class_weight: ClassWeight,
    /// Fit each label one-vs-rest on features scaled by their NB log-count ratios and fold the
    /// ratios into the stored weights ([`crate::nb`]).
    #[serde(default, skip_serializing_if = "is_false")]
    pub nb_scaling: bool,
    /// Fit one model on the character n-gram columns and one on the others, and store the
    /// average of their logits as one model ([`crate::nb`]). Needs both kinds of columns and a
    /// vocabulary (hashed buckets mix the kinds).
    #[serde(default, skip_serializing_if = "is_false")]
    pub blend: bool,
}

fn is_false(value: &bool) -> bool {
    !*value
}

impl Default for TrainParams {
    fn default() -> Self {
        Self {
            features: FeatureConfig::default(),
            alpha: 1.0,
            max_iterations: 1000,
            gradient_tolerance: 1e-4,
            tolerance_scale: ToleranceScale::Auto,
            solver: Solver::Auto,
            class_weight: ClassWeight::None,
            nb_scaling: false,
            blend: false,
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
        if let ClassWeight::Explicit(map) = &self.class_weight {
            if let Some((label, weight)) = map.iter().find(|(_, w)| !(w.is_finite() && **w > 0.0)) {
                return Err(TrainError::InvalidParam(format!(
                    "the class weight of {label:?} must be a positive number, got {weight}"
                )));
            }
        }
        if self.blend {
            let features = &self.features;
            if features.char_ngrams().is_none() {
                return Err(TrainError::BlendNeedsTwoParts("no character n-grams"));
            }
            if features.word_ngrams().is_none()
                && !features.extractors.iter().any(|e| e.term_kind() == stance_features::TermKind::Cue)
            {
                return Err(TrainError::BlendNeedsTwoParts("only character n-grams"));
            }
            if features.hashing.is_some() {
                return Err(TrainError::BlendNeedsVocabulary);
            }
        }
        Ok(Trainer { params: self })
    }
}

/// Checked training parameters, ready to fit.
#[derive(Debug, Clone, PartialEq)]
pub struct Trainer {
    params: TrainParams,
}

/// A finished fit to start another one from (a warm start): a fit of the same labels on most
/// of the same rows, such as the held-out estimate's, is near the minimum of the fit on all of
/// them, so the solver needs fewer iterations from there than from zero. The result is the
/// same minimum to within the solver's tolerance, not the same bits.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WarmStart<'a> {
    /// The featurizer of the finished fit, whose features its weights are over.
    pub(crate) featurizer: &'a Featurizer,
    /// Its label-major weights.
    pub(crate) weights: &'a Weights,
}

impl WarmStart<'_> {
    /// The start's weights over `featurizer`'s features: matched by term between two
    /// vocabularies (each fit has its own), by bucket between two featurizers hashing alike;
    /// a feature the start does not have starts at 0, and so does a label the start had no
    /// rows of (all its coefficients 0), intercept included. `None` when the two do not
    /// describe features alike (one hashes, the other does not, or with other hashing
    /// settings).
    fn weights_on(&self, featurizer: &Featurizer) -> Option<Weights> {
        let n_features = featurizer.n_features();
        let coefficients = match (featurizer.hashing(), self.featurizer.hashing()) {
            (None, None) => {
                let from: Vec<Option<usize>> = (0..n_features)
                    .map(|f| featurizer.term(f).and_then(|term| self.featurizer.feature_index(term)))
                    .collect();
                (self.weights.coefficients.iter())
                    .map(|start| from.iter().map(|f| f.map_or(0.0, |f| start[f])).collect())
                    .collect()
            }
            (Some(a), Some(b)) if a == b && self.featurizer.n_features() == n_features => {
                self.weights.coefficients.clone()
            }
            _ => return None,
        };
        let intercepts = (self.weights.coefficients.iter().zip(&self.weights.intercepts))
            .map(|(coefficients, &b)| if coefficients.iter().all(|&w| w == 0.0) { 0.0 } else { b })
            .collect();
        Some(Weights { coefficients, intercepts })
    }
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
    /// Iterations, evaluations and timings of the in-crate L-BFGS (`None` for linfa-logistic,
    /// which does not report them).
    pub lbfgs: Option<LbfgsStats>,
    /// The bound the solver used on the Euclidean norm of the summed objective's gradient:
    /// the gradient tolerance, times the total row weight when the tolerance is per row.
    pub gradient_tolerance: f64,
}

impl Trainer {
    /// The parameters.
    pub fn params(&self) -> &TrainParams {
        &self.params
    }

    /// Fits featurizer and model on `texts` with label indices `targets` into `labels`.
    ///
    /// Labels without any training row get zero coefficients and a strongly negative
    /// intercept. Fails if fewer than two labels have rows, if an explicit class weight names
    /// a label not in `labels`, if the dense solver is asked for and the dense matrix would be
    /// too large, if the solver fails, or if it returns all-zero weights.
    pub fn fit<S: AsRef<str> + Sync>(
        &self,
        texts: &[S],
        targets: &[usize],
        labels: &[String],
    ) -> Result<Fitted, TrainError> {
        self.fit_from(texts, targets, labels, None, None)
    }

    /// [`Trainer::fit`], the solver started from `start`'s weights (see [`WarmStart`]) when
    /// there is one and the fit is one plain multinomial fit (no NB scaling, no blend) by the
    /// in-crate L-BFGS; from zero otherwise. `analysed`, the same texts as rows of an analysed
    /// corpus, saves analysing them again where the corpus can serve the fit (same model).
    pub(crate) fn fit_from<S: AsRef<str> + Sync>(
        &self,
        texts: &[S],
        targets: &[usize],
        labels: &[String],
        start: Option<WarmStart<'_>>,
        analysed: Option<CorpusRows<'_>>,
    ) -> Result<Fitted, TrainError> {
        assert_eq!(texts.len(), targets.len(), "one target per text");
        self.present_and_weights(targets, labels)?;
        let from_corpus = match analysed {
            Some(analysed) => {
                assert_eq!(analysed.rows.len(), texts.len(), "one corpus row per text");
                RowBlocks::fit_analysed(&self.params.features, analysed)?
            }
            None => None,
        };
        let (featurizer, rows) = match from_corpus {
            Some(fitted) => fitted,
            None => RowBlocks::fit(&self.params.features, texts)?,
        };
        let n_features = featurizer.n_features();
        let start = start
            .filter(|start| {
                !self.params.blend
                    && !self.params.nb_scaling
                    && start.weights.intercepts.len() == labels.len()
            })
            .and_then(|start| start.weights_on(&featurizer));
        let fit = match &start {
            Some(start) => self.fit_linear(&rows, n_features, targets, labels, Some(start))?,
            None => {
                let char_columns = self.params.blend.then(|| char_columns(&featurizer));
                self.fit_model(&rows, n_features, targets, labels, char_columns.as_deref())?
            }
        };
        Ok(Fitted {
            featurizer,
            weights: fit.weights,
            solver: fit.solver,
            lbfgs: fit.lbfgs,
            gradient_tolerance: fit.gradient_tolerance,
        })
    }

    /// Fits the logistic model alone on already featurized `vectors` of width `n_features`
    /// (what [`Trainer::fit`] does after featurizing; conjoined target models call it on
    /// their augmented vectors). `char_columns` marks the character n-gram columns, which a
    /// blend needs ([`char_columns`]; `None` is an error only for a blend). Same rules and
    /// errors as [`Trainer::fit`].
    pub fn fit_vectors(
        &self,
        vectors: &[SparseVec],
        n_features: usize,
        targets: &[usize],
        labels: &[String],
        char_columns: Option<&[bool]>,
    ) -> Result<(Weights, SolverReport), TrainError> {
        let fit = self.fit_model(vectors, n_features, targets, labels, char_columns)?;
        Ok((fit.weights, fit.solver))
    }

    /// Whether `rows` rows of `n_features` features go to the dense solver; an error when the
    /// dense solver is asked for and the dense matrix would be too large.
    fn uses_dense(&self, rows: usize, n_features: usize) -> Result<bool, TrainError> {
        let bytes = rows.saturating_mul(n_features).saturating_mul(8);
        Ok(match self.params.solver {
            Solver::Auto => bytes <= AUTO_DENSE_MAX_BYTES,
            Solver::Dense if bytes > MAX_DENSE_BYTES => {
                return Err(TrainError::TooLargeForDense { rows, features: n_features, bytes });
            }
            Solver::Dense => true,
            Solver::Sparse => false,
        })
    }

    /// The labels that have rows (sorted indices) and each one's class weight, after checking
    /// that at least two labels have rows and that explicit weights name known labels.
    fn present_and_weights(
        &self,
        targets: &[usize],
        labels: &[String],
    ) -> Result<(Vec<usize>, Vec<f64>), TrainError> {
        check_classes(targets, labels)?;
        let present = present_labels(targets);
        let class_weights = self.params.class_weight.resolve(labels, targets, &present)?;
        Ok((present, class_weights))
    }

    /// The blend's two fits (when asked for), each by [`Trainer::fit_scaled`].
    fn fit_model<R: SparseRows + ?Sized>(
        &self,
        vectors: &R,
        n_features: usize,
        targets: &[usize],
        labels: &[String],
        char_columns: Option<&[bool]>,
    ) -> Result<ModelFit, TrainError> {
        if !self.params.blend {
            return self.fit_scaled(vectors, n_features, targets, labels);
        }
        let in_char = char_columns.filter(|c| c.len() == n_features).ok_or_else(|| {
            TrainError::InvalidParam(
                "the word/char blend needs to know which columns are character n-grams".into(),
            )
        })?;
        let split = ColumnSplit::new(in_char);
        let mut weights = zero_weights(labels.len(), n_features, 0.0);
        let mut parts = Vec::with_capacity(2);
        for part in 0..2 {
            let projected: Vec<SparseVec> =
                (0..vectors.n_rows()).map(|i| split.project(vectors.row(i), part)).collect();
            let fit = self.fit_scaled(projected.as_slice(), split.width(part), targets, labels)?;
            for (label, coefficients) in fit.weights.coefficients.iter().enumerate() {
                split.add_into(&mut weights.coefficients[label], part, coefficients, 0.5);
                weights.intercepts[label] += 0.5 * fit.weights.intercepts[label];
            }
            parts.push(fit);
        }
        Ok(ModelFit::combined("word/char blend", weights, parts))
    }

    /// One multinomial fit, or with NB scaling one binary fit per present label on its
    /// scaled rows, folded into label-major weights.
    fn fit_scaled<R: SparseRows + ?Sized>(
        &self,
        vectors: &R,
        n_features: usize,
        targets: &[usize],
        labels: &[String],
    ) -> Result<ModelFit, TrainError> {
        if !self.params.nb_scaling {
            return self.fit_linear(vectors, n_features, targets, labels, None);
        }
        let (present, class_weights) = self.present_and_weights(targets, labels)?;
        let mut weights = zero_weights(labels.len(), n_features, ABSENT_LABEL_INTERCEPT);
        let binary_labels = vec![REST.to_owned(), LABEL.to_owned()];
        let mut parts = Vec::with_capacity(present.len());
        for (c, &label) in present.iter().enumerate() {
            let positive: Vec<bool> = targets.iter().map(|&t| t == label).collect();
            let ratios = nb::log_count_ratios(vectors, &positive, n_features, nb::NB_SMOOTHING);
            let scaled: Vec<SparseVec> =
                (0..vectors.n_rows()).map(|i| nb::scale(vectors.row(i), &ratios)).collect();
            let binary: Vec<usize> = positive.iter().map(|&p| usize::from(p)).collect();
            let class_weight = match &self.params.class_weight {
                ClassWeight::None => ClassWeight::None,
                ClassWeight::Balanced => ClassWeight::Balanced,
                // The rest weighs what its rows weigh on average.
                ClassWeight::Explicit(_) => {
                    let rest: Vec<f64> = targets
                        .iter()
                        .filter(|&&t| t != label)
                        .map(|t| class_weights[present.binary_search(t).expect("targets are present")])
                        .collect();
                    let rest_weight = rest.iter().sum::<f64>() / rest.len() as f64;
                    ClassWeight::Explicit(BTreeMap::from([
                        (REST.to_owned(), rest_weight),
                        (LABEL.to_owned(), class_weights[c]),
                    ]))
                }
            };
            let binary_trainer = Trainer {
                params: TrainParams { class_weight, nb_scaling: false, blend: false, ..self.params.clone() },
            };
            let fit =
                binary_trainer.fit_linear(scaled.as_slice(), n_features, &binary, &binary_labels, None)?;
            // A two-label softmax fit has opposite weights (its gradients are opposite), so
            // half the difference is the label's logit and two labels reproduce the binary
            // model's probabilities exactly.
            let [rest_w, label_w] = [&fit.weights.coefficients[0], &fit.weights.coefficients[1]];
            let mut coefficients: Vec<f64> = label_w.iter().zip(rest_w).map(|(a, b)| (a - b) / 2.0).collect();
            nb::fold_ratios(&mut coefficients, &ratios);
            weights.coefficients[label] = coefficients;
            weights.intercepts[label] = (fit.weights.intercepts[1] - fit.weights.intercepts[0]) / 2.0;
            parts.push(fit);
        }
        Ok(ModelFit::combined("one-vs-rest on NB-scaled features", weights, parts))
    }

    /// One multinomial logistic fit of the rows as they are, the in-crate L-BFGS started
    /// from `start` (label-major weights over these features) when given.
    fn fit_linear<R: SparseRows + ?Sized>(
        &self,
        vectors: &R,
        n_features: usize,
        targets: &[usize],
        labels: &[String],
        start: Option<&Weights>,
    ) -> Result<ModelFit, TrainError> {
        assert_eq!(vectors.n_rows(), targets.len(), "one target per vector");
        let (present, class_weights) = self.present_and_weights(targets, labels)?;
        let dense = self.uses_dense(vectors.n_rows(), n_features)?;
        let classes: Vec<usize> =
            targets.iter().map(|t| present.binary_search(t).expect("targets are present")).collect();
        let unweighted = class_weights.iter().all(|&w| w == 1.0);
        let per_row = match self.params.tolerance_scale {
            ToleranceScale::Auto => !dense,
            ToleranceScale::Sum => false,
            ToleranceScale::Mean => true,
        };
        let gradient_tolerance = if per_row {
            let total_weight: f64 = classes.iter().map(|&c| class_weights[c]).sum();
            self.params.gradient_tolerance * total_weight
        } else {
            self.params.gradient_tolerance
        };
        let start = start.map(|weights| pack(weights, n_features, &present));
        // The sparse solver's last evaluation is the objective `objective_and_gradient_norm`
        // would compute (the same objective at the same parameters): kept, it saves a pass.
        let (params, lbfgs, name, at_minimum) = if dense && unweighted {
            let params = self.fit_linfa(vectors, n_features, targets, present.len(), gradient_tolerance)?;
            (params, None, LINFA_NAME, None)
        } else if dense {
            let x = dense_matrix(vectors, n_features);
            let objective = DenseObjective::new(x.view(), &classes, &class_weights, self.params.alpha);
            let minimum = self.minimize(&objective, gradient_tolerance, start)?;
            (minimum.params, Some(minimum.stats), DENSE_WEIGHTED_NAME, None)
        } else {
            let objective =
                SparseObjective::new(vectors, &classes, &class_weights, n_features, self.params.alpha);
            let minimum = self.minimize(&objective, gradient_tolerance, start)?;
            let at_minimum = (minimum.objective, norm(&minimum.gradient));
            (minimum.params, Some(minimum.stats), SPARSE_NAME, Some(at_minimum))
        };

        let weights = unpack(&params, n_features, &present, labels.len());
        let all_zero = weights.coefficients.iter().flatten().all(|&w| w == 0.0);
        if all_zero
            || weights.coefficients.iter().flatten().chain(&weights.intercepts).any(|w| !w.is_finite())
        {
            return Err(TrainError::DegenerateWeights { all_zero });
        }
        let (objective, gradient_norm) = at_minimum.unwrap_or_else(|| {
            let label_weights = label_weights(&class_weights, &present, labels.len());
            objective_and_gradient_norm(
                vectors,
                targets,
                &weights,
                &present,
                self.params.alpha,
                &label_weights,
            )
        });
        let solver = SolverReport {
            solver: name.into(),
            objective,
            gradient_norm,
            converged: gradient_norm <= gradient_tolerance,
        };
        Ok(ModelFit { weights, solver, lbfgs, gradient_tolerance })
    }

    /// linfa-logistic's fit, returning parameters in the flat `(features + 1) × classes`
    /// layout of [`crate::sparse_solver`].
    fn fit_linfa<R: SparseRows + ?Sized>(
        &self,
        vectors: &R,
        n_features: usize,
        targets: &[usize],
        n_classes: usize,
        gradient_tolerance: f64,
    ) -> Result<Vec<f64>, TrainError> {
        let x = dense_matrix(vectors, n_features);
        let y: Array1<usize> = targets.iter().copied().collect();
        let dataset = Dataset::new(x, y);
        let fitted = MultiLogisticRegression::default()
            .alpha(self.params.alpha)
            .max_iterations(self.params.max_iterations)
            .gradient_tolerance(gradient_tolerance)
            .fit(&dataset)
            .map_err(|e| TrainError::Solver(e.to_string()))?;
        // linfa's classes are the sorted distinct targets, the order of `present`.
        assert_eq!(fitted.classes().len(), n_classes);
        let mut params = Vec::with_capacity((n_features + 1) * n_classes);
        params.extend(fitted.params().iter().copied());
        params.extend(fitted.intercept().iter().copied());
        Ok(params)
    }

    fn minimize<O: Objective>(
        &self,
        objective: &O,
        gradient_tolerance: f64,
        start: Option<Vec<f64>>,
    ) -> Result<Minimum, TrainError> {
        minimize(objective, self.params.max_iterations, gradient_tolerance, start).map_err(TrainError::Solver)
    }
}

/// What fitting the linear model alone produces (see [`Trainer::fit_vectors`]).
struct ModelFit {
    weights: Weights,
    solver: SolverReport,
    lbfgs: Option<LbfgsStats>,
    gradient_tolerance: f64,
}

impl ModelFit {
    /// One model made of several fits (`how` names the combination): the report has their
    /// solvers, the sum of their objectives, the norm of their joined gradients, and is
    /// converged when every fit converged.
    fn combined(how: &str, weights: Weights, parts: Vec<ModelFit>) -> ModelFit {
        let mut names: Vec<&str> = Vec::new();
        for part in &parts {
            if !names.contains(&part.solver.solver.as_str()) {
                names.push(&part.solver.solver);
            }
        }
        let solver = SolverReport {
            solver: format!("{}, {how}", names.join(" + ")),
            objective: parts.iter().map(|p| p.solver.objective).sum(),
            gradient_norm: parts.iter().map(|p| p.solver.gradient_norm.powi(2)).sum::<f64>().sqrt(),
            converged: parts.iter().all(|p| p.solver.converged),
        };
        let gradient_tolerance = parts.iter().map(|p| p.gradient_tolerance).fold(0.0, f64::max);
        ModelFit { weights, solver, lbfgs: None, gradient_tolerance }
    }
}

/// Label names of the binary problems of NB scaling (internal; never stored).
const REST: &str = "rest";
const LABEL: &str = "label";

/// `labels` rows of zero coefficients over `n_features`, every intercept `intercept`.
fn zero_weights(labels: usize, n_features: usize, intercept: f64) -> Weights {
    Weights { coefficients: vec![vec![0.0; n_features]; labels], intercepts: vec![intercept; labels] }
}

/// Which of `featurizer`'s columns are character n-grams (all `false` with hashing, whose
/// buckets have no kind), as [`Trainer::fit_vectors`] takes them for a blend.
pub fn char_columns(featurizer: &Featurizer) -> Vec<bool> {
    (0..featurizer.n_features())
        .map(|i| featurizer.term(i).is_some_and(|t| TermKind::of(t) == TermKind::CharNgram))
        .collect()
}

/// The distinct labels of `targets`, sorted.
fn present_labels(targets: &[usize]) -> Vec<usize> {
    let mut seen: Vec<usize> = targets.to_vec();
    seen.sort_unstable();
    seen.dedup();
    seen
}

/// Training needs rows of at least two labels.
fn check_classes(targets: &[usize], labels: &[String]) -> Result<(), TrainError> {
    let present = present_labels(targets);
    if present.len() < 2 {
        return Err(TrainError::TooFewClasses {
            path: None,
            found: present.iter().map(|&i| labels[i].clone()).collect(),
        });
    }
    Ok(())
}

fn dense_matrix<R: SparseRows + ?Sized>(vectors: &R, n_features: usize) -> Array2<f64> {
    let mut x = Array2::<f64>::zeros((vectors.n_rows(), n_features));
    for row in 0..vectors.n_rows() {
        let (indices, values) = vectors.row(row);
        for (&feature, &value) in indices.iter().zip(values) {
            x[[row, feature as usize]] = value;
        }
    }
    x
}

/// Label-major weights over `n_features` features → flat `(features + 1) × classes`
/// parameters of the `present` labels: [`unpack`]'s inverse.
fn pack(weights: &Weights, n_features: usize, present: &[usize]) -> Vec<f64> {
    let k = present.len();
    let mut params = vec![0.0; (n_features + 1) * k];
    for (c, &label) in present.iter().enumerate() {
        for (f, &w) in weights.coefficients[label].iter().enumerate() {
            params[f * k + c] = w;
        }
        params[n_features * k + c] = weights.intercepts[label];
    }
    params
}

/// Flat `(features + 1) × classes` parameters → label-major weights over all `n_labels`.
fn unpack(params: &[f64], n_features: usize, present: &[usize], n_labels: usize) -> Weights {
    let k = present.len();
    let mut coefficients = vec![vec![0.0; n_features]; n_labels];
    let mut intercepts = vec![ABSENT_LABEL_INTERCEPT; n_labels];
    for (c, &label) in present.iter().enumerate() {
        for (f, w) in coefficients[label].iter_mut().enumerate() {
            *w = params[f * k + c];
        }
        intercepts[label] = params[n_features * k + c];
    }
    Weights { coefficients, intercepts }
}

/// Per-class weights of the present classes → per-label weights (1 for absent labels).
fn label_weights(class_weights: &[f64], present: &[usize], n_labels: usize) -> Vec<f64> {
    let mut weights = vec![1.0; n_labels];
    for (&label, &w) in present.iter().zip(class_weights) {
        weights[label] = w;
    }
    weights
}

/// The training objective — summed softmax cross-entropy over the labels in `present`, each
/// row's term times `label_weights[its label]`, plus `alpha/2 ‖W‖²` — and the Euclidean norm
/// of its gradient with respect to coefficients and intercepts, at `weights`.
pub(crate) fn objective_and_gradient_norm<R: SparseRows + ?Sized>(
    rows: &R,
    targets: &[usize],
    weights: &Weights,
    present: &[usize],
    alpha: f64,
    label_weights: &[f64],
) -> (f64, f64) {
    let n_features = weights.coefficients.first().map_or(0, Vec::len);
    let params = pack(weights, n_features, present);
    let classes: Vec<usize> =
        targets.iter().map(|t| present.binary_search(t).expect("targets are present")).collect();
    let class_weights: Vec<f64> = present.iter().map(|&label| label_weights[label]).collect();
    let objective = SparseObjective::new(rows, &classes, &class_weights, n_features, alpha);
    let mut gradient = vec![0.0; params.len()];
    let value = objective.evaluate(&params, &mut gradient);
    (value, norm(&gradient))
}

/// The Euclidean norm of `gradient`, summed in order.
fn norm(gradient: &[f64]) -> f64 {
    gradient.iter().map(|g| g * g).sum::<f64>().sqrt()
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

    /// The seed corpus's texts, label indices and labels.
    fn seed_corpus() -> (Vec<String>, Vec<usize>, Vec<String>) {
        let labeled = include_str!("../../../data/labeled/peacekeepers.tsv");
        let data = crate::data::parse_labeled(
            std::path::Path::new("peacekeepers.tsv"),
            labeled.as_bytes(),
            crate::data::InputFormat::Tsv,
            &crate::data::Columns::default(),
        )
        .unwrap();
        let (labels, targets) = crate::run::label_indices(&data);
        (data.rows.into_iter().map(|row| row.text).collect(), targets, labels)
    }

    #[test]
    fn a_warm_start_from_most_of_the_rows_reaches_the_same_minimum_in_fewer_iterations() {
        let (texts, targets, labels) = seed_corpus();
        let trainer = TrainParams {
            solver: Solver::Sparse,
            class_weight: ClassWeight::Balanced,
            alpha: 0.3,
            ..Default::default()
        }
        .check()
        .unwrap();
        let most = texts.len() * 9 / 10;
        let start = trainer.fit(&texts[..most], &targets[..most], &labels).unwrap();
        let cold = trainer.fit(&texts, &targets, &labels).unwrap();
        let warm_start = WarmStart { featurizer: &start.featurizer, weights: &start.weights };
        let warm = trainer.fit_from(&texts, &targets, &labels, Some(warm_start), None).unwrap();
        assert_eq!(warm.featurizer, cold.featurizer);
        assert!(cold.solver.converged && warm.solver.converged, "{:?} {:?}", cold.solver, warm.solver);
        let iterations = |fit: &Fitted| fit.lbfgs.as_ref().unwrap().iterations;
        assert!(iterations(&warm) < iterations(&cold), "{:?} {:?}", warm.lbfgs, cold.lbfgs);
        assert_ne!(warm.weights, cold.weights, "another path to the minimum");
        // Both are within their gradient norms of the one minimum of an `alpha`-strongly convex
        // objective: f(w) − f* ≤ ‖∇f(w)‖² / 2α, and two points differ by at most the sum of
        // their gradient norms over α.
        let (gw, gc, alpha) = (warm.solver.gradient_norm, cold.solver.gradient_norm, 0.3);
        let gap = (warm.solver.objective - cold.solver.objective).abs();
        assert!(gap <= gw.max(gc).powi(2) / (2.0 * alpha), "objectives {gap} apart");
        let distance = (warm.weights.coefficients.iter().flatten())
            .chain(&warm.weights.intercepts)
            .zip(cold.weights.coefficients.iter().flatten().chain(&cold.weights.intercepts))
            .map(|(a, b)| (a - b) * (a - b))
            .sum::<f64>()
            .sqrt();
        assert!(distance <= (gw + gc) / alpha, "weights {distance} apart");
    }

    #[test]
    fn a_warm_start_maps_weights_by_term_and_starts_new_terms_and_absent_labels_at_zero() {
        let config = FeatureConfig::default();
        let old = Featurizer::fit(&config, &["troops to Ukraine", "no troops"]).unwrap();
        let new = Featurizer::fit(&config, &["more troops to Kyiv", "no troops"]).unwrap();
        let n_old = old.n_features();
        let coefficients: Vec<Vec<f64>> =
            (0..3).map(|label| (0..n_old).map(|f| (label * 100 + f + 1) as f64).collect()).collect();
        let mut weights = Weights { coefficients, intercepts: vec![0.5, 1.5, ABSENT_LABEL_INTERCEPT] };
        weights.coefficients[2].fill(0.0);
        let mapped = WarmStart { featurizer: &old, weights: &weights }.weights_on(&new).unwrap();
        assert_eq!(mapped.intercepts, [0.5, 1.5, 0.0]);
        let mut shared = 0;
        for f in 0..new.n_features() {
            let term = new.term(f).unwrap();
            match old.feature_index(term) {
                Some(o) => {
                    shared += 1;
                    assert_eq!(
                        [mapped.coefficients[0][f], mapped.coefficients[1][f]],
                        [weights.coefficients[0][o], weights.coefficients[1][o]]
                    );
                }
                None => {
                    assert_eq!([mapped.coefficients[0][f], mapped.coefficients[1][f]], [0.0, 0.0], "{term}")
                }
            }
        }
        assert!(shared > 0 && shared < new.n_features(), "{shared} shared terms");
        // Hashing and a vocabulary do not describe features alike.
        let hashed =
            FeatureConfig { hashing: Some(stance_features::Hashing::new(10, 1)), ..FeatureConfig::default() };
        let hashed = Featurizer::fit(&hashed, &["troops to Ukraine", "no troops"]).unwrap();
        assert!(WarmStart { featurizer: &old, weights: &weights }.weights_on(&hashed).is_none());
    }

    #[test]
    fn same_input_gives_identical_weights() {
        let (texts, targets) = toy();
        let trainer = TrainParams::default().check().unwrap();
        let a = trainer.fit(&texts, &targets, &labels()).unwrap();
        let b = trainer.fit(&texts, &targets, &labels()).unwrap();
        assert_eq!(a.weights, b.weights);
    }

    /// The rows of a toy set whose label is not `label`.
    fn without_label(
        texts: &[&'static str],
        targets: &[usize],
        label: usize,
    ) -> (Vec<&'static str>, Vec<usize>) {
        texts.iter().zip(targets).filter(|(_, &t)| t != label).map(|(&x, &t)| (x, t)).unzip()
    }

    #[test]
    fn absent_label_is_never_predicted() {
        let (texts, targets) = toy();
        let (texts, targets) = without_label(&texts, &targets, 2);
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
        let (objective, norm) = objective_and_gradient_norm(
            &vectors(&fitted, &texts)[..],
            &targets,
            &moved,
            &[0, 1, 2],
            1.0,
            &[1.0; 3],
        );
        assert!(objective > fitted.solver.objective);
        assert!(norm > 0.1);
    }

    fn fit_with(texts: &[&str], targets: &[usize], params: TrainParams) -> Fitted {
        params.check().unwrap().fit(texts, targets, &labels()).unwrap()
    }

    fn tight(solver: Solver, class_weight: ClassWeight) -> TrainParams {
        TrainParams {
            alpha: 0.5,
            gradient_tolerance: 1e-7,
            tolerance_scale: ToleranceScale::Sum,
            solver,
            class_weight,
            ..Default::default()
        }
    }

    fn max_abs_difference(a: &Weights, b: &Weights) -> f64 {
        let flat = |w: &Weights| -> Vec<f64> {
            w.coefficients.iter().flatten().chain(&w.intercepts).copied().collect()
        };
        flat(a).iter().zip(flat(b)).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max)
    }

    /// The rows of `texts` as `fitted`'s featurizer makes them.
    fn vectors(fitted: &Fitted, texts: &[&str]) -> Vec<SparseVec> {
        fitted.featurizer.transform_all(texts)
    }

    /// The labels `fitted` gives `texts`.
    fn predictions(fitted: &Fitted, texts: &[&str]) -> Vec<usize> {
        let model =
            LinearModel::from_label_major(&fitted.weights.coefficients, &fitted.weights.intercepts).unwrap();
        vectors(fitted, texts)
            .iter()
            .map(|v| stance_model::argmax(&model.probabilities(v)).unwrap())
            .collect()
    }

    /// An imbalanced toy set: six "neutral" rows, two "oppose", two "support".
    fn imbalanced() -> (Vec<&'static str>, Vec<usize>) {
        let texts = vec![
            "Air raid sirens sounded across Ukraine",
            "The talks took place in Riyadh",
            "Follow our coverage on Telegram",
            "Ministers met in Brussels on Monday",
            "Troops in Ukraine were discussed in Paris",
            "Peacekeepers were mentioned at the summit",
            "Moscow rejects foreign troops in Ukraine",
            "Lavrov says peacekeepers are unacceptable",
            "Britain is ready to send peacekeepers",
            "France supports deploying European troops",
        ];
        (texts, vec![0, 0, 0, 0, 0, 0, 1, 1, 2, 2])
    }

    #[test]
    fn the_sparse_fit_reports_the_objective_and_gradient_norm_of_its_weights_bit_for_bit() {
        // The report reuses the solver's last evaluation instead of evaluating once more: it
        // must be exactly what a fresh evaluation at the stored weights gives.
        let (texts, targets) = imbalanced();
        for class_weight in [ClassWeight::None, ClassWeight::Balanced] {
            let params = tight(Solver::Sparse, class_weight);
            let trainer = params.clone().check().unwrap();
            let fitted = trainer.fit(&texts, &targets, &labels()).unwrap();
            let (present, class_weights) = trainer.present_and_weights(&targets, &labels()).unwrap();
            let expected = objective_and_gradient_norm(
                vectors(&fitted, &texts).as_slice(),
                &targets,
                &fitted.weights,
                &present,
                params.alpha,
                &label_weights(&class_weights, &present, labels().len()),
            );
            let bits = |(a, b): (f64, f64)| (a.to_bits(), b.to_bits());
            let reported = (fitted.solver.objective, fitted.solver.gradient_norm);
            assert_eq!(bits(reported), bits(expected), "{reported:?} vs {expected:?}");
        }
    }

    #[test]
    fn dense_and_sparse_solvers_reach_the_same_model() {
        let (texts, targets) = imbalanced();
        let mut explicit = BTreeMap::new();
        explicit.insert("oppose".to_string(), 2.5);
        explicit.insert("neutral".to_string(), 0.5);
        for class_weight in [ClassWeight::None, ClassWeight::Balanced, ClassWeight::Explicit(explicit)] {
            let dense = fit_with(&texts, &targets, tight(Solver::Dense, class_weight.clone()));
            let sparse = fit_with(&texts, &targets, tight(Solver::Sparse, class_weight.clone()));
            let expected = if class_weight == ClassWeight::None { LINFA_NAME } else { DENSE_WEIGHTED_NAME };
            assert_eq!(dense.solver.solver, expected);
            assert_eq!(sparse.solver.solver, SPARSE_NAME);
            assert!(dense.solver.converged, "{:?}", dense.solver);
            assert!(sparse.solver.converged, "{:?}", sparse.solver);
            assert!(sparse.solver.gradient_norm <= 1e-7, "{:?}", sparse.solver);
            let delta = max_abs_difference(&dense.weights, &sparse.weights);
            assert!(delta < 1e-4, "{class_weight:?}: max |Δw| = {delta}");
            assert!(sparse.solver.objective <= dense.solver.objective + 1e-9, "{class_weight:?}");
            assert_eq!(predictions(&dense, &texts), predictions(&sparse, &texts), "{class_weight:?}");
        }
    }

    #[test]
    fn weights_change_the_objective_and_the_model() {
        let (texts, targets) = imbalanced();
        let plain = fit_with(&texts, &targets, tight(Solver::Sparse, ClassWeight::None));
        let balanced = fit_with(&texts, &targets, tight(Solver::Sparse, ClassWeight::Balanced));
        assert!(max_abs_difference(&plain.weights, &balanced.weights) > 0.01);
        // Balanced weights: 10 / (3 · 6), 10 / (3 · 2), 10 / (3 · 2).
        let label_weights = [10.0 / 18.0, 10.0 / 6.0, 10.0 / 6.0];
        let (objective, norm) = objective_and_gradient_norm(
            &vectors(&balanced, &texts)[..],
            &targets,
            &balanced.weights,
            &[0, 1, 2],
            0.5,
            &label_weights,
        );
        assert_eq!((objective, norm), (balanced.solver.objective, balanced.solver.gradient_norm));
        // The unweighted optimum is not the weighted one.
        let (_, norm) = objective_and_gradient_norm(
            &vectors(&plain, &texts)[..],
            &targets,
            &plain.weights,
            &[0, 1, 2],
            0.5,
            &label_weights,
        );
        assert!(norm > 1e-3, "{norm}");
    }

    #[test]
    fn balanced_weights_raise_minority_recall() {
        // Strong regularisation makes the majority class swallow the rare ones unless
        // their rows weigh more.
        let (texts, targets) = imbalanced();
        let recall = |fitted: &Fitted, label: usize| {
            let predicted = predictions(fitted, &texts);
            let hits = targets.iter().zip(&predicted).filter(|(&t, &p)| t == label && p == label).count();
            hits as f64 / targets.iter().filter(|&&t| t == label).count() as f64
        };
        for solver in [Solver::Dense, Solver::Sparse] {
            let base = TrainParams { alpha: 20.0, solver, ..Default::default() };
            let plain = fit_with(&texts, &targets, base.clone());
            let balanced =
                fit_with(&texts, &targets, TrainParams { class_weight: ClassWeight::Balanced, ..base });
            assert_eq!(recall(&plain, 1) + recall(&plain, 2), 0.0, "{solver:?}");
            assert_eq!(recall(&balanced, 1), 1.0, "{solver:?}");
            assert_eq!(recall(&balanced, 2), 1.0, "{solver:?}");
        }
    }

    #[test]
    fn seed_corpus_gives_the_same_predictions_with_both_solvers() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/labeled/peacekeepers.tsv");
        let data = crate::read_labeled(&path, None, &crate::Columns::default()).unwrap();
        let (labels, targets) = crate::run::label_indices(&data);
        let texts: Vec<&str> = data.rows.iter().map(|r| r.text.as_str()).collect();
        for class_weight in [ClassWeight::None, ClassWeight::Balanced] {
            let fit = |solver| {
                let params = TrainParams {
                    gradient_tolerance: 1e-5,
                    tolerance_scale: ToleranceScale::Sum,
                    solver,
                    class_weight: class_weight.clone(),
                    ..Default::default()
                };
                params.check().unwrap().fit(&texts, &targets, &labels).unwrap()
            };
            let (dense, sparse) = (fit(Solver::Dense), fit(Solver::Sparse));
            assert!(sparse.solver.converged, "{:?}", sparse.solver);
            let delta = max_abs_difference(&dense.weights, &sparse.weights);
            assert!(delta < 1e-4, "{class_weight:?}: max |Δw| = {delta}");
            assert!(sparse.solver.objective <= dense.solver.objective + 1e-6);
            assert_eq!(predictions(&dense, &texts), predictions(&sparse, &texts));
        }
    }

    #[test]
    fn auto_uses_dense_on_small_data_and_keeps_old_options_parsing() {
        let (texts, targets) = toy();
        let fitted = fit_with(&texts, &targets, TrainParams::default());
        assert_eq!(fitted.solver.solver, LINFA_NAME);
        let json = serde_json::to_value(TrainParams::default()).unwrap();
        assert!(json.get("solver").is_none() && json.get("class_weight").is_none(), "{json}");
        let old = r#"{"features": null, "alpha": 1.0, "max_iterations": 1000, "gradient_tolerance": 0.0001}"#;
        let mut old: serde_json::Value = serde_json::from_str(old).unwrap();
        old["features"] = serde_json::to_value(FeatureConfig::default()).unwrap();
        let parsed: TrainParams = serde_json::from_value(old).unwrap();
        assert_eq!(parsed, TrainParams::default());
        let mut map = BTreeMap::new();
        map.insert("oppose".to_string(), 3.0);
        let params = TrainParams {
            solver: Solver::Sparse,
            class_weight: ClassWeight::Explicit(map),
            ..Default::default()
        };
        let json = serde_json::to_string(&params).unwrap();
        assert!(
            json.contains(r#""solver":"sparse""#)
                && json.contains(r#""class_weight":{"explicit":{"oppose":3.0}}"#),
            "{json}"
        );
        assert_eq!(serde_json::from_str::<TrainParams>(&json).unwrap(), params);
    }

    #[test]
    fn bad_class_weights_are_errors() {
        for weight in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let mut map = BTreeMap::new();
            map.insert("oppose".to_string(), weight);
            let err = TrainParams { class_weight: ClassWeight::Explicit(map), ..Default::default() }
                .check()
                .unwrap_err();
            assert!(err.to_string().contains("\"oppose\""), "{err}");
        }
        let mut map = BTreeMap::new();
        map.insert("opose".to_string(), 2.0);
        let trainer =
            TrainParams { class_weight: ClassWeight::Explicit(map), ..Default::default() }.check().unwrap();
        let (texts, targets) = toy();
        let err = trainer.fit(&texts, &targets, &labels()).unwrap_err().to_string();
        assert!(err.contains("\"opose\"") && err.contains("neutral, oppose, support"), "{err}");
    }

    #[test]
    fn tolerance_scale_multiplies_by_the_total_row_weight() {
        let (texts, targets) = imbalanced();
        let fit = |solver, tolerance_scale, class_weight| {
            let params = TrainParams { solver, tolerance_scale, class_weight, ..Default::default() };
            fit_with(&texts, &targets, params)
        };
        use ToleranceScale::{Auto, Mean, Sum};
        assert_eq!(fit(Solver::Dense, Auto, ClassWeight::None).gradient_tolerance, 1e-4);
        assert_eq!(fit(Solver::Sparse, Sum, ClassWeight::None).gradient_tolerance, 1e-4);
        let mean = fit(Solver::Sparse, Auto, ClassWeight::None);
        assert!((mean.gradient_tolerance - 1e-3).abs() < 1e-15, "{}", mean.gradient_tolerance);
        assert!(mean.solver.converged && mean.solver.gradient_norm <= mean.gradient_tolerance);
        // Balanced weights sum to the number of rows; explicit ones need not.
        let mut map = BTreeMap::new();
        map.insert("neutral".to_string(), 2.0);
        let explicit = fit(Solver::Dense, Mean, ClassWeight::Explicit(map));
        assert!((explicit.gradient_tolerance - 1.6e-3).abs() < 1e-15, "{}", explicit.gradient_tolerance);
        assert_eq!(explicit.solver.solver, DENSE_WEIGHTED_NAME);
    }

    fn logits(weights: &Weights, x: &SparseVec) -> Vec<f64> {
        weights
            .coefficients
            .iter()
            .zip(&weights.intercepts)
            .map(|(w, b)| b + x.indices.iter().zip(&x.values).map(|(&i, v)| w[i as usize] * v).sum::<f64>())
            .collect()
    }

    #[test]
    fn nb_scaling_folds_each_binary_fit_into_the_stored_weights() {
        let (texts, targets) = imbalanced();
        // Two labels: the stored model must give the binary model's probabilities exactly.
        let (texts, targets) = without_label(&texts, &targets, 2);
        let labels = vec!["neutral".to_string(), "oppose".to_string()];
        let params = TrainParams { alpha: 0.3, nb_scaling: true, ..tight(Solver::Sparse, ClassWeight::None) };
        let fitted = params.clone().check().unwrap().fit(&texts, &targets, &labels).unwrap();
        assert!(fitted.solver.converged && fitted.solver.solver.contains("NB-scaled"), "{:?}", fitted.solver);
        // The binary fit by hand: oppose (1) against the rest, on features scaled by its ratios.
        let positive: Vec<bool> = targets.iter().map(|&t| t == 1).collect();
        let n = fitted.featurizer.n_features();
        let rows = vectors(&fitted, &texts);
        let ratios = nb::log_count_ratios(rows.as_slice(), &positive, n, nb::NB_SMOOTHING);
        let scaled: Vec<SparseVec> =
            (0..rows.len()).map(|i| nb::scale(rows.as_slice().row(i), &ratios)).collect();
        let plain = TrainParams { nb_scaling: false, ..params }.check().unwrap();
        let (binary, _) = plain.fit_vectors(&scaled, n, &targets, &labels, None).unwrap();
        let mut differs = false;
        for (x, x_scaled) in rows.iter().zip(&scaled) {
            let stored = logits(&fitted.weights, x);
            let by_hand = logits(&binary, x_scaled);
            // P(oppose) = sigmoid(difference of logits) in both.
            let (a, b) = (stored[1] - stored[0], by_hand[1] - by_hand[0]);
            assert!((a - b).abs() < 1e-9, "{a} vs {b}");
            // Without the ratios the same weights would score differently.
            differs |= (logits(&binary, x)[1] - logits(&binary, x)[0] - b).abs() > 1e-3;
        }
        assert!(differs);
        // Three labels: one binary fit per label, each label's row its own.
        let (texts, targets) = imbalanced();
        let params = TrainParams { nb_scaling: true, ..tight(Solver::Dense, ClassWeight::Balanced) };
        let fitted = fit_with(&texts, &targets, params);
        assert_eq!(predictions(&fitted, &texts), targets);
    }

    #[test]
    fn blend_stores_the_average_of_the_word_and_char_models() {
        let (texts, targets) = imbalanced();
        let features =
            FeatureConfig::default().with_char_ngrams(Some(stance_features::NgramRange::new(2, 4)));
        let params = TrainParams { features, blend: true, ..tight(Solver::Sparse, ClassWeight::Balanced) };
        let fitted = fit_with(&texts, &targets, params.clone());
        assert!(fitted.solver.solver.ends_with("word/char blend"), "{:?}", fitted.solver);
        let kinds = char_columns(&fitted.featurizer);
        assert!(kinds.contains(&true) && kinds.contains(&false));
        let split = ColumnSplit::new(&kinds);
        let plain = TrainParams { blend: false, ..params }.check().unwrap();
        let full = vectors(&fitted, &texts);
        let part = |p: usize| {
            let rows: Vec<SparseVec> =
                (0..full.len()).map(|i| split.project(full.as_slice().row(i), p)).collect();
            let (w, _) = plain.fit_vectors(&rows, split.width(p), &targets, &labels(), None).unwrap();
            (rows, w)
        };
        let ((word_rows, word), (char_rows, chars)) = (part(0), part(1));
        for i in 0..texts.len() {
            let stored = logits(&fitted.weights, &full[i]);
            let (a, b) = (logits(&word, &word_rows[i]), logits(&chars, &char_rows[i]));
            for label in 0..3 {
                assert!((stored[label] - (a[label] + b[label]) / 2.0).abs() < 1e-9);
            }
        }
    }

    #[test]
    fn blend_needs_both_kinds_of_columns_and_a_vocabulary() {
        let words_only = TrainParams { blend: true, ..Default::default() };
        assert!(matches!(words_only.check(), Err(TrainError::BlendNeedsTwoParts(_))));
        let chars_only = FeatureConfig::default()
            .with_word_ngrams(None)
            .with_char_ngrams(Some(stance_features::NgramRange::new(2, 5)));
        let params = TrainParams { features: chars_only.clone(), blend: true, ..Default::default() };
        assert!(matches!(params.check(), Err(TrainError::BlendNeedsTwoParts(_))));
        let both = chars_only.with_word_ngrams(Some(stance_features::NgramRange::new(1, 1)));
        let hashed = FeatureConfig { hashing: Some(stance_features::Hashing::new(12, 0)), ..both.clone() };
        let params = TrainParams { features: hashed, blend: true, ..Default::default() };
        assert!(matches!(params.check(), Err(TrainError::BlendNeedsVocabulary)));
        assert!(TrainParams { features: both, blend: true, ..Default::default() }.check().is_ok());
        // The options are recorded only when on, so other models keep their bytes.
        let json = serde_json::to_value(TrainParams { nb_scaling: true, ..Default::default() }).unwrap();
        assert_eq!(json["nb_scaling"], true);
        assert!(json.get("blend").is_none());
    }
}
