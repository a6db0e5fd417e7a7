//! The one scoring path: a checked model applied to `(text, target)` pairs.
//!
//! [`Scorer`] applies a plain pooled model or any layout of the targets section (see
//! [`crate::TargetModels`]) to a `(text, target)` pair, and the relevance section to its
//! probabilities; cross-validation and inference both use it, so they cannot disagree.

use std::borrow::Cow;
use std::collections::BTreeMap;

use stance_features::{Featurizer, SparseVec, TargetRelation, TargetView};
use thiserror::Error;

use crate::consistency::{ConsistencyError, ExpectedWidth};
use crate::linear::{argmax, LinearModel};
use crate::relevance::{TopicScorer, Topicality};
use crate::targets::{conjoin, TargetModels};
use crate::weights::Weights;

/// A `(text, target)` pair that cannot be scored.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TargetError {
    /// A target-aware model asked to score a text without a target.
    #[error("this is a {strategy} model: it needs a stance target (known targets: {})", known.join(", "))]
    TargetRequired {
        /// `per_target`, `conjoined` or `relative`.
        strategy: &'static str,
        /// The model's targets.
        known: Vec<String>,
    },
    /// A per-target model without pooled fallback asked about a target it has no model for.
    #[error("unknown target {target:?}: the model knows {} and has no pooled fallback (it was trained without one)", known.join(", "))]
    UnknownTarget {
        /// The target asked for.
        target: String,
        /// The model's targets.
        known: Vec<String>,
    },
}

/// A featurizer with the linear scorer of its weights.
#[derive(Debug, Clone)]
pub struct Part {
    /// The featurizer.
    pub featurizer: Featurizer,
    /// Its scorer.
    pub linear: LinearModel,
}

#[derive(Debug, Clone)]
enum Layout {
    Pooled,
    PerTarget { fallback: bool, parts: BTreeMap<String, Part> },
    Conjoined { targets: Vec<String> },
    Relative { relation: TargetRelation, mirror: (usize, usize), targets: Vec<String> },
}

/// How a relative model reads one target: the words it masks, and the labels it swaps when
/// the target is negative.
#[derive(Debug, Clone)]
pub struct RelativeRoute {
    view: TargetView,
    mirror: Option<(usize, usize)>,
}

/// Which part of a model scores a given target (see [`Scorer::route`]).
#[derive(Debug, Clone)]
pub struct Route<'a> {
    /// The featurizer to apply to the text.
    pub featurizer: &'a Featurizer,
    /// The scorer to apply to the (possibly conjoined) vector.
    pub linear: &'a LinearModel,
    /// For a conjoined model, the names of the blocks (`None` for the shared block 0, then
    /// every target) and the block of this target, if the model knows it.
    pub conjoined: Option<(&'a [String], Option<usize>)>,
    /// The sub-model's target for a per-target model; `None` for the main model.
    pub sub_model: Option<&'a str>,
    /// For a relative model, how it reads this route's target.
    pub relative: Option<RelativeRoute>,
}

impl Route<'_> {
    /// The text the featurizer reads for `text`: for a relative model, the target's words
    /// masked; else `text` itself.
    pub fn model_text<'t>(&self, text: &'t str) -> Cow<'t, str> {
        match &self.relative {
            Some(relative) => relative.view.mask(text),
            None => Cow::Borrowed(text),
        }
    }

    /// The two labels whose logits this route swaps (a relative model's negative target).
    pub fn mirror(&self) -> Option<(usize, usize)> {
        self.relative.as_ref().and_then(|r| r.mirror)
    }

    /// Label `label`'s logit as the linear model computes it: the mirrored label's, when this
    /// route swaps labels.
    pub fn source_label(&self, label: usize) -> usize {
        match self.mirror() {
            Some((a, b)) if label == a => b,
            Some((a, b)) if label == b => a,
            _ => label,
        }
    }

    /// The logits of the vector `x` (from [`Route::vector`]), mirrored labels swapped.
    pub fn logits(&self, x: &SparseVec) -> Vec<f64> {
        let mut logits = self.linear.logits(x);
        if let Some((a, b)) = self.mirror() {
            logits.swap(a, b);
        }
        logits
    }

    /// The feature vector of `text` for this route.
    pub fn vector(&self, text: &str) -> SparseVec {
        let x = self.featurizer.transform(&self.model_text(text));
        match self.conjoined {
            Some((_, block)) => conjoin(&x, self.featurizer.n_features(), block),
            None => x,
        }
    }

    /// The vector this route scores, from the featurizer's vector `x` of the text (conjoined
    /// into the target's block for a conjoined model, else `x` itself).
    pub fn extend<'x>(&self, x: &'x SparseVec) -> std::borrow::Cow<'x, SparseVec> {
        match self.conjoined {
            Some((_, block)) => std::borrow::Cow::Owned(conjoin(x, self.featurizer.n_features(), block)),
            None => std::borrow::Cow::Borrowed(x),
        }
    }

    /// Feature `index` of [`Route::vector`] as `(vocabulary index, target of its block)`:
    /// the target is `None` for the shared block and for non-conjoined models.
    pub fn feature(&self, index: usize) -> (usize, Option<&str>) {
        match self.conjoined {
            Some((targets, _)) => {
                let n = self.featurizer.n_features().max(1);
                let block = index / n;
                (index % n, block.checked_sub(1).and_then(|b| targets.get(b)).map(String::as_str))
            }
            None => (index, None),
        }
    }

    /// Probabilities of every label for `text`.
    pub fn probabilities(&self, text: &str) -> Vec<f64> {
        self.linear.probabilities_from_logits(&self.logits(&self.vector(text)))
    }
}

/// A checked model ready to score `(text, target)` pairs: pooled, per-target or conjoined.
#[derive(Debug, Clone)]
pub struct Scorer {
    main: Part,
    layout: Layout,
    /// The relevance section and the index of the neutral label it gives off-topic text.
    topic: Option<(TopicScorer, usize)>,
    /// Class priors: log-offsets added to the log-probabilities, one per label.
    priors: Option<Vec<f64>>,
}

/// The score of one text ([`Scorer::score`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    /// The linear model's logits (at no temperature, before relevance).
    pub logits: Vec<f64>,
    /// Every label's probability: at the model's temperature, with relevance applied.
    pub probabilities: Vec<f64>,
    /// Index of the predicted label (the neutral one for a text off the topic).
    pub best: usize,
    /// Relevance and on-topic flag, for a model with a relevance section.
    pub topicality: Option<Topicality>,
}

impl Scorer {
    /// Checks that the main model, every sub-model and the targets layout agree with each
    /// other and with `labels`, and builds the scorers. The error names the first problem.
    pub fn new(
        labels: &[String],
        features: &Featurizer,
        weights: &Weights,
        targets: Option<&TargetModels>,
        temperature: Option<f64>,
    ) -> Result<Self, ConsistencyError> {
        let part = |features: &Featurizer, weights: &Weights, what: &str| -> Result<Part, ConsistencyError> {
            if weights.coefficients.len() != labels.len() {
                return Err(ConsistencyError::RowCount {
                    labels: labels.len(),
                    rows: weights.coefficients.len(),
                }
                .within(what));
            }
            let mut linear = LinearModel::from_label_major(&weights.coefficients, &weights.intercepts)
                .map_err(|e| e.within(what))?;
            if let Some(temperature) = temperature {
                linear = linear.with_temperature(temperature).map_err(|e| e.within("calibration"))?;
            }
            Ok(Part { featurizer: features.clone(), linear })
        };
        let main = part(features, weights, "main model")?;
        let expect_width = |width: usize, expected: ExpectedWidth| {
            let coefficients = main.linear.n_features();
            if coefficients == width {
                Ok(())
            } else {
                Err(ConsistencyError::WidthMismatch { coefficients, expected })
            }
        };
        let n_features = features.n_features();
        let layout = match targets {
            None => {
                expect_width(n_features, ExpectedWidth::Vocabulary { features: n_features })?;
                Layout::Pooled
            }
            Some(TargetModels::PerTarget { pooled_fallback, models }) => {
                expect_width(n_features, ExpectedWidth::MainVocabulary { features: n_features })?;
                if models.is_empty() {
                    return Err(ConsistencyError::NoTargets { layout: "per-target" });
                }
                let mut parts = BTreeMap::new();
                for (target, model) in models {
                    let what = format!("model of target {target:?}");
                    let sub = part(&model.features, &model.weights, &what)?;
                    if sub.linear.n_features() != model.features.n_features() {
                        let expected = ExpectedWidth::Vocabulary { features: model.features.n_features() };
                        return Err(ConsistencyError::WidthMismatch {
                            coefficients: sub.linear.n_features(),
                            expected,
                        }
                        .within(what));
                    }
                    parts.insert(target.clone(), sub);
                }
                Layout::PerTarget { fallback: *pooled_fallback, parts }
            }
            Some(TargetModels::Conjoined { targets, .. }) => {
                if targets.is_empty() {
                    return Err(ConsistencyError::NoTargets { layout: "conjoined" });
                }
                if targets.windows(2).any(|w| w[0] >= w[1]) {
                    return Err(ConsistencyError::UnsortedTargets);
                }
                let width =
                    n_features.checked_mul(1 + targets.len()).ok_or(ConsistencyError::TooManyFeatures)?;
                let blocks = 1 + targets.len();
                expect_width(width, ExpectedWidth::Conjoined { width, blocks, features: n_features })?;
                Layout::Conjoined { targets: targets.clone() }
            }
            Some(TargetModels::Relative { relation, mirrored, rows_per_target }) => {
                expect_width(n_features, ExpectedWidth::Vocabulary { features: n_features })?;
                let index = |label: &String| labels.iter().position(|l| l == label);
                let mirror = match (index(&mirrored[0]), index(&mirrored[1])) {
                    (Some(a), Some(b)) if a != b => (a, b),
                    _ => return Err(ConsistencyError::BadMirroredLabels { labels: mirrored.to_vec() }),
                };
                Layout::Relative {
                    relation: relation.clone(),
                    mirror,
                    targets: rows_per_target.keys().cloned().collect(),
                }
            }
        };
        Ok(Self { main, layout, topic: None, priors: None })
    }

    /// Adds class priors: every prediction's probabilities are multiplied by
    /// `exp(log_offsets[label])` and renormalised, before relevance. Refuses offsets that are
    /// not one finite number per label.
    pub fn with_priors(mut self, log_offsets: &[f64]) -> Result<Self, ConsistencyError> {
        let labels = self.main.linear.n_labels();
        if log_offsets.len() != labels || log_offsets.iter().any(|o| !o.is_finite()) {
            return Err(ConsistencyError::Priors { offsets: log_offsets.len(), labels });
        }
        self.priors = Some(log_offsets.to_vec());
        Ok(self)
    }

    /// Adds topic relevance: texts off the topic get label `neutral` (see
    /// [`TopicScorer::combine`]).
    pub fn with_topic(mut self, topic: TopicScorer, neutral: usize) -> Self {
        self.topic = Some((topic, neutral));
        self
    }

    /// The relevance section, if the model has one.
    pub fn topic(&self) -> Option<&TopicScorer> {
        self.topic.as_ref().map(|(topic, _)| topic)
    }

    /// Scores `text` about `target`: the one scoring path behind every prediction.
    pub fn score(&self, text: &str, target: Option<&str>) -> Result<Scored, TargetError> {
        Ok(self.score_route(&self.route(target)?, text))
    }

    /// Scores `text` with a route of this scorer (see [`Scorer::route`]).
    pub fn score_route(&self, route: &Route<'_>, text: &str) -> Scored {
        let base = route.featurizer.transform(&route.model_text(text));
        let logits = route.logits(&route.extend(&base));
        let mut probabilities = route.linear.probabilities_from_logits(&logits);
        if let Some(offsets) = &self.priors {
            apply_priors(&mut probabilities, offsets);
        }
        let mut best = argmax(&probabilities).unwrap_or(0);
        let topicality = self.topic.as_ref().map(|(topic, neutral)| {
            let main = &self.main.featurizer;
            // A per-target sub-model has its own featurizer, and a relative model reads the
            // text masked; relevance reads the text itself with the main featurizer.
            let topicality = match (route.sub_model, &route.relative) {
                (None, None) => topic.topicality(main, &base, text),
                _ => topic.topicality(main, &main.transform(text), text),
            };
            best = match TopicScorer::combine(topicality, *neutral, &mut probabilities) {
                true => *neutral,
                false => argmax(&probabilities).unwrap_or(0),
            };
            topicality
        });
        Scored { logits, probabilities, best, topicality }
    }

    /// The main model (for a per-target model without fallback, the empty placeholder).
    pub fn main(&self) -> &Part {
        &self.main
    }

    /// Whether the model needs a target to score a text.
    pub fn needs_target(&self) -> bool {
        !matches!(self.layout, Layout::Pooled)
    }

    /// The targets the model was trained on (empty for a pooled model).
    pub fn targets(&self) -> Vec<String> {
        match &self.layout {
            Layout::Pooled => Vec::new(),
            Layout::PerTarget { parts, .. } => parts.keys().cloned().collect(),
            Layout::Conjoined { targets } => targets.clone(),
            Layout::Relative { targets, .. } => targets.clone(),
        }
    }

    fn strategy(&self) -> &'static str {
        match self.layout {
            Layout::Pooled => "pooled",
            Layout::PerTarget { .. } => "per_target",
            Layout::Conjoined { .. } => "conjoined",
            Layout::Relative { .. } => "relative",
        }
    }

    /// The part of the model that scores texts about `target`.
    ///
    /// A pooled model ignores the target. A target-aware model needs one
    /// ([`TargetError::TargetRequired`]); an unknown target goes to the pooled fallback of a
    /// per-target model (or is [`TargetError::UnknownTarget`] without one) and to the shared
    /// block alone of a conjoined model.
    pub fn route(&self, target: Option<&str>) -> Result<Route<'_>, TargetError> {
        let main = Route {
            featurizer: &self.main.featurizer,
            linear: &self.main.linear,
            conjoined: None,
            sub_model: None,
            relative: None,
        };
        let target = match (&self.layout, target) {
            (Layout::Pooled, _) => return Ok(main),
            (_, None) => {
                return Err(TargetError::TargetRequired { strategy: self.strategy(), known: self.targets() })
            }
            (_, Some(target)) => target,
        };
        match &self.layout {
            Layout::Pooled => Ok(main),
            Layout::PerTarget { fallback, parts } => match parts.get_key_value(target) {
                Some((name, part)) => Ok(Route {
                    featurizer: &part.featurizer,
                    linear: &part.linear,
                    conjoined: None,
                    sub_model: Some(name),
                    relative: None,
                }),
                None if *fallback => Ok(main),
                None => Err(TargetError::UnknownTarget { target: target.to_owned(), known: self.targets() }),
            },
            Layout::Conjoined { targets } => {
                let block = targets.binary_search_by(|t| t.as_str().cmp(target)).ok();
                Ok(Route { conjoined: Some((targets, block)), ..main })
            }
            Layout::Relative { relation, mirror, .. } => {
                let view = relation.view(target);
                let mirror = view.is_negative().then_some(*mirror);
                Ok(Route { relative: Some(RelativeRoute { view, mirror }), ..main })
            }
        }
    }

    /// Probabilities of every label for `text` about `target` (relevance applied).
    pub fn probabilities(&self, text: &str, target: Option<&str>) -> Result<Vec<f64>, TargetError> {
        Ok(self.score(text, target)?.probabilities)
    }
}

/// Multiplies each probability by `exp(offset)` and renormalises (in log space, so a tiny
/// probability cannot underflow to a division by zero).
pub fn apply_priors(probabilities: &mut [f64], log_offsets: &[f64]) {
    let logs: Vec<f64> =
        probabilities.iter().zip(log_offsets).map(|(p, o)| p.max(f64::MIN_POSITIVE).ln() + o).collect();
    let top = logs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let sum: f64 = logs.iter().map(|l| (l - top).exp()).sum();
    for (p, l) in probabilities.iter_mut().zip(&logs) {
        *p = (l - top).exp() / sum;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::targets::TargetModel;
    use stance_features::FeatureConfig;

    fn labels() -> Vec<String> {
        vec!["against".into(), "favor".into()]
    }

    /// A conjoined model where the word "win" means favor for target "a" and against for
    /// target "b", through the target blocks only.
    fn conjoined() -> Scorer {
        let features = Featurizer::fit(&FeatureConfig::default(), &["win", "lose"]).unwrap();
        assert_eq!(features.vocabulary(), ["lose", "win"]);
        // Blocks: shared [lose, win], a [lose, win], b [lose, win].
        let weights = Weights {
            coefficients: vec![vec![0.5, 0.0, 0.0, -3.0, 0.0, 3.0], vec![-0.5, 0.0, 0.0, 3.0, 0.0, -3.0]],
            intercepts: vec![0.0, 0.0],
        };
        let targets = TargetModels::Conjoined {
            targets: vec!["a".into(), "b".into()],
            rows_per_target: BTreeMap::from([("a".into(), 1), ("b".into(), 1)]),
        };
        Scorer::new(&labels(), &features, &weights, Some(&targets), None).unwrap()
    }

    #[test]
    fn conjoined_scoring_uses_the_target_block_and_the_shared_block_for_unknown_targets() {
        let scorer = conjoined();
        assert!(scorer.needs_target());
        let favor = |target| scorer.probabilities("win", Some(target)).unwrap()[1];
        assert!(favor("a") > 0.9);
        assert!(favor("b") < 0.1);
        assert_eq!(favor("zzz"), 0.5, "the shared block has no weight for win");
        let route = scorer.route(Some("b")).unwrap();
        assert_eq!(route.feature(5), (1, Some("b")));
        assert_eq!(route.feature(1), (1, None));
        let err = scorer.probabilities("win", None).unwrap_err();
        assert!(err.to_string().contains("conjoined model: it needs a stance target (known targets: a, b)"));
    }

    /// A relative model where "good" means favor, and a masked target word ("tgt") more so.
    fn relative() -> Scorer {
        let features = Featurizer::fit(&FeatureConfig::default(), &["good", "tgt", "bad"]).unwrap();
        assert_eq!(features.vocabulary(), ["bad", "good", "tgt"]);
        let weights = Weights {
            coefficients: vec![vec![2.0, -2.0, -1.0], vec![-2.0, 2.0, 1.0]],
            intercepts: vec![0.0, 0.0],
        };
        let targets = TargetModels::Relative {
            relation: TargetRelation::fit(&["we would build dams", "we would ban cars"]),
            mirrored: ["against".into(), "favor".into()],
            rows_per_target: BTreeMap::from([
                ("we would ban cars".into(), 1),
                ("we would build dams".into(), 1),
            ]),
        };
        Scorer::new(&labels(), &features, &weights, Some(&targets), None).unwrap()
    }

    #[test]
    fn relative_scoring_masks_the_target_and_swaps_labels_for_a_negative_target() {
        let scorer = relative();
        assert!(scorer.needs_target());
        let favor = |text, target| scorer.probabilities(text, Some(target)).unwrap()[1];
        // An unseen target: "trams" is masked, which adds the tgt feature's weight.
        let route = scorer.route(Some("we would fund trams")).unwrap();
        assert_eq!(route.model_text("Good trams"), "Good TGT");
        assert_eq!((route.mirror(), route.source_label(0)), (None, 0));
        assert!(favor("Good trams", "we would fund trams") > favor("Good buses", "we would fund trams"));
        // "ban" makes the target negative: the same text now counts against it, exactly.
        let banned = scorer.route(Some("we would ban trams")).unwrap();
        assert_eq!((banned.mirror(), banned.source_label(0)), (Some((0, 1)), 1));
        let (plain, swapped) = (
            scorer.probabilities("Good trams", Some("we would fund trams")).unwrap(),
            scorer.probabilities("Good trams", Some("we would ban trams")).unwrap(),
        );
        assert_eq!(plain, [swapped[1], swapped[0]]);
        assert_eq!(scorer.score("Good trams", Some("we would ban trams")).unwrap().best, 0);
        let err = scorer.probabilities("Good trams", None).unwrap_err();
        assert!(err.to_string().contains("relative model: it needs a stance target"), "{err}");
    }

    #[test]
    fn relative_models_swap_two_distinct_labels_of_the_model() {
        let features = Featurizer::fit(&FeatureConfig::default(), &["good"]).unwrap();
        let weights = Weights { coefficients: vec![vec![1.0], vec![-1.0]], intercepts: vec![0.0, 0.0] };
        for mirrored in [["against", "against"], ["against", "neutral"]] {
            let targets = TargetModels::Relative {
                relation: TargetRelation::fit(&["a"]),
                mirrored: mirrored.map(str::to_owned),
                rows_per_target: BTreeMap::new(),
            };
            let err = Scorer::new(&labels(), &features, &weights, Some(&targets), None).unwrap_err();
            assert!(err.to_string().contains("not two distinct labels"), "{err}");
        }
    }

    #[test]
    fn conjoined_width_must_cover_every_block() {
        let features = Featurizer::fit(&FeatureConfig::default(), &["win", "lose"]).unwrap();
        let weights = Weights { coefficients: vec![vec![0.0; 4], vec![0.0; 4]], intercepts: vec![0.0, 0.0] };
        let targets = TargetModels::Conjoined {
            targets: vec!["a".into(), "b".into()],
            rows_per_target: BTreeMap::new(),
        };
        let err = Scorer::new(&labels(), &features, &weights, Some(&targets), None).unwrap_err();
        assert!(
            err.to_string()
                .contains("4 coefficients per label but 6 (conjoined: 3 blocks of a vocabulary of 2"),
            "{err}"
        );
    }

    fn sub(text: &str, favor: f64) -> TargetModel {
        let features = Featurizer::fit(&FeatureConfig::default(), &[text]).unwrap();
        let n = features.n_features();
        TargetModel {
            rows: 1,
            rows_per_label: BTreeMap::new(),
            weights: Weights {
                coefficients: vec![vec![-favor; n], vec![favor; n]],
                intercepts: vec![0.0, 0.0],
            },
            features,
            solver: None,
        }
    }

    #[test]
    fn per_target_dispatch_picks_the_target_model_or_the_fallback() {
        let features = Featurizer::fit(&FeatureConfig::default(), &["win"]).unwrap();
        let pooled = Weights { coefficients: vec![vec![0.0], vec![0.0]], intercepts: vec![0.0, 0.0] };
        let models =
            BTreeMap::from([("a".to_string(), sub("win", 5.0)), ("b".to_string(), sub("win", -5.0))]);
        let without = TargetModels::PerTarget { pooled_fallback: false, models: models.clone() };
        let scorer = Scorer::new(&labels(), &features, &pooled, Some(&without), None).unwrap();
        assert!(scorer.probabilities("win", Some("a")).unwrap()[1] > 0.99);
        assert!(scorer.probabilities("win", Some("b")).unwrap()[1] < 0.01);
        assert_eq!(scorer.route(Some("b")).unwrap().sub_model, Some("b"));
        let err = scorer.probabilities("win", Some("c")).unwrap_err();
        assert_eq!(
            err,
            TargetError::UnknownTarget { target: "c".into(), known: vec!["a".into(), "b".into()] }
        );
        assert!(err.to_string().contains("unknown target \"c\": the model knows a, b"), "{err}");
        assert!(matches!(scorer.route(None), Err(TargetError::TargetRequired { .. })));

        let with = TargetModels::PerTarget { pooled_fallback: true, models };
        let scorer = Scorer::new(&labels(), &features, &pooled, Some(&with), None).unwrap();
        assert_eq!(scorer.probabilities("win", Some("c")).unwrap(), [0.5, 0.5]);
        assert_eq!(scorer.route(Some("c")).unwrap().sub_model, None);
    }

    #[test]
    fn every_sub_model_shape_is_checked() {
        let features = Featurizer::fit(&FeatureConfig::default(), &["win"]).unwrap();
        let pooled = Weights { coefficients: vec![vec![0.0], vec![0.0]], intercepts: vec![0.0, 0.0] };
        let mut bad = sub("win lose", 1.0);
        bad.weights.coefficients[1].pop();
        let models = BTreeMap::from([("a".to_string(), sub("win", 1.0)), ("b".to_string(), bad)]);
        let targets = TargetModels::PerTarget { pooled_fallback: false, models };
        let err = Scorer::new(&labels(), &features, &pooled, Some(&targets), None).unwrap_err();
        assert!(err.to_string().contains("model of target \"b\""), "{err}");
        let mut short = sub("win lose", 1.0);
        short.weights.coefficients = vec![vec![0.0; 1], vec![0.0; 1]];
        let models = BTreeMap::from([("a".to_string(), short)]);
        let targets = TargetModels::PerTarget { pooled_fallback: false, models };
        let err = Scorer::new(&labels(), &features, &pooled, Some(&targets), None).unwrap_err();
        assert!(err.to_string().contains("a vocabulary of"), "{err}");
    }
}
