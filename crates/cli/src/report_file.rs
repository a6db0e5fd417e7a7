//! `--report FILE` of `evaluate` and `cv`: an HTML or Markdown report page, written atomically.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use stance_eval::{CvReport, Evaluation};
use stance_report::{ReportKind, ReportPage};

/// A checked `--report` destination: its extension names the format.
#[derive(Debug)]
pub struct ReportFile {
    path: PathBuf,
    kind: ReportKind,
}

impl ReportFile {
    /// Checks `--report` before any work starts: a known extension and an existing folder.
    /// An existing report file is fine (it is replaced atomically).
    pub fn check(path: Option<PathBuf>) -> Result<Option<Self>> {
        let Some(path) = path else { return Ok(None) };
        let Some(kind) = ReportKind::from_path(&path) else {
            bail!(
                "--report {}: unknown report format; the file name must end in {}",
                path.display(),
                ReportKind::EXTENSIONS
            );
        };
        if path.is_dir() {
            bail!("--report {} is a directory", path.display());
        }
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            if !parent.is_dir() {
                bail!("--report {}: folder {} does not exist", path.display(), parent.display());
            }
        }
        Ok(Some(Self { path, kind }))
    }

    /// Writes the report of `stance evaluate`.
    pub fn write_evaluation(&self, model: Option<&Path>, data: &Path, evaluation: &Evaluation) -> Result<()> {
        self.write(&evaluation_page(model, data, evaluation))
    }

    /// Writes the report of `stance cv`: the pooled out-of-fold evaluation plus the folds.
    pub fn write_cv(&self, data: &Path, report: &CvReport, evaluation: &Evaluation) -> Result<()> {
        self.write(&cv_page(data, report, evaluation))
    }

    fn write(&self, page: &ReportPage<'_>) -> Result<()> {
        let text = self.kind.render(page);
        stance_model::write_atomically(&self.path, text.as_bytes())
            .with_context(|| format!("cannot write report {}", self.path.display()))?;
        eprintln!("stance: wrote report {}", self.path.display());
        Ok(())
    }
}

/// The report page of `stance evaluate` (also its `--format markdown` output).
pub fn evaluation_page<'a>(model: Option<&Path>, data: &Path, evaluation: &'a Evaluation) -> ReportPage<'a> {
    let model = model.map_or(stance_infer::DEFAULT_MODEL_NAME.to_owned(), |p| p.display().to_string());
    ReportPage {
        title: format!("Evaluation on {}", file_name(data)),
        facts: vec![
            ("model".into(), model),
            ("data".into(), data.display().to_string()),
            ("command".into(), command_line()),
        ],
        evaluation,
        cv: None,
    }
}

/// The report page of `stance cv` (also its `--format markdown` output); `evaluation` is
/// `report.evaluation()`, the pooled out-of-fold predictions.
pub fn cv_page<'a>(data: &Path, report: &'a CvReport, evaluation: &'a Evaluation) -> ReportPage<'a> {
    ReportPage {
        title: format!("Cross-validation on {}", file_name(data)),
        facts: vec![("data".into(), data.display().to_string()), ("command".into(), command_line())],
        evaluation,
        cv: Some(report),
    }
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
}

/// The command line as typed (program name shortened to `stance`), quoted for a POSIX shell
/// where needed, so a report says how to reproduce it.
fn command_line() -> String {
    let mut words = vec!["stance".to_owned()];
    for arg in std::env::args_os().skip(1) {
        let arg = arg.to_string_lossy();
        let plain =
            !arg.is_empty() && arg.chars().all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c));
        words.push(if plain { arg.into_owned() } else { format!("'{}'", arg.replace('\'', r"'\''")) });
    }
    words.join(" ")
}
