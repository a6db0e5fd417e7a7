//! The corpus table of `stance holders` (holders and countries × stance labels) as plain text,
//! Markdown, or one self-contained HTML page with inline-SVG diverging bar charts per holder
//! and per country and, for dated articles, each country's stance per month.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use stance_holders::{CorpusHolders, CorpusRow};

use crate::svg::{escape, num, text_width, truncate, Anchor, Svg};

/// Example sentences are cut to this many characters in tables.
const EXAMPLE_CHARS: usize = 160;

/// Bar colour of the label drawn to the left of the axis (the first stance label) and of the
/// one to the right.
const LEFT: &str = "#cf222e";
const RIGHT: &str = "#0969da";

fn counts_text(row: &CorpusRow, labels: &[String]) -> Vec<String> {
    labels
        .iter()
        .map(|l| format!("{} ({:.0}%)", row.counts.get(l).copied().unwrap_or(0), 100.0 * row.share(l)))
        .collect()
}

fn scope(table: &CorpusHolders) -> String {
    format!(
        "{} articles ({} dated); {} stance sentences with a holder, {} without",
        table.articles,
        table.dated_articles,
        table.holders.iter().map(CorpusRow::total).sum::<usize>(),
        table.unattributed
    )
}

/// Plain-text tables for a terminal.
pub fn holders_text(table: &CorpusHolders) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", scope(table));
    for (title, rows) in [("holder", &table.holders), ("country", &table.countries)] {
        let _ = writeln!(out);
        let width = rows.iter().map(|r| r.name.chars().count()).max().unwrap_or(0).max(title.len());
        // A country row's country is itself.
        let with_country = title == "holder";
        let mut header = if with_country {
            format!("{title:<width$}  {:<16}", "country")
        } else {
            format!("{title:<width$}")
        };
        for label in &table.labels {
            let _ = write!(header, "  {label:>12}");
        }
        let _ = writeln!(out, "{header}  articles  first .. last");
        for row in rows {
            let mut line = if with_country {
                format!("{:<width$}  {:<16}", row.name, row.country.as_deref().unwrap_or("-"))
            } else {
                format!("{:<width$}", row.name)
            };
            for cell in counts_text(row, &table.labels) {
                let _ = write!(line, "  {cell:>12}");
            }
            let _ =
                writeln!(out, "{line}  {:>8}  {} .. {}", row.articles, row.first_article, row.last_article);
            let e = &row.example;
            let _ = writeln!(
                out,
                "{:<width$}    e.g. {} {:.2} {}#{}: {}",
                "",
                e.label,
                e.confidence,
                e.article,
                e.sentence,
                truncate(&e.text, EXAMPLE_CHARS)
            );
        }
    }
    if !table.timeline.is_empty() {
        let _ = writeln!(out, "\nstance per month (dated articles)");
        for m in &table.timeline {
            let counts: Vec<String> = table
                .labels
                .iter()
                .map(|l| format!("{l} {}", m.counts.get(l).copied().unwrap_or(0)))
                .collect();
            let _ = writeln!(out, "{:<16}  {}  {}", m.country, m.month, counts.join(", "));
        }
    }
    out
}

fn md(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// Markdown tables.
pub fn holders_markdown(table: &CorpusHolders) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}\n", scope(table));
    for (title, rows) in [("Holder", &table.holders), ("Country", &table.countries)] {
        let labels: Vec<String> = table.labels.iter().map(|l| md(l)).collect();
        let _ = writeln!(
            out,
            "| {title} | country | {} | articles | first | last | example |",
            labels.join(" | ")
        );
        let _ = writeln!(out, "|---|---|{}---:|---|---|---|", "---:|".repeat(labels.len()));
        for row in rows {
            let e = &row.example;
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} {:.2}: {} |",
                md(&row.name),
                md(row.country.as_deref().unwrap_or("")),
                counts_text(row, &table.labels).join(" | "),
                row.articles,
                md(&row.first_article),
                md(&row.last_article),
                md(&e.label),
                e.confidence,
                md(&truncate(&e.text, EXAMPLE_CHARS))
            );
        }
        let _ = writeln!(out);
    }
    if !table.timeline.is_empty() {
        let _ = writeln!(
            out,
            "| Country | month | {} |",
            table.labels.iter().map(|l| md(l)).collect::<Vec<_>>().join(" | ")
        );
        let _ = writeln!(out, "|---|---|{}", "---:|".repeat(table.labels.len()));
        for m in &table.timeline {
            let counts: Vec<String> =
                table.labels.iter().map(|l| m.counts.get(l).copied().unwrap_or(0).to_string()).collect();
            let _ = writeln!(out, "| {} | {} | {} |", md(&m.country), m.month, counts.join(" | "));
        }
    }
    out
}

/// A diverging bar chart: one bar per row, the first stance label's count to the left of the
/// axis, the second's to the right (bars scaled to the largest count).
fn diverging_bars(rows: &[CorpusRow], labels: &[String], title: &str) -> String {
    let (left, right) = match labels {
        [left, right, ..] => (left.as_str(), right.as_str()),
        [only] => (only.as_str(), ""),
        [] => ("", ""),
    };
    let count = |row: &CorpusRow, label: &str| row.counts.get(label).copied().unwrap_or(0);
    let max = rows.iter().map(|r| count(r, left).max(count(r, right))).max().unwrap_or(0).max(1) as f64;
    let name_width = rows.iter().map(|r| text_width(&truncate(&r.name, 28), 12.0)).fold(60.0, f64::max);
    let half = 220.0;
    let (bar, gap, top) = (16.0, 6.0, 28.0);
    let axis = name_width + 16.0 + half;
    let width = axis + half + 40.0;
    let height = top + rows.len() as f64 * (bar + gap) + 8.0;
    let mut svg = Svg::new(width, height);
    svg.text(
        axis - 6.0,
        16.0,
        Anchor::End,
        &format!("fill=\"{LEFT}\" font-size=\"12\""),
        &format!("← {left}"),
    );
    svg.text(
        axis + 6.0,
        16.0,
        Anchor::Start,
        &format!("fill=\"{RIGHT}\" font-size=\"12\""),
        &format!("{right} →"),
    );
    for (i, row) in rows.iter().enumerate() {
        let y = top + i as f64 * (bar + gap);
        let (l, r) = (count(row, left), count(row, right));
        svg.text_titled(
            name_width + 8.0,
            y + 12.0,
            Anchor::End,
            "font-size=\"12\"",
            &truncate(&row.name, 28),
            &row.name,
        );
        let lw = half * l as f64 / max;
        let rw = half * r as f64 / max;
        if l > 0 {
            svg.rect_titled(axis - lw, y, lw, bar, LEFT, "", &format!("{}: {left} {l}", row.name));
            svg.text(axis - lw - 4.0, y + 12.0, Anchor::End, "font-size=\"11\"", &l.to_string());
        }
        if r > 0 {
            svg.rect_titled(axis, y, rw, bar, RIGHT, "", &format!("{}: {right} {r}", row.name));
            svg.text(axis + rw + 4.0, y + 12.0, Anchor::Start, "font-size=\"11\"", &r.to_string());
        }
    }
    svg.line(axis, top - 4.0, axis, height - 4.0, "#59636e", "");
    svg.finish(title, "chart")
}

/// One country's stance per month: the second label's count up, the first's down, every month
/// of the corpus on the x axis.
fn timeline_chart(table: &CorpusHolders, country: &str, months: &[&str]) -> String {
    let (left, right) = match table.labels.as_slice() {
        [left, right, ..] => (left.as_str(), right.as_str()),
        [only] => (only.as_str(), ""),
        [] => ("", ""),
    };
    let count = |month: &str, label: &str| {
        (table.timeline.iter())
            .find(|m| m.country == country && m.month == month)
            .and_then(|m| m.counts.get(label).copied())
            .unwrap_or(0)
    };
    let max = months.iter().map(|m| count(m, left).max(count(m, right))).max().unwrap_or(0).max(1) as f64;
    let (column, half, top) = (52.0, 60.0, 10.0);
    let width = 40.0 + months.len() as f64 * column;
    let axis = top + half;
    let mut svg = Svg::new(width, axis + half + 24.0);
    for (i, month) in months.iter().enumerate() {
        let x = 30.0 + i as f64 * column;
        let (down, up) = (count(month, left), count(month, right));
        let uh = half * up as f64 / max;
        let dh = half * down as f64 / max;
        if up > 0 {
            svg.rect_titled(
                x,
                axis - uh,
                column - 14.0,
                uh,
                RIGHT,
                "",
                &format!("{country} {month}: {right} {up}"),
            );
        }
        if down > 0 {
            svg.rect_titled(
                x,
                axis,
                column - 14.0,
                dh,
                LEFT,
                "",
                &format!("{country} {month}: {left} {down}"),
            );
        }
        svg.text(x + (column - 14.0) / 2.0, axis + half + 18.0, Anchor::Middle, "font-size=\"10\"", month);
    }
    svg.line(24.0, axis, width - 4.0, axis, "#59636e", "");
    svg.finish(&format!("{country}: {right} (up) and {left} (down) per month"), "chart")
}

/// The self-contained HTML page.
pub fn holders_html(title: &str, facts: &[(String, String)], table: &CorpusHolders) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n\
         <style>\n{}</style>\n</head>\n<body>\n<main>\n<h1>{}</h1>\n<dl class=\"facts\">\n",
        escape(title),
        crate::html::CSS,
        escape(title)
    );
    for (key, value) in facts {
        let _ = writeln!(out, "<dt>{}</dt><dd><span>{}</span></dd>", escape(key), escape(value));
    }
    let _ = writeln!(out, "</dl>\n<p class=\"scope\">{}</p>", escape(&scope(table)));
    for (heading, rows, what) in
        [("Holders", &table.holders, "holder"), ("Countries", &table.countries, "country")]
    {
        let _ = writeln!(out, "<section>\n<h2>{heading}</h2>");
        if rows.is_empty() {
            let _ = writeln!(
                out,
                "<p class=\"note\">No stance sentence has an identifiable {what}.</p>\n</section>"
            );
            continue;
        }
        let _ = writeln!(
            out,
            "<div class=\"chart\">{}</div>",
            diverging_bars(rows, &table.labels, &format!("Stance sentences per {what}"))
        );
        let _ = write!(out, "<table>\n<thead><tr><th>{what}</th><th>country</th>");
        for label in &table.labels {
            let _ = write!(out, "<th class=\"n\">{}</th>", escape(label));
        }
        let _ = writeln!(
            out,
            "<th class=\"n\">articles</th><th>first</th><th>last</th><th>example</th></tr></thead>\n<tbody>"
        );
        for row in rows {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td>",
                escape(&row.name),
                escape(row.country.as_deref().unwrap_or(""))
            );
            for cell in counts_text(row, &table.labels) {
                let _ = write!(out, "<td class=\"n\">{}</td>", escape(&cell));
            }
            let e = &row.example;
            let _ = writeln!(
                out,
                "<td class=\"n\">{}</td><td class=\"src\">{}</td><td class=\"src\">{}</td>\
                 <td class=\"text\"><span class=\"label\">{} {}</span> {} <span class=\"src\">{}#{}</span></td></tr>",
                row.articles,
                escape(&row.first_article),
                escape(&row.last_article),
                escape(&e.label),
                num(e.confidence * 100.0) + "%",
                escape(&truncate(&e.text, EXAMPLE_CHARS)),
                escape(&e.article),
                e.sentence
            );
        }
        let _ = writeln!(out, "</tbody>\n</table>\n</section>");
    }
    if !table.timeline.is_empty() {
        let months: BTreeSet<&str> = table.timeline.iter().map(|m| m.month.as_str()).collect();
        let months: Vec<&str> = months.into_iter().collect();
        let _ = writeln!(out, "<section>\n<h2>Stance over time per country</h2>\n<p class=\"note\">Dated articles only, per month.</p>");
        for country in table.countries.iter().filter(|c| table.timeline.iter().any(|m| m.country == c.name)) {
            let _ = writeln!(
                out,
                "<h3>{}</h3>\n<div class=\"chart\">{}</div>",
                escape(&country.name),
                timeline_chart(table, &country.name, &months)
            );
        }
        let _ = writeln!(out, "</section>");
    }
    let _ = writeln!(out, "<footer>stance holders</footer>\n</main>\n</body>\n</html>");
    out
}

#[cfg(test)]
mod tests {
    use stance_holders::{AliasTable, CorpusBuilder, StanceSentence};

    use super::*;

    fn table() -> CorpusHolders {
        let aliases = AliasTable::builtin();
        let (lavrov, starmer) = (("Sergei Lavrov", "Russia"), ("Keir Starmer", "United Kingdom"));
        let s = |holder: &(&'static str, &'static str), label, text| StanceSentence {
            sentence: 2,
            text,
            label,
            confidence: 0.75,
            holder: holder.0,
            country: Some(holder.1),
        };
        let mut builder = CorpusBuilder::new(&aliases, vec!["oppose".into(), "support".into()]);
        builder.add_article(
            "a <1>.txt",
            Some("2025-02-01"),
            &[s(&lavrov, "oppose", "No & never."), s(&starmer, "support", "Yes.")],
            0,
        );
        builder.add_article("b.txt", None, &[s(&lavrov, "oppose", "Still no.")], 1);
        builder.finish()
    }

    #[test]
    fn every_format_shows_counts_shares_and_examples() {
        let table = table();
        let text = holders_text(&table);
        assert!(text.contains("2 articles (1 dated); 3 stance sentences with a holder, 1 without"), "{text}");
        assert!(
            text.contains("Sergei Lavrov")
                && text.contains("2 (100%)")
                && text.contains("a <1>.txt .. b.txt"),
            "{text}"
        );
        assert!(text.contains("United Kingdom    2025-02  oppose 0, support 1"), "{text}");
        let markdown = holders_markdown(&table);
        assert!(
            markdown.contains("| Sergei Lavrov | Russia | 2 (100%) | 0 (0%) | 2 | a <1>.txt | b.txt |"),
            "{markdown}"
        );
        let html = holders_html("Holders", &[("input".into(), "x".into())], &table);
        assert!(html.starts_with("<!DOCTYPE html>") && !html.contains("<script"));
        assert!(
            html.contains("a &lt;1&gt;.txt") && html.contains("No &amp; never.") && !html.contains("<1>")
        );
        assert_eq!(
            html.matches("<svg").count(),
            2 + 2,
            "holders, countries, and one timeline per dated country"
        );
        assert!(html.contains("<title>Sergei Lavrov: oppose 2</title>"), "{html}");
    }
}
