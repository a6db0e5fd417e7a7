//! Temperature scaling: one number T fitted on held-out data so that `softmax(logits / T)`
//! is better calibrated (Guo et al., 2017). T > 1 softens an over-confident model; the
//! predicted label never changes.
//!
//! [`fit_temperature`] minimises the held-out negative log-likelihood over T with a
//! golden-section search on log T, bounded to [[`MIN_TEMPERATURE`], [`MAX_TEMPERATURE`]]: the
//! likelihood is convex in 1/T, hence unimodal in log T, so the search finds its minimum. It is
//! deterministic and never returns NaN. [`calibrate`] is the training hook: it holds out one
//! fold, fits a model on the rest, fits T on the held-out fold's logits and describes where T
//! came from; the final model (fitted on all rows elsewhere) stores it.

use std::collections::BTreeSet;

use serde::Serialize;
use stance_model::{Calibration, LinearModel};

use crate::data::LabeledData;
use crate::folds::{group_k_fold, stratified_k_fold, train_indices};
use crate::run::row_groups;
use crate::trainer::Trainer;
use crate::TrainError;

/// Smallest temperature [`fit_temperature`] returns.
pub(crate) const MIN_TEMPERATURE: f64 = 0.05;
/// Largest temperature [`fit_temperature`] returns.
pub(crate) const MAX_TEMPERATURE: f64 = 20.0;
/// The held-out share of the rows is one fold of this many (1/5).
pub(crate) const CALIBRATION_FOLDS: usize = 5;

/// Golden-section steps: the bracket shrinks by 0.618 per step, from ln(400) ≈ 6 to below 1e-12.
const SEARCH_STEPS: usize = 64;

/// How `stance train --calibrate` holds out rows for the temperature; recorded in the model's
/// training options.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CalibrationSpec {
    /// Shuffle seed for a stratified held-out fold; with groups, picks which grouped fold.
    pub seed: u64,
}

/// Mean negative log-likelihood of `truth` under `softmax(logits / temperature)`, over the rows
/// whose logits are all finite and whose truth indexes them; 0 when there is no such row.
pub(crate) fn negative_log_likelihood(logits: &[Vec<f64>], truth: &[usize], temperature: f64) -> f64 {
    let mut sum = 0.0;
    let mut count = 0usize;
    for (row, &t) in logits.iter().zip(truth) {
        if t >= row.len() || !row.iter().all(|z| z.is_finite()) {
            continue;
        }
        let max = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        // log Σ exp(z / T) computed around the largest logit, so nothing overflows.
        let log_sum = row.iter().map(|z| ((z - max) / temperature).exp()).sum::<f64>().ln();
        sum += log_sum - (row[t] - max) / temperature;
        count += 1;
    }
    if count == 0 {
        0.0
    } else {
        sum / count as f64
    }
}

/// The temperature T in [[`MIN_TEMPERATURE`], [`MAX_TEMPERATURE`]] minimising
/// [`negative_log_likelihood`]`(logits, truth, T)`. Returns 1 when the likelihood does not
/// depend on T (no usable rows, or every row's logits are equal).
///
/// # Panics
///
/// When `logits` and `truth` differ in length.
pub(crate) fn fit_temperature(logits: &[Vec<f64>], truth: &[usize]) -> f64 {
    assert_eq!(logits.len(), truth.len(), "one true label per row of logits");
    let nll = |log_t: f64| negative_log_likelihood(logits, truth, log_t.exp());
    let (mut lo, mut hi) = (MIN_TEMPERATURE.ln(), MAX_TEMPERATURE.ln());
    let flat = [lo, 0.0, hi].map(nll);
    if flat.iter().all(|v| (v - flat[1]).abs() <= 1e-12 * flat[1].abs().max(1.0)) {
        return 1.0;
    }
    let ratio = (5f64.sqrt() - 1.0) / 2.0;
    let mut a = hi - ratio * (hi - lo);
    let mut b = lo + ratio * (hi - lo);
    let (mut fa, mut fb) = (nll(a), nll(b));
    for _ in 0..SEARCH_STEPS {
        if fa <= fb {
            hi = b;
            b = a;
            fb = fa;
            a = hi - ratio * (hi - lo);
            fa = nll(a);
        } else {
            lo = a;
            a = b;
            fa = fb;
            b = lo + ratio * (hi - lo);
            fb = nll(b);
        }
    }
    let temperature = ((lo + hi) / 2.0).exp();
    if temperature.is_finite() {
        temperature.clamp(MIN_TEMPERATURE, MAX_TEMPERATURE)
    } else {
        1.0
    }
}

/// Fits a temperature without leaking: holds out one fold of `data` (by groups when
/// `group_column` names one, else stratified by label and shuffled with `spec.seed`), fits
/// `trainer` on the other rows and the temperature on the held-out rows' logits.
/// `targets[i]` is row `i`'s label index into `labels`.
pub(crate) fn calibrate(
    trainer: &Trainer,
    data: &LabeledData,
    group_column: Option<&str>,
    labels: &[String],
    targets: &[usize],
    spec: &CalibrationSpec,
) -> Result<Calibration, TrainError> {
    let n = data.rows.len();
    let (held_out, how) = match group_column {
        Some(column) => {
            let groups = row_groups(data, column)?;
            let distinct: BTreeSet<&str> = groups.iter().map(String::as_str).collect();
            let k = CALIBRATION_FOLDS.min(distinct.len());
            if k < 2 {
                return Err(TrainError::InvalidParam(format!(
                    "calibration holds out whole groups of column {column:?}, which needs at least 2 \
                     groups; found {}",
                    distinct.len()
                )));
            }
            let mut folds = group_k_fold(&groups, k)?;
            let pick = usize::try_from(spec.seed % k as u64).unwrap_or(0);
            let fold = folds.swap_remove(pick);
            let held: BTreeSet<&str> = fold.iter().map(|&i| groups[i].as_str()).collect();
            let plural = if held.len() == 1 { "" } else { "s" };
            (fold, format!("fold {} of {k} grouped by {column:?}: {} group{plural}", pick + 1, held.len()))
        }
        None => {
            let k = CALIBRATION_FOLDS.min(n);
            if k < 2 {
                return Err(TrainError::InvalidParam(format!(
                    "calibration needs at least 2 rows to hold some out, found {n}"
                )));
            }
            let mut folds = stratified_k_fold(targets, k, spec.seed)?;
            (folds.swap_remove(0), format!("fold 1 of {k} stratified by label, seed {}", spec.seed))
        }
    };
    let train = train_indices(n, &held_out);
    let texts: Vec<&str> = train.iter().map(|&i| data.rows[i].text.as_str()).collect();
    let train_targets: Vec<usize> = train.iter().map(|&i| targets[i]).collect();
    let fitted = trainer.fit(&texts, &train_targets, labels)?;
    let model =
        LinearModel::from_label_major(&fitted.weights.coefficients, &fitted.weights.intercepts).map_err(
            |problem| stance_model::ModelError::Inconsistent { path: "<calibration>".into(), problem },
        )?;
    let logits: Vec<Vec<f64>> =
        held_out.iter().map(|&i| model.logits(&fitted.featurizer.transform(&data.rows[i].text))).collect();
    let truth: Vec<usize> = held_out.iter().map(|&i| targets[i]).collect();
    let temperature = fit_temperature(&logits, &truth);
    let file =
        data.path.file_name().map_or_else(|| data.path.display().to_string(), |f| f.to_string_lossy().into());
    Ok(Calibration {
        temperature,
        fitted_on: format!(
            "{} held-out rows of {file} ({how}), scored by a model fitted on the other {} rows",
            held_out.len(),
            train.len()
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use stance_model::softmax;

    /// Deterministic uniform numbers in [0, 1) (SplitMix64).
    struct Uniform(u64);

    impl Uniform {
        fn next(&mut self) -> f64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    /// `n` rows of 3-label logits, with labels drawn from softmax(logits): calibrated at T = 1.
    fn calibrated_sample(n: usize, seed: u64) -> (Vec<Vec<f64>>, Vec<usize>) {
        let mut rng = Uniform(seed);
        let mut logits = Vec::with_capacity(n);
        let mut truth = Vec::with_capacity(n);
        for _ in 0..n {
            let z: Vec<f64> = (0..3).map(|_| 4.0 * rng.next() - 2.0).collect();
            let p = softmax(&z);
            let u = rng.next();
            let label = if u < p[0] {
                0
            } else if u < p[0] + p[1] {
                1
            } else {
                2
            };
            logits.push(z);
            truth.push(label);
        }
        (logits, truth)
    }

    /// `n_groups` articles of two rows each, one favor and one against, in a file `cal.tsv`.
    fn articles(n_groups: usize) -> LabeledData {
        let mut rows = Vec::new();
        for g in 0..n_groups {
            for (word, label) in [("welcome", "favor"), ("reject", "against")] {
                rows.push(crate::data::LabeledRow {
                    text: format!("they {word} the troops in town {g}"),
                    label: label.to_owned(),
                    group: Some(format!("g{}", g + 1)),
                    target: None,
                    topic: None,
                    id: None,
                    extra: Vec::new(),
                    line: rows.len() + 2,
                });
            }
        }
        LabeledData {
            path: "some/dir/cal.tsv".into(),
            rows,
            sha256: String::new(),
            decoded_as_windows_1252_from: None,
        }
    }

    fn calibrate_on(
        data: &LabeledData,
        group_column: Option<&str>,
        seed: u64,
    ) -> Result<Calibration, TrainError> {
        let labels = data.labels();
        let targets: Vec<usize> =
            data.rows.iter().map(|r| labels.iter().position(|l| *l == r.label).unwrap()).collect();
        let trainer = crate::trainer::TrainParams { alpha: 0.1, ..Default::default() }.check().unwrap();
        calibrate(&trainer, data, group_column, &labels, &targets, &CalibrationSpec { seed })
    }

    #[test]
    fn calibrate_holds_out_the_grouped_fold_the_seed_picks() {
        // Six groups into five folds: g1..g5 one each, g6 back to the first fold.
        let data = articles(6);
        let calibration = calibrate_on(&data, Some("article"), 0).unwrap();
        assert_eq!(
            calibration.fitted_on,
            "4 held-out rows of cal.tsv (fold 1 of 5 grouped by \"article\": 2 groups), scored by a model \
             fitted on the other 8 rows"
        );
        assert!((MIN_TEMPERATURE..=MAX_TEMPERATURE).contains(&calibration.temperature));
        // Seed 7 picks fold 7 % 5 + 1 = 3: g3 alone.
        let calibration = calibrate_on(&data, Some("article"), 7).unwrap();
        assert_eq!(
            calibration.fitted_on,
            "2 held-out rows of cal.tsv (fold 3 of 5 grouped by \"article\": 1 group), scored by a model \
             fitted on the other 10 rows"
        );
        // The temperature is the one fitted on g3's logits by a model trained on the rest.
        let labels = data.labels();
        let targets: Vec<usize> =
            data.rows.iter().map(|r| labels.iter().position(|l| *l == r.label).unwrap()).collect();
        let (held, rest): (Vec<usize>, Vec<usize>) =
            (0..data.rows.len()).partition(|&i| data.rows[i].group.as_deref() == Some("g3"));
        let trainer = crate::trainer::TrainParams { alpha: 0.1, ..Default::default() }.check().unwrap();
        let texts: Vec<&str> = rest.iter().map(|&i| data.rows[i].text.as_str()).collect();
        let rest_targets: Vec<usize> = rest.iter().map(|&i| targets[i]).collect();
        let fitted = trainer.fit(&texts, &rest_targets, &labels).unwrap();
        let model =
            LinearModel::from_label_major(&fitted.weights.coefficients, &fitted.weights.intercepts).unwrap();
        let logits: Vec<Vec<f64>> =
            held.iter().map(|&i| model.logits(&fitted.featurizer.transform(&data.rows[i].text))).collect();
        let truth: Vec<usize> = held.iter().map(|&i| targets[i]).collect();
        assert_eq!(calibration.temperature, fit_temperature(&logits, &truth));
        // Two groups make two folds.
        let two = calibrate_on(&articles(2), Some("article"), 1).unwrap();
        assert!(two.fitted_on.contains("(fold 2 of 2 grouped by \"article\": 1 group)"), "{}", two.fitted_on);
        // One group cannot be held out.
        let err = calibrate_on(&articles(1), Some("article"), 0).unwrap_err().to_string();
        assert!(err.contains("needs at least 2 groups; found 1"), "{err}");
    }

    #[test]
    fn calibrate_holds_out_a_stratified_fold_without_groups() {
        let calibration = calibrate_on(&articles(6), None, 3).unwrap();
        assert_eq!(
            calibration.fitted_on,
            "3 held-out rows of cal.tsv (fold 1 of 5 stratified by label, seed 3), scored by a model fitted \
             on the other 9 rows"
        );
        // Two rows make two folds of one row (the model then knows one label only).
        let two = calibrate_on(&articles(1), None, 0);
        if let Err(err) = &two {
            assert!(!err.to_string().contains("at least 2 rows"), "{err}");
        }
        let mut one = articles(1);
        one.rows.truncate(1);
        let err = calibrate_on(&one, None, 0).unwrap_err().to_string();
        assert!(err.contains("needs at least 2 rows to hold some out, found 1"), "{err}");
    }

    #[test]
    fn negative_log_likelihood_by_hand() {
        let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
        // softmax([2, 0] / 2) = [e / (e + 1), 1 / (e + 1)]: −ln of the first is ln(1 + e^−1).
        let right = (1.0 + (-1.0f64).exp()).ln();
        assert!(close(negative_log_likelihood(&[vec![2.0, 0.0]], &[0], 2.0), right));
        assert!(close(negative_log_likelihood(&[vec![2.0, 0.0]], &[1], 2.0), right + 1.0));
        // The mean over rows; at T = 1/2 the logits double.
        let two = [vec![2.0, 0.0], vec![2.0, 0.0]];
        assert!(close(negative_log_likelihood(&two, &[0, 1], 2.0), right + 0.5));
        let sharp = (1.0 + (-4.0f64).exp()).ln();
        assert!(close(negative_log_likelihood(&[vec![0.0, 2.0]], &[1], 0.5), sharp));
        // Rows with a non-finite logit or a truth that indexes no logit are left out.
        let rows = [vec![2.0, 0.0], vec![f64::NAN, 0.0], vec![0.0, f64::INFINITY], vec![0.0, 2.0]];
        assert!(close(negative_log_likelihood(&rows, &[0, 0, 0, 2], 2.0), right));
        assert_eq!(negative_log_likelihood(&rows[1..3], &[0, 1], 1.0), 0.0);
        assert_eq!(negative_log_likelihood(&[], &[], 1.0), 0.0);
    }

    #[test]
    fn calibrated_logits_give_a_temperature_near_one() {
        let (logits, truth) = calibrated_sample(20_000, 7);
        let t = fit_temperature(&logits, &truth);
        assert!((t - 1.0).abs() < 0.06, "{t}");
        // The fitted T is the minimum: nearby temperatures do no better.
        let best = negative_log_likelihood(&logits, &truth, t);
        assert!(best <= negative_log_likelihood(&logits, &truth, t * 1.05));
        assert!(best <= negative_log_likelihood(&logits, &truth, t / 1.05));
    }

    #[test]
    fn over_confident_logits_recover_their_temperature() {
        // Labels drawn at T = 1, logits then scaled by 3: the model is 3 times too sure.
        let (logits, truth) = calibrated_sample(20_000, 11);
        let sharp: Vec<Vec<f64>> = logits.iter().map(|z| z.iter().map(|v| 3.0 * v).collect()).collect();
        let t = fit_temperature(&sharp, &truth);
        assert!((t - 3.0).abs() < 0.2, "{t}");
        // And under-confident logits get T < 1.
        let soft: Vec<Vec<f64>> = logits.iter().map(|z| z.iter().map(|v| v / 2.0).collect()).collect();
        let t = fit_temperature(&soft, &truth);
        assert!((t - 0.5).abs() < 0.04, "{t}");
        // Deterministic.
        assert_eq!(fit_temperature(&sharp, &truth), fit_temperature(&sharp, &truth));
    }

    #[test]
    fn degenerate_inputs_stay_finite_and_bounded() {
        assert_eq!(fit_temperature(&[], &[]), 1.0);
        assert_eq!(fit_temperature(&[vec![0.5, 0.5], vec![2.0, 2.0]], &[0, 1]), 1.0);
        // Flat to within 1e-12 of its size counts as flat: ten labels, the true one ahead by
        // 6e-14, give a likelihood of ln 10 ≈ 2.3 that varies by 1e-12 over the whole range.
        let mut nearly_equal = vec![0.0; 10];
        nearly_equal[0] = 6e-14;
        assert_eq!(fit_temperature(&[nearly_equal], &[0]), 1.0);
        // Always right with a margin: sharper is always better, up to the bound.
        let t = fit_temperature(&[vec![5.0, 0.0], vec![0.0, 5.0]], &[0, 1]);
        assert!((t - MIN_TEMPERATURE).abs() < 1e-6, "{t}");
        // Always wrong: softer is always better, up to the bound.
        let t = fit_temperature(&[vec![5.0, 0.0], vec![0.0, 5.0]], &[1, 0]);
        assert!((t - MAX_TEMPERATURE).abs() < 1e-6, "{t}");
        // Non-finite logits and bad indices are skipped, huge ones do not overflow.
        let t = fit_temperature(
            &[
                vec![f64::NAN, 1.0],
                vec![f64::INFINITY, 0.0],
                vec![1e300, -1e300],
                vec![1.0, 0.0],
                vec![0.0, 1.0],
            ],
            &[0, 0, 1, 0, 9],
        );
        assert!(t.is_finite() && (MIN_TEMPERATURE..=MAX_TEMPERATURE).contains(&t), "{t}");
        assert!(negative_log_likelihood(&[vec![1e300, -1e300]], &[1], 1.0).is_finite());
    }
}
