//! The report's three charts, as inline SVG strings.

use stance_eval::{Confusion, Reliability, Report};

use crate::class_rows;
use crate::svg::{num, ramp, text_width, truncate, Anchor, Svg};

/// Sequential single-hue scale (ColorBrewer "Blues") for the heatmap: light = small share.
const BLUES: [(f64, [u8; 3]); 5] = [
    (0.0, [247, 251, 255]),
    (0.25, [198, 219, 239]),
    (0.5, [107, 174, 214]),
    (0.75, [33, 113, 181]),
    (1.0, [8, 48, 107]),
];
/// Above this share the cell is dark enough for white text.
const WHITE_TEXT_FROM: f64 = 0.6;

/// Width of the heatmap's colour ramp legend, and its caption.
const LEGEND_W: f64 = 120.0;
const LEGEND_CAPTION: &str = "share of the true row";

/// Okabe–Ito colours (distinguishable with the common colour-vision deficiencies).
const PRECISION: &str = "#0072b2";
const RECALL: &str = "#e69f00";
const F1: &str = "#009e73";
const VERMILLION: &str = "#d55e00";

const INK: &str = "#1f2328";
const MUTED: &str = "#59636e";
const GRID: &str = "#e1e4e8";
const AXIS: &str = "#8c959f";

/// Longest label shown in a chart, in characters (the full name is in a tooltip).
const MAX_LABEL: usize = 24;

fn muted(size: u32) -> String {
    format!(r#"font-size="{size}" fill="{MUTED}""#)
}

fn ink(size: u32) -> String {
    format!(r#"font-size="{size}" fill="{INK}""#)
}

/// Confusion matrix heatmap: rows = true label, columns = predicted label, each cell coloured
/// by its share of the row and labelled with its count; row totals on the right. Returns the
/// SVG and its natural width.
pub fn confusion_heatmap(confusion: &Confusion) -> (String, f64) {
    let labels = &confusion.labels;
    let k = labels.len().max(1);
    let cell = (360.0 / k as f64).clamp(26.0, 96.0).floor();
    let label_font: u32 = if cell >= 40.0 { 13 } else { 11 };
    let count_font: u32 = if cell >= 56.0 {
        16
    } else if cell >= 36.0 {
        13
    } else {
        10
    };
    let shown: Vec<String> = labels.iter().map(|l| truncate(l, MAX_LABEL)).collect();
    let longest = shown.iter().map(|l| text_width(l, f64::from(label_font))).fold(0.0, f64::max);
    // Column labels run horizontally when they fit a cell, else at 45°.
    let rotate = longest + 8.0 > cell;
    let column_labels_h = if rotate { longest * 0.72 + 12.0 } else { f64::from(label_font) + 12.0 };
    let top = 26.0 + column_labels_h;
    let left = 30.0 + longest + 10.0;
    let total_w: f64 = 52.0;
    let right = if rotate { total_w.max(longest * 0.72 - cell / 2.0 + 12.0) } else { total_w };
    let side = k as f64 * cell;
    let legend_h = 54.0;
    // Wide enough for the matrix and for the legend under it (ramp and caption).
    let width = (left + side + right).max(left + LEGEND_W + 10.0 + text_width(LEGEND_CAPTION, 11.0) + 8.0);
    let mut svg = Svg::new(width, top + side + legend_h);

    svg.text(left + side / 2.0, 16.0, Anchor::Middle, &muted(12), "predicted label");
    let mid_y = top + side / 2.0;
    let title_x = left - longest - 26.0;
    svg.text(
        title_x,
        mid_y,
        Anchor::Middle,
        &format!(r#"{} transform="rotate(-90 {} {})""#, muted(12), num(title_x), num(mid_y)),
        "true label",
    );
    for (p, (name, full)) in shown.iter().zip(labels).enumerate() {
        let x = left + (p as f64 + 0.5) * cell;
        if rotate {
            let y = top - 8.0;
            let attrs = format!(r#"{} transform="rotate(-45 {} {})""#, ink(label_font), num(x - 3.0), num(y));
            svg.text_titled(x - 3.0, y, Anchor::Start, &attrs, name, full);
        } else {
            svg.text_titled(x, top - 10.0, Anchor::Middle, &ink(label_font), name, full);
        }
    }
    svg.text(left + side + 10.0, top - 10.0, Anchor::Start, &muted(11), "rows");

    for (t, row) in confusion.matrix.iter().enumerate() {
        let y = top + t as f64 * cell;
        let total: usize = row.iter().sum();
        svg.text_titled(
            left - 10.0,
            y + cell / 2.0 + f64::from(label_font) * 0.35,
            Anchor::End,
            &ink(label_font),
            &shown[t],
            &labels[t],
        );
        for (p, &count) in row.iter().enumerate() {
            let x = left + p as f64 * cell;
            let share = if total == 0 { 0.0 } else { count as f64 / total as f64 };
            let tip = format!(
                "true {} → predicted {}: {count} of {total} ({:.1}% of the row)",
                labels[t],
                labels[p],
                share * 100.0
            );
            let outline =
                if t == p { format!(r#"stroke="{INK}" stroke-width="1.5""#) } else { String::new() };
            svg.rect_titled(
                x,
                y,
                cell,
                cell,
                &ramp(&BLUES, share),
                r##"stroke="#fff" stroke-width="1""##,
                &tip,
            );
            if !outline.is_empty() {
                svg.rect(x + 1.5, y + 1.5, cell - 3.0, cell - 3.0, "none", &outline);
            }
            // Zeros recede so that the errors stand out.
            let colour = if count == 0 {
                AXIS
            } else if share > WHITE_TEXT_FROM {
                "#ffffff"
            } else {
                INK
            };
            let weight = if count_font >= 13 { r#" font-weight="600""# } else { "" };
            let show_share = cell >= 56.0;
            let count_y =
                if show_share { y + cell / 2.0 + 1.0 } else { y + cell / 2.0 + f64::from(count_font) * 0.35 };
            svg.text(
                x + cell / 2.0,
                count_y,
                Anchor::Middle,
                &format!(
                    r#"font-size="{count_font}"{weight} fill="{colour}" class="count" data-true="{t}" data-predicted="{p}""#
                ),
                &count.to_string(),
            );
            if show_share {
                svg.text(
                    x + cell / 2.0,
                    y + cell / 2.0 + 17.0,
                    Anchor::Middle,
                    &format!(r#"font-size="11" fill="{colour}" fill-opacity="0.85""#),
                    &format!("{:.0}%", share * 100.0),
                );
            }
        }
        svg.text(
            left + side + 10.0,
            y + cell / 2.0 + 4.0,
            Anchor::Start,
            &muted(if cell >= 36.0 { 12 } else { 10 }),
            &total.to_string(),
        );
    }

    // Legend: the colour ramp from 0 % to 100 % of a row, captioned on its right.
    let legend_y = top + side + 16.0;
    let legend_w = LEGEND_W;
    let steps = 10;
    for s in 0..steps {
        let w = legend_w / steps as f64;
        let colour = ramp(&BLUES, (s as f64 + 0.5) / steps as f64);
        svg.rect(left + s as f64 * w, legend_y, w + 0.5, 10.0, &colour, "");
    }
    svg.rect(left, legend_y, legend_w, 10.0, "none", &format!(r#"stroke="{AXIS}" stroke-width="0.5""#));
    svg.text(left, legend_y + 24.0, Anchor::Start, &muted(10), "0%");
    svg.text(left + legend_w, legend_y + 24.0, Anchor::End, &muted(10), "100%");
    svg.text(left + legend_w + 10.0, legend_y + 9.0, Anchor::Start, &muted(11), LEGEND_CAPTION);

    (svg.finish("Confusion matrix: rows are true labels, columns predicted labels", "heatmap"), width)
}

/// Precision, recall and F1 of each label as grouped horizontal bars.
pub fn class_bars(report: &Report) -> String {
    let rows = class_rows(report);
    let k = rows.len().max(1);
    let (bar, gap) = if k <= 6 {
        (13.0, 18.0)
    } else if k <= 12 {
        (9.0, 12.0)
    } else {
        (6.0, 8.0)
    };
    let label_font: u32 = if k <= 12 { 13 } else { 11 };
    let show_values = bar >= 9.0;
    let shown: Vec<String> = rows.iter().map(|(l, _)| truncate(l, MAX_LABEL)).collect();
    let longest = shown.iter().map(|l| text_width(l, f64::from(label_font))).fold(0.0, f64::max);
    let left = longest + 16.0;
    let right = if show_values { 40.0 } else { 16.0 };
    let width = 400.0_f64.max(left + 200.0 + right);
    let plot_w = width - left - right;
    let top = 36.0;
    let group_h = 3.0 * bar + 2.0 * 2.0;
    let plot_h = k as f64 * (group_h + gap);
    let mut svg = Svg::new(width, top + plot_h + 30.0);

    // Legend.
    let mut x = left;
    for (name, colour) in [("precision", PRECISION), ("recall", RECALL), ("F1", F1)] {
        svg.rect(x, 8.0, 12.0, 12.0, colour, r#"rx="2""#);
        svg.text(x + 17.0, 18.5, Anchor::Start, &ink(12), name);
        x += 17.0 + text_width(name, 12.0) + 20.0;
    }
    // Grid and axis.
    for tick in 0..=4 {
        let v = f64::from(tick) / 4.0;
        let gx = left + v * plot_w;
        svg.line(gx, top - 4.0, gx, top + plot_h, if tick == 0 { AXIS } else { GRID }, "");
        svg.text(gx, top + plot_h + 16.0, Anchor::Middle, &muted(11), &format!("{v:.2}"));
    }
    for (i, ((label, m), name)) in rows.iter().zip(&shown).enumerate() {
        let y0 = top + i as f64 * (group_h + gap) + gap / 2.0;
        svg.text_titled(
            left - 8.0,
            y0 + group_h / 2.0 + f64::from(label_font) * 0.35,
            Anchor::End,
            &ink(label_font),
            name,
            label,
        );
        for (j, (metric, value, colour)) in
            [("precision", m.precision, PRECISION), ("recall", m.recall, RECALL), ("F1", m.f1, F1)]
                .into_iter()
                .enumerate()
        {
            let y = y0 + j as f64 * (bar + 2.0);
            let w = value.clamp(0.0, 1.0) * plot_w;
            let tip = format!("{label}: {metric} {value:.3} (support {})", m.support);
            svg.rect_titled(left, y, w.max(1.0), bar, colour, r#"class="class-bar""#, &tip);
            if show_values {
                svg.text(left + w + 4.0, y + bar - 2.0, Anchor::Start, &muted(10), &format!("{value:.2}"));
            }
        }
    }
    svg.finish("Precision, recall and F1 of each label", "bars")
}

/// Reliability diagram: for each non-empty confidence bin a bar up to the bin's accuracy and
/// a dot at the bin's mean confidence, with the bin's number of rows in a strip above the plot;
/// the dashed diagonal is perfect calibration.
pub fn reliability_diagram(reliability: &Reliability) -> String {
    let (left, right, top, bottom) = (52.0, 16.0, 58.0, 46.0);
    let (plot_w, plot_h) = (412.0, 300.0);
    let mut svg = Svg::new(left + plot_w + right, top + plot_h + bottom);
    let x = |c: f64| left + c.clamp(0.0, 1.0) * plot_w;
    let y = |a: f64| top + (1.0 - a.clamp(0.0, 1.0)) * plot_h;

    // Legend.
    svg.rect(left, 8.0, 12.0, 12.0, PRECISION, r#"fill-opacity="0.8" rx="2""#);
    svg.text(left + 17.0, 18.5, Anchor::Start, &ink(12), "accuracy of the bin");
    let lx = left + 17.0 + text_width("accuracy of the bin", 12.0) + 16.0;
    svg.circle(lx + 5.0, 14.0, 4.5, VERMILLION, r##"stroke="#fff" stroke-width="1""##, "mean confidence");
    svg.text(lx + 14.0, 18.5, Anchor::Start, &ink(12), "mean confidence");
    let lx = lx + 14.0 + text_width("mean confidence", 12.0) + 16.0;
    svg.line(lx, 14.0, lx + 18.0, 14.0, AXIS, r#"stroke-width="1.5" stroke-dasharray="4 3""#);
    svg.text(lx + 23.0, 18.5, Anchor::Start, &ink(12), "ideal");
    // The rows strip: one count per bin, above the plot.
    svg.text(left - 6.0, top - 10.0, Anchor::End, &muted(11), "rows");

    for tick in 0..=5 {
        let v = f64::from(tick) / 5.0;
        let colour = if tick == 0 { AXIS } else { GRID };
        svg.line(x(v), top, x(v), top + plot_h, colour, "");
        svg.line(left, y(v), left + plot_w, y(v), colour, "");
        svg.text(x(v), top + plot_h + 16.0, Anchor::Middle, &muted(11), &format!("{v:.1}"));
        svg.text(left - 6.0, y(v) + 4.0, Anchor::End, &muted(11), &format!("{v:.1}"));
    }
    svg.text(
        left + plot_w / 2.0,
        top + plot_h + 38.0,
        Anchor::Middle,
        &muted(12),
        "confidence (probability of the predicted label)",
    );
    let mid_y = top + plot_h / 2.0;
    svg.text(
        14.0,
        mid_y,
        Anchor::Middle,
        &format!(r#"{} transform="rotate(-90 14 {})""#, muted(12), num(mid_y)),
        "accuracy",
    );

    let bins: Vec<_> = reliability.bins.iter().filter(|b| b.count > 0).collect();
    for bin in &bins {
        let (x0, x1) = (x(bin.lower) + 2.0, x(bin.upper) - 2.0);
        let bar_top = y(bin.accuracy).min(y(0.0) - 2.0);
        let tip = format!(
            "confidence {:.1}–{:.1}: {} rows, accuracy {:.3}, mean confidence {:.3}",
            bin.lower, bin.upper, bin.count, bin.accuracy, bin.mean_confidence
        );
        svg.rect_titled(
            x0,
            bar_top,
            x1 - x0,
            y(0.0) - bar_top,
            PRECISION,
            r#"fill-opacity="0.8" class="rel-bar""#,
            &tip,
        );
        svg.text((x0 + x1) / 2.0, top - 10.0, Anchor::Middle, &ink(11), &bin.count.to_string());
    }
    // The diagonal and the dots go over the bars.
    svg.line(x(0.0), y(0.0), x(1.0), y(1.0), AXIS, r#"stroke-width="1.5" stroke-dasharray="5 4""#);
    for bin in &bins {
        let tip = format!("mean confidence {:.3}, accuracy {:.3}", bin.mean_confidence, bin.accuracy);
        svg.circle(
            x(bin.mean_confidence),
            y(bin.accuracy),
            4.5,
            VERMILLION,
            r##"stroke="#fff" stroke-width="1.2" class="rel-point""##,
            &tip,
        );
    }
    svg.finish("Reliability diagram: accuracy against confidence, per confidence bin", "reliability")
}
