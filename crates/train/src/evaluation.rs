//! Scored predictions → a full evaluation: metrics, calibration and the worst errors.

use serde::{Deserialize, Serialize};
use stance_model::argmax;

use crate::metrics::Report;

/// Number of equal-width confidence bins in a reliability table.
pub const RELIABILITY_BINS: usize = 10;

/// How many of the most confident wrong predictions an evaluation keeps.
pub const WORST_ERRORS: usize = 10;

/// One scored row: its text, true label and the model's probability of every label.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoredRow {
    /// The text that was classified.
    pub text: String,
    /// Where it came from (for example `file.tsv:12` or an article name), for reports.
    pub source: String,
    /// Index of the true label.
    pub truth: usize,
    /// Probability of each label, in label order.
    pub probabilities: Vec<f64>,
    /// The row's stance target, when the data has a target column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
}

impl ScoredRow {
    /// Index of the predicted (most probable) label.
    pub fn predicted(&self) -> usize {
        argmax(&self.probabilities).unwrap_or(0)
    }

    /// Probability of the predicted label.
    pub fn confidence(&self) -> f64 {
        self.probabilities.get(self.predicted()).copied().unwrap_or(0.0)
    }
}

/// One bin of a reliability table.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ReliabilityBin {
    /// Lower edge of the confidence bin (inclusive, except the first bin includes 0).
    pub lower: f64,
    /// Upper edge (inclusive).
    pub upper: f64,
    /// Rows whose confidence falls in the bin.
    pub count: usize,
    /// Mean confidence of those rows (0 when empty).
    pub mean_confidence: f64,
    /// Fraction of those rows predicted correctly (0 when empty).
    pub accuracy: f64,
}

/// Calibration of the predicted label's probability: equal-width bins over [0, 1] and the
/// expected calibration error, `Σ_b (n_b / n) · |accuracy_b − confidence_b|`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reliability {
    /// The bins, lowest confidence first.
    pub bins: Vec<ReliabilityBin>,
    /// Expected calibration error (0 = perfectly calibrated).
    pub ece: f64,
}

impl Reliability {
    /// Bins `confidence[i]` (probability of the predicted label) with `correct[i]`.
    ///
    /// # Panics
    ///
    /// Panics when the two slices differ in length or `n_bins` is 0.
    pub fn from_confidences(confidence: &[f64], correct: &[bool], n_bins: usize) -> Self {
        assert_eq!(confidence.len(), correct.len(), "one correctness flag per confidence");
        assert!(n_bins > 0, "at least one bin");
        let mut count = vec![0usize; n_bins];
        let mut confidence_sum = vec![0.0f64; n_bins];
        let mut correct_sum = vec![0usize; n_bins];
        for (&c, &ok) in confidence.iter().zip(correct) {
            let c = if c.is_finite() { c.clamp(0.0, 1.0) } else { 0.0 };
            // Bins are (lower, upper]; a confidence of exactly 0 goes to the first bin.
            let bin = ((c * n_bins as f64).ceil() as usize).saturating_sub(1).min(n_bins - 1);
            count[bin] += 1;
            confidence_sum[bin] += c;
            correct_sum[bin] += usize::from(ok);
        }
        let n = confidence.len() as f64;
        let mut ece = 0.0;
        let bins = (0..n_bins)
            .map(|b| {
                let (mean_confidence, accuracy) = if count[b] == 0 {
                    (0.0, 0.0)
                } else {
                    (confidence_sum[b] / count[b] as f64, correct_sum[b] as f64 / count[b] as f64)
                };
                if count[b] > 0 {
                    ece += count[b] as f64 / n * (accuracy - mean_confidence).abs();
                }
                ReliabilityBin {
                    lower: b as f64 / n_bins as f64,
                    upper: (b + 1) as f64 / n_bins as f64,
                    count: count[b],
                    mean_confidence,
                    accuracy,
                }
            })
            .collect();
        Self { bins, ece }
    }
}

/// A wrong prediction, for the "worst errors" list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mistake {
    /// Where the row came from.
    pub source: String,
    /// The text.
    pub text: String,
    /// True label.
    pub truth: String,
    /// Predicted label.
    pub predicted: String,
    /// Probability the model gave its (wrong) prediction.
    pub confidence: f64,
}

/// Everything an accuracy report shows about one set of scored rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// Metrics and confusion matrix.
    pub report: Report,
    /// Calibration of the predicted label's probability.
    pub reliability: Reliability,
    /// The most confident wrong predictions, most confident first (at most [`WORST_ERRORS`]).
    pub worst_errors: Vec<Mistake>,
}

impl Evaluation {
    /// Evaluates `rows` whose label indices point into `labels`.
    pub fn from_rows(labels: &[String], rows: &[ScoredRow]) -> Self {
        let truth: Vec<usize> = rows.iter().map(|r| r.truth).collect();
        let predicted: Vec<usize> = rows.iter().map(ScoredRow::predicted).collect();
        let report = Report::from_predictions(labels, &truth, &predicted);
        let confidence: Vec<f64> = rows.iter().map(ScoredRow::confidence).collect();
        let correct: Vec<bool> = truth.iter().zip(&predicted).map(|(t, p)| t == p).collect();
        let reliability = Reliability::from_confidences(&confidence, &correct, RELIABILITY_BINS);
        let mut wrong: Vec<&ScoredRow> = rows.iter().filter(|r| r.predicted() != r.truth).collect();
        wrong.sort_by(|a, b| b.confidence().total_cmp(&a.confidence()));
        let worst_errors = wrong
            .into_iter()
            .take(WORST_ERRORS)
            .map(|r| Mistake {
                source: r.source.clone(),
                text: r.text.clone(),
                truth: labels[r.truth].clone(),
                predicted: labels[r.predicted()].clone(),
                confidence: r.confidence(),
            })
            .collect();
        Self { report, reliability, worst_errors }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reliability_bins_and_ece_by_hand() {
        // Two rows at 0.95 (one right), two at 0.55 (both right), one at 0.0.
        let r = Reliability::from_confidences(
            &[0.95, 0.95, 0.55, 0.55, 0.0],
            &[true, false, true, true, false],
            10,
        );
        assert_eq!(r.bins.len(), 10);
        assert_eq!(r.bins[9].count, 2);
        assert_eq!(r.bins[5].count, 2);
        assert_eq!(r.bins[0].count, 1);
        assert!((r.bins[9].accuracy - 0.5).abs() < 1e-12);
        assert!((r.bins[5].mean_confidence - 0.55).abs() < 1e-12);
        // ECE = 2/5·|0.5−0.95| + 2/5·|1−0.55| + 1/5·|0−0| = 0.18 + 0.18 = 0.36.
        assert!((r.ece - 0.36).abs() < 1e-12, "{}", r.ece);
    }

    #[test]
    fn exact_bin_edges_go_to_the_lower_bin() {
        let r = Reliability::from_confidences(&[0.1, 1.0], &[true, true], 10);
        assert_eq!(r.bins[0].count, 1);
        assert_eq!(r.bins[9].count, 1);
    }

    #[test]
    fn worst_errors_are_the_most_confident_wrong_rows() {
        let labels = vec!["a".to_string(), "b".to_string()];
        let row = |text: &str, truth, p: f64| ScoredRow {
            text: text.into(),
            source: format!("f:{text}"),
            truth,
            probabilities: vec![p, 1.0 - p],
            target: None,
        };
        let rows = [row("right", 0, 0.9), row("wrong-sure", 1, 0.95), row("wrong-unsure", 1, 0.6)];
        let e = Evaluation::from_rows(&labels, &rows);
        assert_eq!(e.report.n, 3);
        assert_eq!(e.worst_errors.len(), 2);
        assert_eq!(e.worst_errors[0].text, "wrong-sure");
        assert_eq!(e.worst_errors[0].predicted, "a");
        assert_eq!(e.worst_errors[0].truth, "b");
        assert!((e.worst_errors[0].confidence - 0.95).abs() < 1e-12);
    }
}
