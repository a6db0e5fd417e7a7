//! `stance evaluate`: scoring a model against labeled rows.

use anyhow::{bail, Context, Result};
use stance_infer::Classifier;
use stance_model::softmax;
use stance_train::{
    Abstention, Evaluation, LabeledData, Reliability, ScoredRow, TemperatureEffect, RELIABILITY_BINS,
};

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
    let neutral = match &options.neutral_label {
        Some(name) if labels.contains(name) => Some(name.as_str()),
        Some(name) => {
            bail!("--neutral-label {name:?} is not one of the model's labels ({})", labels.join(", "))
        }
        None => model.neutral_label.as_deref(),
    };
    // The classifier's scorer, at the model's temperature; its logits also give the
    // uncalibrated probabilities, so the effect of the temperature can be shown.
    let scorer =
        model.scorer().map_err(anyhow::Error::msg).context("the model's weights are inconsistent")?;
    let mut rows = Vec::with_capacity(data.rows.len());
    let mut uncalibrated_confidence = Vec::with_capacity(data.rows.len());
    for row in &data.rows {
        let Some(truth) = labels.iter().position(|l| *l == row.label) else {
            bail!(
                "{}:{}: label {:?} is not one of the model's labels ({})",
                data.path.display(),
                row.line,
                row.label,
                labels.join(", ")
            );
        };
        let route = scorer
            .route(row.target.as_deref())
            .with_context(|| format!("{}:{}", data.path.display(), row.line))?;
        let logits = route.linear.logits(&route.vector(&row.text));
        // The classifier's own scoring, so topic relevance counts as it does in `classify`.
        let probabilities = classifier
            .score_for(&row.text, row.target.as_deref())
            .with_context(|| format!("{}:{}", data.path.display(), row.line))?
            .probabilities;
        let scored = ScoredRow {
            text: row.text.clone(),
            source: format!("{}:{}", data.path.display(), row.line),
            truth,
            probabilities,
            target: row.target.clone(),
        };
        // The temperature never changes the argmax, so correctness is shared.
        uncalibrated_confidence.push(softmax(&logits)[scored.predicted()]);
        rows.push(scored);
    }
    let mut evaluation = Evaluation::from_rows_with_neutral(labels, &rows, neutral);
    if let Some(calibration) = &model.calibration {
        let correct: Vec<bool> = rows.iter().map(|r| r.predicted() == r.truth).collect();
        let before = Reliability::from_confidences(&uncalibrated_confidence, &correct, RELIABILITY_BINS);
        evaluation.temperature = Some(TemperatureEffect {
            temperature: calibration.temperature,
            fitted_on: calibration.fitted_on.clone(),
            ece_uncalibrated: before.ece,
            ece_calibrated: evaluation.reliability.ece,
        });
    }
    if let Some(p) = options.min_confidence {
        evaluation.abstention = Some(Abstention::from_rows(labels, &rows, p));
    }
    Ok(evaluation)
}
