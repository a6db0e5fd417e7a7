//! `stance`: split articles into sentences, train stance models, classify articles, and report
//! how accurate a model is.
//!
//! Exit codes: 0 success; 1 error; 2 usage error (also: not one input could be read); 3 a batch
//! ran but some documents failed
//! (each failure is reported on stderr).
//!
//! This file parses the command line, sets up the worker threads, dispatches to the command's
//! module under `cmd/` and maps errors to exit codes; each command's flags live beside its code.

mod args;
mod cmd;
mod documents;
mod hints;
mod progress;
mod records;
mod report_file;
mod rows;

use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use stance_infer::Classifier;

/// Exit code when a batch finished but some documents could not be processed.
pub const EXIT_SOME_FAILED: u8 = 3;

/// Exit code of a usage error: a bad command line (clap's own errors), or inputs of which
/// not one could be read.
pub const EXIT_USAGE: u8 = 2;

/// An error that is the command line's fault, found after parsing (e.g. no input could be
/// read at all): reported like any error, with exit code [`EXIT_USAGE`].
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

impl UsageError {
    /// A library error that is the command line's fault: exit code [`EXIT_USAGE`], with the
    /// library error kept as the cause, so that its flag hint is still found.
    pub fn caused_by<E: std::error::Error + Send + Sync + 'static>(error: E) -> anyhow::Error {
        let message = error.to_string();
        anyhow::Error::new(error).context(UsageError(message))
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "stance",
    version,
    about = "Stance classification of news text: split, train, classify, evaluate.",
    after_help = "Exit codes:\n  0  success\n  1  error (reported on stderr)\n  2  usage error (bad command line, or not one input could be read)\n  \
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
    Sentences(cmd::sentences::SentencesArgs),
    Train(cmd::train::TrainArgs),
    Classify(cmd::classify::ClassifyArgs),
    Explain(cmd::explain::ExplainArgs),
    Holders(cmd::holders::HoldersArgs),
    Inspect(cmd::inspect::InspectArgs),
    Evaluate(cmd::evaluate::EvaluateArgs),
    Suggest(cmd::suggest::SuggestArgs),
    Cv(cmd::cv::CvCommandArgs),
    Tune(cmd::tune::TuneArgs),
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
            if let Some(hint) = hints::flag_hint(&error) {
                eprintln!("stance: hint: {hint}");
            }
            if error.downcast_ref::<UsageError>().is_some() {
                return ExitCode::from(EXIT_USAGE);
            }
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
    let quiet = cli.quiet;
    match cli.command {
        Command::Sentences(args) => cmd::sentences::run(args, quiet),
        Command::Train(args) => cmd::train::run(args, quiet),
        Command::Classify(args) => cmd::classify::run(args, quiet),
        Command::Explain(args) => cmd::explain::run(args),
        Command::Holders(args) => cmd::holders::run(args, quiet),
        Command::Inspect(args) => cmd::inspect::run(args),
        Command::Evaluate(args) => cmd::evaluate::run(args),
        Command::Suggest(args) => cmd::suggest::run(args),
        Command::Cv(args) => cmd::cv::run(args, quiet),
        Command::Tune(args) => cmd::tune::run(args, quiet),
    }
}
