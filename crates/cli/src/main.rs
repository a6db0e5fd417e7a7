//! `stance`: split articles into sentences, train stance models, classify articles, and report
//! how accurate a model is.
//!
//! Exit codes: 0 success; 1 error; 2 usage error; 3 a batch ran but some documents failed
//! (each failure is reported on stderr).

mod args;
mod classify;
mod documents;
mod explain;
mod inspect;
mod progress;
mod records;
mod report_file;
mod reports;
mod rows;
mod suggest;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use stance_infer::Classifier;
use stance_train::{CalibrationSpec, CvSpec, TrainingRun};

use crate::args::{CvArgs, DataArgs, ModelArgs, ReportArgs, TargetArgs};

/// Exit code when a batch finished but some documents could not be processed.
pub const EXIT_SOME_FAILED: u8 = 3;

#[derive(Debug, Parser)]
#[command(
    name = "stance",
    version,
    about = "Stance classification of news text: split, train, classify, evaluate.",
    after_help = "Exit codes:\n  0  success\n  1  error (reported on stderr)\n  2  usage error (bad command line)\n  \
                  3  a batch finished but some documents failed (each is named on stderr; the rest were processed)"
)]
struct Cli {
    /// No progress bars (they are only drawn on a terminal, after a second of work).
    #[arg(long, short, global = true)]
    quiet: bool,
    /// Worker threads for training, cross-validation and classification [default: all cores].
    /// Results are the same for any number.
    #[arg(long, global = true, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Split articles into sentences, as TSV `article<TAB>sentence<TAB>text` ready to label.
    #[command(after_help = "Example:\n  stance sentences data/corpus > to_label.tsv")]
    Sentences {
        /// Article files, directories (walked) or - for stdin.
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
        /// Articles that are not valid UTF-8: decode with U+FFFD and warn, or skip as failed.
        #[arg(long, value_enum, default_value = "replace", value_name = "WHAT")]
        invalid_utf8: documents::InvalidUtf8,
    },
    /// Train a model from a labeled file and write it atomically.
    #[command(
        after_help = "Example:\n  stance train --data data/labeled/peacekeepers.tsv --group-col article --out models/mine.json"
    )]
    Train {
        #[command(flatten)]
        data: DataArgs,
        /// Column (or JSON key) grouping rows, e.g. the article; cross-validation never splits a group.
        #[arg(long, value_name = "COL")]
        group_col: Option<String>,
        /// Label meaning "no stance" (default: a label named neutral or none, if any).
        #[arg(long, value_name = "LABEL")]
        neutral_label: Option<String>,
        /// Where to write the model.
        #[arg(long, value_name = "MODEL")]
        out: PathBuf,
        /// Overwrite --out if it exists.
        #[arg(long)]
        force: bool,
        /// Skip the cross-validation recorded in the model.
        #[arg(long)]
        no_cv: bool,
        /// Fit a temperature for the probabilities on held-out data and store it in the model:
        /// one fold of 5 (whole groups with --group-col, else stratified with --seed) is scored by
        /// a model fitted on the other rows; the final model is still fitted on all rows.
        #[arg(long)]
        calibrate: bool,
        /// A file of topic terms (one per line or comma-separated; `#` starts a comment line):
        /// a text mentioning one (matched on stems) is on topic whatever the relevance model says.
        /// Without --topic-col, these terms alone decide what is on topic.
        #[arg(long, value_name = "FILE")]
        topic_terms: Option<PathBuf>,
        #[command(flatten)]
        cv: CvArgs,
        #[command(flatten)]
        targets: TargetArgs,
        #[command(flatten)]
        model: ModelArgs,
    },
    /// Classify articles sentence by sentence or as whole articles, or stream JSONL records.
    #[command(after_help = "Examples:\n  \
        stance classify data/corpus\n  \
        stance classify --level article --format text article.txt\n  \
        cat article.txt | stance classify -\n  \
        stance classify --explain --top 5 --format text article.txt\n  \
        stance classify --input-format jsonl --text-field body --level text < in.jsonl > out.jsonl\n\n\
        With --input-format jsonl each output line is the input record, its fields as they were, plus\n\
        label and probabilities (--level text: the whole text as one unit; --level sentence: one line\n\
        per sentence, the text field holding the sentence, plus its number under sentence; --level\n\
        article: label, sentences, shares, top_sentences). An input key of the same name as an added\n\
        key is replaced. Records are read, classified and written in bounded chunks, so any input size\n\
        streams in constant memory; blank lines are skipped; a bad record is named FILE:LINE on stderr\n\
        and the rest go on (exit code 3).")]
    Classify {
        /// Model file (default: the peacekeeper model compiled into stance).
        #[arg(long, value_name = "MODEL")]
        model: Option<PathBuf>,
        /// Article or JSONL files, directories (walked) or - for stdin [default: -].
        inputs: Vec<PathBuf>,
        /// One row per sentence, per article, or per input text classified as one unit (no
        /// sentence splitting; for data with one sentence per row).
        #[arg(long, value_enum, default_value = "sentence")]
        level: Level,
        /// What the inputs hold: plain-text articles, or JSON Lines records (one object per line,
        /// the text under --text-field; the output is then JSONL).
        #[arg(long, value_enum, default_value = "text", value_name = "FORMAT")]
        input_format: records::InputFormat,
        /// With --input-format jsonl: the key holding each record's text [default: text].
        #[arg(long, value_name = "KEY", alias = "text-col")]
        text_field: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value = "jsonl")]
        format: OutputFormat,
        /// Explain each sentence's label by its top features (sentence level, jsonl or text only):
        /// jsonl rows get an `explanation` key, text lists the predicted label's features.
        #[arg(long)]
        explain: bool,
        /// With --explain: features listed per label.
        #[arg(long, value_name = "N", default_value_t = 8, requires = "explain")]
        top: usize,
        /// Stance target of every input, for a per-target or conjoined model.
        #[arg(long, value_name = "TARGET")]
        target: Option<String>,
        /// With --input-format jsonl: the key holding each record's stance target (a per-target or
        /// conjoined model scores every record about its own target; --target covers records
        /// without the key).
        #[arg(long, value_name = "KEY")]
        target_field: Option<String>,
        /// Leave sentences whose top probability is below P undecided: their label is
        /// `undecided` and articles do not count them.
        #[arg(long, value_name = "P", value_parser = parse_probability, allow_negative_numbers = true)]
        min_confidence: Option<f64>,
        /// Articles that are not valid UTF-8: decode with U+FFFD and warn, or skip as failed.
        #[arg(long, value_enum, default_value = "replace", value_name = "WHAT")]
        invalid_utf8: documents::InvalidUtf8,
    },
    /// Why a sentence gets its label: each label's logit as intercept + feature contributions.
    #[command(after_help = "Examples:\n  \
        stance explain \"Lavrov said the deployment is completely unacceptable.\"\n  \
        stance explain --top 3 --format json \"Starmer is ready to send troops.\" \"Talks go on.\"\n  \
        stance sentences article.txt | tail -n +2 | cut -f3 | stance explain -\n\n\
        Each feature is shown with the words of the text it came from (stems and n-grams mapped back),\n\
        its tf-idf value and the label's weight; contribution = value × weight. In text output, ␣ marks\n\
        the word boundary inside a character n-gram (#␣una: a word starting with \"una\").")]
    Explain {
        /// Model file (default: the compiled-in model).
        #[arg(long, value_name = "MODEL")]
        model: Option<PathBuf>,
        /// Features listed per label, largest |contribution| first.
        #[arg(long, value_name = "N", default_value_t = 8)]
        top: usize,
        /// Output format (json: one object per text, one per line).
        #[arg(long, value_enum, default_value = "text")]
        format: explain::TextOrJson,
        /// Stance target of the texts, for a per-target or conjoined model.
        #[arg(long, value_name = "TARGET")]
        target: Option<String>,
        /// Sentences to explain, each as it is (not split); - reads one sentence per line of stdin.
        #[arg(required = true, value_name = "TEXT")]
        texts: Vec<String>,
    },
    /// The model card: labels, features, training data, options, solver, stored CV, top features.
    #[command(
        after_help = "Examples:\n  stance inspect\n  stance inspect --model models/mine.json --top 30 --format json"
    )]
    Inspect {
        /// Model file (default: the compiled-in model).
        #[arg(long, value_name = "MODEL")]
        model: Option<PathBuf>,
        /// Features listed per label (largest positive weights).
        #[arg(long, value_name = "N", default_value_t = 15)]
        top: usize,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: explain::TextOrJson,
    },
    /// Measure a model on labeled data: accuracy, per-class P/R/F1, macro/weighted F1, F_avg,
    /// confusion, per-target metrics, calibration and (optionally) abstention.
    #[command(
        after_help = "Example:\n  stance evaluate --model models/peacekeepers.json --data test.tsv --format json\n\n\
                      A SemEval-2016 Task 6 file in Windows-1252, abstaining below a confidence of 0.6:\n  \
                      stance evaluate --model semeval.json --data SemEval2016-Task6-test.txt --encoding auto --min-confidence 0.6"
    )]
    Evaluate {
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
    },
    /// Pick the unlabeled sentences the model is least sure of, spread across articles, as a
    /// TSV ready to label (fill the empty `label` column, then add the rows to your training data).
    #[command(
        after_help = "Example:\n  stance sentences new_articles/ > pool.tsv\n  stance suggest --pool pool.tsv --n 20 > to_label.tsv"
    )]
    Suggest {
        /// Model file (default: the compiled-in model).
        #[arg(long, value_name = "MODEL")]
        model: Option<PathBuf>,
        /// Unlabeled sentences: sentence tables (.tsv/.csv/.jsonl, e.g. from `stance sentences`;
        /// rows that already have a label are skipped) or article files and directories.
        #[arg(long, required = true, num_args = 1.., value_name = "PATH")]
        pool: Vec<PathBuf>,
        /// How many sentences to suggest.
        #[arg(long, default_value_t = 20)]
        n: usize,
        /// Uncertainty measure.
        #[arg(long, value_enum, default_value = "margin")]
        strategy: StrategyArg,
        /// Text column of a sentence-table pool.
        #[arg(long, default_value = "text", value_name = "COL")]
        text_col: String,
        /// Label column of a sentence-table pool (rows with a label are skipped).
        #[arg(long, default_value = "label", value_name = "COL")]
        label_col: String,
        /// Article column of a sentence-table pool.
        #[arg(long, default_value = "article", value_name = "COL")]
        group_col: String,
        /// Also write the TSV to this file (atomically).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Overwrite --out if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Cross-validate training options; with --group-col no group straddles folds.
    #[command(
        after_help = "Example:\n  stance cv --data data/labeled/peacekeepers.tsv --group-col article --folds 5"
    )]
    Cv {
        #[command(flatten)]
        data: DataArgs,
        /// Column grouping rows (e.g. article); folds never split a group.
        #[arg(long, value_name = "COL")]
        group_col: Option<String>,
        /// Label meaning "no stance", left out of F_avg (default: a label named neutral or none).
        #[arg(long, value_name = "LABEL")]
        neutral_label: Option<String>,
        #[command(flatten)]
        cv: CvArgs,
        #[command(flatten)]
        targets: TargetArgs,
        #[command(flatten)]
        model: ModelArgs,
        #[command(flatten)]
        output: ReportArgs,
    },
    /// Grid search: cross-validate every combination of the --grid values (on top of the other
    /// options), pick the best by --metric, train it on all the data and write the model plus
    /// the full results table (JSON and Markdown).
    #[command(after_help = "Example:\n  \
        stance tune --data data/labeled/peacekeepers.tsv --group-col article \\\n    \
        --grid c=1,10,30,100 --grid char-ngrams=none,2-5 --grid min-df=1,2 --out models/tuned.json\n\n\
        Grid axes (NAME=V1,V2,…; repeat --grid for more axes):\n\
        alpha, c (= 1/alpha), word_ngrams, char_ngrams, min_df, max_features, tf, stem,\n\
        normalize (none, all, or e.g. urls+mentions+negation), hashtags (keep, split, strip),\n\
        class_weight (none, balanced), hashing_bits (e.g. 18, or none),\n\
        target_strategy (pooled, per-target, per-target+fallback, conjoined; needs --target-col).\n\
        The results go to MODEL.tune.json and MODEL.tune.md beside --out (or --results PREFIX);\n\
        the Markdown table is also printed.")]
    Tune {
        #[command(flatten)]
        data: DataArgs,
        /// Column grouping rows (e.g. article); folds never split a group.
        #[arg(long, value_name = "COL")]
        group_col: Option<String>,
        /// Label meaning "no stance" (default: a label named neutral or none, if any).
        #[arg(long, value_name = "LABEL")]
        neutral_label: Option<String>,
        /// One grid axis, NAME=V1,V2,… (repeatable).
        #[arg(long = "grid", value_name = "NAME=VALUES")]
        grid: Vec<String>,
        /// What to maximise: pooled out-of-fold accuracy, macro-f1 or f-avg.
        #[arg(long, default_value = "macro-f1", value_parser = parse_metric)]
        metric: stance_train::Metric,
        /// Where to write the best model.
        #[arg(long, value_name = "MODEL")]
        out: PathBuf,
        /// Results prefix: writes PREFIX.json and PREFIX.md [default: --out without .json, plus .tune].
        #[arg(long, value_name = "PREFIX")]
        results: Option<PathBuf>,
        /// Overwrite existing outputs.
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        cv: CvArgs,
        #[command(flatten)]
        targets: TargetArgs,
        #[command(flatten)]
        model: ModelArgs,
    },
}

fn parse_metric(name: &str) -> std::result::Result<stance_train::Metric, String> {
    stance_train::Metric::parse(name)
        .ok_or_else(|| format!("unknown metric {name:?}; use accuracy, macro-f1 or f-avg"))
}

/// What `stance evaluate` compares with the gold labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EvaluateLevel {
    /// Each row's text as one sentence.
    Sentence,
    /// Whole articles, labeled by the article rule of `classify --level article`.
    Article,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
/// Granularity of `classify` output.
pub enum Level {
    /// One row per sentence.
    Sentence,
    /// One row per article.
    Article,
    /// One row per input text (a document, or a JSONL record), classified as one unit without
    /// sentence splitting: for data that already holds one sentence per row.
    Text,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
/// Output format of `classify`.
pub enum OutputFormat {
    /// One JSON object per line.
    Jsonl,
    /// Tab-separated with a header line.
    Tsv,
    /// Aligned text for reading.
    Text,
}

/// Uncertainty measure for `suggest`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StrategyArg {
    /// 1 − (best − second best probability).
    Margin,
    /// Entropy of the probabilities.
    Entropy,
}

/// Format of accuracy reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Aligned text tables.
    Text,
    /// One JSON object.
    Json,
    /// Markdown tables.
    Markdown,
}

/// The topic terms of a `--topic-terms` file.
fn read_topic_terms(path: &std::path::Path) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("--topic-terms: cannot read {}", path.display()))?;
    stance_model::parse_topic_terms(&text)
        .map_err(|e| anyhow::anyhow!("--topic-terms {}: {e}", path.display()))
}

/// A probability for `--min-confidence`: a number from 0 to 1.
fn parse_probability(text: &str) -> Result<f64, String> {
    let value: f64 = text.trim().parse().map_err(|_| format!("{text:?} is not a number"))?;
    if !(0.0..=1.0).contains(&value) {
        return Err(format!("{value} is not a probability: it must be between 0 and 1"));
    }
    Ok(value)
}

/// `--version` text: the version and the identity of the compiled-in default model. Only
/// built when asked for, since it parses the embedded model.
fn long_version() -> String {
    let json = Classifier::default_model_json();
    let model_hash = stance_model::sha256_hex(json.as_bytes());
    match Classifier::default_model() {
        Ok(classifier) => {
            let training = &classifier.model().training;
            format!(
                "{}\ndefault model: {} sha256:{}\n  labels {}; trained on {} sha256:{} ({} rows)",
                env!("CARGO_PKG_VERSION"),
                stance_infer::DEFAULT_MODEL_NAME,
                &model_hash[..16],
                classifier.labels().join(", "),
                training.data_file,
                &training.data_sha256[..16.min(training.data_sha256.len())],
                training.rows
            )
        }
        Err(error) => format!("{}\ndefault model: unusable ({error})", env!("CARGO_PKG_VERSION")),
    }
}

fn main() -> ExitCode {
    let mut command = Cli::command();
    if std::env::args_os().skip(1).any(|arg| arg == "--version") {
        command = command.long_version(long_version());
    }
    let cli = match Cli::from_arg_matches(&command.get_matches()) {
        Ok(cli) => cli,
        Err(error) => error.exit(),
    };
    match run(cli) {
        Ok(code) => code,
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            // Library errors often embed their source in their own message; print each
            // cause only once.
            let mut message = error.to_string();
            for cause in error.chain().skip(1) {
                let cause = cause.to_string();
                if !message.contains(&cause) {
                    message.push_str(": ");
                    message.push_str(&cause);
                }
            }
            eprintln!("stance: error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn run(cli: Cli) -> Result<ExitCode> {
    if let Some(threads) = cli.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads.into())
            .build_global()
            .context("cannot start the worker threads")?;
    }
    match cli.command {
        Command::Sentences { inputs, invalid_utf8 } => classify::sentences(&inputs, invalid_utf8, cli.quiet),
        Command::Train {
            data,
            group_col,
            neutral_label,
            out,
            force,
            no_cv,
            calibrate,
            topic_terms,
            cv,
            targets,
            model,
        } => {
            let params = model.params()?;
            let targets = targets.spec(data.target_col.as_deref())?;
            if !no_cv {
                cv.check()?;
            }
            check_output(&out, force)?;
            let labeled = data.read(group_col.as_deref())?;
            let run = TrainingRun {
                params,
                columns: data.columns(group_col.as_deref()),
                neutral_label,
                cross_validation: (!no_cv).then_some(CvSpec {
                    folds: cv.folds,
                    seed: cv.seed,
                    grouped: group_col.is_some(),
                }),
                targets,
                calibration: calibrate.then_some(CalibrationSpec { seed: cv.seed }),
                topic_terms: topic_terms.as_deref().map(read_topic_terms).transpose()?.unwrap_or_default(),
            };
            let bar = progress::Progress::new(0, "training steps (folds, then the final fit)", cli.quiet);
            let trained = run.run_with_progress(&labeled, &|done, total| {
                bar.set_total(total as u64);
                bar.set(done as u64);
            })?;
            bar.finish();
            for warning in &trained.warnings {
                eprintln!("stance: warning: {warning}");
            }
            trained.model.save(&out)?;
            let mut stderr = std::io::stderr().lock();
            writeln!(
                stderr,
                "trained on {} rows ({}), {}; wrote {}",
                labeled.rows.len(),
                labeled
                    .rows_per_label()
                    .iter()
                    .map(|(l, n)| format!("{l} {n}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                features_summary(&trained.model),
                out.display()
            )?;
            if let Some(report) = &trained.cv {
                writeln!(
                    stderr,
                    "cross-validation ({} folds): macro-F1 {:.3} ± {:.3}, accuracy {:.3} ± {:.3}; pooled macro-F1 {:.3}{}",
                    report.folds,
                    report.mean.macro_f1.mean,
                    report.mean.macro_f1.std,
                    report.mean.accuracy.mean,
                    report.mean.accuracy.std,
                    report.pooled.macro_f1,
                    report.pooled.f_avg.map_or(String::new(), |f| format!(", pooled F_avg {f:.3}"))
                )?;
            }
            if let Some(calibration) = &trained.model.calibration {
                writeln!(
                    stderr,
                    "calibration: temperature {:.3}, fitted on {}",
                    calibration.temperature, calibration.fitted_on
                )?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Classify {
            model,
            inputs,
            level,
            input_format,
            text_field,
            format,
            explain,
            top,
            target,
            target_field,
            min_confidence,
            invalid_utf8,
        } => {
            if target_field.is_some() && input_format != records::InputFormat::Jsonl {
                bail!("--target-field is for JSONL records; add --input-format jsonl");
            }
            let classifier = load_classifier(model.as_deref())?.with_min_confidence(min_confidence)?;
            let classifier = match &target_field {
                // Records name their own target; a record without one falls back to --target.
                Some(_) => classifier.with_target(target.as_deref())?,
                None => bind_target(classifier, target.as_deref())?,
            };
            let inputs = if inputs.is_empty() { vec![PathBuf::from("-")] } else { inputs };
            if input_format == records::InputFormat::Jsonl {
                if format != OutputFormat::Jsonl {
                    bail!(
                        "--input-format jsonl writes JSONL records; --format tsv and text are for text input"
                    );
                }
                if explain {
                    explain::check_classify_explain(level, format)?;
                }
                let options = records::RecordOptions {
                    text_field: text_field.as_deref().unwrap_or("text"),
                    target_field: target_field.as_deref(),
                    level,
                    invalid_utf8,
                    explain: explain.then_some(top),
                    quiet: cli.quiet,
                };
                return records::classify_records(&classifier, &inputs, &options);
            }
            if text_field.is_some() {
                bail!("--text-field is for JSONL records; add --input-format jsonl");
            }
            classify::classify(
                &classifier,
                &inputs,
                level,
                format,
                invalid_utf8,
                cli.quiet,
                explain.then_some(top),
            )
        }
        Command::Explain { model, top, format, target, texts } => {
            let classifier = bind_target(load_classifier(model.as_deref())?, target.as_deref())?;
            explain::explain(&classifier, &texts, top, format)
        }
        Command::Inspect { model, top, format } => inspect::inspect(model.as_deref(), top, format),
        Command::Evaluate {
            model,
            data,
            neutral_label,
            min_confidence,
            level,
            articles,
            output: ReportArgs { format, out, report, force },
        } => {
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
                let options = reports::EvaluateOptions { neutral_label, min_confidence: None };
                let evaluation = reports::evaluate_articles(&classifier, &labeled, &articles, &options)?;
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
                    model.as_deref().map_or(stance_infer::DEFAULT_MODEL_NAME.into(), |p| p.display().to_string()),
                    classifier.targets().join(", ")
                );
            }
            let labeled = data.read(None)?;
            let options = reports::EvaluateOptions { neutral_label, min_confidence };
            let evaluation = reports::evaluate(&classifier, &labeled, &options)?;
            if let Some(file) = &report_file {
                file.write_evaluation(model.as_deref(), &labeled.path, &evaluation)?;
            }
            let report = &evaluation.report;
            let mut json = serde_json::to_value(report)?;
            json["calibration"] = serde_json::to_value(&evaluation.reliability)?;
            json["worst_errors"] = serde_json::to_value(&evaluation.worst_errors)?;
            if !evaluation.per_target.is_empty() {
                json["per_target"] = serde_json::to_value(&evaluation.per_target)?;
            }
            if let Some(temperature) = &evaluation.temperature {
                json["temperature"] = serde_json::to_value(temperature)?;
            }
            if let Some(abstention) = &evaluation.abstention {
                json["abstention"] = serde_json::to_value(abstention)?;
            }
            json["data"] = labeled.path.display().to_string().into();
            json["model"] = model
                .as_deref()
                .map_or(stance_infer::DEFAULT_MODEL_NAME.into(), |p| p.display().to_string())
                .into();
            let text = match format {
                ReportFormat::Text => stance_report::evaluation_text(&evaluation),
                ReportFormat::Json => serde_json::to_string_pretty(&json)? + "\n",
                ReportFormat::Markdown => stance_report::render_markdown(&report_file::evaluation_page(
                    model.as_deref(),
                    &labeled.path,
                    &evaluation,
                )),
            };
            emit_report(&text, out.as_deref())
        }
        Command::Suggest { model, pool, n, strategy, text_col, label_col, group_col, out, force } => {
            if n == 0 {
                bail!("--n must be at least 1");
            }
            check_outputs([out.as_deref()], force)?;
            let classifier = load_classifier(model.as_deref())?;
            let strategy = match strategy {
                StrategyArg::Margin => stance_infer::Uncertainty::Margin,
                StrategyArg::Entropy => stance_infer::Uncertainty::Entropy,
            };
            let columns = suggest::PoolColumns { text: text_col, label: label_col, article: group_col };
            let tsv = suggest::suggest(&classifier, &pool, &columns, n, strategy)?;
            emit_report(&tsv, out.as_deref())
        }
        Command::Tune {
            data,
            group_col,
            neutral_label,
            grid,
            metric,
            out,
            results,
            force,
            cv,
            targets,
            model,
        } => tune(
            data,
            group_col,
            neutral_label,
            &grid,
            metric,
            &out,
            results,
            force,
            cv,
            targets,
            model,
            cli.quiet,
        ),
        Command::Cv {
            data,
            group_col,
            neutral_label,
            cv,
            targets,
            model,
            output: ReportArgs { format, out, report: report_path, force },
        } => {
            let targets = targets.spec(data.target_col.as_deref())?;
            check_outputs([out.as_deref(), report_path.as_deref()], force)?;
            let report_file = report_file::ReportFile::check(report_path)?;
            let params = model.params()?;
            cv.check()?;
            let labeled = data.read(group_col.as_deref())?;
            let run = TrainingRun {
                params: params.clone(),
                columns: data.columns(group_col.as_deref()),
                neutral_label,
                cross_validation: None,
                targets,
                calibration: None,
                topic_terms: Vec::new(),
            };
            let spec = CvSpec { folds: cv.folds, seed: cv.seed, grouped: group_col.is_some() };
            let bar = progress::Progress::new(spec.folds as u64, "folds", cli.quiet);
            let report =
                run.cross_validate(&params.check()?, &labeled, &spec, &|done, _| bar.set(done as u64))?;
            bar.finish();
            let evaluation = report.evaluation();
            if let Some(file) = &report_file {
                file.write_cv(&labeled.path, &report, &evaluation)?;
            }
            let text = match format {
                ReportFormat::Text => stance_report::cv_text(&report),
                ReportFormat::Json => serde_json::to_string_pretty(&report)? + "\n",
                ReportFormat::Markdown => {
                    stance_report::render_markdown(&report_file::cv_page(&labeled.path, &report, &evaluation))
                }
            };
            emit_report(&text, out.as_deref())
        }
    }
}

/// `stance tune`: search, then train the winner on everything with its cross-validation recorded.
#[allow(clippy::too_many_arguments)]
fn tune(
    data: DataArgs,
    group_col: Option<String>,
    neutral_label: Option<String>,
    grid: &[String],
    metric: stance_train::Metric,
    out: &Path,
    results: Option<PathBuf>,
    force: bool,
    cv: CvArgs,
    targets: TargetArgs,
    model: ModelArgs,
    quiet: bool,
) -> Result<ExitCode> {
    let prefix = results.unwrap_or_else(|| {
        let stem = out.file_stem().map_or_else(|| "model".into(), |s| s.to_string_lossy().into_owned());
        out.with_file_name(format!("{stem}.tune"))
    });
    let with_extension = |ext: &str| {
        let mut name = prefix.clone().into_os_string();
        name.push(ext);
        PathBuf::from(name)
    };
    let (json_path, markdown_path) = (with_extension(".json"), with_extension(".md"));
    check_outputs([Some(out), Some(json_path.as_path()), Some(markdown_path.as_path())], force)?;
    cv.check()?;
    let base = TrainingRun {
        params: model.params()?,
        columns: data.columns(group_col.as_deref()),
        neutral_label,
        cross_validation: Some(CvSpec { folds: cv.folds, seed: cv.seed, grouped: group_col.is_some() }),
        targets: targets.spec(data.target_col.as_deref())?,
        calibration: None,
        topic_terms: Vec::new(),
    };
    let grid = stance_train::Grid::parse(grid, &base)?;
    let labeled = data.read(group_col.as_deref())?;
    let spec = base.cross_validation.clone().expect("set above");
    let candidates = grid.candidates().len();
    let bar = progress::Progress::new(
        (candidates * spec.folds) as u64,
        &format!("folds ({candidates} candidates × {} folds)", spec.folds),
        quiet,
    );
    let report = stance_train::tune(&base, &grid, &labeled, &spec, metric, &|done, _| bar.set(done as u64))?;
    bar.finish();
    let markdown = report.to_markdown();
    stance_model::write_atomically(&json_path, (serde_json::to_string_pretty(&report)? + "\n").as_bytes())
        .with_context(|| format!("cannot write {}", json_path.display()))?;
    stance_model::write_atomically(&markdown_path, markdown.as_bytes())
        .with_context(|| format!("cannot write {}", markdown_path.display()))?;
    let best = report.best();
    let run = best.configure(&base)?;
    let trained = run.run(&labeled)?;
    for warning in &trained.warnings {
        eprintln!("stance: warning: {warning}");
    }
    let mut model_file = trained.model;
    let tuned = serde_json::json!({
        "metric": report.metric,
        "score": best.score,
        "candidates": report.candidates.len(),
        "grid": report.grid,
        "settings": best.settings,
    });
    model_file.training.options.extra.insert("tuned".into(), tuned);
    model_file.save(out)?;
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(markdown.as_bytes())?;
    stdout.flush()?;
    eprintln!(
        "best of {} candidates: {} (pooled {} {:.3}); wrote {}, {} and {}",
        report.candidates.len(),
        if best.settings.is_empty() {
            "the base options".to_string()
        } else {
            best.settings.iter().map(|s| format!("{}={}", s.name, s.value)).collect::<Vec<_>>().join(" ")
        },
        report.metric.name(),
        best.score,
        out.display(),
        json_path.display(),
        markdown_path.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn load_classifier(path: Option<&Path>) -> Result<Classifier> {
    Ok(match path {
        Some(path) => Classifier::load(path)?,
        None => Classifier::default_model().context("the compiled-in default model is unusable")?,
    })
}

/// The model's size for the training summary: features, and how targets use them.
fn features_summary(model: &stance_model::ModelFile) -> String {
    let n = model.features.n_features();
    match &model.targets {
        None => format!("{n} features"),
        Some(stance_model::TargetModels::Conjoined { targets, .. }) => {
            format!(
                "{n} features × {} blocks (shared + {} targets, conjoined)",
                targets.len() + 1,
                targets.len()
            )
        }
        Some(stance_model::TargetModels::PerTarget { pooled_fallback, models }) => {
            let each: Vec<String> =
                models.iter().map(|(t, m)| format!("{t} {}", m.features.n_features())).collect();
            let fallback =
                if *pooled_fallback { format!("; pooled fallback {n} features") } else { String::new() };
            format!("{} per-target models (features: {}){fallback}", models.len(), each.join(", "))
        }
    }
}

/// Binds `--target` to the classifier; a target-aware model without one is refused here,
/// before any input is read.
fn bind_target(classifier: Classifier, target: Option<&str>) -> Result<Classifier> {
    if classifier.needs_target() && target.is_none() {
        bail!(
            "the model is target-aware: pass --target TARGET (known targets: {})",
            classifier.targets().join(", ")
        );
    }
    Ok(classifier.with_target(target)?)
}

/// [`check_output`] for every output path that was given.
fn check_outputs<const N: usize>(paths: [Option<&Path>; N], force: bool) -> Result<()> {
    paths.into_iter().flatten().try_for_each(|path| check_output(path, force))
}

/// Refuses to overwrite an existing output unless forced, before any work starts.
fn check_output(path: &Path, force: bool) -> Result<()> {
    if path.exists() && !force {
        bail!("{} exists; pass --force to overwrite it", path.display());
    }
    if path.is_dir() {
        bail!("{} is a directory", path.display());
    }
    Ok(())
}

fn emit_report(text: &str, out: Option<&Path>) -> Result<ExitCode> {
    if let Some(path) = out {
        stance_model::write_atomically(path, text.as_bytes())
            .with_context(|| format!("cannot write report {}", path.display()))?;
    }
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()?;
    Ok(ExitCode::SUCCESS)
}
