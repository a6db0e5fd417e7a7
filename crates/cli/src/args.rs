//! Command-line arguments shared by several commands, and their conversion into configs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};

use crate::UsageError;
use stance_features::{
    FeatureConfig, Hashtags, Idf, Language, NamedValue, NgramRange, Norm, Normalization, Stemmer,
    TermFrequency,
};
use stance_train::{
    ClassWeight, Columns, DataError, InputFormat, ReadOptions, SizeDefaults, Solver, StreamParams,
    TargetSpec, TargetStrategy, TextEncoding, ToleranceScale, TrainError, TrainParams, STREAM_DEFAULT_BITS,
};

/// The flag value parser of a library option type: its names (with their help) from the
/// type's one table ([`NamedValue::VALUES`]), which its `FromStr`, tune's grid and the model
/// card read too.
pub fn named<T: NamedValue + Clone + Send + Sync>() -> impl clap::builder::TypedValueParser<Value = T> {
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
    PossibleValuesParser::new(T::VALUES.iter().map(|&(name, _, help)| PossibleValue::new(name).help(help)))
        .map(|name| T::from_name(&name).expect("clap only passes one of the possible values"))
}

/// Where labeled data comes from and which columns hold what.
#[derive(Debug, Args)]
pub struct DataArgs {
    /// Labeled file (TSV, CSV or JSONL, chosen by extension; a .tsv/.txt file with the header
    /// `ID<TAB>Target<TAB>Tweet<TAB>Stance` is read as SemEval-2016 Task 6).
    #[arg(long, value_name = "FILE")]
    pub data: PathBuf,
    /// Format of --data when its extension does not say: tsv, csv, jsonl, semeval (Tweet is
    /// the text, Stance the label, Target the stance target; --text-col/--label-col are ignored)
    /// or fasttext (`__label__LABEL text` lines, as fastText reads them; a .txt/.tsv file whose
    /// first line starts with __label__ is read so without this flag).
    #[arg(long, value_name = "FORMAT")]
    pub input_format: Option<InputFormat>,
    /// Field delimiter of a CSV --data file: one character, or `tab` (e.g. ';' for a
    /// semicolon-separated file); --data is then read as CSV whatever its extension.
    #[arg(long, value_name = "CHAR", value_parser = parse_delimiter)]
    pub delimiter: Option<u8>,
    /// Encoding of --data: utf-8, windows-1252, or auto (UTF-8, else Windows-1252 with a warning).
    #[arg(long, default_value = "utf-8", value_name = "ENCODING")]
    pub encoding: TextEncoding,
    /// Column (or JSON key) holding the text.
    #[arg(long, default_value = "text", value_name = "COL")]
    pub text_col: String,
    /// Column (or JSON key) holding the label.
    #[arg(long, default_value = "label", value_name = "COL")]
    pub label_col: String,
    /// Column (or JSON key) naming each row's stance target (topic), for target-aware models.
    #[arg(long, value_name = "COL")]
    pub target_col: Option<String>,
    /// Column (or JSON key) saying whether each row is about the target: `target` (or
    /// `on-target`), `related` or `other` (also `true`/`false`). Trains the model's topic
    /// relevance, so unrelated text is never given a stance.
    #[arg(long, value_name = "COL")]
    pub topic_col: Option<String>,
}

impl DataArgs {
    pub fn columns(&self, group: Option<&str>) -> Columns {
        Columns {
            text: self.text_col.clone(),
            label: self.label_col.clone(),
            group: group.map(str::to_owned),
            target: self.target_col.clone(),
            topic: self.topic_col.clone(),
            id: None,
            extra: Vec::new(),
        }
    }

    /// Reads the labeled file and prints its warnings (duplicates, single-row labels) on stderr.
    pub fn read(&self, group: Option<&str>) -> Result<stance_train::LabeledData> {
        self.read_columns(&self.columns(group))
    }

    /// [`DataArgs::read`] with these columns (those of [`DataArgs::columns`] and more).
    pub fn read_columns(&self, columns: &Columns) -> Result<stance_train::LabeledData> {
        let format = match (self.delimiter, self.input_format) {
            (Some(_), None | Some(InputFormat::Csv)) => Some(InputFormat::Csv),
            (Some(_), Some(other)) => bail!("--delimiter is for CSV files, not --input-format {other}"),
            (None, format) => format,
        };
        let options = ReadOptions { encoding: self.encoding, delimiter: self.delimiter };
        let data = stance_train::read_labeled_with(&self.data, format, columns, options)
            .map_err(with_separator_hint)?;
        for warning in data.warnings() {
            eprintln!("stance: warning: {warning}");
        }
        Ok(data)
    }
}

/// Which files of a walked directory are read (`--glob`, `--type`); files named on the command
/// line are always read.
#[derive(Debug, Args)]
pub struct WalkArgs {
    /// In directories, read only files matching GLOB (matched against the path below the
    /// directory; `*` crosses `/`), or with `!GLOB` skip them; repeatable. Without --glob and
    /// --type, directories are walked for text-like files only: binary files and known
    /// non-article extensions (.json, .html, .tsv, .csv, .png, .gz, ...) are skipped, with one
    /// summary warning.
    #[arg(long = "glob", short = 'g', value_name = "GLOB", allow_hyphen_values = true)]
    pub globs: Vec<String>,
    /// In directories, read only files of this type (txt, md, html, xml, jsonl, json, tsv,
    /// csv); repeatable, combined with --glob.
    #[arg(long = "type", short = 't', value_enum, value_name = "TYPE")]
    pub types: Vec<crate::documents::FileType>,
}

impl WalkArgs {
    /// The checked walk: every glob parses.
    pub fn walk(&self, looking: crate::documents::Looking) -> Result<std::sync::Arc<crate::documents::Walk>> {
        Ok(std::sync::Arc::new(crate::documents::Walk::with_selection(looking, &self.globs, &self.types)?))
    }
}

/// A data error, with the flags that read the file when its header is one column holding
/// another separator.
fn with_separator_hint(error: DataError) -> anyhow::Error {
    let DataError::OneColumnHeader { separator, format, .. } = &error else { return error.into() };
    let flags = match (format, separator) {
        (_, '\t') => "--input-format tsv".to_owned(),
        (InputFormat::Csv, c) => format!("--delimiter '{c}'"),
        (_, ',') => "--input-format csv".to_owned(),
        (_, c) => format!("--input-format csv --delimiter '{c}'"),
    };
    anyhow::anyhow!("{error}; read it with {flags}")
}

/// Parses `--delimiter`: one ASCII character (not a quote or a line break), or `tab`.
pub fn parse_delimiter(text: &str) -> std::result::Result<u8, String> {
    match text {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        _ => match text.as_bytes() {
            [byte] if byte.is_ascii() && !matches!(byte, b'"' | b'\n' | b'\r') => Ok(*byte),
            _ => Err(format!(
                "{text:?} is not one ASCII character (or `tab`), other than a quote or a line break"
            )),
        },
    }
}

/// Target-aware training options (`train` and `cv`).
#[derive(Debug, Args)]
pub struct TargetArgs {
    /// How to use the --target-col: pooled (ignore it), per-target (one model per target) or
    /// conjoined (shared + per-target weights in one model).
    #[arg(long, default_value = "pooled", value_name = "STRATEGY", value_parser = named::<TargetStrategy>())]
    pub target_strategy: TargetStrategy,
    /// With --target-strategy per-target: also train the pooled model on all rows, used for
    /// targets the model has not seen (without it an unknown target is an error).
    #[arg(long)]
    pub pooled_fallback: bool,
}

impl TargetArgs {
    /// The checked strategy: target-aware strategies need `target_col`.
    pub fn spec(&self, target_col: Option<&str>) -> Result<TargetSpec> {
        let strategy = self.target_strategy;
        if self.pooled_fallback && strategy != TargetStrategy::PerTarget {
            bail!("--pooled-fallback only applies to --target-strategy per-target");
        }
        if strategy != TargetStrategy::Pooled && target_col.is_none() {
            bail!(
                "--target-strategy {} needs --target-col COL naming each row's target",
                match strategy {
                    TargetStrategy::PerTarget => "per-target",
                    TargetStrategy::Relative => "relative",
                    _ => "conjoined",
                }
            );
        }
        Ok(TargetSpec { strategy, pooled_fallback: self.pooled_fallback })
    }
}

/// A text normalisation option of `--normalize`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum NormalizeArg {
    /// http(s)://… and www.… become the token _URL_.
    Urls,
    /// @name becomes the token _USER_ (e-mail addresses stay).
    Mentions,
    /// Stand-alone numbers (2024, 1,000, 3.5) become the token _NUM_.
    Numbers,
    /// Three or more repeats of a letter become two (soooo → soo).
    Elongation,
    /// Words after a negator (not, no, never, don't, …) up to the next . , : ; ! ? get _NEG.
    Negation,
    /// All of the above.
    All,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SolverArg {
    /// Dense up to a 32 MiB dense matrix, sparse above.
    Auto,
    /// linfa-logistic on a dense matrix (refused above 2 GiB).
    Dense,
    /// L-BFGS over the sparse rows (memory grows with the non-zeros).
    Sparse,
    /// `train` only: AdaGrad over the file streamed in passes, with hashed features (2^20
    /// buckets unless --hashing-bits says otherwise) and memory bounded by the buckets, not the
    /// rows; for files larger than memory (TSV or JSONL).
    Sgd,
}

/// Featurization and solver options (defaults give the shipped model's settings).
#[derive(Debug, Args)]
pub struct ModelArgs {
    /// Word n-gram range over stems, as MIN-MAX (e.g. 1-2), or "none".
    #[arg(long, default_value = "1-2", value_name = "RANGE", help_heading = "Features")]
    pub word_ngrams: String,
    /// Character n-gram range within word boundaries, as MIN-MAX (e.g. 2-5), or "none"
    /// [default: 2-5; none above 10,000 rows].
    #[arg(long, value_name = "RANGE", help_heading = "Features")]
    pub char_ngrams: Option<String>,
    /// Add stance-cue features: commitment and rejection words (flipped after a negator) and
    /// their conjunction with a target mention; the English lexicons are stored in the model.
    #[arg(long, help_heading = "Features")]
    pub cues: bool,
    /// Add sentiment features from a lexicon file (`word<TAB>valence` lines, such as VADER's
    /// vader_lexicon.txt): each lexicon word counts towards a positive or a negative term, by
    /// its valence, flipped after a negator. The lexicon is stored in the model (format 7).
    #[arg(long, value_name = "FILE", help_heading = "Features")]
    pub sentiment_lexicon: Option<PathBuf>,
    /// Do not stem words (English Snowball stemming is on by default).
    #[arg(long, help_heading = "Features")]
    pub no_stem: bool,
    /// Keep letter case.
    #[arg(long, help_heading = "Features")]
    pub no_lowercase: bool,
    /// Keep only terms seen in at least this many training rows [default: 1 below 100 rows, 2
    /// up to 10,000, above that 5 or one row in 100,000, whichever is more].
    #[arg(long, value_name = "N", help_heading = "Features")]
    pub min_df: Option<usize>,
    /// Keep at most this many terms (the most frequent).
    #[arg(long, value_name = "N", help_heading = "Features")]
    pub max_features: Option<usize>,
    /// Feature hashing instead of a vocabulary: 2^BITS buckets (10–28), for unbounded
    /// vocabularies; the buckets come from seeded xxh3 of each term (seed: --hash-seed).
    #[arg(long, value_name = "BITS", help_heading = "Features")]
    pub hashing_bits: Option<u32>,
    /// Seed of the feature-hashing function (stored in the model).
    #[arg(
        long,
        default_value_t = 0,
        value_name = "SEED",
        requires = "hashing_bits",
        help_heading = "Features"
    )]
    pub hash_seed: u64,
    /// Term-frequency weighting.
    #[arg(long, default_value = "sublinear", value_parser = named::<TermFrequency>(), help_heading = "Features")]
    pub tf: TermFrequency,
    /// Inverse document frequency weighting.
    #[arg(long, default_value = "smooth", value_parser = named::<Idf>(), help_heading = "Features")]
    pub idf: Idf,
    /// Vector normalisation.
    #[arg(long, default_value = "l2", value_parser = named::<Norm>(), help_heading = "Features")]
    pub norm: Norm,
    /// Text normalisation for social-media text, a comma list of urls, mentions, numbers,
    /// elongation, negation, or all (stored in the model, so classification does the same).
    #[arg(long, value_enum, value_delimiter = ',', value_name = "LIST", help_heading = "Normalisation")]
    pub normalize: Vec<NormalizeArg>,
    /// What to do with hashtags.
    #[arg(long, default_value = "keep", value_parser = named::<Hashtags>(), help_heading = "Normalisation")]
    pub hashtags: Hashtags,
    /// Remove this hashtag wherever it occurs, compared case-insensitively, with or without its
    /// '#' (e.g. SemST, which ends every SemEval-2016 tweet); repeatable.
    #[arg(long, value_name = "TAG", help_heading = "Normalisation")]
    pub strip_tag: Vec<String>,
    /// L2 regularisation strength (= 1/C of scikit-learn's LogisticRegression) [default: 0.3;
    /// 1 above 10,000 rows and with --solver sgd].
    #[arg(long, value_name = "ALPHA", allow_negative_numbers = true, help_heading = "Solver")]
    pub alpha: Option<f64>,
    /// L-BFGS iteration budget.
    #[arg(long, default_value_t = 1000, value_name = "N", help_heading = "Solver")]
    pub max_iterations: u64,
    /// Gradient-norm tolerance for convergence (see --tolerance-scale) [default: 1e-4; 1e-3
    /// above 10,000 rows].
    #[arg(long, value_name = "TOL", allow_negative_numbers = true, help_heading = "Solver")]
    pub tolerance: Option<f64>,
    /// What --tolerance bounds: the gradient of the summed objective ("sum", linfa-logistic's
    /// criterion), of the per-row objective ("mean", scikit-learn's scaling), or "auto": sum for
    /// the dense solver, mean for the sparse one.
    #[arg(long, default_value = "auto", value_parser = named::<ToleranceScale>(), help_heading = "Solver")]
    pub tolerance_scale: ToleranceScale,
    /// Which solver minimises the objective.
    #[arg(long, value_enum, default_value = "auto", help_heading = "Solver")]
    pub solver: SolverArg,
    /// Weight of each training row's loss by its label: "none", "balanced"
    /// (rows / (labels · rows of the label), as scikit-learn) or LABEL=W,LABEL=W (unlisted
    /// labels weigh 1) [default: balanced; none with --solver sgd].
    #[arg(long, value_name = "WEIGHTS", value_parser = parse_class_weight, help_heading = "Solver")]
    pub class_weight: Option<ClassWeight>,
    /// NB log-count-ratio scaling (Wang & Manning's NBSVM idea): fit each label one-vs-rest on
    /// features scaled by how much more often they occur in its rows than in the others; the
    /// ratios are folded into the stored weights.
    #[arg(long, help_heading = "Solver")]
    pub nb_scaling: bool,
    /// Fit a word n-gram model and a character n-gram model separately and store the average
    /// of their logits as one model; needs --char-ngrams and --word-ngrams (or --cues).
    #[arg(long, help_heading = "Solver")]
    pub blend: bool,
}

impl ModelArgs {
    /// Validated training parameters, with the small-data defaults for what was not given
    /// (enough to check the options before the data is read; see [`ModelArgs::params_for`]).
    pub fn params(&self) -> Result<TrainParams> {
        self.params_for(0)
    }

    /// Validated training parameters for `rows` training rows: options not given take
    /// [`SizeDefaults::for_rows`].
    pub fn params_for(&self, rows: usize) -> Result<TrainParams> {
        let defaults = SizeDefaults::for_rows(rows);
        let features = self.features(&defaults, self.hashing_bits)?;
        let params = TrainParams {
            features,
            alpha: self.alpha.unwrap_or(defaults.alpha),
            max_iterations: self.max_iterations,
            gradient_tolerance: self.tolerance.unwrap_or(defaults.gradient_tolerance),
            tolerance_scale: self.tolerance_scale,
            solver: match self.solver {
                SolverArg::Auto => Solver::Auto,
                SolverArg::Dense => Solver::Dense,
                SolverArg::Sparse => Solver::Sparse,
                SolverArg::Sgd => bail!("--solver sgd streams a file and is only for stance train"),
            },
            class_weight: self.class_weight.clone().unwrap_or(defaults.class_weight),
            nb_scaling: self.nb_scaling,
            blend: self.blend,
        };
        params.clone().check().map_err(|error| match error {
            // Contradictory flags: a usage error, with the flags' hint.
            TrainError::BlendNeedsTwoParts(_) | TrainError::BlendNeedsVocabulary => {
                anyhow::Error::new(error).context(UsageError("--blend".into()))
            }
            error => error.into(),
        })?;
        Ok(params)
    }

    /// Checked parameters of `--solver sgd`: the large-data defaults of --min-df and
    /// --tolerance (the row count is not known before the file has been streamed once) and
    /// 2^[`STREAM_DEFAULT_BITS`] hashed buckets unless --hashing-bits is given. Options the
    /// streamed solver cannot honour are refused.
    pub fn stream_params(&self, learning_rate: f64, passes: usize) -> Result<StreamParams> {
        if self.class_weight.as_ref().is_some_and(|w| *w != ClassWeight::None) {
            bail!("--solver sgd does not support --class-weight");
        }
        if self.nb_scaling || self.blend {
            return Err(UsageError("--solver sgd does not support --nb-scaling or --blend".into()).into());
        }
        if self.tolerance_scale != ToleranceScale::Auto {
            bail!("--solver sgd does not support --tolerance-scale (its tolerance is per row)");
        }
        let defaults = SizeDefaults::streamed();
        let bits = self.hashing_bits.unwrap_or(STREAM_DEFAULT_BITS);
        let params = StreamParams {
            features: self.features(&defaults, Some(bits))?,
            // 1, the large-data default; measured for the streamed objective too (README,
            // "Training at scale").
            alpha: self.alpha.unwrap_or(defaults.alpha),
            learning_rate,
            passes,
            gradient_tolerance: self.tolerance.unwrap_or(defaults.gradient_tolerance),
            solver: "sgd",
        };
        params.check()?;
        Ok(params)
    }

    /// The feature pipeline the flags describe, with `defaults` for what was not given.
    fn features(&self, defaults: &SizeDefaults, hashing_bits: Option<u32>) -> Result<FeatureConfig> {
        let features = FeatureConfig {
            normalize: self.normalization().context("--strip-tag")?,
            lowercase: !self.no_lowercase,
            stemmer: if self.no_stem {
                Stemmer::None
            } else {
                Stemmer::Snowball { language: Language::English }
            },
            tf: self.tf,
            idf: self.idf,
            norm: self.norm,
            min_df: self.min_df.unwrap_or(defaults.min_df),
            max_features: self.max_features,
            hashing: hashing_bits.map(|bits| stance_features::Hashing::new(bits, self.hash_seed)),
            extractors: {
                let word = parse_range(&self.word_ngrams).context("--word-ngrams")?;
                let char = match &self.char_ngrams {
                    Some(range) => parse_range(range).context("--char-ngrams")?,
                    None => defaults.char_ngrams,
                };
                let mut extractors = stance_features::Extractor::ngrams(word, char);
                if self.cues {
                    extractors.push(stance_features::Extractor::StanceCues(Default::default()));
                }
                if let Some(path) = &self.sentiment_lexicon {
                    extractors.push(stance_features::Extractor::Sentiment(read_lexicon(path)?));
                }
                extractors
            },
            layout: Default::default(),
        };
        if features.word_ngrams().is_none() && features.char_ngrams().is_none() {
            bail!("--word-ngrams and --char-ngrams are both \"none\": there would be no features");
        }
        Ok(features)
    }

    /// The `--normalize`, `--hashtags` and `--strip-tag` options, checked.
    fn normalization(&self) -> Result<Normalization> {
        let on = |option| self.normalize.iter().any(|&given| given == option || given == NormalizeArg::All);
        let normalization = Normalization {
            urls: on(NormalizeArg::Urls),
            mentions: on(NormalizeArg::Mentions),
            numbers: on(NormalizeArg::Numbers),
            hashtags: self.hashtags,
            strip_tags: self
                .strip_tag
                .iter()
                .map(|tag| tag.strip_prefix('#').unwrap_or(tag).to_owned())
                .collect(),
            elongation: on(NormalizeArg::Elongation),
            negation: on(NormalizeArg::Negation),
        };
        normalization.check()?;
        Ok(normalization)
    }
}

/// The sentiment lexicon in the file at `path`; errors name the file (and the line).
fn read_lexicon(path: &Path) -> Result<stance_features::SentimentLexicon> {
    let bytes = std::fs::read(path)
        .with_context(|| format!("--sentiment-lexicon: cannot read {}", path.display()))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let line = 1 + e.as_bytes()[..e.utf8_error().valid_up_to()].iter().filter(|&&b| b == b'\n').count();
        anyhow::anyhow!("--sentiment-lexicon {}: line {line} is not UTF-8", path.display())
    })?;
    let source =
        path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
    stance_features::SentimentLexicon::from_tsv(&text, &source)
        .with_context(|| format!("--sentiment-lexicon {}", path.display()))
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
    Ok(stance_features::parse_ngram_range(text)?)
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

/// Where and how `evaluate` and `cv` write their report.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Report format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: ReportFormat,
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

    #[derive(Debug, clap::Parser)]
    struct Command {
        #[command(flatten)]
        model: ModelArgs,
    }

    fn normalization(args: &[&str]) -> Result<Normalization> {
        use clap::Parser;
        let command = Command::try_parse_from(std::iter::once("stance").chain(args.iter().copied()))?;
        Ok(command.model.params()?.features.normalize)
    }

    #[test]
    fn normalisation_flags_build_the_config() {
        assert!(normalization(&[]).unwrap().is_default());
        let n =
            normalization(&["--normalize", "urls,negation", "--hashtags", "split", "--strip-tag", "#SemST"])
                .unwrap();
        assert_eq!(
            n,
            Normalization {
                urls: true,
                negation: true,
                hashtags: Hashtags::Split,
                strip_tags: vec!["SemST".into()],
                ..Default::default()
            }
        );
        let all = normalization(&["--normalize", "all", "--normalize", "urls"]).unwrap();
        assert!(all.urls && all.mentions && all.numbers && all.elongation && all.negation);
        assert_eq!(all.hashtags, Hashtags::Keep);
    }

    #[test]
    fn bad_normalisation_flags_are_usage_errors() {
        assert!(normalization(&["--normalize", "urls,emoji"]).is_err());
        assert!(normalization(&["--hashtags", "shout"]).is_err());
        let err = normalization(&["--strip-tag", "two words"]).unwrap_err();
        assert!(format!("{err:#}").contains("--strip-tag"), "{err:#}");
    }

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
