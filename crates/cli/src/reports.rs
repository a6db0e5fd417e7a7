//! `stance evaluate`: scoring a model against labeled rows (with `stance_eval::evaluate`).

use anyhow::{anyhow, Context, Result};
use stance_eval::{Evaluation, LabeledText};
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
    // A label named on the command line must be one of the model's; by default the model's
    // own neutral label (resolved when it was trained), not one detected by name again.
    let neutral = match options.neutral_label.as_deref() {
        Some(name) => stance_eval::resolve_neutral_label(labels, Some(name)).map_err(|_| {
            anyhow!("--neutral-label {name:?} is not one of the model's labels ({})", labels.join(", "))
        })?,
        None => model.neutral_label.clone(),
    };
    // The classifier's scorer, at the model's temperature.
    let scorer =
        model.scorer().map_err(anyhow::Error::msg).context("the model's weights are inconsistent")?;
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
