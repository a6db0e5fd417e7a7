//! `stance explain` (and `classify --explain`): which features gave a sentence its label.

use std::io::{BufWriter, Write};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};
use stance_features::TermKind;
use stance_infer::{Classifier, Contribution, Explanation, LabelExplanation};

use std::path::PathBuf;

use super::classify::{Level, OutputFormat};
use super::{bind_target, load_classifier};

/// Why a sentence gets its label: each label's logit as intercept + feature contributions.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    stance explain \"Lavrov said the deployment is completely unacceptable.\"\n  \
    stance explain --top 3 --format json \"Starmer is ready to send troops.\" \"Talks go on.\"\n  \
    stance sentences article.txt | tail -n +2 | cut -f3 | stance explain -\n\n\
    Each feature is shown with the words of the text it came from (stems and n-grams mapped back),\n\
    its tf-idf value and the label's weight; contribution = value × weight. In text output, ␣ marks\n\
    the word boundary inside a character n-gram (#␣una: a word starting with \"una\").")]
pub struct ExplainArgs {
    /// Model file (default: the compiled-in model).
    #[arg(long, value_name = "MODEL")]
    model: Option<PathBuf>,
    /// Features listed per label, largest |contribution| first.
    #[arg(long, value_name = "N", default_value_t = 8)]
    top: usize,
    /// Output format (json: one object per text, one per line).
    #[arg(long, value_enum, default_value = "text")]
    format: TextOrJson,
    /// Stance target of the texts, for a per-target or conjoined model.
    #[arg(long, value_name = "TARGET")]
    target: Option<String>,
    /// Sentences to explain, each as it is (not split); - reads one sentence per line of stdin.
    #[arg(required = true, value_name = "TEXT")]
    texts: Vec<String>,
}

/// `stance explain`: the model is loaded and its target bound before stdin is read.
pub fn run(args: ExplainArgs) -> Result<ExitCode> {
    let classifier = bind_target(load_classifier(args.model.as_deref())?, args.target.as_deref())?;
    explain(&classifier, &args.texts, args.top, args.format)
}

/// Output format of `explain` and `inspect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TextOrJson {
    /// Aligned text for reading.
    Text,
    /// JSON.
    Json,
}

/// Widest feature and surface columns before text output stops aligning them.
const MAX_COLUMN: usize = 28;

/// One explanation per text (`-` = each non-empty line of stdin).
fn explain(classifier: &Classifier, texts: &[String], top: usize, format: TextOrJson) -> Result<ExitCode> {
    let texts = resolve_texts(texts)?;
    let mut out = BufWriter::new(std::io::stdout().lock());
    for (i, text) in texts.iter().enumerate() {
        let mut explanation = classifier.explain(text)?;
        explanation.truncate(top);
        match format {
            TextOrJson::Json => writeln!(out, "{}", serde_json::to_string(&explanation)?)?,
            TextOrJson::Text => {
                if i > 0 {
                    writeln!(out)?;
                }
                write_text(&mut out, &explanation)?;
            }
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// `classify --explain` explains sentences, in JSONL or text output only.
pub fn check_classify_explain(level: Level, format: OutputFormat) -> Result<()> {
    if level == Level::Article {
        bail!(
            "--explain explains single sentences and cannot be used with --level article; \
             use --level sentence (the default), or `stance explain TEXT`"
        );
    }
    if format == OutputFormat::Tsv {
        bail!("--explain needs --format jsonl, json or text (TSV has no room for explanations)");
    }
    Ok(())
}

/// The texts to explain: the arguments, with `-` replaced by the non-empty lines of stdin
/// (read once, however often `-` is given).
fn resolve_texts(args: &[String]) -> Result<Vec<String>> {
    let mut stdin_read = false;
    let mut texts = Vec::new();
    for arg in args {
        if arg == "-" {
            if !stdin_read {
                stdin_read = true;
                let input = std::io::read_to_string(std::io::stdin()).context("cannot read stdin")?;
                let before = texts.len();
                texts.extend(input.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned));
                if texts.len() == before {
                    bail!("no text on stdin to explain");
                }
            }
        } else {
            texts.push(arg.clone());
        }
    }
    Ok(texts)
}

/// The text layout of one explanation: the quoted text, the prediction, then every label's
/// logit taken apart, the predicted label first.
pub fn write_text(out: &mut impl Write, explanation: &Explanation) -> Result<()> {
    writeln!(out, "{}", quote(&explanation.text))?;
    let probabilities: Vec<String> =
        explanation.probabilities.iter().map(|(label, p)| format!("{label} {p:.2}")).collect();
    writeln!(
        out,
        "predicted: {} ({:.2})   {}",
        explanation.label,
        explanation.confidence(),
        probabilities.join("  ")
    )?;
    if let Some(r) = &explanation.relevance {
        let why = match (&r.topic_term, r.on_topic) {
            (Some(term), _) => format!("on topic: mentions {term:?}"),
            (None, true) => "on topic".to_owned(),
            (None, false) => "off topic: always neutral".to_owned(),
        };
        let top: Vec<String> = r
            .contributions
            .iter()
            .take(5)
            .map(|c| format!("{} {:+.2}", display_feature(c), c.contribution))
            .collect();
        writeln!(
            out,
            "relevance: {:.2} ({why}; logit {:+.3} = intercept {:+.3} + features: {})",
            r.relevance,
            r.logit,
            r.intercept,
            top.join(", ")
        )?;
    }
    let layout = Layout::of(explanation.per_label.iter());
    write_label(out, explanation.predicted(), &layout, "")?;
    for label in explanation.per_label.iter().filter(|l| l.label != explanation.label) {
        write_label(out, label, &layout, "")?;
    }
    Ok(())
}

/// Only the predicted label's block, indented: what `classify --explain --format text`
/// prints under each sentence.
pub fn write_predicted(out: &mut impl Write, explanation: &Explanation, indent: &str) -> Result<()> {
    let predicted = explanation.predicted();
    write_label(out, predicted, &Layout::of(std::iter::once(predicted)), indent)
}

/// Column widths shared by the label blocks of one explanation.
struct Layout {
    label: usize,
    feature: usize,
    surfaces: usize,
}

impl Layout {
    fn of<'a>(labels: impl Iterator<Item = &'a LabelExplanation>) -> Self {
        let mut layout = Layout { label: 8, feature: 0, surfaces: 0 };
        for label in labels {
            layout.label = layout.label.max(label.label.chars().count());
            for c in &label.contributions {
                layout.feature = layout.feature.max(display_feature(c).chars().count());
                layout.surfaces = layout.surfaces.max(c.surfaces.join(", ").chars().count());
            }
        }
        layout.feature = layout.feature.min(MAX_COLUMN);
        layout.surfaces = layout.surfaces.min(MAX_COLUMN);
        layout
    }
}

fn write_label(out: &mut impl Write, label: &LabelExplanation, layout: &Layout, indent: &str) -> Result<()> {
    writeln!(
        out,
        "{indent}{:<width$} logit {:.2} = intercept {:.2} + features {:.2}",
        label.label,
        label.logit,
        label.intercept,
        label.feature_total,
        width = layout.label
    )?;
    if label.contributions.is_empty() {
        writeln!(out, "{indent}    (no feature of the model's vocabulary in this text)")?;
    }
    for c in &label.contributions {
        writeln!(
            out,
            "{indent}    {:+.3}  {:<fw$}  ← {:<sw$}  (tf-idf {:.3} × weight {:.3})",
            c.contribution,
            display_feature(c),
            c.surfaces.join(", "),
            c.value,
            c.weight,
            fw = layout.feature,
            sw = layout.surfaces
        )?;
    }
    Ok(())
}

/// A feature as text output shows it ([`TermKind::display`]).
fn display_feature(c: &Contribution) -> String {
    let term = TermKind::display(&c.feature);
    // A conjoined model's target-specific copy of the feature.
    match &c.target_block {
        Some(target) => format!("{term} @{target}"),
        None => term,
    }
}

/// The text in double quotes, on one line.
fn quote(text: &str) -> String {
    format!("\"{}\"", text.replace(['\n', '\r', '\t'], " "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contribution(feature: &str) -> Contribution {
        Contribution {
            feature: feature.into(),
            kind: TermKind::of(feature),
            surfaces: vec!["unacceptable".into()],
            value: 0.214,
            weight: 2.86,
            contribution: 0.612,
            target_block: None,
        }
    }

    #[test]
    fn char_ngram_padding_is_visible() {
        assert_eq!(display_feature(&contribution("# una")), "#␣una");
        assert_eq!(display_feature(&contribution("#ble ")), "#ble␣");
        assert_eq!(display_feature(&contribution("unaccept")), "unaccept");
        let block = Contribution { target_block: Some("Atheism".into()), ..contribution("# una") };
        assert_eq!(display_feature(&block), "#␣una @Atheism");
    }

    #[test]
    fn label_block_lists_contribution_value_and_weight() {
        let label = LabelExplanation {
            label: "oppose".into(),
            logit: 2.41,
            intercept: -0.52,
            feature_total: 2.93,
            contributions: vec![contribution("unaccept")],
        };
        let mut out = Vec::new();
        write_label(&mut out, &label, &Layout::of(std::iter::once(&label)), "").unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "oppose   logit 2.41 = intercept -0.52 + features 2.93\n    \
             +0.612  unaccept  ← unacceptable  (tf-idf 0.214 × weight 2.860)\n"
        );
    }
}
