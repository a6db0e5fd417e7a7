//! Class priors fitted to a metric: log-offsets added to every label's log-probability so that
//! the decision maximises the metric rather than the likelihood. F_avg ignores the neutral
//! label, so the rule that maximises it predicts neutral less often than argmax does.
//!
//! The offsets are fitted on out-of-fold predictions, and kept only when a nested estimate (each
//! fold scored with offsets fitted on the other folds) beats plain argmax.

use serde::Serialize;
use stance_eval::{Report, ScoredRow};
use stance_model::{apply_priors, argmax};

use crate::tune::Metric;

/// The offsets tried for each label: −2 to 2 in steps of 0.1 (`step / STEPS_PER_UNIT`, so
/// each is the double nearest a tenth, as written).
const STEPS: i32 = 20;
const STEPS_PER_UNIT: f64 = 10.0;
/// Rounds of coordinate ascent over the labels.
const ROUNDS: usize = 3;

/// What fitting priors gave, recorded in the search results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PriorsChoice {
    /// The metric with plain argmax, pooled over the folds.
    pub score_without: f64,
    /// The metric when each fold is decided with offsets fitted on the other folds.
    pub score_with: f64,
    /// Whether the model keeps them (`score_with > score_without`).
    pub kept: bool,
    /// The offsets fitted on every fold's predictions (what the model stores when kept).
    pub log_offsets: Vec<f64>,
}

/// `metric` of `rows` decided by argmax of their probabilities shifted by `offsets`.
fn score(
    rows: &[&ScoredRow],
    offsets: &[f64],
    labels: &[String],
    neutral: Option<&str>,
    metric: Metric,
) -> f64 {
    let truth: Vec<usize> = rows.iter().map(|r| r.truth).collect();
    let predicted: Vec<usize> = rows
        .iter()
        .map(|r| {
            let mut p = r.probabilities.clone();
            apply_priors(&mut p, offsets);
            argmax(&p).unwrap_or(0)
        })
        .collect();
    metric.of(&Report::from_predictions_with_neutral(labels, &truth, &predicted, neutral))
}

/// Log-offsets (the first label's fixed at 0: only differences matter) that maximise `metric`
/// on `rows`, by coordinate ascent over a grid; a change is taken only when it scores strictly
/// better, so the same rows always give the same offsets.
pub fn fit_priors(rows: &[&ScoredRow], labels: &[String], neutral: Option<&str>, metric: Metric) -> Vec<f64> {
    let mut offsets = vec![0.0; labels.len()];
    let mut best = score(rows, &offsets, labels, neutral, metric);
    for _ in 0..ROUNDS {
        let mut changed = false;
        for label in 1..labels.len() {
            for step in -STEPS..=STEPS {
                let mut trial = offsets.clone();
                trial[label] = f64::from(step) / STEPS_PER_UNIT;
                let s = score(rows, &trial, labels, neutral, metric);
                if s > best {
                    best = s;
                    offsets = trial;
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    offsets
}

/// Fits priors on `folds` (each fold's out-of-fold rows) and compares, by a nested estimate,
/// deciding with them against plain argmax.
pub fn choose_priors(
    folds: &[Vec<&ScoredRow>],
    labels: &[String],
    neutral: Option<&str>,
    metric: Metric,
) -> PriorsChoice {
    let all: Vec<&ScoredRow> = folds.iter().flatten().copied().collect();
    let zero = vec![0.0; labels.len()];
    let score_without = score(&all, &zero, labels, neutral, metric);
    // Each fold decided with offsets fitted on the others, then pooled.
    let mut shifted: Vec<ScoredRow> = Vec::with_capacity(all.len());
    for (held_out, rows) in folds.iter().enumerate() {
        let others: Vec<&ScoredRow> = folds
            .iter()
            .enumerate()
            .filter(|&(f, _)| f != held_out)
            .flat_map(|(_, r)| r.iter().copied())
            .collect();
        let offsets = fit_priors(&others, labels, neutral, metric);
        for row in rows {
            let mut row = (*row).clone();
            apply_priors(&mut row.probabilities, &offsets);
            shifted.push(row);
        }
    }
    let shifted: Vec<&ScoredRow> = shifted.iter().collect();
    let score_with = score(&shifted, &zero, labels, neutral, metric);
    PriorsChoice {
        score_without,
        score_with,
        kept: score_with > score_without,
        log_offsets: fit_priors(&all, labels, neutral, metric),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(truth: usize, p: [f64; 3]) -> ScoredRow {
        ScoredRow {
            text: String::new(),
            source: String::new(),
            truth,
            probabilities: p.to_vec(),
            target: None,
        }
    }

    #[test]
    fn priors_move_the_decision_off_the_neutral_label_for_f_avg() {
        // Labels neutral, oppose, support. Stance rows whose stance probability is just below
        // neutral's: argmax calls them neutral (F_avg 0); a small offset recovers them.
        let labels: Vec<String> = ["neutral", "oppose", "support"].iter().map(|s| s.to_string()).collect();
        let rows: Vec<ScoredRow> = (0..30)
            .map(|i| match i % 3 {
                0 => row(0, [0.8, 0.1, 0.1]),
                1 => row(1, [0.45, 0.4, 0.15]),
                _ => row(2, [0.45, 0.15, 0.4]),
            })
            .collect();
        let refs: Vec<&ScoredRow> = rows.iter().collect();
        assert_eq!(score(&refs, &[0.0; 3], &labels, Some("neutral"), Metric::FAvg), 0.0);
        let offsets = fit_priors(&refs, &labels, Some("neutral"), Metric::FAvg);
        assert_eq!(offsets[0], 0.0);
        assert!(offsets[1] > 0.1 && offsets[2] > 0.1, "{offsets:?}");
        assert_eq!(score(&refs, &offsets, &labels, Some("neutral"), Metric::FAvg), 1.0);
        let folds: Vec<Vec<&ScoredRow>> = refs.chunks(10).map(<[_]>::to_vec).collect();
        let choice = choose_priors(&folds, &labels, Some("neutral"), Metric::FAvg);
        assert!(choice.kept && choice.score_with == 1.0 && choice.score_without == 0.0, "{choice:?}");
        // Rows argmax already gets right: nothing to gain, nothing kept.
        let right: Vec<ScoredRow> = (0..9)
            .map(|i| {
                row(i % 3, {
                    let mut p = [0.1; 3];
                    p[i % 3] = 0.8;
                    p
                })
            })
            .collect();
        let right: Vec<&ScoredRow> = right.iter().collect();
        let folds: Vec<Vec<&ScoredRow>> = right.chunks(3).map(<[_]>::to_vec).collect();
        let choice = choose_priors(&folds, &labels, Some("neutral"), Metric::MacroF1);
        assert!(!choice.kept && choice.log_offsets == [0.0; 3], "{choice:?}");
    }
}
