//! Plain-text renderings for terminals: the metrics table and confusion matrix of a [`Report`]
//! (laid out like scikit-learn's `classification_report`), a whole [`Evaluation`], the
//! per-target table and the cross-validation report. What `stance evaluate` and `stance cv`
//! print with `--format text`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use stance_eval::{ArticleEvaluation, CvReport, Evaluation, FoldStrategy, Report};

use crate::{averages, class_rows};

/// Width of the label column in the text report: fits the longest label and "weighted avg".
const AVG_LABEL_WIDTH: usize = "weighted avg".len();

/// A [`Report`] as a plain-text table for terminals, laid out like scikit-learn's `classification_report`
/// followed by the confusion matrix. Columns widen to fit the longest label; numbers have
/// 3 decimals; label rows follow `confusion.labels` order.
pub fn report_text(report: &Report) -> String {
    let labels = &report.confusion.labels;
    let longest = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    let w = longest.max(AVG_LABEL_WIDTH);
    let (macro_p, macro_r, weighted_p, weighted_r) = averages(report);

    let baseline = report.baseline.as_ref();
    // The majority-class baseline's value of each summary metric, as a last column.
    let beside = |value: Option<f64>| match (baseline, value) {
        (Some(_), Some(v)) => format!(" {v:>9.3}"),
        _ => String::new(),
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:>w$}  {:>9} {:>9} {:>9} {:>9}{}",
        "",
        "precision",
        "recall",
        "f1-score",
        "support",
        if baseline.is_some() { format!(" {:>9}", "majority") } else { String::new() }
    );
    out.push('\n');
    for (name, m) in class_rows(report) {
        let _ = writeln!(
            out,
            "{name:>w$}  {:>9.3} {:>9.3} {:>9.3} {:>9}",
            m.precision, m.recall, m.f1, m.support
        );
    }
    out.push('\n');
    let _ = writeln!(
        out,
        "{:>w$}  {:>9} {:>9} {:>9.3} {:>9}{}",
        "accuracy",
        "",
        "",
        report.accuracy,
        report.n,
        beside(baseline.map(|b| b.accuracy))
    );
    let averaged = [
        ("macro avg", macro_p, macro_r, report.macro_f1, baseline.map(|b| b.macro_f1)),
        ("weighted avg", weighted_p, weighted_r, report.weighted_f1, baseline.map(|b| b.weighted_f1)),
    ];
    for (name, precision, recall, f1, majority) in averaged {
        let _ = writeln!(
            out,
            "{name:>w$}  {precision:>9.3} {recall:>9.3} {f1:>9.3} {:>9}{}",
            report.n,
            beside(majority)
        );
    }
    if let Some(f_avg) = report.f_avg {
        // SemEval's F_avg: only an F1 column, like accuracy.
        let _ = writeln!(
            out,
            "{:>w$}  {:>9} {:>9} {:>9.3} {:>9}{}",
            "F_avg",
            "",
            "",
            f_avg,
            report.n,
            beside(baseline.and_then(|b| b.f_avg))
        );
    }
    if let Some(baseline) = baseline {
        let _ = writeln!(out, "\nmajority: the scores of a rule that ignores the text ({})", baseline.rule);
    }
    out.push('\n');
    out.push_str("confusion matrix (rows = true, columns = predicted):\n");
    let widest_count =
        report.confusion.matrix.iter().flatten().map(|c| c.to_string().len()).max().unwrap_or(1);
    let row_w = longest + 3;
    let cell_w = longest.max(widest_count) + 2;
    let _ = write!(out, "{:row_w$}", "");
    for label in labels {
        let _ = write!(out, "{label:>cell_w$}");
    }
    out.push('\n');
    for (label, row) in labels.iter().zip(&report.confusion.matrix) {
        let _ = write!(out, "{label:>row_w$}");
        for count in row {
            let _ = write!(out, "{count:>cell_w$}");
        }
        out.push('\n');
    }
    out
}

/// An [`ArticleEvaluation`] as plain text: the report's table over articles, the off-topic
/// count, then one line per article (gold → predicted, `*` marking a mistake).
pub fn article_evaluation_text(evaluation: &ArticleEvaluation) -> String {
    let labels = &evaluation.report.confusion.labels;
    let mut out = format!("{} articles\n\n", evaluation.articles.len());
    out.push_str(&report_text(&evaluation.report));
    if let Some(off) = evaluation.off_topic {
        let _ = writeln!(
            out,
            "\noff-topic articles given a stance: {} of {} ({:.1}% without a stance)",
            off.given_a_stance,
            off.articles,
            if off.articles == 0 {
                100.0
            } else {
                100.0 * (off.articles - off.given_a_stance) as f64 / off.articles as f64
            }
        );
    }
    out.push_str("\narticles (gold -> predicted):\n");
    for a in &evaluation.articles {
        let mark = if a.truth == a.predicted { ' ' } else { '*' };
        let topic = match a.on_topic {
            Some(false) => "  (off-topic)",
            _ => "",
        };
        let _ =
            writeln!(out, "{mark} {:<8} -> {:<8} {}{topic}", labels[a.truth], labels[a.predicted], a.article);
    }
    out
}

/// An [`Evaluation`] as plain text for terminals: the report's table and confusion matrix, then the per-target
/// table, calibration (ECE, before and after the temperature when there is one) and the
/// abstention table, each when there is something to show.
pub fn evaluation_text(evaluation: &Evaluation) -> String {
    let mut out = report_text(&evaluation.report);
    if !evaluation.per_target.is_empty() {
        out.push('\n');
        out.push_str(&per_target_text(&evaluation.per_target));
    }
    let _ = write!(out, "\ncalibration: ECE {:.3}", evaluation.reliability.ece);
    match &evaluation.temperature {
        Some(t) => {
            let _ = writeln!(
                out,
                " with temperature {:.3} (ECE {:.3} without it; fitted on {})",
                t.temperature, t.ece_uncalibrated, t.fitted_on
            );
        }
        None => out.push('\n'),
    }
    if let Some(a) = &evaluation.abstention {
        let _ = writeln!(
            out,
            "\nabstention at confidence >= {}: coverage {:.3} ({} of {} rows decided), accuracy {:.3}, \
             macro-F1 {:.3} on the decided rows",
            a.at.min_confidence, a.at.coverage, a.at.decided, a.n, a.at.accuracy, a.at.macro_f1
        );
        out.push_str("min confidence  decided  coverage  accuracy  macro-F1\n");
        for p in &a.curve {
            let _ = writeln!(
                out,
                "{:>14}  {:>7}  {:>8.3}  {:>8.3}  {:>8.3}",
                format!("{}", p.min_confidence),
                p.decided,
                p.coverage,
                p.accuracy,
                p.macro_f1
            );
        }
    }
    out
}

/// The per-target table of [`evaluation_text`] and [`cv_text`]:
/// rows, accuracy, macro-F1 and (when known) F_avg of each target.
pub fn per_target_text(per_target: &BTreeMap<String, Report>) -> String {
    let width = per_target.keys().map(|t| t.chars().count()).max().unwrap_or(0).max("target".len());
    let with_f_avg = per_target.values().any(|r| r.f_avg.is_some());
    let mut out = format!(
        "per target:\n{:<width$}  {:>6}  {:>8}  {:>8}{}\n",
        "target",
        "rows",
        "accuracy",
        "macro-F1",
        if with_f_avg { "     F_avg" } else { "" }
    );
    for (target, r) in per_target {
        let _ = write!(out, "{target:<width$}  {:>6}  {:>8.3}  {:>8.3}", r.n, r.accuracy, r.macro_f1);
        match r.f_avg {
            Some(f) => {
                let _ = write!(out, "  {f:>8.3}");
            }
            None if with_f_avg => out.push_str("         —"),
            None => {}
        }
        match &r.baseline {
            Some(b) => {
                let _ = writeln!(
                    out,
                    "  majority {:.3} / {:.3}{}",
                    b.accuracy,
                    b.macro_f1,
                    b.f_avg.map_or(String::new(), |f| format!(" / {f:.3}"))
                );
            }
            None => out.push('\n'),
        }
    }
    out
}

/// How the folds were formed, for [`cv_text`]'s first line.
fn cv_strategy_text(cv: &CvReport) -> String {
    match &cv.strategy {
        FoldStrategy::Grouped { column } => {
            format!("{}-fold grouped by {column:?} (a group never straddles folds)", cv.folds)
        }
        FoldStrategy::Stratified { seed } => {
            format!("{}-fold stratified, shuffled with seed {seed}", cv.folds)
        }
    }
}

/// A [`CvReport`] as plain text: strategy, per-fold table, mean ± std, and the pooled report.
pub fn cv_text(cv: &CvReport) -> String {
    let mut out = format!("cross-validation: {} over {} rows\n\n", cv_strategy_text(cv), cv.n);
    let with_f_avg = cv.mean.f_avg.is_some();
    out.push_str(if with_f_avg {
        "fold   n_test  accuracy  macro-F1  weighted-F1     F_avg  test groups\n"
    } else {
        "fold   n_test  accuracy  macro-F1  weighted-F1  test groups\n"
    });
    for fold in &cv.per_fold {
        out.push_str(&format!(
            "{:>4}  {:>7}  {:>8.3}  {:>8.3}  {:>11.3}  {}{}{}\n",
            fold.fold,
            fold.n_test,
            fold.accuracy,
            fold.macro_f1,
            fold.weighted_f1,
            fold.f_avg.map_or(String::new(), |f| format!("{f:>8.3}  ")),
            fold.test_groups.join(", "),
            if fold.converged { "" } else { "  (solver did not converge)" }
        ));
    }
    let m = &cv.mean;
    out.push_str(&format!(
        "\nmean ± std over folds: accuracy {:.3} ± {:.3}, macro-F1 {:.3} ± {:.3}, weighted-F1 {:.3} ± {:.3}{}\n",
        m.accuracy.mean,
        m.accuracy.std,
        m.macro_f1.mean,
        m.macro_f1.std,
        m.weighted_f1.mean,
        m.weighted_f1.std,
        m.f_avg.map_or(String::new(), |f| format!(", F_avg {:.3} ± {:.3}", f.mean, f.std))
    ));
    for (label, f1) in &m.per_class_f1 {
        out.push_str(&format!("  F1 {label}: {:.3} ± {:.3}\n", f1.mean, f1.std));
    }
    out.push_str("\npooled out-of-fold predictions:\n\n");
    out.push_str(&report_text(&cv.pooled));
    if !cv.per_target.is_empty() {
        out.push('\n');
        out.push_str(&per_target_text(&cv.per_target));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use stance_eval::{CvMeans, CvSummary, FoldSummary, MeanStd, ScoredRow};

    fn names(labels: &[&str]) -> Vec<String> {
        labels.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn text_report_layout() {
        let labels = names(&["neutral", "oppose", "support"]);
        let r = Report::from_predictions(&labels, &[0, 0, 0, 1, 1, 2], &[0, 0, 1, 1, 2, 2]);
        let text = report_text(&r);
        for label in &labels {
            assert!(text.contains(label.as_str()), "{text}");
        }
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "              precision    recall  f1-score   support  majority");
        assert_eq!(lines[1], "");
        assert_eq!(lines[2], "     neutral      1.000     0.667     0.800         3");
        // Beside each summary metric, always-neutral's: right on 3 of 6 rows, F1 neutral 2/3.
        assert!(text.contains("    accuracy                          0.667         6     0.500\n"), "{text}");
        assert!(text.contains("   macro avg      0.667     0.722     0.656         6     0.222\n"), "{text}");
        assert!(text.contains("weighted avg      0.750     0.667     0.678         6     0.333\n"), "{text}");
        assert!(text.contains("majority: the scores of a rule that ignores the text (always neutral)\n"));
        assert!(text.contains("confusion matrix (rows = true, columns = predicted):\n"));
        assert!(text.contains("            neutral   oppose  support\n"), "{text}");
        assert!(text.contains("   neutral        2        1        0\n"), "{text}");
        assert!(text.ends_with("   support        0        0        1\n"), "{text}");
    }

    #[test]
    fn text_report_widens_for_long_labels() {
        let labels = names(&["a-rather-long-label-name", "b"]);
        let r = Report::from_predictions(&labels, &[0, 1], &[0, 1]);
        let text = report_text(&r);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[2].starts_with("a-rather-long-label-name  "), "{text}");
        assert!(lines[3].starts_with(&format!("{:>24}  ", "b")), "{text}");
        // Every line of the metrics block has the same width; the header has the majority column.
        assert_eq!(lines[0].len(), lines[2].len() + " majority".len() + 1);
        assert_eq!(lines[2].len(), lines[3].len());
    }

    #[test]
    fn f_avg_row_only_with_a_neutral_label() {
        let labels = names(&["AGAINST", "FAVOR", "NONE"]);
        let (truth, predicted) = ([0, 0, 0, 1, 1, 2, 2], [0, 0, 1, 1, 2, 2, 0]);
        let r = Report::from_predictions_with_neutral(&labels, &truth, &predicted, Some("NONE"));
        let text = report_text(&r);
        // Always AGAINST: F1 AGAINST 2·3 / (2·3 + 4) = 0.6, FAVOR 0; F_avg 0.3.
        assert!(text.contains("       F_avg                          0.583         7     0.300\n"), "{text}");
        assert!(!report_text(&Report::from_predictions(&labels, &truth, &predicted)).contains("F_avg"));
        assert!(report_text(&Report::from_predictions(&[], &[], &[])).contains("accuracy"));
    }

    fn semeval_row(target: Option<&str>, truth: usize, p: [f64; 3]) -> ScoredRow {
        ScoredRow {
            text: String::new(),
            source: String::new(),
            truth,
            probabilities: p.to_vec(),
            target: target.map(str::to_owned),
        }
    }

    #[test]
    fn per_target_table() {
        let labels = names(&["AGAINST", "FAVOR", "NONE"]);
        let (a, f, n) = ([0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.1, 0.1, 0.8]);
        let rows = [
            semeval_row(Some("Atheism"), 0, a),
            semeval_row(Some("Atheism"), 0, f),
            semeval_row(Some("Atheism"), 1, f),
            semeval_row(Some("Atheism"), 2, n),
            semeval_row(Some("Climate"), 1, a),
            semeval_row(Some("Climate"), 2, n),
            semeval_row(None, 0, a),
        ];
        let e = Evaluation::from_rows_with_neutral(&labels, &rows, Some("NONE"));
        let text = evaluation_text(&e);
        assert!(text.contains("per target:\ntarget     rows  accuracy  macro-F1     F_avg\n"), "{text}");
        // Atheism's majority is AGAINST (2 of 4): F1 AGAINST 2/3, FAVOR 0, NONE 0.
        assert!(
            text.contains("Atheism       4     0.750     0.778     0.667  majority 0.500 / 0.222 / 0.333\n"),
            "{text}"
        );
        assert!(text.contains("Climate       2     0.500     0.333     0.000  majority 0.500 /"), "{text}");
        let plain = Evaluation::from_rows(&labels, &rows);
        let text = evaluation_text(&plain);
        assert!(text.contains("target     rows  accuracy  macro-F1\n"), "{text}");
        assert!(text.contains("Atheism       4     0.750     0.778  majority 0.500 / 0.222\n"), "{text}");
    }

    #[test]
    fn cv_text_with_and_without_f_avg() {
        let labels = names(&["a", "b"]);
        let pooled = Report::from_predictions(&labels, &[0, 1, 1], &[0, 1, 0]);
        let spread = MeanStd { mean: 0.5, std: 0.25 };
        let fold = FoldSummary {
            fold: 1,
            test_groups: vec!["x.txt".into()],
            n_train: 2,
            n_test: 3,
            accuracy: 0.5,
            macro_f1: 0.5,
            weighted_f1: 0.5,
            f_avg: None,
            converged: false,
        };
        let mut cv = CvReport::from(CvSummary {
            strategy: FoldStrategy::Grouped { column: "article".into() },
            folds: 1,
            n: 3,
            per_fold: vec![fold],
            mean: CvMeans {
                accuracy: spread,
                macro_f1: spread,
                weighted_f1: spread,
                f_avg: None,
                per_class_f1: [("a".to_string(), spread)].into_iter().collect(),
            },
            pooled,
            neutral_label: None,
            per_target: BTreeMap::new(),
        });
        let text = cv_text(&cv);
        let first =
            "cross-validation: 1-fold grouped by \"article\" (a group never straddles folds) over 3 rows\n\n";
        assert!(text.starts_with(first), "{text}");
        assert!(text.contains("fold   n_test  accuracy  macro-F1  weighted-F1  test groups\n"), "{text}");
        let row = "   1        3     0.500     0.500        0.500  x.txt  (solver did not converge)\n";
        assert!(text.contains(row), "{text}");
        assert!(text.contains("  F1 a: 0.500 ± 0.250\n") && !text.contains("F_avg"), "{text}");
        assert!(
            text.contains("pooled out-of-fold predictions:\n\n") && text.ends_with(&report_text(&cv.pooled))
        );
        cv.mean.f_avg = Some(spread);
        cv.per_fold[0].f_avg = Some(0.25);
        cv.strategy = FoldStrategy::Stratified { seed: 9 };
        let text = cv_text(&cv);
        assert!(text.contains("weighted-F1     F_avg  test groups\n"), "{text}");
        assert!(text.contains("0.500     0.250  x.txt"), "{text}");
        assert!(text.contains(", F_avg 0.500 ± 0.250\n"), "{text}");
        assert!(text.contains("1-fold stratified, shuffled with seed 9"), "{text}");
    }
}
