//! `stance evaluate`: scoring a model against labeled rows (with `stance_eval::evaluate`) or
//! against labeled whole articles.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{anyhow, bail, Context, Result};
use clap::{Args, ValueEnum};
use serde::Serialize;
use stance_eval::{ArticleEvaluation, ArticleOutcome, Evaluation, EvaluationSummary, LabeledText};
use stance_infer::Classifier;
use stance_train::LabeledData;

use super::{check_outputs, emit_report, load_classifier, model_name, parse_probability};
use crate::args::{DataArgs, ReportArgs, ReportFormat};
use crate::report_file;

/// Measure a model on labeled data: accuracy, per-class P/R/F1, macro/weighted F1, F_avg,
/// confusion, per-target metrics, calibration and (optionally) abstention.
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  stance evaluate --model models/peacekeepers.json --data test.tsv --format json\n\n\
                  A SemEval-2016 Task 6 file in Windows-1252, abstaining below a confidence of 0.6:\n  \
                  stance evaluate --model semeval.json --data SemEval2016-Task6-test.txt --encoding auto --min-confidence 0.6"
)]
pub struct EvaluateArgs {
    /// Model file (default: the compiled-in model).
    #[arg(long, value_name = "MODEL")]
    model: Option<PathBuf>,
    #[command(flatten)]
    data: DataArgs,
    /// Label meaning "no stance", left out of F_avg (default: the model's neutral label).
    #[arg(long, value_name = "LABEL")]
    neutral_label: Option<String>,
    /// Leave predictions whose top probability is below P undecided, and report coverage
    /// and the metrics of the decided rows (plus a coverage-vs-accuracy table).
    #[arg(long, value_name = "P", value_parser = parse_probability, allow_negative_numbers = true)]
    min_confidence: Option<f64>,
    /// What the data labels: single sentences (one text per row), or whole articles (each
    /// row names an article file in --articles by its --text-col, e.g. `--text-col article`,
    /// with the article's gold label; a --topic-col of true/false marks articles that are
    /// not about the target, and the report counts how many of them got a stance).
    #[arg(long, value_enum, default_value = "sentence")]
    level: EvaluateLevel,
    /// With --level article: the folder holding the article files.
    #[arg(long, value_name = "DIR")]
    articles: Option<PathBuf>,
    #[command(flatten)]
    output: ReportArgs,
}

/// What `stance evaluate` compares with the gold labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EvaluateLevel {
    /// Each row's text as one sentence.
    Sentence,
    /// Whole articles, labeled by the article rule of `classify --level article`.
    Article,
}

/// `stance evaluate --format json`: the evaluation summary (shared with the Python package)
/// and, for data with holder columns, the holder accuracy.
#[derive(Serialize)]
struct EvaluateJson<'a> {
    #[serde(flatten)]
    summary: EvaluationSummary<'a>,
    /// Holder accuracy on the gold stance rows, for data with `holder` and `holder_country`.
    #[serde(skip_serializing_if = "Option::is_none")]
    holders: Option<stance_holders::HolderAccuracy>,
}

/// Pretty JSON with every object's keys in sorted order (through [`serde_json::Value`], whose
/// maps are sorted), as `evaluate --format json` has always printed them.
fn sorted_json(value: &impl Serialize) -> Result<String> {
    Ok(serde_json::to_string_pretty(&serde_json::to_value(value)?)? + "\n")
}

/// `stance evaluate`: the flags, the outputs and the model are checked before the data is read.
pub fn run(args: EvaluateArgs) -> Result<ExitCode> {
    let EvaluateArgs {
        model,
        data,
        neutral_label,
        min_confidence,
        level,
        articles,
        output: ReportArgs { format, out, report, force },
    } = args;
    if level == EvaluateLevel::Article {
        let Some(articles) = articles else {
            bail!("--level article needs --articles DIR, the folder of the article files");
        };
        if report.is_some() || format == ReportFormat::Markdown {
            bail!("--level article reports as text or json (--format); --report and markdown are for sentence level");
        }
        check_outputs([out.as_deref()], force)?;
        let classifier = load_classifier(model.as_deref())?.with_min_confidence(min_confidence)?;
        let labeled = data.read(None)?;
        warn_if_training_data(&classifier, &labeled);
        let options = EvaluateOptions { neutral_label, min_confidence: None };
        let evaluation = evaluate_articles(&classifier, &labeled, &articles, &options)?;
        let text = match format {
            ReportFormat::Json => serde_json::to_string_pretty(&evaluation)? + "\n",
            _ => stance_report::article_evaluation_text(&evaluation),
        };
        return emit_report(&text, out.as_deref());
    }
    if articles.is_some() {
        bail!("--articles is for --level article");
    }
    check_outputs([out.as_deref(), report.as_deref()], force)?;
    let report_file = report_file::ReportFile::check(report)?;
    let classifier = load_classifier(model.as_deref())?;
    if classifier.needs_target() && data.target_col.is_none() {
        bail!(
            "{} is a target-aware model: pass --target-col COL naming each row's target (known targets: {})",
            model_name(model.as_deref()),
            classifier.targets().join(", ")
        );
    }
    let mut columns = data.columns(None);
    columns.extra = GOLD_HOLDER_COLUMNS.map(String::from).to_vec();
    let labeled = data.read_columns(&columns)?;
    warn_if_training_data(&classifier, &labeled);
    let options = EvaluateOptions { neutral_label, min_confidence };
    let evaluation = evaluate(&classifier, &labeled, &options)?;
    if let Some(file) = &report_file {
        file.write_evaluation(model.as_deref(), &labeled.path, &evaluation)?;
    }
    let neutral = self::neutral_label(&classifier, &options)?;
    let holders = gold_holders(&labeled, neutral.as_deref())?;
    let summary =
        EvaluationSummary::new(&evaluation, labeled.path.display().to_string(), model_name(model.as_deref()));
    let json = EvaluateJson { summary, holders };
    let holder_lines = holders.map_or(String::new(), |h| {
        format!(
            "\nholders of the {} gold stance rows (rules, not the model): exact {:.3}, after alias merging {:.3}, country {:.3}\n",
            h.sentences, h.exact, h.merged, h.country
        )
    });
    let text = match format {
        ReportFormat::Text => stance_report::evaluation_text(&evaluation) + &holder_lines,
        ReportFormat::Json => sorted_json(&json)?,
        ReportFormat::Markdown => {
            stance_report::render_markdown(&report_file::evaluation_page(
                model.as_deref(),
                &labeled.path,
                &evaluation,
            )) + &holder_lines
        }
    };
    emit_report(&text, out.as_deref())
}

/// Warns on stderr when `data` is byte for byte the file the model was trained on (the model
/// stores its SHA-256): its scores then measure memory, not accuracy.
fn warn_if_training_data(classifier: &Classifier, data: &LabeledData) {
    if evaluates_training_data(classifier.model(), data) {
        eprintln!(
            "stance: warning: evaluating on the training data: {} has the SHA-256 of the file the model was \
             trained on, so these scores say how well it remembers, not how well it generalises \
             (use stance cv for an honest estimate)",
            data.path.display()
        );
    }
}

/// Whether `data` is the model's training file (same SHA-256).
fn evaluates_training_data(model: &stance_model::ModelFile, data: &LabeledData) -> bool {
    !data.sha256.is_empty() && model.training.data_sha256.eq_ignore_ascii_case(&data.sha256)
}

/// The columns (or keys) of gold holders, read beside the labeled rows: each row's article, and
/// the holder and its country of a stance row.
const GOLD_HOLDER_COLUMNS: [&str; 3] = ["article", "holder", "holder_country"];

/// Holder accuracy for data read with the [`GOLD_HOLDER_COLUMNS`] (as
/// `data/labeled/peacekeepers.tsv` has them): each article's rows in file order are its
/// sentences, and its rows whose label is not `neutral` are scored. `None` for data without
/// those columns; a row without one of them, in data with them, is an error naming its line.
fn gold_holders(data: &LabeledData, neutral: Option<&str>) -> Result<Option<stance_holders::HolderAccuracy>> {
    // Gold holders when some row has all three columns (a table has them on every row or none);
    // then every row must have them.
    if !data.rows.iter().any(|row| row.extra.iter().all(Option::is_some)) {
        return Ok(None);
    }
    let mut articles: Vec<(&str, stance_holders::GoldArticle)> = Vec::new();
    for row in &data.rows {
        let field = |i: usize| {
            row.extra[i].as_deref().ok_or_else(|| {
                anyhow!("{}:{}: no column {}", data.path.display(), row.line, GOLD_HOLDER_COLUMNS[i])
            })
        };
        let name = field(0)?;
        if articles.last().is_none_or(|(last, _)| *last != name) {
            articles.push((name, stance_holders::GoldArticle::default()));
        }
        let gold = &mut articles.last_mut().expect("just pushed").1;
        gold.sentences.push(row.text.clone());
        let stance = Some(row.label.as_str()) != neutral;
        gold.gold.push(
            stance
                .then(|| Ok::<_, anyhow::Error>((field(1)?.to_owned(), field(2)?.to_owned())))
                .transpose()?,
        );
    }
    let articles: Vec<stance_holders::GoldArticle> = articles.into_iter().map(|(_, a)| a).collect();
    Ok(Some(stance_holders::holder_accuracy(&stance_holders::HolderFinder::default(), &articles)))
}

/// What `stance evaluate` computes besides the plain metrics.
#[derive(Debug, Clone, Default)]
struct EvaluateOptions {
    /// The label F_avg leaves out; `None` → the model's neutral label (if it has one).
    neutral_label: Option<String>,
    /// Predictions whose top probability is below this are undecided (abstention report).
    min_confidence: Option<f64>,
}

/// Classifies every row of `data` as one sentence (about the row's target, for a
/// target-aware model) and compares with its label (`stance_eval::evaluate_model`).
fn evaluate(classifier: &Classifier, data: &LabeledData, options: &EvaluateOptions) -> Result<Evaluation> {
    // A named neutral label is checked here, to name the flag.
    neutral_label(classifier, options)?;
    let rows = data.rows.iter().map(|row| LabeledText {
        text: &row.text,
        label: &row.label,
        target: row.target.as_deref(),
        source: format!("{}:{}", data.path.display(), row.line),
    });
    Ok(stance_eval::evaluate_model(
        classifier.model(),
        rows,
        options.neutral_label.as_deref(),
        options.min_confidence,
    )?)
}

/// The neutral label F_avg leaves out: one named on the command line must be one of the
/// model's; by default the model's own (resolved when it was trained), not one detected by
/// name again.
fn neutral_label(classifier: &Classifier, options: &EvaluateOptions) -> Result<Option<String>> {
    let labels = classifier.labels();
    Ok(match options.neutral_label.as_deref() {
        Some(name) => stance_eval::resolve_neutral_label(labels, Some(name)).map_err(|_| {
            anyhow!("--neutral-label {name:?} is not one of the model's labels ({})", labels.join(", "))
        })?,
        None => classifier.neutral_label().map(str::to_owned),
    })
}

/// `stance evaluate --level article`: classifies every article that `data` names (its text
/// column holds the file name, relative to `articles`) and compares the article's label with
/// the row's; the row's topic value, if any, says whether the article is about the target.
/// Every row is checked (label, topic, readable article) before any article is classified.
fn evaluate_articles(
    classifier: &Classifier,
    data: &LabeledData,
    articles: &Path,
    options: &EvaluateOptions,
) -> Result<ArticleEvaluation> {
    let labels = classifier.labels();
    let neutral = neutral_label(classifier, options)?;
    let topics = stance_train::row_topics(data, None)?;
    let mut checked = Vec::with_capacity(data.rows.len());
    for (row, topic) in data.rows.iter().zip(topics) {
        let at = format!("{}:{}", data.path.display(), row.line);
        let Some(truth) = labels.iter().position(|l| *l == row.label) else {
            bail!("{at}: label {:?} is not one of the model's labels ({})", row.label, labels.join(", "));
        };
        let path = articles.join(&row.text);
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("{at}: cannot read article {}", path.display()))?;
        let gold_on_topic = row.topic.as_ref().and(topic).map(|t| t.is_on_topic());
        checked.push((row, at, truth, text, gold_on_topic));
    }
    let mut outcomes = Vec::with_capacity(checked.len());
    for (row, at, truth, text, gold_on_topic) in checked {
        let prediction = classifier.classify_article(&text).with_context(|| format!("{at}: {}", row.text))?;
        let predicted = labels.iter().position(|l| *l == prediction.label).unwrap_or(0);
        outcomes.push(ArticleOutcome {
            article: row.text.clone(),
            truth,
            predicted,
            gold_on_topic,
            on_topic: prediction.on_topic,
        });
    }
    Ok(ArticleEvaluation::new(labels, outcomes, neutral.as_deref()))
}
