//! Command-line arguments shared by several commands, and their conversion into configs.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};
use stance_features::{FeatureConfig, Idf, Language, NgramRange, Norm, Stemmer, TermFrequency};
use stance_train::{ClassWeight, Columns, InputFormat, Solver, ToleranceScale, TrainParams};

/// Where labeled data comes from and which columns hold what.
#[derive(Debug, Args)]
pub struct DataArgs {
    /// Labeled file (TSV, CSV or JSONL, chosen by extension).
    #[arg(long, value_name = "FILE")]
    pub data: PathBuf,
    /// Format of --data when its extension does not say.
    #[arg(long, value_name = "FORMAT")]
    pub input_format: Option<InputFormat>,
    /// Column (or JSON key) holding the text.
    #[arg(long, default_value = "text", value_name = "COL")]
    pub text_col: String,
    /// Column (or JSON key) holding the label.
    #[arg(long, default_value = "label", value_name = "COL")]
    pub label_col: String,
}

impl DataArgs {
    pub fn columns(&self, group: Option<&str>) -> Columns {
        Columns {
            text: self.text_col.clone(),
            label: self.label_col.clone(),
            group: group.map(str::to_owned),
            target: None,
        }
    }

    /// Reads the labeled file and prints its warnings (duplicates, single-row labels) on stderr.
    pub fn read(&self, group: Option<&str>) -> Result<stance_train::LabeledData> {
        let data = stance_train::read_labeled(&self.data, self.input_format, &self.columns(group))?;
        for warning in data.warnings() {
            eprintln!("stance: warning: {warning}");
        }
        Ok(data)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TfArg {
    Raw,
    Sublinear,
    Binary,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum IdfArg {
    None,
    Smooth,
    Plain,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum NormArg {
    None,
    L2,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ToleranceScaleArg {
    /// Sum for the dense solver, mean for the sparse one.
    Auto,
    /// The summed objective's gradient.
    Sum,
    /// The per-row objective's gradient.
    Mean,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SolverArg {
    /// Dense up to a 32 MiB dense matrix, sparse above.
    Auto,
    /// linfa-logistic on a dense matrix (refused above 2 GiB).
    Dense,
    /// L-BFGS over the sparse rows (memory grows with the non-zeros).
    Sparse,
}

/// Featurization and solver options (defaults give the shipped model's settings).
#[derive(Debug, Args)]
pub struct ModelArgs {
    /// Word n-gram range over stems, as MIN-MAX (e.g. 1-2), or "none".
    #[arg(long, default_value = "1-2", value_name = "RANGE", help_heading = "Features")]
    pub word_ngrams: String,
    /// Character n-gram range within word boundaries, as MIN-MAX (e.g. 2-5), or "none".
    #[arg(long, default_value = "none", value_name = "RANGE", help_heading = "Features")]
    pub char_ngrams: String,
    /// Do not stem words (English Snowball stemming is on by default).
    #[arg(long, help_heading = "Features")]
    pub no_stem: bool,
    /// Keep letter case.
    #[arg(long, help_heading = "Features")]
    pub no_lowercase: bool,
    /// Keep only terms seen in at least this many training rows.
    #[arg(long, default_value_t = 1, value_name = "N", help_heading = "Features")]
    pub min_df: usize,
    /// Keep at most this many terms (the most frequent).
    #[arg(long, value_name = "N", help_heading = "Features")]
    pub max_features: Option<usize>,
    /// Term-frequency weighting.
    #[arg(long, value_enum, default_value = "sublinear", help_heading = "Features")]
    pub tf: TfArg,
    /// Inverse document frequency weighting.
    #[arg(long, value_enum, default_value = "smooth", help_heading = "Features")]
    pub idf: IdfArg,
    /// Vector normalisation.
    #[arg(long, value_enum, default_value = "l2", help_heading = "Features")]
    pub norm: NormArg,
    /// L2 regularisation strength (= 1/C of scikit-learn's LogisticRegression).
    #[arg(
        long,
        default_value_t = 1.0,
        value_name = "ALPHA",
        allow_negative_numbers = true,
        help_heading = "Solver"
    )]
    pub alpha: f64,
    /// L-BFGS iteration budget.
    #[arg(long, default_value_t = 1000, value_name = "N", help_heading = "Solver")]
    pub max_iterations: u64,
    /// Gradient-norm tolerance for convergence (see --tolerance-scale).
    #[arg(
        long,
        default_value_t = 1e-4,
        value_name = "TOL",
        allow_negative_numbers = true,
        help_heading = "Solver"
    )]
    pub tolerance: f64,
    /// What --tolerance bounds: the gradient of the summed objective ("sum", linfa-logistic's
    /// criterion), of the per-row objective ("mean", scikit-learn's scaling), or "auto": sum for
    /// the dense solver, mean for the sparse one.
    #[arg(long, value_enum, default_value = "auto", help_heading = "Solver")]
    pub tolerance_scale: ToleranceScaleArg,
    /// Which solver minimises the objective.
    #[arg(long, value_enum, default_value = "auto", help_heading = "Solver")]
    pub solver: SolverArg,
    /// Weight of each training row's loss by its label: "none", "balanced"
    /// (rows / (labels · rows of the label), as scikit-learn) or LABEL=W,LABEL=W (unlisted
    /// labels weigh 1).
    #[arg(
        long,
        default_value = "none",
        value_name = "WEIGHTS",
        value_parser = parse_class_weight,
        help_heading = "Solver"
    )]
    pub class_weight: ClassWeight,
}

impl ModelArgs {
    /// Validated training parameters.
    pub fn params(&self) -> Result<TrainParams> {
        let features = FeatureConfig {
            lowercase: !self.no_lowercase,
            stemmer: if self.no_stem {
                Stemmer::None
            } else {
                Stemmer::Snowball { language: Language::English }
            },
            word_ngrams: parse_range(&self.word_ngrams).context("--word-ngrams")?,
            char_ngrams: parse_range(&self.char_ngrams).context("--char-ngrams")?,
            tf: match self.tf {
                TfArg::Raw => TermFrequency::Raw,
                TfArg::Sublinear => TermFrequency::Sublinear,
                TfArg::Binary => TermFrequency::Binary,
            },
            idf: match self.idf {
                IdfArg::None => Idf::None,
                IdfArg::Smooth => Idf::Smooth,
                IdfArg::Plain => Idf::Plain,
            },
            norm: match self.norm {
                NormArg::None => Norm::None,
                NormArg::L2 => Norm::L2,
            },
            min_df: self.min_df,
            max_features: self.max_features,
        };
        if features.word_ngrams.is_none() && features.char_ngrams.is_none() {
            bail!("--word-ngrams and --char-ngrams are both \"none\": there would be no features");
        }
        let params = TrainParams {
            features,
            alpha: self.alpha,
            max_iterations: self.max_iterations,
            gradient_tolerance: self.tolerance,
            tolerance_scale: match self.tolerance_scale {
                ToleranceScaleArg::Auto => ToleranceScale::Auto,
                ToleranceScaleArg::Sum => ToleranceScale::Sum,
                ToleranceScaleArg::Mean => ToleranceScale::Mean,
            },
            solver: match self.solver {
                SolverArg::Auto => Solver::Auto,
                SolverArg::Dense => Solver::Dense,
                SolverArg::Sparse => Solver::Sparse,
            },
            class_weight: self.class_weight.clone(),
        };
        params.clone().check()?;
        Ok(params)
    }
}

/// Parses `none`, `balanced` or `LABEL=W,LABEL=W` with positive finite weights.
pub fn parse_class_weight(text: &str) -> std::result::Result<ClassWeight, String> {
    let trimmed = text.trim();
    if trimmed.eq_ignore_ascii_case("none") {
        return Ok(ClassWeight::None);
    }
    if trimmed.eq_ignore_ascii_case("balanced") {
        return Ok(ClassWeight::Balanced);
    }
    let mut weights = BTreeMap::new();
    for item in trimmed.split(',') {
        let Some((label, weight)) = item.rsplit_once('=') else {
            return Err(format!(
                "{item:?} is not LABEL=WEIGHT (expected \"none\", \"balanced\" or LABEL=W,LABEL=W)"
            ));
        };
        let label = label.trim();
        if label.is_empty() {
            return Err(format!("{item:?} has no label before '='"));
        }
        let weight: f64 = match weight.trim().parse() {
            Ok(w) if f64::is_finite(w) && w > 0.0 => w,
            _ => {
                return Err(format!(
                    "the weight of {label:?} must be a positive number, got {:?}",
                    weight.trim()
                ))
            }
        };
        if weights.insert(label.to_string(), weight).is_some() {
            return Err(format!("label {label:?} is given twice"));
        }
    }
    Ok(ClassWeight::Explicit(weights))
}

/// Parses "1-2", "1..2", "2" or "none".
pub fn parse_range(text: &str) -> Result<Option<NgramRange>> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    let (min, max) = match text.split_once("..").or_else(|| text.split_once('-')) {
        Some((a, b)) => (a.trim(), b.trim()),
        None => (text, text),
    };
    let parse = |s: &str| s.parse::<usize>().with_context(|| format!("{text:?} is not a range like 1-2"));
    let range = NgramRange::new(parse(min)?, parse(max)?);
    if range.min == 0 || range.min > range.max {
        bail!("range {text:?} needs 1 <= MIN <= MAX");
    }
    Ok(Some(range))
}

/// Cross-validation options.
#[derive(Debug, Args)]
pub struct CvArgs {
    /// Number of folds (with --group-col: at most the number of groups).
    #[arg(long, default_value_t = 5, value_name = "K")]
    pub folds: usize,
    /// Seed for shuffling stratified folds (not used with --group-col).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

impl CvArgs {
    /// Rejects a fold count that can never work, before any data is read (a count larger
    /// than the rows or groups is reported once the data is known).
    pub fn check(&self) -> Result<()> {
        if self.folds < 2 {
            bail!("--folds must be at least 2, got {}", self.folds);
        }
        Ok(())
    }
}

/// Where and how `evaluate` and `cv` write their report.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Report format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: crate::ReportFormat,
    /// Also write the report to this file (atomically).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Write a report page with charts: .html (self-contained) or .md (Markdown tables).
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Overwrite --out and --report files that already exist.
    #[arg(long)]
    pub force: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_parse_in_every_spelling() {
        assert_eq!(parse_range("1-2").unwrap(), Some(NgramRange::new(1, 2)));
        assert_eq!(parse_range("2..5").unwrap(), Some(NgramRange::new(2, 5)));
        assert_eq!(parse_range("3").unwrap(), Some(NgramRange::new(3, 3)));
        assert_eq!(parse_range("None").unwrap(), None);
        assert!(parse_range("2-1").is_err());
        assert!(parse_range("0-1").is_err());
        assert!(parse_range("a-b").is_err());
    }

    #[test]
    fn class_weights_parse_and_bad_ones_are_errors() {
        assert_eq!(parse_class_weight("none").unwrap(), ClassWeight::None);
        assert_eq!(parse_class_weight(" Balanced ").unwrap(), ClassWeight::Balanced);
        let explicit = parse_class_weight("oppose=2, support = 0.5").unwrap();
        let expected: BTreeMap<String, f64> =
            [("oppose".to_string(), 2.0), ("support".to_string(), 0.5)].into();
        assert_eq!(explicit, ClassWeight::Explicit(expected));
        for (bad, message) in [
            ("balance", "is not LABEL=WEIGHT"),
            ("oppose=0", "positive number"),
            ("oppose=-1", "positive number"),
            ("oppose=inf", "positive number"),
            ("oppose=NaN", "positive number"),
            ("oppose=x", "positive number"),
            ("=2", "no label"),
            ("oppose=2,oppose=3", "given twice"),
        ] {
            let err = parse_class_weight(bad).unwrap_err();
            assert!(err.contains(message), "{bad}: {err}");
        }
    }
}
