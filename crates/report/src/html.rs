//! The report as one self-contained HTML page.

use std::fmt::Write as _;

use stance_eval::{CvReport, MeanStd};

use crate::charts::{class_bars, confusion_heatmap, reliability_diagram};
use crate::svg::{escape, truncate};
use crate::{
    averages, baseline_note, class_rows, fold_groups, maybe, strategy_text, temperature_note, versus,
    ReportPage, F_AVG_NOTE, MAX_ERROR_TEXT,
};

/// Inline style sheet: system fonts only, light colour scheme, two-column layout that wraps.
pub(crate) const CSS: &str = "\
:root{color-scheme:light;--ink:#1f2328;--muted:#59636e;--line:#d8dee4;--bg:#f6f8fa;--card:#fff}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--ink);\
font:15px/1.5 system-ui,-apple-system,\"Segoe UI\",Roboto,\"Helvetica Neue\",Arial,\"Noto Sans\",sans-serif}
main{max-width:1120px;margin:0 auto;padding:28px 24px 40px}
h1{font-size:1.55rem;line-height:1.25;margin:0 0 10px}
h2{font-size:1.08rem;margin:0 0 4px}
p{margin:0 0 10px}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:0 0 20px;font-size:.88rem}
.facts dt{color:var(--muted)}
.facts dd{margin:0;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,\"Liberation Mono\",monospace;\
font-size:.85rem}
.facts dd span{display:inline-block;max-width:100%;overflow-wrap:anywhere}
.metrics{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:12px;margin:0 0 8px}
.metric{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px 16px}
.metric b{display:block;font-size:1.75rem;font-weight:650;line-height:1.2;font-variant-numeric:tabular-nums}
.metric span{color:var(--muted);font-size:.85rem}
.metric i{display:block;color:var(--muted);font-size:.75rem;font-style:normal}
.scope{color:var(--muted);font-size:.85rem;margin:0 0 18px}
section{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:18px 22px;\
margin:0 0 18px;min-width:0;overflow-x:auto}
.pair{display:flex;flex-wrap:wrap;gap:18px;align-items:stretch;margin:0 0 18px}
.pair>section{flex:1 1 460px;margin:0}
.pair>section.wide{flex-basis:100%}
.pair>section.main{flex:1.4 1 540px}
.note{color:var(--muted);font-size:.85rem;margin:0 0 12px}
.chart{overflow-x:auto}
svg{display:block;max-width:100%;height:auto;margin:6px auto 0;\
font-family:system-ui,-apple-system,\"Segoe UI\",Roboto,\"Helvetica Neue\",Arial,sans-serif}
table{border-collapse:collapse;width:100%;font-size:.9rem;font-variant-numeric:tabular-nums}
th,td{padding:6px 7px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
thead th{color:var(--muted);font-weight:600;font-size:.82rem;border-bottom:2px solid var(--line)}
.n{text-align:right;white-space:nowrap}
tr.avg td{color:var(--muted)}
td.lab{white-space:nowrap;max-width:10em;overflow:hidden;text-overflow:ellipsis}
tr.avg:first-of-type td,tfoot td{border-top:2px solid var(--line)}
tfoot td{font-weight:600}
.label{display:inline-block;padding:0 7px;border-radius:10px;background:#eef1f4;font-size:.82rem;white-space:nowrap}
.errors td.text{min-width:280px}
.src{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,\"Liberation Mono\",monospace;font-size:.78rem;\
color:var(--muted);white-space:nowrap}
footer{color:var(--muted);font-size:.8rem;text-align:center}
";

/// Natural chart width (px) above which a chart leaves its half of the page for the whole width.
const HALF_WIDTH: f64 = 520.0;

/// Renders the whole page.
pub fn render(page: &ReportPage<'_>) -> String {
    let evaluation = page.evaluation;
    let report = &evaluation.report;
    let title = escape(&page.title);
    let mut out = String::with_capacity(32 * 1024);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"stance-report {}\">\n<title>{title}</title>\n\
         <style>\n{CSS}</style>\n</head>\n<body>\n<main>\n<h1>{title}</h1>\n",
        env!("CARGO_PKG_VERSION")
    );

    if !page.facts.is_empty() {
        out.push_str("<dl class=\"facts\">\n");
        for (name, value) in &page.facts {
            // One unbreakable box per word, so a command line wraps between its arguments.
            let words: Vec<String> =
                value.split(' ').map(|w| format!("<span>{}</span>", escape(w))).collect();
            let _ = writeln!(out, "<dt>{}</dt><dd>{}</dd>", escape(name), words.join(" "));
        }
        out.push_str("</dl>\n");
    }

    // Headline metrics.
    out.push_str("<div class=\"metrics\">\n");
    let baseline = report.baseline.as_ref();
    let mut headline = vec![
        (report.n.to_string(), "rows", None),
        (format!("{:.3}", report.accuracy), "accuracy", baseline.map(|b| b.accuracy)),
        (format!("{:.3}", report.macro_f1), "macro-F1", baseline.map(|b| b.macro_f1)),
    ];
    if let Some(f_avg) = report.f_avg {
        headline.push((format!("{f_avg:.3}"), "F_avg (stance labels)", baseline.and_then(|b| b.f_avg)));
    }
    headline.push((format!("{:.3}", report.weighted_f1), "weighted-F1", baseline.map(|b| b.weighted_f1)));
    headline.push((format!("{:.3}", evaluation.reliability.ece), "ECE (calibration error)", None));
    if let Some(a) = &evaluation.abstention {
        headline.push((format!("{:.3}", a.at.coverage), "coverage (decided rows)", None));
    }
    for (value, name, majority) in headline {
        let majority = majority.map_or(String::new(), |m| format!("<i>majority {m:.3}</i>"));
        let _ = writeln!(out, "<div class=\"metric\"><b>{value}</b><span>{name}</span>{majority}</div>");
    }
    out.push_str("</div>\n");
    let mut scope = match page.cv {
        Some(cv) => format!(
            "Pooled over the out-of-fold predictions of all {} folds: every row is scored by a model that \
             never saw it. ECE is the expected calibration error, lower is better.",
            cv.folds
        ),
        None => "ECE is the expected calibration error of the predicted label's probability, lower \
                 is better."
            .to_owned(),
    };
    if report.f_avg.is_some() {
        scope.push(' ');
        scope.push_str(F_AVG_NOTE);
    }
    if let Some(note) = baseline_note(report) {
        scope.push(' ');
        scope.push_str(&note);
    }
    let _ = writeln!(out, "<p class=\"scope\">{}</p>", escape(&scope));

    if let Some(cv) = page.cv {
        cv_section(&mut out, cv);
    }

    // Per class: table and bars.
    out.push_str("<div class=\"pair\">\n<section class=\"main\">\n<h2>Per class</h2>\n");
    out.push_str(
        "<p class=\"note\">Precision: share of the rows predicted as the label that are right. \
         Recall: share of the label's rows that are found.</p>\n",
    );
    // With cross-validation, one more column: the F1 of each fold, as mean ± std.
    let fold_f1 = |label: &str| {
        page.cv.map(|cv| match cv.mean.per_class_f1.get(label) {
            Some(f1) => format!("<td class=\"n\">{:.3} ± {:.3}</td>", f1.mean, f1.std),
            None => "<td class=\"n\">—</td>".to_owned(),
        })
    };
    let _ = writeln!(
        out,
        "<table>\n<thead><tr><th>label</th><th class=\"n\">precision</th><th class=\"n\">recall</th>\
         <th class=\"n\">F1</th><th class=\"n\">support</th>{}</tr></thead>\n<tbody>",
        if page.cv.is_some() {
            "<th class=\"n\" title=\"mean ± std over folds\">F1 by fold</th>"
        } else {
            ""
        }
    );
    for (label, m) in class_rows(report) {
        let _ = writeln!(
            out,
            "<tr><td class=\"lab\" title=\"{label}\">{label}</td><td class=\"n\">{:.3}</td><td class=\"n\">{:.3}</td>\
             <td class=\"n\">{:.3}</td><td class=\"n\">{}</td>{}</tr>",
            m.precision,
            m.recall,
            m.f1,
            m.support,
            fold_f1(label).unwrap_or_default(),
            label = escape(label),
        );
    }
    let (macro_p, macro_r, weighted_p, weighted_r) = averages(report);
    let fold_mean = |pick: fn(&CvReport) -> MeanStd| {
        page.cv.map(pick).map(|f1| format!("<td class=\"n\">{:.3} ± {:.3}</td>", f1.mean, f1.std))
    };
    for (name, p, r, f1, folds) in [
        ("macro avg", macro_p, macro_r, report.macro_f1, fold_mean(|cv| cv.mean.macro_f1)),
        ("weighted avg", weighted_p, weighted_r, report.weighted_f1, fold_mean(|cv| cv.mean.weighted_f1)),
    ] {
        let _ = writeln!(
            out,
            "<tr class=\"avg\"><td>{name}</td><td class=\"n\">{p:.3}</td><td class=\"n\">{r:.3}</td>\
             <td class=\"n\">{f1:.3}</td><td class=\"n\">{}</td>{}</tr>",
            report.n,
            folds.unwrap_or_default()
        );
    }
    out.push_str("</tbody>\n</table>\n</section>\n<section>\n<h2>Precision, recall and F1</h2>\n");
    let _ = write!(out, "<div class=\"chart\">\n{}</div>\n</section>\n</div>\n", class_bars(report));

    if !evaluation.per_target.is_empty() {
        out.push_str(
            "<section>\n<h2>Per target</h2>\n<p class=\"note\">The same metrics on each stance target's \
             rows. In parentheses: the majority-class baseline (the most frequent label of the target's \
             rows).</p>\n<table class=\"targets\">\n<thead><tr><th>target</th><th class=\"n\">rows</th>\
             <th class=\"n\">accuracy</th><th class=\"n\">macro-F1</th><th class=\"n\">F_avg</th></tr></thead>\n\
             <tbody>\n",
        );
        for (target, r) in &evaluation.per_target {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
                 <td class=\"n\">{}</td></tr>",
                escape(target),
                r.n,
                versus(Some(r.accuracy), r.baseline.as_ref().map(|b| b.accuracy)),
                versus(Some(r.macro_f1), r.baseline.as_ref().map(|b| b.macro_f1)),
                versus(r.f_avg, r.baseline.as_ref().and_then(|b| b.f_avg))
            );
        }
        out.push_str("</tbody>\n</table>\n</section>\n");
    }

    // Confusion matrix and calibration.
    // A heatmap too wide for half the page gets the whole width.
    let (heatmap, heatmap_width) = confusion_heatmap(&report.confusion);
    let wide = if heatmap_width > HALF_WIDTH { " class=\"wide\"" } else { "" };
    let _ = writeln!(out, "<div class=\"pair\">\n<section{wide}>\n<h2>Confusion matrix</h2>");
    out.push_str(
        "<p class=\"note\">Rows are true labels, columns predicted labels; each cell shows a count, \
         coloured by its share of the row. The diagonal (outlined) is right.</p>\n",
    );
    let _ = write!(out, "<div class=\"chart\">\n{heatmap}</div>\n</section>\n");
    out.push_str("<section>\n<h2>Calibration</h2>\n");
    let _ = writeln!(
        out,
        "<p class=\"note\">Predictions binned by confidence: bars show how often each bin is right, \
         dots its mean confidence; the numbers above count its rows. Bars below the diagonal are \
         overconfident. \
         ECE {:.3}.</p>",
        evaluation.reliability.ece
    );
    if let Some(t) = &evaluation.temperature {
        let _ = writeln!(out, "<p class=\"note temperature\">{}</p>", escape(&temperature_note(t)));
    }
    let _ = write!(
        out,
        "<div class=\"chart\">\n{}</div>\n</section>\n</div>\n",
        reliability_diagram(&evaluation.reliability)
    );

    if let Some(a) = &evaluation.abstention {
        let _ = writeln!(
            out,
            "<section>\n<h2>Abstention</h2>\n<p class=\"note\">Predictions whose top probability is below \
             {} are left undecided: coverage {:.3} ({} of {} rows decided), accuracy {:.3} and macro-F1 \
             {:.3} on the decided rows.</p>",
            a.at.min_confidence, a.at.coverage, a.at.decided, a.n, a.at.accuracy, a.at.macro_f1
        );
        out.push_str(
            "<table class=\"abstention\">\n<thead><tr><th class=\"n\">min confidence</th>\
             <th class=\"n\">decided</th><th class=\"n\">coverage</th><th class=\"n\">accuracy</th>\
             <th class=\"n\">macro-F1</th></tr></thead>\n<tbody>\n",
        );
        for p in &a.curve {
            let _ = writeln!(
                out,
                "<tr><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{:.3}</td>\
                 <td class=\"n\">{:.3}</td><td class=\"n\">{:.3}</td></tr>",
                p.min_confidence, p.decided, p.coverage, p.accuracy, p.macro_f1
            );
        }
        out.push_str("</tbody>\n</table>\n</section>\n");
    }

    // Worst errors.
    out.push_str("<section>\n<h2>Most confident errors</h2>\n");
    if evaluation.worst_errors.is_empty() {
        out.push_str("<p class=\"note\">No wrong predictions.</p>\n");
    } else {
        out.push_str(
            "<p class=\"note\">Wrong predictions the model was surest of, most confident first.</p>\n\
             <table class=\"errors\">\n<thead><tr><th class=\"n\">#</th><th class=\"n\">confidence</th>\
             <th>true</th><th>predicted</th><th>text</th><th>source</th></tr></thead>\n<tbody>\n",
        );
        for (i, mistake) in evaluation.worst_errors.iter().enumerate() {
            let _ = writeln!(
                out,
                "<tr><td class=\"n\">{}</td><td class=\"n\">{:.3}</td><td><span class=\"label\">{}</span></td>\
                 <td><span class=\"label\">{}</span></td><td class=\"text\">{}</td><td class=\"src\">{}</td></tr>",
                i + 1,
                mistake.confidence,
                escape(&mistake.truth),
                escape(&mistake.predicted),
                escape(&truncate(&mistake.text, MAX_ERROR_TEXT)),
                escape(&mistake.source)
            );
        }
        out.push_str("</tbody>\n</table>\n");
    }
    out.push_str("</section>\n");
    let _ = write!(
        out,
        "<footer>stance-report {}</footer>\n</main>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION")
    );
    out
}

/// The per-fold table with mean ± std, and per-label F1 over folds.
fn cv_section(out: &mut String, cv: &CvReport) {
    out.push_str("<section>\n<h2>Cross-validation folds</h2>\n");
    let _ = writeln!(
        out,
        "<p class=\"note\">{}; featurizer and model refitted inside each fold.</p>",
        escape(&strategy_text(cv))
    );
    let with_f_avg = cv.mean.f_avg.is_some();
    let _ = write!(
        out,
        "<table>\n<thead><tr><th class=\"n\">fold</th><th>test groups</th><th class=\"n\">n_test</th>\
         <th class=\"n\">accuracy</th><th class=\"n\">macro-F1</th><th class=\"n\">weighted-F1</th>{}</tr>\
         </thead>\n<tbody>\n",
        if with_f_avg { "<th class=\"n\">F_avg</th>" } else { "" }
    );
    for fold in &cv.per_fold {
        let flag = if fold.converged { "" } else { " †" };
        let _ = writeln!(
            out,
            "<tr><td class=\"n\">{}{flag}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{:.3}</td>\
             <td class=\"n\">{:.3}</td><td class=\"n\">{:.3}</td>{}</tr>",
            fold.fold,
            escape(&fold_groups(fold)),
            fold.n_test,
            fold.accuracy,
            fold.macro_f1,
            fold.weighted_f1,
            if with_f_avg { format!("<td class=\"n\">{}</td>", maybe(fold.f_avg)) } else { String::new() }
        );
    }
    let m = &cv.mean;
    let _ = writeln!(
        out,
        "</tbody>\n<tfoot><tr><td class=\"n\" colspan=\"3\">mean ± std</td><td class=\"n\">{:.3} ± {:.3}</td>\
         <td class=\"n\">{:.3} ± {:.3}</td><td class=\"n\">{:.3} ± {:.3}</td>{}</tr></tfoot>\n</table>",
        m.accuracy.mean,
        m.accuracy.std,
        m.macro_f1.mean,
        m.macro_f1.std,
        m.weighted_f1.mean,
        m.weighted_f1.std,
        m.f_avg.map_or(String::new(), |f| format!("<td class=\"n\">{:.3} ± {:.3}</td>", f.mean, f.std))
    );
    if cv.per_fold.iter().any(|f| !f.converged) {
        out.push_str(
            "<p class=\"note\" style=\"margin:6px 0 0\">† the solver did not converge in this fold.</p>\n",
        );
    }
    out.push_str("</section>\n");
}
