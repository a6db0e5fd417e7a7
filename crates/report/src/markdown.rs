//! The report as Markdown: the HTML page's sections, with tables in place of charts.

use std::fmt::Write as _;

use stance_eval::{CvReport, MeanStd};

use crate::svg::truncate;
use crate::{
    averages, baseline_note, class_rows, fold_groups, maybe, strategy_text, temperature_note, versus,
    ReportPage, F_AVG_NOTE, MAX_ERROR_TEXT, PER_TARGET_BASELINE_NOTE,
};

/// Escapes text for a Markdown table cell or line: characters that would end a cell, start
/// inline markup or be read as HTML.
fn md(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\n' | '\r' | '\t' => out.push(' '),
            '\\' | '|' | '`' | '*' | '_' | '[' | ']' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Renders the whole page.
pub fn render(page: &ReportPage<'_>) -> String {
    let evaluation = page.evaluation;
    let report = &evaluation.report;
    let mut out = format!("# {}\n\n", md(&page.title));
    for (name, value) in &page.facts {
        let _ = writeln!(out, "- {}: `{}`", md(name), value.replace('`', "'").replace('\n', " "));
    }
    if !page.facts.is_empty() {
        out.push('\n');
    }

    match report.f_avg {
        Some(f_avg) => {
            out.push_str(
                "| rows | accuracy | macro-F1 | F_avg | weighted-F1 | ECE |\n|---:|---:|---:|---:|---:|---:|\n",
            );
            let _ = writeln!(
                out,
                "| {} | {:.3} | {:.3} | {f_avg:.3} | {:.3} | {:.3} |\n\n{F_AVG_NOTE}\n",
                report.n, report.accuracy, report.macro_f1, report.weighted_f1, evaluation.reliability.ece
            );
        }
        None => {
            out.push_str("| rows | accuracy | macro-F1 | weighted-F1 | ECE |\n|---:|---:|---:|---:|---:|\n");
            let _ = writeln!(
                out,
                "| {} | {:.3} | {:.3} | {:.3} | {:.3} |\n",
                report.n, report.accuracy, report.macro_f1, report.weighted_f1, evaluation.reliability.ece
            );
        }
    }
    if let Some(note) = baseline_note(report) {
        let _ = writeln!(out, "{}\n", md(&note));
    }
    match page.cv {
        Some(cv) => {
            let _ = writeln!(
                out,
                "Pooled over the out-of-fold predictions of all {} folds. ECE is the expected calibration \
                 error (lower is better).\n",
                cv.folds
            );
            cv_section(&mut out, cv);
        }
        None => out.push_str("ECE is the expected calibration error (lower is better).\n\n"),
    }

    // With cross-validation, one more column: the F1 of each fold, as mean ± std.
    let cv_column = if page.cv.is_some() { " F1 by fold (mean ± std) |" } else { "" };
    let _ = writeln!(
        out,
        "## Per class\n\n| label | precision | recall | F1 | support |{cv_column}\n|---|---:|---:|---:|---:|{}",
        if page.cv.is_some() { "---:|" } else { "" }
    );
    let cell = |f1: Option<MeanStd>| match f1 {
        Some(f1) => format!(" {:.3} ± {:.3} |", f1.mean, f1.std),
        None => " — |".to_owned(),
    };
    for (label, m) in class_rows(report) {
        let folds = page.cv.map(|cv| cell(cv.mean.per_class_f1.get(label).copied())).unwrap_or_default();
        let _ = writeln!(
            out,
            "| {} | {:.3} | {:.3} | {:.3} | {} |{folds}",
            md(label),
            m.precision,
            m.recall,
            m.f1,
            m.support
        );
    }
    let (macro_p, macro_r, weighted_p, weighted_r) = averages(report);
    let macro_folds = page.cv.map(|cv| cell(Some(cv.mean.macro_f1))).unwrap_or_default();
    let weighted_folds = page.cv.map(|cv| cell(Some(cv.mean.weighted_f1))).unwrap_or_default();
    let _ = writeln!(
        out,
        "| *macro avg* | {macro_p:.3} | {macro_r:.3} | {:.3} | {} |{macro_folds}\n\
         | *weighted avg* | {weighted_p:.3} | {weighted_r:.3} | {:.3} | {} |{weighted_folds}\n",
        report.macro_f1, report.n, report.weighted_f1, report.n
    );

    if !evaluation.per_target.is_empty() {
        let _ = write!(
            out,
            "## Per target\n\nThe same metrics on each stance target's rows. {PER_TARGET_BASELINE_NOTE}\n\n\
             | target | rows | accuracy | macro-F1 | F_avg |\n|---|---:|---:|---:|---:|\n",
        );
        for (target, r) in &evaluation.per_target {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                md(target),
                r.n,
                versus(Some(r.accuracy), r.baseline.as_ref().map(|b| b.accuracy)),
                versus(Some(r.macro_f1), r.baseline.as_ref().map(|b| b.macro_f1)),
                versus(r.f_avg, r.baseline.as_ref().and_then(|b| b.f_avg))
            );
        }
        out.push('\n');
    }

    let confusion = &report.confusion;
    out.push_str("## Confusion matrix\n\nRows are true labels, columns predicted labels; count (share of the row).\n\n");
    out.push_str("| true \\ predicted |");
    for label in &confusion.labels {
        let _ = write!(out, " {} |", md(label));
    }
    out.push_str(" rows |\n|---|");
    out.push_str(&"---:|".repeat(confusion.labels.len() + 1));
    out.push('\n');
    for (label, row) in confusion.labels.iter().zip(&confusion.matrix) {
        let total: usize = row.iter().sum();
        let _ = write!(out, "| {} |", md(label));
        for &count in row {
            let share = if total == 0 { 0.0 } else { count as f64 / total as f64 * 100.0 };
            let _ = write!(out, " {count} ({share:.0}%) |");
        }
        let _ = writeln!(out, " {total} |");
    }
    out.push('\n');

    let _ = writeln!(
        out,
        "## Calibration\n\nPredictions binned by confidence (probability of the predicted label); ECE {:.3}.\n",
        evaluation.reliability.ece
    );
    if let Some(t) = &evaluation.temperature {
        let _ = writeln!(out, "{}\n", md(&temperature_note(t)));
    }
    out.push_str("| confidence | rows | mean confidence | accuracy |\n|---|---:|---:|---:|\n");
    for bin in &evaluation.reliability.bins {
        if bin.count == 0 {
            let _ = writeln!(out, "| {:.1}–{:.1} | 0 | — | — |", bin.lower, bin.upper);
        } else {
            let _ = writeln!(
                out,
                "| {:.1}–{:.1} | {} | {:.3} | {:.3} |",
                bin.lower, bin.upper, bin.count, bin.mean_confidence, bin.accuracy
            );
        }
    }
    out.push('\n');

    if let Some(a) = &evaluation.abstention {
        let _ = writeln!(
            out,
            "## Abstention\n\nPredictions whose top probability is below {} are left undecided: coverage \
             {:.3} ({} of {} rows decided), accuracy {:.3} and macro-F1 {:.3} on the decided rows.\n",
            a.at.min_confidence, a.at.coverage, a.at.decided, a.n, a.at.accuracy, a.at.macro_f1
        );
        out.push_str(
            "| min confidence | decided | coverage | accuracy | macro-F1 |\n|---:|---:|---:|---:|---:|\n",
        );
        for p in &a.curve {
            let _ = writeln!(
                out,
                "| {} | {} | {:.3} | {:.3} | {:.3} |",
                p.min_confidence, p.decided, p.coverage, p.accuracy, p.macro_f1
            );
        }
        out.push('\n');
    }

    out.push_str("## Most confident errors\n\n");
    if evaluation.worst_errors.is_empty() {
        out.push_str("No wrong predictions.\n");
    } else {
        out.push_str("| # | confidence | true | predicted | text | source |\n|---:|---:|---|---|---|---|\n");
        for (i, mistake) in evaluation.worst_errors.iter().enumerate() {
            let _ = writeln!(
                out,
                "| {} | {:.3} | {} | {} | {} | {} |",
                i + 1,
                mistake.confidence,
                md(&mistake.truth),
                md(&mistake.predicted),
                md(&truncate(&mistake.text, MAX_ERROR_TEXT)),
                md(&mistake.source)
            );
        }
    }
    out
}

/// The per-fold table with mean ± std, and per-label F1 over folds.
fn cv_section(out: &mut String, cv: &CvReport) {
    let _ = writeln!(
        out,
        "## Cross-validation folds\n\n{}; featurizer and model refitted inside each fold.\n",
        md(&strategy_text(cv))
    );
    let with_f_avg = cv.mean.f_avg.is_some();
    out.push_str("| fold | test groups | n_test | accuracy | macro-F1 | weighted-F1 |");
    out.push_str(if with_f_avg {
        " F_avg |\n|---:|---|---:|---:|---:|---:|---:|\n"
    } else {
        "\n|---:|---|---:|---:|---:|---:|\n"
    });
    for fold in &cv.per_fold {
        let _ = writeln!(
            out,
            "| {}{} | {} | {} | {:.3} | {:.3} | {:.3} |{}",
            fold.fold,
            if fold.converged { "" } else { " †" },
            md(&fold_groups(fold)),
            fold.n_test,
            fold.accuracy,
            fold.macro_f1,
            fold.weighted_f1,
            if with_f_avg { format!(" {} |", maybe(fold.f_avg)) } else { String::new() }
        );
    }
    let m = &cv.mean;
    let _ = writeln!(
        out,
        "| **mean ± std** | | | {:.3} ± {:.3} | {:.3} ± {:.3} | {:.3} ± {:.3} |{}\n",
        m.accuracy.mean,
        m.accuracy.std,
        m.macro_f1.mean,
        m.macro_f1.std,
        m.weighted_f1.mean,
        m.weighted_f1.std,
        m.f_avg.map_or(String::new(), |f| format!(" {:.3} ± {:.3} |", f.mean, f.std))
    );
    if cv.per_fold.iter().any(|f| !f.converged) {
        out.push_str("† the solver did not converge in this fold.\n\n");
    }
}
