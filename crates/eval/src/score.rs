//! Scoring a labeled set with a model: every row through the model's [`Scorer`] (about the
//! row's target, for a target-aware model), compared with its label, into an [`Evaluation`].
//! This is `stance evaluate`; it needs only `stance-model`'s scorer, not the classifier.

use stance_model::{softmax, Calibration, ModelFile, Scored, Scorer};

use crate::evaluation::{
    Abstention, Evaluation, Reliability, ScoredRow, TemperatureEffect, RELIABILITY_BINS,
};
use crate::EvalError;

/// One labeled row to score.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabeledText<'a> {
    /// The text, scored as one sentence.
    pub text: &'a str,
    /// Its true label (one of the model's labels).
    pub label: &'a str,
    /// Its stance target, if any (required by a target-aware model).
    pub target: Option<&'a str>,
    /// Where it came from (for example `file.tsv:12`), for reports and errors.
    pub source: String,
}

/// What [`evaluate`] computes besides the plain metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct EvaluateOptions<'a> {
    /// The neutral label F_avg leaves out (already resolved: one of the labels), if known.
    pub neutral_label: Option<&'a str>,
    /// Predictions whose top probability is below this are undecided (adds the abstention).
    pub min_confidence: Option<f64>,
    /// The model's temperature, when the scorer applies one: adds ECE without it.
    pub calibration: Option<&'a Calibration>,
}

/// Scores every row with `scorer` (whose labels are `labels`) and evaluates the predictions.
///
/// # Errors
///
/// [`EvalError::UnknownLabel`] for a row whose label is not one of `labels`,
/// [`EvalError::Target`] for a row the scorer cannot route (a target-aware model and a row
/// without a target, or with a target it does not know).
///
/// # Panics
///
/// When `options.neutral_label` is not one of `labels`.
pub fn evaluate<'a>(
    scorer: &Scorer,
    labels: &[String],
    rows: impl IntoIterator<Item = LabeledText<'a>>,
    options: &EvaluateOptions<'_>,
) -> Result<Evaluation, EvalError> {
    let mut scored = Vec::new();
    let mut uncalibrated_confidence = Vec::new();
    for row in rows {
        let Some(truth) = labels.iter().position(|l| l == row.label) else {
            return Err(EvalError::UnknownLabel {
                at: row.source,
                label: row.label.to_owned(),
                labels: labels.to_vec(),
            });
        };
        let route = match scorer.route(row.target) {
            Ok(route) => route,
            Err(source) => return Err(EvalError::Target { at: row.source, source }),
        };
        // The logits give both the probabilities at the model's temperature and the
        // uncalibrated ones, so the effect of the temperature can be shown.
        let Scored { logits, probabilities, .. } = scorer.score_route(&route, row.text);
        let row = ScoredRow {
            text: row.text.to_owned(),
            source: row.source,
            truth,
            probabilities,
            target: row.target.map(str::to_owned),
        };
        // The temperature never changes the argmax, so correctness is shared.
        uncalibrated_confidence.push(softmax(&logits)[row.predicted()]);
        scored.push(row);
    }
    let mut evaluation = Evaluation::from_rows_with_neutral(labels, &scored, options.neutral_label);
    if let Some(calibration) = options.calibration {
        let correct: Vec<bool> = scored.iter().map(|r| r.predicted() == r.truth).collect();
        let before = Reliability::from_confidences(&uncalibrated_confidence, &correct, RELIABILITY_BINS);
        evaluation.temperature = Some(TemperatureEffect {
            temperature: calibration.temperature,
            fitted_on: calibration.fitted_on.clone(),
            ece_uncalibrated: before.ece,
            ece_calibrated: evaluation.reliability.ece,
        });
    }
    if let Some(p) = options.min_confidence {
        evaluation.abstention = Some(Abstention::from_rows(labels, &scored, p));
    }
    Ok(evaluation)
}

/// Scores labeled rows with `model` as it is stored: its scorer (temperature, relevance
/// section) and its calibration. F_avg leaves out `neutral_label`, or the model's own neutral
/// label (resolved when it was trained) when none is named. This is the one path of `stance
/// evaluate` and of the Python package's `Classifier.evaluate`.
///
/// # Errors
///
/// [`EvalError::UnknownNeutralLabel`] when `neutral_label` is not one of the model's labels,
/// [`EvalError::Inconsistent`] for a model whose weights do not fit, and the errors of
/// [`evaluate`].
pub fn evaluate_model<'a>(
    model: &ModelFile,
    rows: impl IntoIterator<Item = LabeledText<'a>>,
    neutral_label: Option<&str>,
    min_confidence: Option<f64>,
) -> Result<Evaluation, EvalError> {
    let neutral = match neutral_label {
        Some(name) => crate::resolve_neutral_label(&model.labels, Some(name))?,
        None => model.neutral_label.clone(),
    };
    let scorer = model.scorer()?;
    let options = EvaluateOptions {
        neutral_label: neutral.as_deref(),
        min_confidence,
        calibration: model.calibration.as_ref(),
    };
    evaluate(&scorer, &model.labels, rows, &options)
}

#[cfg(test)]
mod tests {
    use super::*;
    use stance_features::{FeatureConfig, Featurizer};
    use stance_model::Weights;

    /// A scorer over a two-word vocabulary: "no" → oppose, "yes" → support.
    fn scorer(temperature: Option<f64>) -> (Vec<String>, Scorer) {
        let labels = vec!["oppose".to_string(), "support".to_string()];
        let config = FeatureConfig::default();
        let featurizer = Featurizer::fit(&config, &["no", "yes"]).unwrap();
        let no = featurizer.transform("no").indices[0] as usize;
        let mut coefficients = vec![vec![0.0; 2]; 2];
        coefficients[0][no] = 3.0;
        coefficients[1][1 - no] = 3.0;
        let weights = Weights { coefficients, intercepts: vec![0.0, 0.0] };
        let scorer = Scorer::new(&labels, &featurizer, &weights, None, temperature).unwrap();
        (labels, scorer)
    }

    fn row<'a>(text: &'a str, label: &'a str, line: usize) -> LabeledText<'a> {
        LabeledText { text, label, target: None, source: format!("f.tsv:{line}") }
    }

    #[test]
    fn scores_rows_and_adds_the_temperature_and_abstention() {
        let (labels, plain) = scorer(None);
        let rows = || [row("no", "oppose", 2), row("yes", "support", 3), row("yes", "oppose", 4)];
        let e = evaluate(&plain, &labels, rows(), &EvaluateOptions::default()).unwrap();
        assert_eq!(e.report.n, 3);
        assert!((e.report.accuracy - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(e.worst_errors[0].source, "f.tsv:4");
        assert!(e.temperature.is_none() && e.abstention.is_none());
        let (_, warm) = scorer(Some(2.0));
        let calibration = Calibration { temperature: 2.0, fitted_on: "fold 1".into() };
        let options = EvaluateOptions {
            neutral_label: None,
            min_confidence: Some(0.5),
            calibration: Some(&calibration),
        };
        let e2 = evaluate(&warm, &labels, rows(), &options).unwrap();
        let t = e2.temperature.as_ref().unwrap();
        assert_eq!(t.ece_uncalibrated, e.reliability.ece);
        assert_eq!(t.ece_calibrated, e2.reliability.ece);
        assert_ne!(t.ece_calibrated, t.ece_uncalibrated);
        assert_eq!(e2.abstention.as_ref().unwrap().at.decided, 3);
    }

    #[test]
    fn unknown_labels_are_named_with_their_source() {
        let (labels, scorer) = scorer(None);
        let err =
            evaluate(&scorer, &labels, [row("no", "maybe", 7)], &EvaluateOptions::default()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "f.tsv:7: label \"maybe\" is not one of the model's labels (oppose, support)"
        );
    }
}
