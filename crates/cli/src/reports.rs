//! `stance evaluate`: scoring a model against labeled rows (with `stance_eval::evaluate`) or
//! against labeled whole articles.

use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use stance_eval::{ArticleEvaluation, ArticleOutcome, Evaluation, LabeledText};
use stance_infer::Classifier;
use stance_train::LabeledData;

/// What `stance evaluate` computes besides the plain metrics.
#[derive(Debug, Clone, Default)]
pub struct EvaluateOptions {
    /// The label F_avg leaves out; `None` → the model's neutral label (if it has one).
    pub neutral_label: Option<String>,
    /// Predictions whose top probability is below this are undecided (abstention report).
    pub min_confidence: Option<f64>,
}

/// Classifies every row of `data` as one sentence (about the row's target, for a
/// target-aware model) and compares with its label.
pub fn evaluate(
    classifier: &Classifier,
    data: &LabeledData,
    options: &EvaluateOptions,
) -> Result<Evaluation> {
    let labels = classifier.labels();
    let model = classifier.model();
    let neutral = neutral_label(classifier, options)?;
    // The classifier's scorer, at the model's temperature and with its relevance section.
    let scorer = model.scorer().context("the model's weights are inconsistent")?;
    let rows = data.rows.iter().map(|row| LabeledText {
        text: &row.text,
        label: &row.label,
        target: row.target.as_deref(),
        source: format!("{}:{}", data.path.display(), row.line),
    });
    let evaluate_options = stance_eval::EvaluateOptions {
        neutral_label: neutral.as_deref(),
        min_confidence: options.min_confidence,
        calibration: model.calibration.as_ref(),
    };
    Ok(stance_eval::evaluate(&scorer, labels, rows, &evaluate_options)?)
}

/// The neutral label F_avg leaves out: one named on the command line must be one of the
/// model's; by default the model's own (resolved when it was trained), not one detected by
/// name again.
fn neutral_label(classifier: &Classifier, options: &EvaluateOptions) -> Result<Option<String>> {
    let labels = classifier.labels();
    Ok(match options.neutral_label.as_deref() {
        Some(name) => stance_eval::resolve_neutral_label(labels, Some(name)).map_err(|_| {
            anyhow!("--neutral-label {name:?} is not one of the model's labels ({})", labels.join(", "))
        })?,
        None => classifier.model().neutral_label.clone(),
    })
}

/// `stance evaluate --level article`: classifies every article that `data` names (its text
/// column holds the file name, relative to `articles`) and compares the article's label with
/// the row's; the row's topic value, if any, says whether the article is about the target.
/// Every row is checked (label, topic, readable article) before any article is classified.
pub fn evaluate_articles(
    classifier: &Classifier,
    data: &LabeledData,
    articles: &Path,
    options: &EvaluateOptions,
) -> Result<ArticleEvaluation> {
    let labels = classifier.labels();
    let neutral = neutral_label(classifier, options)?;
    let topics = stance_train::row_topics(data, None)?;
    let mut checked = Vec::with_capacity(data.rows.len());
    for (row, topic) in data.rows.iter().zip(topics) {
        let at = format!("{}:{}", data.path.display(), row.line);
        let Some(truth) = labels.iter().position(|l| *l == row.label) else {
            bail!("{at}: label {:?} is not one of the model's labels ({})", row.label, labels.join(", "));
        };
        let path = articles.join(&row.text);
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("{at}: cannot read article {}", path.display()))?;
        let gold_on_topic = row.topic.as_ref().and(topic).map(|t| t.is_on_topic());
        checked.push((row, at, truth, text, gold_on_topic));
    }
    let mut outcomes = Vec::with_capacity(checked.len());
    for (row, at, truth, text, gold_on_topic) in checked {
        let prediction = classifier.classify_article(&text).with_context(|| format!("{at}: {}", row.text))?;
        let predicted = labels.iter().position(|l| *l == prediction.label).unwrap_or(0);
        outcomes.push(ArticleOutcome {
            article: row.text.clone(),
            truth,
            predicted,
            gold_on_topic,
            on_topic: prediction.on_topic,
        });
    }
    Ok(ArticleEvaluation::new(labels, outcomes, neutral.as_deref()))
}
