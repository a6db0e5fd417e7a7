//! Why a sentence got its label: each label's logit taken apart into its intercept and the
//! contribution (tf-idf value × coefficient) of every feature the sentence has.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use stance_features::TermKind;
use stance_model::{Route, Scorer};

/// One feature's share of one label's logit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contribution {
    /// The vocabulary term (stems joined by a space, or a `#`-prefixed char n-gram); for a
    /// hashing model, the terms of this text that hash to the feature's bucket, joined by
    /// `" | "`.
    pub feature: String,
    /// Word or character n-gram.
    pub kind: TermKind,
    /// The words of this text the feature came from, normalised (lowercased) as the analyzer
    /// saw them, each listed once in order of first occurrence: `rejects deploying` for the
    /// bigram `reject deploy`, the whole token for a char n-gram.
    pub surfaces: Vec<String>,
    /// The feature's tf-idf value in this text.
    pub value: f64,
    /// The label's coefficient for the feature.
    pub weight: f64,
    /// `value × weight`: what the feature adds to the label's logit.
    pub contribution: f64,
    /// For a conjoined target model: the target whose block of weights this copy of the
    /// feature belongs to (`None`: the shared block, and every feature of other models).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_block: Option<String>,
}

/// One label's logit, taken apart.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabelExplanation {
    /// The label.
    pub label: String,
    /// Its logit: `intercept + Σ contributions` over all of the text's features.
    pub logit: f64,
    /// Its intercept.
    pub intercept: f64,
    /// `logit − intercept`: the features' total, kept when `contributions` is truncated.
    pub feature_total: f64,
    /// Every feature of the text, by decreasing |contribution| (ties in vocabulary order);
    /// possibly truncated with [`Explanation::truncate`].
    pub contributions: Vec<Contribution>,
}

/// The explanation of one sentence's prediction (see [`crate::Classifier::explain`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    /// The text, as given.
    pub text: String,
    /// The predicted (most probable) label.
    pub label: String,
    /// Probability of every label: the softmax of the logits (divided by the model's
    /// temperature when it has one).
    pub probabilities: BTreeMap<String, f64>,
    /// One entry per label, in the model's label order.
    pub per_label: Vec<LabelExplanation>,
    /// Why the text is or is not on the topic (models with a relevance section).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relevance: Option<RelevanceExplanation>,
}

/// The relevance logit taken apart, like a label's.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RelevanceExplanation {
    /// Probability that the text is about the target.
    pub relevance: f64,
    /// Whether the text counts as on topic (relevance at the threshold, or a topic term).
    pub on_topic: bool,
    /// The topic term the text mentions, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub topic_term: Option<String>,
    /// The relevance logit: `intercept + Σ contributions`.
    pub logit: f64,
    /// Its intercept.
    pub intercept: f64,
    /// Every feature of the text, by decreasing |contribution| (positive: towards on topic).
    pub contributions: Vec<Contribution>,
}

impl Explanation {
    /// The explanation of `label`'s logit, if it is one of the model's labels.
    pub fn get(&self, label: &str) -> Option<&LabelExplanation> {
        self.per_label.iter().find(|l| l.label == label)
    }

    /// The explanation of the predicted label's logit.
    pub fn predicted(&self) -> &LabelExplanation {
        self.get(&self.label).expect("the predicted label is one of the labels")
    }

    /// Probability of the predicted label.
    pub fn confidence(&self) -> f64 {
        self.probabilities.get(&self.label).copied().unwrap_or(0.0)
    }

    /// Keeps only the `top` largest contributions of each label (logits, intercepts and
    /// feature totals are unchanged).
    pub fn truncate(&mut self, top: usize) {
        for label in &mut self.per_label {
            label.contributions.truncate(top);
        }
        if let Some(relevance) = &mut self.relevance {
            relevance.contributions.truncate(top);
        }
    }
}

/// Explains `text` with the part of a model that scores its target.
pub(crate) fn explain(
    labels: &[String],
    scorer: &Scorer,
    main: &stance_features::Featurizer,
    route: &Route<'_>,
    text: &str,
) -> Explanation {
    let (featurizer, linear) = (route.featurizer, route.linear);
    let x = route.vector(text);
    // A relative model's negative target swaps two labels: each label is explained by the
    // weights its logit comes from.
    let logits = route.logits(&x);
    // At the model's temperature and with relevance applied, as the classifier reports them.
    let scored = scorer.score_route(route, text);
    let (probabilities, best) = (scored.probabilities, scored.best);

    // Feature index → the distinct surfaces it came from, in order of first occurrence, and
    // (for hashed features, which have no vocabulary term) the distinct terms of this text
    // that hash there.
    let mut surfaces: HashMap<usize, Vec<String>> = HashMap::with_capacity(x.nnz());
    let mut hashed_terms: HashMap<usize, Vec<String>> = HashMap::new();
    // Surfaces are words of the text the featurizer read (a relative model's masks its target).
    featurizer.analyzer().for_each_term_with_surface(&route.model_text(text), |term, surface| {
        if let Some(feature) = featurizer.feature_index(term) {
            let list = surfaces.entry(feature).or_default();
            if !list.iter().any(|s| s == surface) {
                list.push(surface.to_owned());
            }
            if featurizer.hashing().is_some() {
                let terms = hashed_terms.entry(feature).or_default();
                if !terms.iter().any(|t| t == term) {
                    terms.push(term.to_owned());
                }
            }
        }
    });
    let feature_name = |feature: usize| match featurizer.term(feature) {
        Some(term) => term.to_owned(),
        None => {
            hashed_terms.get(&feature).map_or_else(|| format!("bucket {feature}"), |terms| terms.join(" | "))
        }
    };

    let per_label = labels
        .iter()
        .enumerate()
        .map(|(label, name)| {
            let source = route.source_label(label);
            let mut contributions: Vec<(usize, Contribution)> = x
                .iter()
                .filter(|&(feature, _)| feature < linear.n_features())
                .map(|(feature, value)| {
                    let weight = linear.weight(feature, source);
                    let (term_index, block) = route.feature(feature);
                    let term = feature_name(term_index);
                    let contribution = Contribution {
                        kind: TermKind::of(&term),
                        feature: term,
                        surfaces: surfaces.get(&term_index).cloned().unwrap_or_default(),
                        value,
                        weight,
                        contribution: value * weight,
                        target_block: block.map(str::to_owned),
                    };
                    (feature, contribution)
                })
                .collect();
            contributions.sort_by(|(fa, a), (fb, b)| {
                b.contribution.abs().total_cmp(&a.contribution.abs()).then(fa.cmp(fb))
            });
            let intercept = linear.intercepts()[source];
            LabelExplanation {
                label: name.clone(),
                logit: logits[label],
                intercept,
                feature_total: logits[label] - intercept,
                contributions: contributions.into_iter().map(|(_, c)| c).collect(),
            }
        })
        .collect();

    let relevance = scorer.topic().zip(scored.topicality).map(|(topic, topicality)| {
        let x = main.transform(text);
        let mut contributions: Vec<(usize, Contribution)> = x
            .iter()
            .map(|(feature, value)| {
                let weight = topic.weight(feature);
                let term = main.term(feature).map_or_else(|| format!("bucket {feature}"), str::to_owned);
                let contribution = Contribution {
                    kind: TermKind::of(&term),
                    feature: term,
                    surfaces: Vec::new(),
                    value,
                    weight,
                    contribution: value * weight,
                    target_block: None,
                };
                (feature, contribution)
            })
            .collect();
        contributions.sort_by(|(fa, a), (fb, b)| {
            b.contribution.abs().total_cmp(&a.contribution.abs()).then(fa.cmp(fb))
        });
        RelevanceExplanation {
            relevance: topicality.relevance,
            on_topic: topicality.on_topic,
            topic_term: topic.matched_term(main, text).map(|i| topic.terms()[i].clone()),
            logit: topic.logit(&x),
            intercept: topic.intercept(),
            contributions: contributions.into_iter().map(|(_, c)| c).collect(),
        }
    });
    Explanation {
        text: text.to_owned(),
        label: labels[best].clone(),
        probabilities: labels.iter().cloned().zip(probabilities).collect(),
        per_label,
        relevance,
    }
}

#[cfg(test)]
mod tests {
    use stance_features::{FeatureConfig, Featurizer, NgramRange};
    use stance_model::{ModelFile, SolverReport, TrainingInfo, Weights, FORMAT, FORMAT_VERSION};

    use crate::Classifier;

    use super::*;

    /// The default model shipped before topic relevance (frozen under `tests/fixtures/`): word
    /// and character n-grams, no relevance section, so probabilities are the logits' softmax.
    fn default() -> Classifier {
        Classifier::load(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/fixtures/model-v2-tuned.json"
        )))
        .expect("the frozen model loads")
    }

    #[test]
    fn relevance_is_explained_like_a_logit() {
        let classifier = Classifier::default_model().unwrap();
        for (text, on_topic) in [
            ("Lavrov said the deployment is completely unacceptable.", true),
            ("The football match ended in a draw.", false),
        ] {
            let explanation = classifier.explain(text).unwrap();
            let relevance = explanation.relevance.expect("the default model knows its topic");
            assert_eq!(relevance.on_topic, on_topic, "{text}");
            let sum: f64 = relevance.contributions.iter().map(|c| c.contribution).sum();
            assert!((relevance.intercept + sum - relevance.logit).abs() < 1e-9);
            assert!((1.0 / (1.0 + (-relevance.logit).exp()) - relevance.relevance).abs() < 1e-12);
            // The explanation's prediction is the classifier's, relevance applied.
            let prediction = classifier.classify_sentence(text).unwrap();
            assert_eq!(explanation.label, prediction.label);
            assert_eq!(explanation.probabilities, prediction.probabilities);
            if !on_topic {
                assert_eq!(explanation.label, "neutral");
            }
        }
    }

    const TEXTS: [&str; 5] = [
        "Lavrov said the deployment is completely unacceptable.",
        "British Prime Minister Keir Starmer said London is ready to put troops on the ground in Ukraine.",
        "Russia rejects possible deployment of European peacekeepers in Ukraine",
        "Advertisement",
        "Zakharova’s remarks — “targets” — were echoed by Peskov on Thursday!",
    ];

    #[test]
    fn logits_are_intercept_plus_contributions_and_match_the_probabilities() {
        let classifier = default();
        for text in TEXTS {
            let explanation = classifier.explain(text).unwrap();
            assert_eq!(explanation.per_label.len(), classifier.labels().len());
            let logits: Vec<f64> = explanation.per_label.iter().map(|l| l.logit).collect();
            assert_eq!(stance_model::softmax(&logits), classifier.probabilities(text).unwrap(), "{text}");
            let expected: BTreeMap<String, f64> =
                classifier.labels().iter().cloned().zip(classifier.probabilities(text).unwrap()).collect();
            assert_eq!(explanation.probabilities, expected);
            assert_eq!(explanation.label, classifier.classify_sentence(text).unwrap().label);
            for (label, name) in explanation.per_label.iter().zip(classifier.labels()) {
                assert_eq!(&label.label, name, "labels in model order");
                let sum: f64 = label.contributions.iter().map(|c| c.contribution).sum();
                assert!((label.intercept + sum - label.logit).abs() < 1e-9, "{text}: {label:?}");
                assert!((label.intercept + label.feature_total - label.logit).abs() < 1e-12);
                assert!(!label.contributions.is_empty(), "{text}");
                for pair in label.contributions.windows(2) {
                    assert!(pair[0].contribution.abs() >= pair[1].contribution.abs(), "sorted by |c|");
                }
                for c in &label.contributions {
                    assert_eq!(c.contribution, c.value * c.weight);
                    assert_eq!(c.kind, TermKind::of(&c.feature));
                    assert!(!c.surfaces.is_empty(), "{} has no surface", c.feature);
                    let folded = text.replace('’', "'").to_lowercase();
                    for word in c.surfaces.iter().flat_map(|s| s.split(' ')) {
                        assert!(folded.contains(word), "{word:?} ({}) not in {text:?}", c.feature);
                    }
                }
            }
        }
    }

    #[test]
    fn surfaces_map_stems_and_ngrams_back_to_the_words() {
        let explanation = default().explain("Russia Rejects deploying European peacekeepers").unwrap();
        let oppose = explanation.get("oppose").unwrap();
        let surfaces = |feature: &str| {
            oppose.contributions.iter().find(|c| c.feature == feature).map(|c| c.surfaces.clone())
        };
        assert_eq!(surfaces("peacekeep").unwrap(), ["peacekeepers"]);
        assert_eq!(surfaces("reject").unwrap(), ["rejects"]);
        assert_eq!(surfaces("russia reject").unwrap(), ["russia rejects"]);
        assert_eq!(surfaces("european peacekeep").unwrap(), ["european peacekeepers"]);
        assert_eq!(surfaces("#acek").unwrap(), ["peacekeepers"]);
        // "#ep" is cut from two words: both are named.
        assert_eq!(surfaces("#ep").unwrap(), ["deploying", "peacekeepers"]);
        for c in oppose.contributions.iter().filter(|c| c.kind == TermKind::CharNgram) {
            let chars = c.feature[1..].trim();
            for surface in &c.surfaces {
                assert!(!surface.contains(' ') && surface.contains(chars), "{} ← {surface}", c.feature);
            }
        }
    }

    #[test]
    fn one_feature_from_two_surfaces_lists_each_once() {
        let explanation =
            default().explain("Russia Rejects it, and Moscow rejected it, and rejects it again").unwrap();
        for label in &explanation.per_label {
            let reject = label.contributions.iter().find(|c| c.feature == "reject").expect("stem reject");
            assert_eq!(reject.surfaces, ["rejects", "rejected"]);
            let features: Vec<&str> = label.contributions.iter().map(|c| c.feature.as_str()).collect();
            let mut distinct = features.clone();
            distinct.sort_unstable();
            distinct.dedup();
            assert_eq!(distinct.len(), features.len(), "each feature listed once");
        }
    }

    fn word_model() -> Classifier {
        word_model_with(FeatureConfig::default().with_word_ngrams(Some(NgramRange::new(1, 1))))
    }

    fn word_model_with(config: FeatureConfig) -> Classifier {
        let features = Featurizer::fit(&config, &["troops yes", "troops no"]).unwrap();
        let n = features.n_features();
        let model = ModelFile {
            format: FORMAT.into(),
            format_version: FORMAT_VERSION,
            labels: vec!["oppose".into(), "support".into()],
            neutral_label: None,
            features,
            weights: Weights {
                coefficients: vec![vec![0.5; n], vec![-0.5; n]],
                intercepts: vec![0.25, -0.5],
            },
            training: TrainingInfo {
                stance_version: "test".into(),
                data_file: "tiny.tsv".into(),
                data_sha256: "00".into(),
                rows: 2,
                rows_per_label: BTreeMap::new(),
                options: Default::default(),
                solver: SolverReport {
                    solver: "test".into(),
                    objective: 0.0,
                    gradient_norm: 0.0,
                    converged: true,
                },
                cross_validation: None,
                held_out: None,
            },
            calibration: None,
            checksum: None,
            relevance: None,
            priors: None,
            targets: None,
        };
        Classifier::from_model(model).unwrap()
    }

    #[test]
    fn text_without_known_features_is_explained_by_the_intercepts_alone() {
        let classifier = word_model();
        for text in ["unheard-of words only", "", " — … "] {
            let explanation = classifier.explain(text).unwrap();
            assert_eq!(explanation.label, "oppose");
            for (label, intercept) in explanation.per_label.iter().zip([0.25, -0.5]) {
                assert!(label.contributions.is_empty(), "{text:?}: {label:?}");
                assert_eq!(label.logit, intercept);
                assert_eq!(label.intercept, intercept);
                assert_eq!(label.feature_total, 0.0);
            }
            assert_eq!(explanation.probabilities["oppose"], classifier.probabilities(text).unwrap()[0]);
        }
        let empty = default().explain("").unwrap();
        for label in &empty.per_label {
            assert!(label.contributions.is_empty());
            assert_eq!(label.logit, label.intercept);
        }
    }

    #[test]
    fn truncation_keeps_the_largest_and_the_totals() {
        let classifier = default();
        let full = classifier.explain(TEXTS[0]).unwrap();
        let mut short = full.clone();
        short.truncate(3);
        for (f, s) in full.per_label.iter().zip(&short.per_label) {
            assert_eq!(s.contributions.len(), 3);
            assert_eq!(s.contributions[..], f.contributions[..3]);
            assert_eq!((s.logit, s.intercept, s.feature_total), (f.logit, f.intercept, f.feature_total));
        }
        assert_eq!(short.predicted().label, short.label);
        assert!(short.confidence() > 0.0);
        let json = serde_json::to_value(&short).unwrap();
        assert!(json["per_label"][0]["contributions"][0]["surfaces"].is_array(), "{json}");
        assert_eq!(
            json["per_label"][0]["contributions"][0]["kind"].as_str().map(|k| k.ends_with("_ngram")),
            Some(true)
        );
    }

    #[test]
    fn hashed_features_are_named_by_the_terms_of_the_text_that_hash_there() {
        let hashing = stance_features::Hashing::new(10, 3);
        let classifier = word_model_with(FeatureConfig {
            extractors: stance_features::Extractor::ngrams(Some(NgramRange::new(1, 1)), None),
            hashing: Some(hashing),
            ..Default::default()
        });
        let explanation = classifier.explain("Troops, yes! Unheard-of words").unwrap();
        let oppose = explanation.get("oppose").unwrap();
        let mut features: Vec<(&str, &[String])> =
            oppose.contributions.iter().map(|c| (c.feature.as_str(), c.surfaces.as_slice())).collect();
        features.sort_unstable();
        assert_eq!(features, [("troop", &["troops".to_owned()][..]), ("yes", &["yes".to_owned()][..])]);
        assert!(oppose.contributions.iter().all(|c| c.kind == TermKind::WordNgram));
        let total: f64 = oppose.contributions.iter().map(|c| c.contribution).sum();
        assert!((total - oppose.feature_total).abs() < 1e-12);
    }
}
