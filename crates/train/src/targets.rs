//! Training with stance targets: pooled, one model per target, or one conjoined model.
//!
//! [`fit_strategy`] turns labeled rows (and their targets) into the parts of a model file:
//! the main featurizer and weights, and the targets section that says how a target picks its
//! weights (see [`stance_model::TargetModels`]). Cross-validation and the final training run
//! both call it, and both score with [`stance_model::Scorer`], so the two cannot disagree.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use stance_features::{Featurizer, SparseVec, TargetRelation, TargetView, Vocabulary};
use stance_model::{conjoin, SolverReport, TargetModel, TargetModels, Weights};

use crate::rows::CorpusRows;
use crate::trainer::{char_columns, Trainer, WarmStart, ABSENT_LABEL_INTERCEPT};
use crate::TrainError;

/// How a model uses the stance target of a row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetStrategy {
    /// One model for all rows; the target is ignored (the behaviour without targets).
    #[default]
    Pooled,
    /// One model (featurizer and weights) per target.
    PerTarget,
    /// One model over shared and per-target copies of the features (feature augmentation).
    Conjoined,
    /// One model over texts read relative to their targets: target words masked, the two
    /// stance labels swapped for targets phrased against something (any target can be scored).
    Relative,
}

impl stance_features::NamedValue for TargetStrategy {
    const WHAT: &'static str = "target strategy";
    const VALUES: &'static [(&'static str, Self, &'static str)] = &[
        ("pooled", TargetStrategy::Pooled, "one model for all rows; targets are ignored"),
        (
            "per-target",
            TargetStrategy::PerTarget,
            "one model (featurizer and weights) per target, in one model file",
        ),
        (
            "conjoined",
            TargetStrategy::Conjoined,
            "one model with shared and per-target copies of every feature",
        ),
        (
            "relative",
            TargetStrategy::Relative,
            "one model over texts read relative to their target (its words masked, the stance labels swapped for a target phrased against something): for targets unseen in training",
        ),
    ];
}
stance_features::named_value_traits!(TargetStrategy);

/// The strategy and its option.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetSpec {
    /// The strategy.
    pub strategy: TargetStrategy,
    /// Per-target only: also train the pooled model on all rows, used for unknown targets.
    pub pooled_fallback: bool,
}

impl TargetSpec {
    /// Whether this is the pooled strategy (targets ignored).
    pub fn is_pooled(&self) -> bool {
        self.strategy == TargetStrategy::Pooled
    }

    /// Whether the strategy reads the rows' targets.
    pub fn uses_targets(&self) -> bool {
        self.strategy != TargetStrategy::Pooled
    }
}

/// A fitted model, as parts of a model file.
#[derive(Debug, Clone)]
pub(crate) struct FittedModel {
    /// The main featurizer (for a per-target model without fallback, an empty one).
    pub featurizer: Featurizer,
    /// The main weights (for a conjoined model, over every block).
    pub weights: Weights,
    /// How the main fit ended; for a per-target model without fallback, a summary of the
    /// targets' fits (summed objective, largest gradient norm, all converged).
    pub solver: SolverReport,
    /// The targets section (`None` for a pooled model).
    pub targets: Option<TargetModels>,
    /// Whether every fit converged (main and sub-models).
    pub converged: bool,
    /// Things the user should know (single-label targets, unconverged targets).
    pub warnings: Vec<String>,
}

/// What a pooled fit may reuse from earlier work on the same rows; each part changes how fast
/// it gets there, and `start` (not `analysed`) may change the model's last bits.
#[derive(Clone, Copy, Default)]
pub(crate) struct Reuse<'a> {
    /// A pooled model of the same labels to start the solver from (a warm start, [`WarmStart`]).
    pub(crate) start: Option<&'a FittedModel>,
    /// The fit's texts as rows of an analysed corpus, so as not to analyse them again.
    pub(crate) analysed: Option<CorpusRows<'a>>,
}

/// Fits a model with `spec`'s strategy on `texts` labeled `truth` (indices into `labels`),
/// where row `i` is about `stance_targets[i]` (needed unless the strategy is pooled). A pooled
/// fit takes what `reuse` offers; the other strategies ignore it.
// The rows' parts (texts, labels, targets) and the label set (names, neutral) come from different
// places at every caller; bundling them would only move the list into a struct literal.
#[allow(clippy::too_many_arguments)]
pub(crate) fn fit_strategy<S: AsRef<str> + Sync>(
    trainer: &Trainer,
    spec: &TargetSpec,
    texts: &[S],
    truth: &[usize],
    labels: &[String],
    neutral: Option<usize>,
    stance_targets: Option<&[String]>,
    reuse: Reuse<'_>,
) -> Result<FittedModel, TrainError> {
    let stance_targets = match (spec.uses_targets(), stance_targets) {
        (false, _) => {
            let start = (reuse.start)
                .filter(|model| model.targets.is_none())
                .map(|model| WarmStart { featurizer: &model.featurizer, weights: &model.weights });
            return fit_pooled(trainer, texts, truth, labels, start, reuse.analysed);
        }
        (true, Some(t)) => t,
        (true, None) => {
            return Err(TrainError::InvalidParam(format!(
                "the {:?} target strategy needs a target column",
                spec.strategy
            )))
        }
    };
    assert_eq!(stance_targets.len(), texts.len(), "one stance target per text");
    match spec.strategy {
        TargetStrategy::Pooled => unreachable!("handled above"),
        TargetStrategy::PerTarget => {
            fit_per_target(trainer, spec.pooled_fallback, texts, truth, labels, stance_targets)
        }
        TargetStrategy::Conjoined => fit_conjoined(trainer, texts, truth, labels, stance_targets),
        TargetStrategy::Relative => fit_relative(trainer, texts, truth, labels, neutral, stance_targets),
    }
}

fn fit_pooled<S: AsRef<str> + Sync>(
    trainer: &Trainer,
    texts: &[S],
    truth: &[usize],
    labels: &[String],
    start: Option<WarmStart<'_>>,
    analysed: Option<CorpusRows<'_>>,
) -> Result<FittedModel, TrainError> {
    let fitted = trainer.fit_from(texts, truth, labels, start, analysed)?;
    Ok(FittedModel {
        featurizer: fitted.featurizer,
        converged: fitted.solver.converged,
        weights: fitted.weights,
        solver: fitted.solver,
        targets: None,
        warnings: Vec::new(),
    })
}

/// Row indices of every target, targets sorted.
fn rows_by_target(stance_targets: &[String]) -> BTreeMap<&str, Vec<usize>> {
    let mut by_target: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, target) in stance_targets.iter().enumerate() {
        by_target.entry(target.as_str()).or_default().push(i);
    }
    by_target
}

fn count_labels(rows: &[usize], truth: &[usize], labels: &[String]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for &i in rows {
        *counts.entry(labels[truth[i]].clone()).or_insert(0) += 1;
    }
    counts
}

fn fit_per_target<S: AsRef<str> + Sync>(
    trainer: &Trainer,
    pooled_fallback: bool,
    texts: &[S],
    truth: &[usize],
    labels: &[String],
    stance_targets: &[String],
) -> Result<FittedModel, TrainError> {
    let by_target: Vec<(&str, Vec<usize>)> = rows_by_target(stance_targets).into_iter().collect();
    // Targets train in parallel; collecting keeps target order, so the result (and the first
    // error reported) does not depend on the number of threads.
    let fits: Vec<Result<(TargetModel, Option<String>), TrainError>> = by_target
        .par_iter()
        .map(|(target, rows)| fit_one_target(trainer, target, rows, texts, truth, labels))
        .collect();
    let mut models = BTreeMap::new();
    let mut warnings = Vec::new();
    for ((target, _), fit) in by_target.iter().zip(fits) {
        let (model, warning) = fit?;
        warnings.extend(warning);
        models.insert((*target).to_owned(), model);
    }
    let sub_solvers: Vec<&SolverReport> = models.values().filter_map(|m| m.solver.as_ref()).collect();
    let subs_converged = sub_solvers.iter().all(|s| s.converged);
    let (featurizer, weights, solver) = if pooled_fallback {
        let pooled = trainer.fit(texts, truth, labels)?;
        (pooled.featurizer, pooled.weights, pooled.solver)
    } else {
        // The main slot must hold a model; without fallback it holds an empty one that no
        // target is ever routed to.
        let featurizer =
            Featurizer::from_parts(trainer.params().features.clone(), Vocabulary::new(), Vec::new())?;
        let weights =
            Weights { coefficients: vec![Vec::new(); labels.len()], intercepts: vec![0.0; labels.len()] };
        let solver = SolverReport {
            solver: format!(
                "{} (one per target, {} fitted)",
                sub_solvers.first().map_or("none", |s| s.solver.as_str()),
                sub_solvers.len()
            ),
            objective: sub_solvers.iter().map(|s| s.objective).sum(),
            gradient_norm: sub_solvers.iter().map(|s| s.gradient_norm).fold(0.0, f64::max),
            converged: subs_converged,
        };
        (featurizer, weights, solver)
    };
    let unconverged: Vec<&str> = models
        .iter()
        .filter(|(_, m)| m.solver.as_ref().is_some_and(|s| !s.converged))
        .map(|(t, _)| t.as_str())
        .collect();
    if !unconverged.is_empty() {
        warnings.push(format!("the solver did not converge for target(s) {}", unconverged.join(", ")));
    }
    Ok(FittedModel {
        featurizer,
        weights,
        converged: solver.converged && subs_converged,
        solver,
        targets: Some(TargetModels::PerTarget { pooled_fallback, models }),
        warnings,
    })
}

/// Fits the sub-model of one target. A target whose rows all carry one label gets a constant
/// model (no features; the intercepts pick that label) and a warning.
fn fit_one_target<S: AsRef<str> + Sync>(
    trainer: &Trainer,
    target: &str,
    rows: &[usize],
    texts: &[S],
    truth: &[usize],
    labels: &[String],
) -> Result<(TargetModel, Option<String>), TrainError> {
    let rows_per_label = count_labels(rows, truth, labels);
    if rows_per_label.len() == 1 {
        let only = truth[rows[0]];
        let featurizer =
            Featurizer::from_parts(trainer.params().features.clone(), Vocabulary::new(), Vec::new())?;
        let intercepts =
            (0..labels.len()).map(|l| if l == only { 0.0 } else { ABSENT_LABEL_INTERCEPT }).collect();
        let model = TargetModel {
            rows: rows.len(),
            rows_per_label,
            features: featurizer,
            weights: Weights { coefficients: vec![Vec::new(); labels.len()], intercepts },
            solver: None,
        };
        let warning = format!(
            "target {target:?} has only label {:?} ({} row(s)): its model always predicts it",
            labels[only],
            rows.len()
        );
        return Ok((model, Some(warning)));
    }
    let sub_texts: Vec<&str> = rows.iter().map(|&i| texts[i].as_ref()).collect();
    let sub_truth: Vec<usize> = rows.iter().map(|&i| truth[i]).collect();
    let fitted = trainer
        .fit(&sub_texts, &sub_truth, labels)
        .map_err(|source| TrainError::Target { target: target.to_owned(), source: Box::new(source) })?;
    let model = TargetModel {
        rows: rows.len(),
        rows_per_label,
        features: fitted.featurizer,
        weights: fitted.weights,
        solver: Some(fitted.solver),
    };
    Ok((model, None))
}

fn fit_conjoined<S: AsRef<str> + Sync>(
    trainer: &Trainer,
    texts: &[S],
    truth: &[usize],
    labels: &[String],
    stance_targets: &[String],
) -> Result<FittedModel, TrainError> {
    let by_target = rows_by_target(stance_targets);
    let targets: Vec<String> = by_target.keys().map(|t| (*t).to_owned()).collect();
    let rows_per_target = by_target.iter().map(|(t, rows)| ((*t).to_owned(), rows.len())).collect();
    let featurizer = Featurizer::fit(&trainer.params().features, texts)?;
    let n_features = featurizer.n_features();
    let vectors: Vec<SparseVec> = featurizer
        .transform_all(texts)
        .iter()
        .zip(stance_targets)
        .map(|(x, target)| conjoin(x, n_features, targets.binary_search(target).ok()))
        .collect();
    let width = n_features * (1 + targets.len());
    // Every block repeats the shared block's columns, kinds included.
    let char_columns = trainer.params().blend.then(|| char_columns(&featurizer).repeat(1 + targets.len()));
    // A target's block holds every feature, most of which none of its rows has: such a column
    // is zero in every row, so its weight stays 0 under L2, and the solver (whose L-BFGS
    // history holds a dozen weight-sized vectors) fits only the columns some row has. Not with
    // NB scaling, whose ratios are normalised over all columns.
    let (weights, solver) = if trainer.params().nb_scaling {
        trainer.fit_vectors(&vectors, width, truth, labels, char_columns.as_deref())?
    } else {
        let (vectors, columns) = used_columns(vectors, width);
        let char_columns =
            char_columns.map(|kinds| columns.iter().map(|&c| kinds[c as usize]).collect::<Vec<_>>());
        let (compact, solver) =
            trainer.fit_vectors(&vectors, columns.len(), truth, labels, char_columns.as_deref())?;
        (widen(compact, &columns, width), solver)
    };
    Ok(FittedModel {
        featurizer,
        weights,
        converged: solver.converged,
        solver,
        targets: Some(TargetModels::Conjoined { targets, rows_per_target }),
        warnings: Vec::new(),
    })
}

/// `vectors` (of `width` columns) on the columns some vector has, renumbered in order, and
/// those columns.
fn used_columns(mut vectors: Vec<SparseVec>, width: usize) -> (Vec<SparseVec>, Vec<u32>) {
    let mut compact = vec![u32::MAX; width];
    for &i in vectors.iter().flat_map(|x| &x.indices) {
        compact[i as usize] = 0;
    }
    let mut columns = Vec::new();
    for (column, slot) in compact.iter_mut().enumerate() {
        if *slot == 0 {
            *slot = columns.len() as u32;
            columns.push(column as u32);
        }
    }
    for x in &mut vectors {
        x.indices.iter_mut().for_each(|i| *i = compact[*i as usize]);
    }
    (vectors, columns)
}

/// Weights fitted on `columns` of a `width`-column layout, at full width (0 elsewhere).
fn widen(compact: Weights, columns: &[u32], width: usize) -> Weights {
    let coefficients = compact
        .coefficients
        .iter()
        .map(|row| {
            let mut full = vec![0.0; width];
            columns.iter().zip(row).for_each(|(&c, &w)| full[c as usize] = w);
            full
        })
        .collect();
    Weights { coefficients, intercepts: compact.intercepts }
}

/// The two stance labels a relative model swaps: the labels other than the neutral one, which
/// must be exactly two.
pub(crate) fn mirrored_labels(labels: &[String], neutral: Option<usize>) -> Result<[usize; 2], TrainError> {
    let stance: Vec<usize> = (0..labels.len()).filter(|&i| Some(i) != neutral).collect();
    match stance[..] {
        [a, b] => Ok([a, b]),
        _ => Err(TrainError::NotTwoStanceLabels {
            path: None,
            stance: stance.iter().map(|&i| labels[i].clone()).collect(),
        }),
    }
}

fn fit_relative<S: AsRef<str> + Sync>(
    trainer: &Trainer,
    texts: &[S],
    truth: &[usize],
    labels: &[String],
    neutral: Option<usize>,
    stance_targets: &[String],
) -> Result<FittedModel, TrainError> {
    let [a, b] = mirrored_labels(labels, neutral)?;
    let relation = TargetRelation::fit(stance_targets);
    let views: BTreeMap<&str, TargetView> =
        rows_by_target(stance_targets).into_keys().map(|t| (t, relation.view(t))).collect();
    let rows_per_target =
        rows_by_target(stance_targets).iter().map(|(t, rows)| ((*t).to_owned(), rows.len())).collect();
    let masked: Vec<String> = texts
        .iter()
        .zip(stance_targets)
        .map(|(text, target)| views[target.as_str()].mask(text.as_ref()).into_owned())
        .collect();
    let mirrored: Vec<usize> = truth
        .iter()
        .zip(stance_targets)
        .map(|(&label, target)| match views[target.as_str()].is_negative() {
            true if label == a => b,
            true if label == b => a,
            _ => label,
        })
        .collect();
    let fitted = trainer.fit(&masked, &mirrored, labels)?;
    Ok(FittedModel {
        featurizer: fitted.featurizer,
        weights: fitted.weights,
        converged: fitted.solver.converged,
        solver: fitted.solver,
        targets: Some(TargetModels::Relative {
            relation,
            mirrored: [labels[a].clone(), labels[b].clone()],
            rows_per_target,
        }),
        warnings: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TrainParams;
    use stance_model::Scorer;

    #[test]
    fn the_relative_strategy_swaps_the_two_labels_besides_the_neutral_one() {
        let labels: Vec<String> = ["against", "favor", "none"].map(String::from).to_vec();
        assert_eq!(mirrored_labels(&labels, Some(2)).unwrap(), [0, 1]);
        assert_eq!(mirrored_labels(&labels[..2], None).unwrap(), [0, 1]);
        let err = mirrored_labels(&labels, None).unwrap_err().to_string();
        assert!(err.contains("has 3 besides the neutral label (against, favor, none)"), "{err}");
    }

    #[test]
    fn a_relative_fit_learns_from_mirrored_labels_of_negative_targets() {
        // "good" is favor of what a text is about: favor for "allow x", against for "ban x".
        let texts = ["good x", "bad x", "good x", "bad x", "good y", "bad y", "good y", "bad y"];
        let targets: Vec<String> =
            ["allow x", "allow x", "ban x", "ban x", "allow y", "allow y", "ban y", "ban y"]
                .map(String::from)
                .to_vec();
        let truth = [1, 0, 0, 1, 1, 0, 0, 1];
        let labels: Vec<String> = ["against", "favor"].map(String::from).to_vec();
        let spec = TargetSpec { strategy: TargetStrategy::Relative, pooled_fallback: false };
        let fitted =
            fit_strategy(&trainer(), &spec, &texts, &truth, &labels, None, Some(&targets), Reuse::default())
                .unwrap();
        let Some(TargetModels::Relative { mirrored, rows_per_target, .. }) = &fitted.targets else {
            panic!()
        };
        assert_eq!(mirrored, &["against".to_owned(), "favor".to_owned()]);
        assert_eq!(rows_per_target.len(), 4);
        let scorer =
            Scorer::new(&labels, &fitted.featurizer, &fitted.weights, fitted.targets.as_ref(), None).unwrap();
        let favor = |text, target| scorer.probabilities(text, Some(target)).unwrap()[1];
        // Unseen targets, either way round.
        assert!(favor("good z", "allow z") > 0.5 && favor("bad z", "allow z") < 0.5);
        assert!(favor("good z", "ban z") < 0.5 && favor("bad z", "ban z") > 0.5);
    }

    /// "win" means favor for target a and against for target b; "loss" the opposite.
    fn data() -> (Vec<&'static str>, Vec<usize>, Vec<String>, Vec<String>) {
        let rows = [
            ("a", "a big win", 1),
            ("a", "another win today", 1),
            ("a", "a sad loss", 0),
            ("a", "loss again", 0),
            ("a", "we win", 1),
            ("b", "a big win", 0),
            ("b", "another win today", 0),
            ("b", "a sad loss", 1),
            ("b", "loss again", 1),
        ];
        let texts = rows.iter().map(|r| r.1).collect();
        let truth = rows.iter().map(|r| r.2).collect();
        let targets = rows.iter().map(|r| r.0.to_string()).collect();
        (texts, truth, vec!["against".into(), "favor".into()], targets)
    }

    fn trainer() -> Trainer {
        TrainParams { alpha: 0.1, ..Default::default() }.check().unwrap()
    }

    fn favor(fitted: &FittedModel, labels: &[String], text: &str, target: &str) -> f64 {
        let scorer =
            Scorer::new(labels, &fitted.featurizer, &fitted.weights, fitted.targets.as_ref(), None).unwrap();
        scorer.probabilities(text, Some(target)).unwrap()[1]
    }

    #[test]
    fn target_aware_strategies_learn_opposite_meanings_pooled_cannot() {
        let (texts, truth, labels, targets) = data();
        let fit = |spec: &TargetSpec| {
            fit_strategy(&trainer(), spec, &texts, &truth, &labels, None, Some(&targets), Reuse::default())
                .unwrap()
        };
        for strategy in [TargetStrategy::PerTarget, TargetStrategy::Conjoined] {
            let fitted = fit(&TargetSpec { strategy, pooled_fallback: false });
            assert!(favor(&fitted, &labels, "win", "a") > 0.6, "{strategy:?}");
            assert!(favor(&fitted, &labels, "win", "b") < 0.4, "{strategy:?}");
        }
        let pooled = fit(&TargetSpec::default());
        assert!(pooled.targets.is_none());
        // (The odd row for target a keeps the pooled weights from cancelling out to zero.)
        let p = favor(&pooled, &labels, "win", "a");
        assert!((p - favor(&pooled, &labels, "win", "b")).abs() < 1e-12, "pooled ignores the target");
    }

    #[test]
    fn conjoined_weights_cover_shared_and_target_blocks() {
        let (texts, truth, labels, targets) = data();
        let spec = TargetSpec { strategy: TargetStrategy::Conjoined, pooled_fallback: false };
        let fitted =
            fit_strategy(&trainer(), &spec, &texts, &truth, &labels, None, Some(&targets), Reuse::default())
                .unwrap();
        assert_eq!(fitted.weights.coefficients[0].len(), 3 * fitted.featurizer.n_features());
        let Some(TargetModels::Conjoined { targets, rows_per_target }) = &fitted.targets else { panic!() };
        assert_eq!(targets, &["a", "b"]);
        assert_eq!(rows_per_target["b"], 4);
        assert_eq!(rows_per_target["a"], 5);
        // "we" is in a row of target a only: target b's copy of it is in no row, and keeps 0.
        let n = fitted.featurizer.n_features();
        let we = fitted.featurizer.vocabulary().iter().position(|t| t == "we").unwrap();
        let b_block = 1 + targets.iter().position(|t| t == "b").unwrap();
        assert!(fitted.weights.coefficients.iter().all(|row| row[b_block * n + we] == 0.0));
        assert!(fitted.weights.coefficients.iter().any(|row| row[n + we] != 0.0));
    }

    #[test]
    fn a_conjoined_fit_on_the_used_columns_is_the_fit_at_full_width() {
        let (texts, truth, labels, targets) = data();
        let spec = TargetSpec { strategy: TargetStrategy::Conjoined, pooled_fallback: false };
        let tight =
            TrainParams { alpha: 0.1, gradient_tolerance: 1e-10, ..Default::default() }.check().unwrap();
        let fitted =
            fit_strategy(&tight, &spec, &texts, &truth, &labels, None, Some(&targets), Reuse::default())
                .unwrap();
        let n = fitted.featurizer.n_features();
        let blocks: Vec<String> = ["a", "b"].map(String::from).to_vec();
        let full: Vec<SparseVec> = fitted
            .featurizer
            .transform_all(&texts)
            .iter()
            .zip(&targets)
            .map(|(x, t)| conjoin(x, n, blocks.binary_search(t).ok()))
            .collect();
        let (want, _) = tight.fit_vectors(&full, 3 * n, &truth, &labels, None).unwrap();
        for (got, want) in
            fitted.weights.coefficients.iter().flatten().zip(want.coefficients.iter().flatten())
        {
            assert!((got - want).abs() < 1e-6, "{got} vs {want}");
        }
        let (vectors, columns) = used_columns(full.clone(), 3 * n);
        assert!(columns.len() < 3 * n && columns.windows(2).all(|w| w[0] < w[1]));
        for (compact, wide) in vectors.iter().zip(&full) {
            let back: Vec<u32> = compact.indices.iter().map(|&i| columns[i as usize]).collect();
            assert_eq!(back, wide.indices);
        }
    }

    #[test]
    fn single_label_target_predicts_its_label_and_fallback_trains_the_pooled_model() {
        let (mut texts, mut truth, labels, mut targets) = data();
        texts.extend(["c one", "c two"]);
        truth.extend([1, 1]);
        targets.extend(["c".to_string(), "c".to_string()]);
        let spec = TargetSpec { strategy: TargetStrategy::PerTarget, pooled_fallback: true };
        let fitted =
            fit_strategy(&trainer(), &spec, &texts, &truth, &labels, None, Some(&targets), Reuse::default())
                .unwrap();
        assert!(fitted.warnings.iter().any(|w| w.contains("target \"c\" has only label \"favor\"")));
        assert!(favor(&fitted, &labels, "a big loss", "c") > 0.99);
        assert!(fitted.featurizer.n_features() > 0, "the pooled fallback is the main model");
        let Some(TargetModels::PerTarget { models, pooled_fallback: true }) = &fitted.targets else {
            panic!()
        };
        assert!(models["c"].solver.is_none());
    }

    #[test]
    fn a_target_that_cannot_be_fitted_is_named() {
        let (texts, truth, labels, targets) = data();
        let features = stance_features::FeatureConfig { min_df: 3, ..Default::default() };
        let trainer = TrainParams { features, ..Default::default() }.check().unwrap();
        let spec = TargetSpec { strategy: TargetStrategy::PerTarget, pooled_fallback: false };
        let err =
            fit_strategy(&trainer, &spec, &texts, &truth, &labels, None, Some(&targets), Reuse::default())
                .unwrap_err();
        assert!(err.to_string().starts_with("target \"b\": no features left"), "{err}");
        let err =
            fit_strategy(&trainer, &spec, &texts, &truth, &labels, None, None, Reuse::default()).unwrap_err();
        assert!(err.to_string().contains("needs a target column"), "{err}");
    }
}
