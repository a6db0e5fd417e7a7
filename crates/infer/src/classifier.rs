//! The classifier: a loaded model applied to sentences and articles.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

use serde::Serialize;
use stance_features::split_sentences;
use stance_model::{ModelError, ModelFile, Route, Scorer, Topicality};

use crate::{Explanation, InferError};

/// The default model, trained on the peacekeeper seed corpus and compiled into the binary so
/// classification works from any folder.
const DEFAULT_MODEL_JSON: &str =
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../models/peacekeepers.json"));

/// Name under which the embedded default model is reported.
pub const DEFAULT_MODEL_NAME: &str = "peacekeepers.json (embedded default)";

/// How many stance sentences an article prediction lists as its evidence.
pub const TOP_SENTENCES: usize = 3;

/// The label a sentence gets when its confidence is below [`Classifier::with_min_confidence`].
pub const UNDECIDED: &str = "undecided";

/// The summed confidence a stance label needs over an article's sentences to decide the
/// article (see [`Classifier::classify_article_for`]): one sentence at 0.6 or more, or several
/// weaker ones, but never a single weak sentence.
pub const ARTICLE_MIN_EVIDENCE: f64 = 0.6;

/// The prediction for one sentence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SentencePrediction {
    /// 1-based position of the sentence in its article (1 for a lone sentence).
    pub sentence: usize,
    /// The sentence text.
    pub text: String,
    /// The most probable label.
    pub label: String,
    /// Probability of every label.
    pub probabilities: BTreeMap<String, f64>,
    /// Whether the sentence is about the model's target (models with a relevance section).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_topic: Option<bool>,
    /// Probability that the sentence is about the target (models with a relevance section).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relevance: Option<f64>,
}

impl SentencePrediction {
    /// Probability of the predicted label.
    pub fn confidence(&self) -> f64 {
        self.probabilities.get(&self.label).copied().unwrap_or(0.0)
    }
}

/// The prediction for a whole article.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArticlePrediction {
    /// The article's label (see [`Classifier::classify_article`] for the rule).
    pub label: String,
    /// Number of sentences.
    pub sentences: usize,
    /// Share of the article's sentences predicted as each label (every label listed).
    pub shares: BTreeMap<String, f64>,
    /// The most confident sentences that take a stance, best first (at most [`TOP_SENTENCES`]).
    pub top_sentences: Vec<SentencePrediction>,
    /// Whether any sentence is about the target (models with a relevance section).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_topic: Option<bool>,
}

/// The score of one text: every label's probability (relevance applied), the predicted label
/// and, for a model with a relevance section, the text's topicality.
#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    /// Probabilities in [`Classifier::labels`] order.
    pub probabilities: Vec<f64>,
    /// Index of the predicted label, or `None` when the text is undecided (below the
    /// classifier's minimum confidence).
    pub label: Option<usize>,
    /// Relevance and on-topic flag, when the model knows its topic.
    pub topicality: Option<Topicality>,
}

/// A stance classifier built from a model file.
///
/// A target-aware model (per-target or conjoined, see [`stance_model::TargetModels`]) scores a
/// text for a stance target: give it per call (`*_for` methods) or bind one for all calls
/// with [`Classifier::with_target`]. Without a target such a model answers with
/// [`InferError::Target`], never a guess; a pooled model ignores targets.
///
/// ```
/// use stance_infer::Classifier;
/// let classifier = Classifier::default_model().unwrap();
/// let prediction =
///     classifier.classify_sentence("Lavrov said Western peacekeepers in Ukraine are unacceptable.").unwrap();
/// assert!(classifier.labels().contains(&prediction.label));
/// let total: f64 = prediction.probabilities.values().sum();
/// assert!((total - 1.0).abs() < 1e-9);
/// ```
#[derive(Debug, Clone)]
pub struct Classifier {
    /// The model file without its main coefficients: the scorer holds them (feature-major), so
    /// a loaded model is not kept twice. [`Classifier::model`] puts them back when asked.
    model: ModelFile,
    /// The whole model file, rebuilt on the first call of [`Classifier::model`].
    whole: OnceLock<ModelFile>,
    scorer: Scorer,
    neutral: Option<usize>,
    target: Option<String>,
    min_confidence: Option<f64>,
}

impl Classifier {
    /// Loads a model file, checking its format version and consistency.
    pub fn load(path: &Path) -> Result<Self, InferError> {
        let (model, scorer) = ModelFile::load_with_scorer(path)?;
        Ok(Self::from_checked(model, scorer))
    }

    /// The default model compiled into the library.
    pub fn default_model() -> Result<Self, InferError> {
        Self::from_json_bytes(DEFAULT_MODEL_JSON.as_bytes(), Path::new(DEFAULT_MODEL_NAME))
    }

    /// Parses and checks model JSON already in memory, as [`Classifier::load`] does a file
    /// (`name` only names the source in error messages).
    pub fn from_json_bytes(bytes: &[u8], name: &Path) -> Result<Self, InferError> {
        let (model, scorer) = ModelFile::from_json_bytes_with_scorer(bytes, name)?;
        Ok(Self::from_checked(model, scorer))
    }

    /// The bytes of the embedded default model (for identifying it, e.g. by hash).
    pub fn default_model_json() -> &'static str {
        DEFAULT_MODEL_JSON
    }

    /// Builds a classifier from a model already in memory.
    pub fn from_model(model: ModelFile) -> Result<Self, ModelError> {
        let scorer = model
            .scorer()
            .map_err(|problem| ModelError::Inconsistent { path: "<memory>".into(), problem })?;
        Ok(Self::from_checked(model, scorer))
    }

    /// A classifier of `model` scoring with `scorer`, the model's own [`ModelFile::scorer`].
    fn from_checked(mut model: ModelFile, scorer: Scorer) -> Self {
        let neutral = model.neutral_label.as_ref().and_then(|n| model.labels.iter().position(|l| l == n));
        model.weights.coefficients = Vec::new();
        Self { model, whole: OnceLock::new(), scorer, neutral, target: None, min_confidence: None }
    }

    /// Leaves sentences whose predicted label has a probability below `min_confidence`
    /// undecided: their label is [`UNDECIDED`] and articles do not count them. `None` decides
    /// every sentence. Fails on a value outside 0–1 or a model with a label named [`UNDECIDED`].
    pub fn with_min_confidence(mut self, min_confidence: Option<f64>) -> Result<Self, InferError> {
        if let Some(p) = min_confidence {
            if !(0.0..=1.0).contains(&p) {
                return Err(InferError::MinConfidence(format!("{p} is not a probability from 0 to 1")));
            }
            if self.model.labels.iter().any(|l| l == UNDECIDED) {
                return Err(InferError::MinConfidence(format!(
                    "the model has a label named {UNDECIDED:?}, which undecided sentences would be confused with"
                )));
            }
        }
        self.min_confidence = min_confidence;
        Ok(self)
    }

    /// Whether the model has a relevance section (sentence rows then carry `on_topic` and
    /// `relevance`).
    pub fn knows_topic(&self) -> bool {
        self.scorer.topic().is_some()
    }

    /// Binds the stance target that the methods without a `target` argument use. Fails at
    /// once if the model cannot score that target (an unknown target of a per-target model
    /// without pooled fallback); a pooled model accepts and ignores any target.
    pub fn with_target(mut self, target: Option<&str>) -> Result<Self, InferError> {
        if let Some(target) = target {
            self.scorer.route(Some(target))?;
        }
        self.target = target.map(str::to_owned);
        Ok(self)
    }

    /// The bound stance target, if any.
    pub fn target(&self) -> Option<&str> {
        self.target.as_deref()
    }

    /// Whether the model needs a stance target (it is per-target or conjoined).
    pub fn needs_target(&self) -> bool {
        self.scorer.needs_target()
    }

    /// The targets the model was trained on (empty for a pooled model).
    pub fn targets(&self) -> Vec<String> {
        self.scorer.targets()
    }

    /// The model file behind this classifier, equal to the one loaded. The first call rebuilds
    /// its main coefficients from the scorer's copy (exactly: they are the same numbers, laid
    /// out label-major again); scoring never needs it.
    pub fn model(&self) -> &ModelFile {
        self.whole.get_or_init(|| {
            let mut whole = self.model.clone();
            whole.weights.coefficients = self.scorer.main().linear.to_label_major();
            whole
        })
    }

    /// The model's neutral label (no stance), if it has one.
    pub fn neutral_label(&self) -> Option<&str> {
        self.model.neutral_label.as_deref()
    }

    /// The labels this model predicts.
    pub fn labels(&self) -> &[String] {
        &self.model.labels
    }

    fn route(&self, target: Option<&str>) -> Result<Route<'_>, InferError> {
        Ok(self.scorer.route(target)?)
    }

    /// Probabilities of every label (in [`Classifier::labels`] order) for one text, about the
    /// bound target.
    pub fn probabilities(&self, text: &str) -> Result<Vec<f64>, InferError> {
        self.probabilities_for(text, self.target.as_deref())
    }

    /// [`Classifier::probabilities`] about `target`.
    pub fn probabilities_for(&self, text: &str, target: Option<&str>) -> Result<Vec<f64>, InferError> {
        Ok(self.score_for(text, target)?.probabilities)
    }

    /// Scores `text` as one sentence about `target`: the one scoring path behind every
    /// prediction. With a relevance section, a text off the topic takes the neutral label
    /// and its stance probabilities shrink by its relevance ([`TopicScorer::combine`]).
    pub fn score_for(&self, text: &str, target: Option<&str>) -> Result<Score, InferError> {
        Ok(self.score_route(&self.route(target)?, text))
    }

    fn score_route(&self, route: &Route<'_>, text: &str) -> Score {
        let scored = self.scorer.score_route(route, text);
        let decided = self.min_confidence.is_none_or(|p| scored.probabilities[scored.best] >= p);
        Score {
            label: decided.then_some(scored.best),
            probabilities: scored.probabilities,
            topicality: scored.topicality,
        }
    }

    /// Explains the prediction for `text` as one sentence (no splitting), about the bound
    /// target: for every label, its logit as the intercept plus each feature's contribution
    /// (tf-idf value × coefficient), all contributions sorted by decreasing absolute size,
    /// each feature with the words of `text` it came from.
    ///
    /// ```
    /// use stance_infer::Classifier;
    /// let classifier = Classifier::default_model().unwrap();
    /// let mut explanation = classifier.explain("Lavrov said the deployment is completely unacceptable.").unwrap();
    /// explanation.truncate(5); // keep the 5 largest contributions of each label
    /// let why = explanation.predicted();
    /// for c in &why.contributions {
    ///     println!("{:+.3}  {} ← {}", c.contribution, c.feature, c.surfaces.join(", "));
    /// }
    /// assert!((why.intercept + why.feature_total - why.logit).abs() < 1e-12);
    /// ```
    pub fn explain(&self, text: &str) -> Result<Explanation, InferError> {
        self.explain_for(text, self.target.as_deref())
    }

    /// [`Classifier::explain`] about `target`.
    pub fn explain_for(&self, text: &str, target: Option<&str>) -> Result<Explanation, InferError> {
        Ok(crate::explain::explain(
            &self.model.labels,
            &self.scorer,
            &self.model.features,
            &self.route(target)?,
            text,
        ))
    }

    /// Classifies `text` as one sentence (no splitting), about the bound target.
    pub fn classify_sentence(&self, text: &str) -> Result<SentencePrediction, InferError> {
        self.classify_sentence_for(text, self.target.as_deref())
    }

    /// [`Classifier::classify_sentence`] about `target`.
    pub fn classify_sentence_for(
        &self,
        text: &str,
        target: Option<&str>,
    ) -> Result<SentencePrediction, InferError> {
        Ok(self.predict(&self.route(target)?, 1, text))
    }

    fn predict(&self, route: &Route<'_>, sentence: usize, text: &str) -> SentencePrediction {
        self.prediction(sentence, text, self.score_route(route, text))
    }

    /// The prediction of sentence number `sentence`, `text`, from its score.
    fn prediction(&self, sentence: usize, text: &str, score: Score) -> SentencePrediction {
        SentencePrediction {
            sentence,
            text: text.to_owned(),
            label: score.label.map_or(UNDECIDED, |i| self.model.labels[i].as_str()).to_owned(),
            probabilities: self.model.labels.iter().cloned().zip(score.probabilities).collect(),
            on_topic: score.topicality.map(|t| t.on_topic),
            relevance: score.topicality.map(|t| t.relevance),
        }
    }

    /// Splits `text` into sentences and classifies each, about the bound target.
    pub fn classify_sentences(&self, text: &str) -> Result<Vec<SentencePrediction>, InferError> {
        self.classify_sentences_for(text, self.target.as_deref())
    }

    /// [`Classifier::classify_sentences`] about `target`.
    pub fn classify_sentences_for(
        &self,
        text: &str,
        target: Option<&str>,
    ) -> Result<Vec<SentencePrediction>, InferError> {
        let route = self.route(target)?;
        Ok(split_sentences(text)
            .into_iter()
            .enumerate()
            .map(|(i, range)| self.predict(&route, i + 1, &text[range]))
            .collect())
    }

    /// Classifies a whole article from its sentences, about the bound target.
    pub fn classify_article(&self, text: &str) -> Result<ArticlePrediction, InferError> {
        self.classify_article_for(text, self.target.as_deref())
    }

    /// Classifies a whole article about `target` from its sentences.
    ///
    /// Each stance label collects the confidence of the sentences predicted as it (sentences
    /// off the topic are neutral, undecided ones count for nothing). The label with the most
    /// evidence wins (ties: more sentences, then the earlier label) if its evidence reaches
    /// [`ARTICLE_MIN_EVIDENCE`], so one weak sentence never decides an article; otherwise the
    /// article is neutral (for a model without a neutral label: the label with the most
    /// evidence). Fails with [`InferError::NoSentences`] when the text has no sentence.
    pub fn classify_article_for(
        &self,
        text: &str,
        target: Option<&str>,
    ) -> Result<ArticlePrediction, InferError> {
        self.classify_article_visiting(text, target, |_| {})
    }

    /// [`Classifier::classify_article_for`], showing `visit` every sentence's prediction on
    /// the way (for what a caller collects per sentence, such as stance holders), without
    /// keeping them all.
    pub fn classify_article_visiting(
        &self,
        text: &str,
        target: Option<&str>,
        visit: impl FnMut(&SentencePrediction),
    ) -> Result<ArticlePrediction, InferError> {
        let mut visit = visit;
        self.classify_split_article(text, &split_sentences(text), target, |_, _| true, |p| visit(&p))
    }

    /// [`Classifier::classify_article_visiting`] of `text` split into the sentences `ranges`
    /// (for a caller that needs the ranges too, so the article is split once).
    /// `visit` is shown only the predictions whose label and on-topic flag `wanted` accepts:
    /// a sentence's prediction (its text, label and probability map) is built only for those
    /// and for the stance sentences the article may show, not for every sentence.
    pub(crate) fn classify_split_article(
        &self,
        text: &str,
        ranges: &[std::ops::Range<usize>],
        target: Option<&str>,
        wanted: impl Fn(&str, Option<bool>) -> bool,
        mut visit: impl FnMut(SentencePrediction),
    ) -> Result<ArticlePrediction, InferError> {
        let route = self.route(target)?;
        // One sentence at a time: only the counts, evidence and the best few stance sentences
        // are kept, so a huge article needs no list of all its predictions.
        let labels = &self.model.labels;
        let mut counts = vec![0usize; labels.len()];
        let mut evidence = vec![0.0f64; labels.len()];
        let mut top: Vec<SentencePrediction> = Vec::with_capacity(TOP_SENTENCES + 1);
        let mut n_sentences = 0;
        let mut on_topic = false;
        let by_confidence = |a: &SentencePrediction, b: &SentencePrediction| {
            b.confidence().total_cmp(&a.confidence()).then(a.sentence.cmp(&b.sentence))
        };
        for (i, range) in ranges.iter().enumerate() {
            let sentence = &text[range.clone()];
            let score = self.score_route(&route, sentence);
            let label = score.label.map_or(UNDECIDED, |i| labels[i].as_str());
            let sentence_on_topic = score.topicality.map(|t| t.on_topic);
            n_sentences += 1;
            on_topic |= sentence_on_topic == Some(true);
            // The label's index as the prediction names it (undecided: none).
            let index = labels.iter().position(|l| l == label);
            let shown = wanted(label, sentence_on_topic);
            let stance = index.filter(|&index| Some(index) != self.neutral);
            if !shown && stance.is_none() {
                if let Some(index) = index {
                    counts[index] += 1;
                    // The prediction's confidence: its label's probability.
                    evidence[index] += score.probabilities[index];
                }
                continue;
            }
            let prediction = self.prediction(i + 1, sentence, score);
            if let Some(index) = index {
                counts[index] += 1;
                evidence[index] += prediction.confidence();
            }
            // A stance sentence among the best few so far (the order is total: no two
            // sentences tie), which is copied only when `visit` takes it too.
            let best = index.is_some()
                && stance.is_some()
                && top.last().is_none_or(|worst| {
                    top.len() < TOP_SENTENCES || by_confidence(&prediction, worst).is_lt()
                });
            if best {
                if shown {
                    visit(prediction.clone());
                }
                top.push(prediction);
                top.sort_by(by_confidence);
                top.truncate(TOP_SENTENCES);
            } else if shown {
                visit(prediction);
            }
        }
        if n_sentences == 0 {
            return Err(InferError::NoSentences);
        }
        let label = labels[article_label(&counts, &evidence, self.neutral)].clone();
        let n = n_sentences as f64;
        let shares = labels.iter().cloned().zip(counts.iter().map(|&c| c as f64 / n)).collect();
        let on_topic = self.knows_topic().then_some(on_topic);
        Ok(ArticlePrediction { label, sentences: n_sentences, shares, top_sentences: top, on_topic })
    }
}

/// The article rule of [`Classifier::classify_article_for`] on per-label sentence counts and
/// summed confidences.
fn article_label(counts: &[usize], evidence: &[f64], neutral: Option<usize>) -> usize {
    let winner = (0..counts.len())
        .filter(|&i| Some(i) != neutral && counts[i] > 0)
        .max_by(|&a, &b| evidence[a].total_cmp(&evidence[b]).then(counts[a].cmp(&counts[b])).then(b.cmp(&a)));
    match (winner, neutral) {
        (Some(i), Some(_)) if evidence[i] >= ARTICLE_MIN_EVIDENCE => i,
        (_, Some(neutral)) => neutral,
        (Some(i), None) => i,
        // Every sentence undecided and no neutral label: the first label, with no evidence.
        (None, None) => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn default() -> Classifier {
        Classifier::default_model().expect("the embedded model loads")
    }

    #[test]
    fn embedded_model_is_the_peacekeeper_model() {
        let classifier = default();
        assert_eq!(classifier.labels(), ["neutral", "oppose", "support"]);
        assert_eq!(classifier.model().neutral_label.as_deref(), Some("neutral"));
        assert_eq!(classifier.model().training.data_file, "training.tsv");
        assert!(classifier.knows_topic());
        let off = classifier.classify_sentence("The football match ended in a draw.").unwrap();
        assert_eq!((off.label.as_str(), off.on_topic), ("neutral", Some(false)));
    }

    #[test]
    fn clear_corpus_sentences_get_their_label() {
        let classifier = default();
        let oppose = classifier
            .classify_sentence("Russia rejects possible deployment of European peacekeepers in Ukraine")
            .unwrap();
        assert_eq!(oppose.label, "oppose");
        assert_eq!(classifier.classify_sentence("Advertisement").unwrap().label, "neutral");
    }

    #[test]
    fn article_rules_empty_neutral_and_stance() {
        let classifier = default();
        assert!(matches!(classifier.classify_article("  \n - \n"), Err(InferError::NoSentences)));
        let neutral = classifier.classify_article("Advertisement\nJOIN US ON TELEGRAM\nAlso read").unwrap();
        assert_eq!(neutral.label, "neutral");
        assert!(neutral.top_sentences.is_empty());
        let article = "Advertisement\nRussia rejects possible deployment of European peacekeepers in Ukraine\nAlso read";
        let prediction = classifier.classify_article(article).unwrap();
        assert_eq!(prediction.label, "oppose");
        assert_eq!(prediction.sentences, 3);
        assert_eq!(prediction.top_sentences.len(), 1);
        assert_eq!(prediction.top_sentences[0].sentence, 2);
        assert!((prediction.shares.values().sum::<f64>() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn model_gives_back_the_file_as_loaded_for_every_frozen_format() {
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures");
        let mut seen = 0;
        for entry in std::fs::read_dir(&fixtures).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if !(name.starts_with("model-v") && name.ends_with(".json")) {
                continue;
            }
            let loaded = ModelFile::load(&path).unwrap();
            let classifier = Classifier::load(&path).unwrap();
            let text = "Russia rejects any deployment of European peacekeepers in Ukraine.";
            let target = classifier.targets().into_iter().next();
            let before = classifier.probabilities_for(text, target.as_deref()).unwrap();
            assert_eq!(classifier.model(), &loaded, "{name}");
            assert_eq!(classifier.model().to_json_bytes(), loaded.to_json_bytes(), "{name}");
            assert_eq!(classifier.probabilities_for(text, target.as_deref()).unwrap(), before, "{name}");
            seen += 1;
        }
        assert!(seen >= 8, "only {seen} frozen model files");
    }

    #[test]
    fn default_model_json_is_the_embedded_model() {
        let json = Classifier::default_model_json();
        let model = ModelFile::from_json_bytes(json.as_bytes(), Path::new(DEFAULT_MODEL_NAME)).unwrap();
        assert_eq!(&model, default().model());
        assert_eq!(json, DEFAULT_MODEL_JSON);
    }

    #[test]
    fn sentence_confidence_is_the_probability_of_its_label() {
        let classifier = default();
        let prediction = classifier.classify_sentence("Starmer is open to sending troops.").unwrap();
        let p = prediction.probabilities[&prediction.label];
        assert!(p < 1.0 && p > 1.0 / 3.0, "{p}");
        assert_eq!(prediction.confidence(), p);
        let undecided = SentencePrediction { label: UNDECIDED.into(), ..prediction };
        assert_eq!(undecided.confidence(), 0.0);
    }

    #[test]
    fn classify_sentences_numbers_each_sentence() {
        let classifier = default();
        let text =
            "Lavrov said the deployment is completely unacceptable. Starmer is open to sending troops.";
        let predictions = classifier.classify_sentences(text).unwrap();
        let numbered: Vec<(usize, &str)> =
            predictions.iter().map(|p| (p.sentence, p.text.as_str())).collect();
        assert_eq!(
            numbered,
            [
                (1, "Lavrov said the deployment is completely unacceptable."),
                (2, "Starmer is open to sending troops.")
            ]
        );
        for prediction in &predictions {
            let alone = classifier.classify_sentence(&prediction.text).unwrap();
            assert_eq!((&prediction.label, &prediction.probabilities), (&alone.label, &alone.probabilities));
        }
    }

    #[test]
    fn min_confidence_leaves_weaker_sentences_undecided() {
        let text = "Starmer is open to sending troops.";
        let plain = default().classify_sentence(text).unwrap();
        let p = plain.confidence();
        // At exactly its confidence the sentence is decided; just above it, undecided.
        let at = default().with_min_confidence(Some(p)).unwrap();
        assert_eq!(at.classify_sentence(text).unwrap(), plain);
        assert_eq!(at.score_for(text, None).unwrap().label, default().score_for(text, None).unwrap().label);
        let above = default().with_min_confidence(Some(p + 1e-9)).unwrap();
        let undecided = above.classify_sentence(text).unwrap();
        assert_eq!(undecided.label, UNDECIDED);
        assert_eq!(undecided.probabilities, plain.probabilities);
        assert_eq!(above.score_for(text, None).unwrap().label, None);
        // 0 decides everything; so does no minimum.
        let zero = default().with_min_confidence(Some(0.0)).unwrap();
        assert_eq!(zero.classify_sentence(text).unwrap(), plain);
        assert_eq!(
            default().with_min_confidence(Some(1.0)).unwrap().classify_sentence(text).unwrap().label,
            UNDECIDED
        );
        // An article whose stance sentences are all undecided is neutral, and lists none of them.
        let article = "Russia rejects possible deployment of European peacekeepers in Ukraine\nStarmer is open to sending troops.";
        let strict = default().with_min_confidence(Some(1.0)).unwrap().classify_article(article).unwrap();
        assert_eq!((strict.label.as_str(), strict.sentences), ("neutral", 2));
        assert!(strict.top_sentences.is_empty() && strict.shares.values().all(|&share| share == 0.0));
    }

    #[test]
    fn min_confidence_must_be_a_probability_and_undecided_not_a_label() {
        for bad in [-0.1, 1.5, f64::NAN] {
            let err = default().with_min_confidence(Some(bad)).unwrap_err();
            assert!(matches!(err, InferError::MinConfidence(_)), "{bad}: {err}");
        }
        for good in [None, Some(0.0), Some(0.5), Some(1.0)] {
            assert!(default().with_min_confidence(good).is_ok(), "{good:?}");
        }
        let mut model = default().model().clone();
        model.labels[1] = UNDECIDED.into();
        let classifier = Classifier::from_model(model).unwrap();
        let err = classifier.clone().with_min_confidence(Some(0.5)).unwrap_err();
        assert!(err.to_string().contains("a label named \"undecided\""), "{err}");
        assert!(classifier.with_min_confidence(None).is_ok());
    }

    /// The default model with a relevance section that finds nothing relevant but the topic
    /// term "peacekeepers".
    fn topical() -> Classifier {
        let mut model = default().model().clone();
        model.relevance = Some(stance_model::Relevance {
            coefficients: vec![0.0; model.features.n_features()],
            intercept: -5.0,
            threshold: 0.5,
            topic_terms: vec!["peacekeepers".into()],
            trained_on: "a test".into(),
        });
        model.format_version = model.version_needed();
        Classifier::from_model(model).unwrap()
    }

    /// The default model without its relevance section.
    fn plain() -> Classifier {
        let mut model = default().model().clone();
        model.relevance = None;
        Classifier::from_model(model).unwrap()
    }

    #[test]
    fn articles_are_on_topic_when_any_sentence_is() {
        assert!(default().knows_topic());
        assert!(!plain().knows_topic());
        let classifier = topical();
        assert!(classifier.knows_topic());
        let on = "Russia rejects possible deployment of European peacekeepers in Ukraine";
        let off = "Lavrov said the deployment is completely unacceptable.";
        let sentence = classifier.classify_sentence(on).unwrap();
        assert_eq!(sentence.on_topic, Some(true));
        assert!(sentence.relevance.is_some());
        let sentence = classifier.classify_sentence(off).unwrap();
        assert_eq!((sentence.on_topic, sentence.label.as_str()), (Some(false), "neutral"));
        let mixed = classifier.classify_article(&format!("{off}\n{on}\n{off}")).unwrap();
        assert_eq!(mixed.on_topic, Some(true));
        let article = classifier.classify_article(&format!("{off}\n{off}")).unwrap();
        assert_eq!((article.on_topic, article.label.as_str()), (Some(false), "neutral"));
        assert_eq!(plain().classify_article(on).unwrap().on_topic, None);
    }

    /// Labels `neutral, oppose, support` as in the default model: neutral is index 0.
    const NEUTRAL: Option<usize> = Some(0);

    #[test]
    fn article_label_most_evidence_wins_whatever_the_neutral_sentences() {
        // support has fewer sentences than oppose but more summed confidence.
        assert_eq!(article_label(&[5, 3, 2], &[4.0, 1.5, 1.6], NEUTRAL), 2);
        assert_eq!(article_label(&[5, 3, 2], &[4.0, 1.7, 1.6], NEUTRAL), 1);
        // The neutral label never competes, even with the most evidence (here at index 2).
        assert_eq!(article_label(&[1, 0, 4], &[0.7, 0.0, 3.0], Some(2)), 0);
        assert_eq!(article_label(&[0, 1, 4], &[0.0, 0.7, 3.0], Some(2)), 1);
    }

    #[test]
    fn article_label_ties_go_to_more_sentences_then_the_earlier_label() {
        // Equal evidence: the label with more sentences, whichever comes first.
        assert_eq!(article_label(&[0, 1, 2], &[0.0, 0.9, 0.9], NEUTRAL), 2);
        assert_eq!(article_label(&[0, 2, 1], &[0.0, 0.9, 0.9], NEUTRAL), 1);
        // Equal evidence and sentences: the earlier label.
        assert_eq!(article_label(&[0, 1, 1], &[0.0, 0.8, 0.8], NEUTRAL), 1);
        assert_eq!(article_label(&[1, 1, 3], &[0.8, 0.8, 0.5], Some(2)), 0);
        // Without a neutral label too.
        assert_eq!(article_label(&[2, 2, 1], &[0.9, 0.9, 0.9], None), 0);
        assert_eq!(article_label(&[1, 2, 2], &[0.9, 0.9, 0.9], None), 1);
    }

    #[test]
    fn article_label_needs_the_minimum_evidence_exactly() {
        assert_eq!(ARTICLE_MIN_EVIDENCE, 0.6);
        // Exactly the minimum decides; a hair below leaves the article neutral.
        assert_eq!(article_label(&[3, 1, 0], &[2.0, ARTICLE_MIN_EVIDENCE, 0.0], NEUTRAL), 1);
        let below = ARTICLE_MIN_EVIDENCE - 1e-9;
        assert_eq!(article_label(&[3, 1, 0], &[2.0, below, 0.0], NEUTRAL), 0);
        assert_eq!(article_label(&[3, 0, 1], &[2.0, 0.0, below], NEUTRAL), 0);
        // Several weak sentences add up; one weak one does not.
        assert_eq!(article_label(&[0, 0, 2], &[0.0, 0.0, 0.8], NEUTRAL), 2);
        assert_eq!(article_label(&[0, 0, 1], &[0.0, 0.0, 0.4], NEUTRAL), 0);
        // The neutral label index is returned, not index 0.
        assert_eq!(article_label(&[1, 0, 5], &[0.5, 0.0, 4.0], Some(2)), 2);
        // Only neutral sentences (or none decided): neutral.
        assert_eq!(article_label(&[4, 0, 0], &[3.2, 0.0, 0.0], NEUTRAL), 0);
        assert_eq!(article_label(&[0, 0, 0], &[0.0, 0.0, 0.0], Some(1)), 1);
    }

    #[test]
    fn article_label_without_a_neutral_label_needs_no_minimum() {
        // One weak sentence decides; a label without sentences never wins.
        assert_eq!(article_label(&[0, 1, 0], &[0.0, 0.4, 0.0], None), 1);
        assert_eq!(article_label(&[0, 0, 1], &[0.0, 0.0, 0.35], None), 2);
        // Every sentence undecided: the first label.
        assert_eq!(article_label(&[0, 0, 0], &[0.0, 0.0, 0.0], None), 0);
    }

    #[test]
    fn classifier_is_shared_across_threads_with_identical_results() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Classifier>();
        let classifier = default();
        let text =
            "Lavrov said the deployment is completely unacceptable. Starmer is open to sending troops.";
        let serial = classifier.classify_sentences(text).unwrap();
        std::thread::scope(|scope| {
            let handles: Vec<_> =
                (0..4).map(|_| scope.spawn(|| classifier.classify_sentences(text).unwrap())).collect();
            for handle in handles {
                assert_eq!(handle.join().unwrap(), serial);
            }
        });
    }

    /// The default model made conjoined over targets a and b: the shared block holds its
    /// weights, block a zeros and block b the negated weights (so b cancels the shared part).
    fn conjoined() -> Classifier {
        let mut model = default().model().clone();
        // Relevance would shrink the stance mass; this test is about the blocks.
        model.relevance = None;
        model.weights.coefficients = model
            .weights
            .coefficients
            .iter()
            .map(|row| {
                let mut wide = row.clone();
                wide.extend(std::iter::repeat_n(0.0, row.len()));
                wide.extend(row.iter().map(|w| -w));
                wide
            })
            .collect();
        model.targets = Some(stance_model::TargetModels::Conjoined {
            targets: vec!["a".into(), "b".into()],
            rows_per_target: BTreeMap::new(),
        });
        model.format_version = model.version_needed();
        Classifier::from_model(model).unwrap()
    }

    #[test]
    fn target_aware_model_needs_a_target_and_routes_by_it() {
        let text = "Russia rejects possible deployment of European peacekeepers in Ukraine";
        let mut plain = default().model().clone();
        plain.relevance = None;
        let pooled = Classifier::from_model(plain).unwrap().probabilities(text).unwrap();
        let classifier = conjoined();
        assert!(classifier.needs_target());
        assert_eq!(classifier.targets(), ["a", "b"]);
        let err = classifier.classify_sentence(text).unwrap_err();
        assert!(matches!(err, InferError::Target(_)), "{err}");
        assert!(err.to_string().contains("needs a stance target (known targets: a, b)"), "{err}");
        assert!(classifier.classify_article(text).is_err());
        assert_eq!(classifier.probabilities_for(text, Some("a")).unwrap(), pooled);
        // An unknown target is scored on the shared block: the pooled part.
        assert_eq!(classifier.probabilities_for(text, Some("new topic")).unwrap(), pooled);
        let b = classifier.probabilities_for(text, Some("b")).unwrap();
        let intercepts_only = stance_model::softmax(&classifier.model().weights.intercepts);
        let cancelled = b.iter().zip(&intercepts_only).all(|(p, q)| (p - q).abs() < 1e-9);
        assert!(cancelled, "block b cancels the shared block: {b:?}");
        let explanation = classifier.explain_for(text, Some("b")).unwrap();
        let blocks: std::collections::BTreeSet<Option<&str>> =
            explanation.per_label[0].contributions.iter().map(|c| c.target_block.as_deref()).collect();
        assert_eq!(blocks, [None, Some("b")].into());
        let bound = classifier.with_target(Some("a")).unwrap();
        assert_eq!(bound.target(), Some("a"));
        assert_eq!(bound.classify_sentence(text).unwrap().label, "oppose");
    }

    #[test]
    fn pooled_model_ignores_targets() {
        let text = "Britain is ready to send peacekeepers";
        let classifier = default().with_target(Some("anything")).unwrap();
        assert!(!classifier.needs_target());
        assert_eq!(classifier.probabilities(text).unwrap(), default().probabilities(text).unwrap());
    }
}
