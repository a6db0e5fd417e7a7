//! Topic relevance: whether a text is about the model's target at all.
//!
//! A stance model only knows the labels it was trained on, so unrelated news (a meteorite, a
//! football match) still gets the most probable of them. The relevance section of a model file
//! holds a second, binary logistic model over the same features, trained on text that is and
//! is not about the target, and an optional list of topic terms a user adds by hand. A text is
//! *on topic* when its relevance reaches the threshold or it mentions a topic term; a text that
//! is not on topic never takes a stance (see [`TopicScorer::combine`]).

use serde::{Deserialize, Serialize};
use stance_features::{Featurizer, SparseVec};

use crate::ConsistencyError;

/// The relevance section of a model file (format version 4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Relevance {
    /// One coefficient per feature of the model's featurizer ([`crate::ModelFile::features`]).
    #[serde(with = "stance_features::floats::list")]
    pub coefficients: Vec<f64>,
    /// Intercept of the "on topic" logit.
    pub intercept: f64,
    /// Relevance at or above which a text is on topic.
    pub threshold: f64,
    /// Word sequences that make a text on topic whatever its relevance (matched on stems, as the
    /// featurizer analyzes text); empty unless the user gave some.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub topic_terms: Vec<String>,
    /// What the relevance model was trained on, for people (`inspect` shows it).
    pub trained_on: String,
}

/// How a text relates to the target: its relevance and whether it counts as on topic.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Topicality {
    /// Probability, by the relevance model, that the text is about the target.
    pub relevance: f64,
    /// Relevance at or above the threshold, or a topic term in the text.
    pub on_topic: bool,
}

/// A checked [`Relevance`] section, ready to score texts.
#[derive(Debug, Clone)]
pub struct TopicScorer {
    coefficients: Vec<f64>,
    intercept: f64,
    threshold: f64,
    /// Each topic term as the stems the featurizer's analyzer makes of it.
    terms: Vec<Vec<String>>,
    term_names: Vec<String>,
}

impl TopicScorer {
    /// Checks `relevance` against the featurizer it scores with, naming the first problem.
    pub fn new(relevance: &Relevance, featurizer: &Featurizer) -> Result<Self, ConsistencyError> {
        if relevance.coefficients.len() != featurizer.n_features() {
            return Err(ConsistencyError::RelevanceWidth {
                coefficients: relevance.coefficients.len(),
                features: featurizer.n_features(),
            });
        }
        if let Some(index) = relevance.coefficients.iter().position(|w| !w.is_finite()) {
            return Err(ConsistencyError::NonFiniteRelevanceCoefficient { index });
        }
        if !relevance.intercept.is_finite() {
            return Err(ConsistencyError::NonFiniteRelevanceIntercept);
        }
        if !(relevance.threshold > 0.0 && relevance.threshold < 1.0) {
            return Err(ConsistencyError::RelevanceThreshold { threshold: relevance.threshold });
        }
        let mut terms = Vec::with_capacity(relevance.topic_terms.len());
        for term in &relevance.topic_terms {
            let stems = term_stems(featurizer, term);
            if stems.is_empty() {
                return Err(ConsistencyError::EmptyTopicTerm { term: term.clone() });
            }
            terms.push(stems);
        }
        Ok(Self {
            coefficients: relevance.coefficients.clone(),
            intercept: relevance.intercept,
            threshold: relevance.threshold,
            terms,
            term_names: relevance.topic_terms.clone(),
        })
    }

    /// The topic terms, as the section stores them.
    pub fn terms(&self) -> &[String] {
        &self.term_names
    }

    /// The threshold of [`Topicality::on_topic`].
    pub fn threshold(&self) -> f64 {
        self.threshold
    }

    /// The relevance logit of a featurized text.
    pub fn logit(&self, x: &SparseVec) -> f64 {
        self.intercept
            + x.indices.iter().zip(&x.values).map(|(&i, &v)| self.coefficients[i as usize] * v).sum::<f64>()
    }

    /// The coefficient of feature `index`.
    pub fn weight(&self, index: usize) -> f64 {
        self.coefficients[index]
    }

    /// The intercept of the relevance logit.
    pub fn intercept(&self) -> f64 {
        self.intercept
    }

    /// Relevance of `text`, whose features under the model's featurizer are `x`.
    pub fn topicality(&self, featurizer: &Featurizer, x: &SparseVec, text: &str) -> Topicality {
        let relevance = sigmoid(self.logit(x));
        let on_topic = relevance >= self.threshold || self.mentions_term(featurizer, text);
        Topicality { relevance, on_topic }
    }

    /// The topic term `text` mentions first, if any.
    pub fn matched_term(&self, featurizer: &Featurizer, text: &str) -> Option<usize> {
        if self.terms.is_empty() {
            return None;
        }
        let stems = term_stems(featurizer, text);
        self.terms.iter().position(|term| stems.windows(term.len()).any(|window| window == term.as_slice()))
    }

    fn mentions_term(&self, featurizer: &Featurizer, text: &str) -> bool {
        self.matched_term(featurizer, text).is_some()
    }

    /// Stance probabilities given topicality: a text is about the target with probability
    /// `relevance`, and only then takes a stance, so `P(stance) = relevance × P(stance | on
    /// topic)` and the neutral label takes the rest; a text on topic by a topic term or a
    /// threshold below 0.5 counts as at least 0.5 relevant. A text that is not on topic gets the
    /// neutral label whatever its probabilities. Returns whether the neutral label is forced.
    /// (Leaving on-topic texts' probabilities untouched measured the same on the seed corpus,
    /// whose stance sentences are all near relevance 1.)
    pub fn combine(topicality: Topicality, neutral: usize, probabilities: &mut [f64]) -> bool {
        let relevance =
            if topicality.on_topic { topicality.relevance.max(0.5) } else { topicality.relevance };
        for (i, p) in probabilities.iter_mut().enumerate() {
            if i != neutral {
                *p *= relevance;
            }
        }
        let stance: f64 =
            probabilities.iter().enumerate().filter(|&(i, _)| i != neutral).map(|(_, p)| p).sum();
        probabilities[neutral] = 1.0 - stance;
        !topicality.on_topic
    }
}

/// Stems of the words of `text` as the featurizer's analyzer makes them.
fn term_stems(featurizer: &Featurizer, text: &str) -> Vec<String> {
    let analyzer = featurizer.analyzer();
    analyzer.tokens(text).iter().map(|token| analyzer.stem(token).into_owned()).collect()
}

fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// Parses a topic-term list: one term per line or comma-separated, `#` starts a comment line.
/// Fails on a list with no term.
pub fn parse_topic_terms(text: &str) -> Result<Vec<String>, String> {
    let mut terms = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') {
            continue;
        }
        for term in line.split(',') {
            let term = term.trim();
            if !term.is_empty() && !terms.iter().any(|t| t == term) {
                terms.push(term.to_owned());
            }
        }
    }
    if terms.is_empty() {
        return Err("no topic term in the list".into());
    }
    Ok(terms)
}

#[cfg(test)]
mod tests {
    use super::*;
    use stance_features::FeatureConfig;

    fn featurizer() -> Featurizer {
        Featurizer::fit(&FeatureConfig::default(), &["peacekeepers in Ukraine", "a football match"]).unwrap()
    }

    fn relevance(featurizer: &Featurizer, terms: &[&str]) -> Relevance {
        let n = featurizer.n_features();
        let mut coefficients = vec![0.0; n];
        let vocabulary = featurizer.vocabulary();
        for (i, term) in vocabulary.iter().enumerate() {
            if term.contains("peacekeep") || term.contains("ukrain") {
                coefficients[i] = 8.0;
            }
            if term.contains("footbal") {
                coefficients[i] = -8.0;
            }
        }
        Relevance {
            coefficients,
            intercept: -1.0,
            threshold: 0.5,
            topic_terms: terms.iter().map(|t| t.to_string()).collect(),
            trained_on: "test".into(),
        }
    }

    #[test]
    fn relevance_follows_the_logit_and_terms_override_it() {
        let f = featurizer();
        let scorer = TopicScorer::new(&relevance(&f, &["boots on the ground"]), &f).unwrap();
        let on = "Peacekeepers in Ukraine";
        let t = scorer.topicality(&f, &f.transform(on), on);
        assert!(t.relevance > 0.9 && t.on_topic, "{t:?}");
        let off = "A football match";
        let t = scorer.topicality(&f, &f.transform(off), off);
        assert!(t.relevance < 0.1 && !t.on_topic, "{t:?}");
        let term = "No boots on the ground, she said.";
        let t = scorer.topicality(&f, &f.transform(term), term);
        assert!(t.relevance < 0.5 && t.on_topic, "{t:?}");
        assert_eq!(scorer.matched_term(&f, "Boots on the grounds"), Some(0), "matched on stems");
        assert_eq!(scorer.matched_term(&f, "boots near the ground"), None);
    }

    #[test]
    fn combine_moves_stance_mass_to_neutral() {
        let mut p = vec![0.2, 0.5, 0.3];
        let forced = TopicScorer::combine(Topicality { relevance: 0.4, on_topic: false }, 0, &mut p);
        assert!(forced);
        assert!((p[1] - 0.2).abs() < 1e-12 && (p[2] - 0.12).abs() < 1e-12);
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        let mut p = vec![0.1, 0.1, 0.8];
        let forced = TopicScorer::combine(Topicality { relevance: 0.2, on_topic: true }, 0, &mut p);
        assert!(!forced);
        // On topic (here by a topic term): at least half of the stance mass stays.
        assert!((p[2] - 0.4).abs() < 1e-12 && (p[0] - 0.55).abs() < 1e-12, "{p:?}");
    }

    #[test]
    fn bad_sections_are_refused() {
        let f = featurizer();
        let mut r = relevance(&f, &[]);
        r.coefficients.pop();
        assert!(TopicScorer::new(&r, &f).unwrap_err().to_string().contains("coefficients"));
        let mut r = relevance(&f, &[]);
        r.threshold = 1.0;
        assert!(TopicScorer::new(&r, &f).is_err());
        let mut r = relevance(&f, &[]);
        r.coefficients[0] = f64::NAN;
        assert!(TopicScorer::new(&r, &f).is_err());
        let r = relevance(&f, &["--"]);
        assert!(TopicScorer::new(&r, &f).unwrap_err().to_string().contains("no word"));
    }

    #[test]
    fn topic_term_lists_parse_lines_and_commas() {
        assert_eq!(
            parse_topic_terms(
                "# terms\npeacekeepers, boots on the ground\n\nreassurance force\npeacekeepers"
            )
            .unwrap(),
            ["peacekeepers", "boots on the ground", "reassurance force"]
        );
        assert!(parse_topic_terms(" , \n# only a comment\n").is_err());
    }
}
