//! Why a sentence got its label: each label's logit taken apart into its intercept and the
//! contribution (tf-idf value × coefficient) of every feature the sentence has.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use stance_features::TermKind;
use stance_model::{argmax, LinearModel, ModelFile};

/// One feature's share of one label's logit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contribution {
    /// The vocabulary term (stems joined by a space, or a `#`-prefixed char n-gram).
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
    }
}

/// Explains `text` with a model and its scorer (which must have been built from it).
pub(crate) fn explain(model: &ModelFile, linear: &LinearModel, text: &str) -> Explanation {
    let featurizer = &model.features;
    let x = featurizer.transform(text);
    let logits = linear.logits(&x);
    // At the model's temperature, as the classifier reports them.
    let probabilities = linear.probabilities_from_logits(&logits);
    let best = argmax(&probabilities).unwrap_or(0);

    // Feature index → the distinct surfaces it came from, in order of first occurrence.
    let mut surfaces: HashMap<usize, Vec<String>> = HashMap::with_capacity(x.nnz());
    featurizer.analyzer().for_each_term_with_surface(text, |term, surface| {
        if let Some(feature) = featurizer.feature_index(term) {
            let list = surfaces.entry(feature).or_default();
            if !list.iter().any(|s| s == surface) {
                list.push(surface.to_owned());
            }
        }
    });

    let vocabulary = featurizer.vocabulary();
    let per_label = model
        .labels
        .iter()
        .enumerate()
        .map(|(label, name)| {
            let mut contributions: Vec<(usize, Contribution)> = x
                .iter()
                .filter(|&(feature, _)| feature < linear.n_features())
                .map(|(feature, value)| {
                    let weight = linear.weight(feature, label);
                    let term = &vocabulary[feature];
                    let contribution = Contribution {
                        feature: term.clone(),
                        kind: TermKind::of(term),
                        surfaces: surfaces.get(&feature).cloned().unwrap_or_default(),
                        value,
                        weight,
                        contribution: value * weight,
                    };
                    (feature, contribution)
                })
                .collect();
            contributions.sort_by(|(fa, a), (fb, b)| {
                b.contribution.abs().total_cmp(&a.contribution.abs()).then(fa.cmp(fb))
            });
            let intercept = linear.intercepts()[label];
            LabelExplanation {
                label: name.clone(),
                logit: logits[label],
                intercept,
                feature_total: logits[label] - intercept,
                contributions: contributions.into_iter().map(|(_, c)| c).collect(),
            }
        })
        .collect();

    Explanation {
        text: text.to_owned(),
        label: model.labels[best].clone(),
        probabilities: model.labels.iter().cloned().zip(probabilities).collect(),
        per_label,
    }
}

#[cfg(test)]
mod tests {
    use stance_features::{FeatureConfig, Featurizer, NgramRange};
    use stance_model::{SolverReport, TrainingInfo, Weights, FORMAT, FORMAT_VERSION};

    use crate::Classifier;

    use super::*;

    fn default() -> Classifier {
        Classifier::default_model().expect("the embedded model loads")
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
            let explanation = classifier.explain(text);
            assert_eq!(explanation.per_label.len(), classifier.labels().len());
            let logits: Vec<f64> = explanation.per_label.iter().map(|l| l.logit).collect();
            assert_eq!(stance_model::softmax(&logits), classifier.probabilities(text), "{text}");
            let expected: BTreeMap<String, f64> =
                classifier.labels().iter().cloned().zip(classifier.probabilities(text)).collect();
            assert_eq!(explanation.probabilities, expected);
            assert_eq!(explanation.label, classifier.classify_sentence(text).label);
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
        let explanation = default().explain("Russia Rejects deploying European peacekeepers");
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
            default().explain("Russia Rejects it, and Moscow rejected it, and rejects it again");
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
        let config = FeatureConfig { word_ngrams: Some(NgramRange::new(1, 1)), ..Default::default() };
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
                options: serde_json::Value::Null,
                solver: SolverReport {
                    solver: "test".into(),
                    objective: 0.0,
                    gradient_norm: 0.0,
                    converged: true,
                },
                cross_validation: None,
            },
            calibration: None,
            checksum: None,
        };
        Classifier::from_model(model).unwrap()
    }

    #[test]
    fn text_without_known_features_is_explained_by_the_intercepts_alone() {
        let classifier = word_model();
        for text in ["unheard-of words only", "", " — … "] {
            let explanation = classifier.explain(text);
            assert_eq!(explanation.label, "oppose");
            for (label, intercept) in explanation.per_label.iter().zip([0.25, -0.5]) {
                assert!(label.contributions.is_empty(), "{text:?}: {label:?}");
                assert_eq!(label.logit, intercept);
                assert_eq!(label.intercept, intercept);
                assert_eq!(label.feature_total, 0.0);
            }
            assert_eq!(explanation.probabilities["oppose"], classifier.probabilities(text)[0]);
        }
        let empty = default().explain("");
        for label in &empty.per_label {
            assert!(label.contributions.is_empty());
            assert_eq!(label.logit, label.intercept);
        }
    }

    #[test]
    fn truncation_keeps_the_largest_and_the_totals() {
        let classifier = default();
        let full = classifier.explain(TEXTS[0]);
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
}
