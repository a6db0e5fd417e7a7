//! `stance sentences`: articles split into sentences, as a TSV ready to label.

use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use stance_features::split_sentences;

use super::classify::for_each_document;
use crate::args::WalkArgs;
use crate::documents::{InvalidUtf8, Looking};
use crate::rows::{tsv_field, NO_SENTENCE};

/// Split articles into sentences, as TSV `article<TAB>sentence<TAB>text` ready to label.
#[derive(Debug, Args)]
#[command(after_help = "Example:\n  stance sentences data/corpus > to_label.tsv")]
pub struct SentencesArgs {
    /// Article files, directories (walked) or - for stdin.
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// Articles that are not valid UTF-8: decode with U+FFFD and warn, or skip as failed.
    #[arg(long, value_enum, default_value = "replace", value_name = "WHAT")]
    invalid_utf8: InvalidUtf8,
    #[command(flatten)]
    walk: WalkArgs,
}

/// `stance sentences`: TSV rows `article, sentence, text` for labeling.
pub fn run(args: SentencesArgs, quiet: bool) -> Result<ExitCode> {
    let walk = args.walk.walk(Looking::Articles)?;
    let mut out = BufWriter::new(std::io::stdout().lock());
    writeln!(out, "article\tsentence\ttext")?;
    let code =
        for_each_document(&args.inputs, &walk, args.invalid_utf8, quiet, &mut out, |source, text, out| {
            let ranges = split_sentences(text);
            if ranges.is_empty() {
                return Ok(Err(NO_SENTENCE.into()));
            }
            for (i, range) in ranges.into_iter().enumerate() {
                writeln!(out, "{}\t{}\t{}", tsv_field(&source.name), i + 1, tsv_field(&text[range]))?;
            }
            Ok(Ok(()))
        })?;
    out.flush()?;
    Ok(code)
}
