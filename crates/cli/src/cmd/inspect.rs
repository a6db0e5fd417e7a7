//! `stance inspect`: the model card — what a model is, what it was trained on, how well it
//! cross-validated, and which features push towards each label.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use serde::Serialize;
use serde_json::Value;
use stance_eval::{CvSummary, FoldStrategy};
use stance_features::{FeatureConfig, Hashtags, NamedValue, Normalization, Stemmer, TermKind};
use stance_infer::{Classifier, DEFAULT_MODEL_NAME};
use stance_model::{Calibration, FeatureWeight, ModelError, ModelFile, TargetModels, TrainingInfo};

use super::explain::TextOrJson;

/// The model card: labels, features, training data, options, solver, stored CV, top features.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  stance inspect\n  stance inspect --model models/mine.json --top 30 --format json"
)]
pub struct InspectArgs {
    /// Model file (default: the compiled-in model).
    #[arg(long, value_name = "MODEL")]
    model: Option<PathBuf>,
    /// Features listed per label (largest positive weights).
    #[arg(long, value_name = "N", default_value_t = 15)]
    top: usize,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: TextOrJson,
}

/// `stance inspect`.
pub fn run(args: InspectArgs) -> Result<ExitCode> {
    inspect(args.model.as_deref(), args.top, args.format)
}

/// The model card, as `--format json` prints it.
#[derive(Serialize)]
struct Card<'a> {
    /// The model file, or the name of the embedded default model.
    model: String,
    /// SHA-256 of the model file's bytes.
    sha256: String,
    format: &'a str,
    format_version: u32,
    labels: &'a [String],
    neutral_label: Option<&'a str>,
    features: &'a FeatureConfig,
    vocabulary: Vocabulary,
    training: &'a TrainingInfo,
    /// Temperature scaling of the probabilities, when the model has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    calibration: Option<&'a Calibration>,
    /// Per label, the features with the largest positive weights, largest first (for a
    /// conjoined model, of the shared block).
    top_features: BTreeMap<&'a str, Vec<FeatureWeight>>,
    /// How the model uses stance targets (absent for a pooled model).
    #[serde(skip_serializing_if = "Option::is_none")]
    targets: Option<TargetsCard>,
    /// Topic relevance: `null` for a model without a relevance section.
    relevance: Option<RelevanceCard<'a>>,
}

#[derive(Serialize)]
struct RelevanceCard<'a> {
    trained_on: &'a str,
    threshold: f64,
    topic_terms: &'a [String],
    intercept: f64,
    /// The features that make a text most on topic, largest weight first.
    on_topic_features: Vec<(String, f64)>,
    /// The features that make a text most off topic, most negative weight first.
    off_topic_features: Vec<(String, f64)>,
}

/// The relevance section's card: its provenance and its strongest features both ways.
fn relevance_card<'a>(file: &'a ModelFile, top: usize) -> Option<RelevanceCard<'a>> {
    let relevance = file.relevance.as_ref()?;
    let vocabulary = file.features.vocabulary();
    let mut weights: Vec<(usize, f64)> = relevance.coefficients.iter().copied().enumerate().collect();
    weights.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let named = |(i, w): &(usize, f64)| vocabulary.get(*i).map(|term| (TermKind::display(term), *w));
    let on_topic_features = weights.iter().filter(|(_, w)| *w > 0.0).take(top).filter_map(named).collect();
    let off_topic_features =
        weights.iter().rev().filter(|(_, w)| *w < 0.0).take(top).filter_map(named).collect();
    Some(RelevanceCard {
        trained_on: &relevance.trained_on,
        threshold: relevance.threshold,
        topic_terms: &relevance.topic_terms,
        intercept: relevance.intercept,
        on_topic_features,
        off_topic_features,
    })
}

#[derive(Serialize)]
struct TargetsCard {
    /// `per_target`, `conjoined` or `relative`.
    strategy: &'static str,
    /// Per-target: whether the main model is a pooled fallback for unknown targets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pooled_fallback: Option<bool>,
    /// What an unknown target gets.
    unknown_target: &'static str,
    /// Relative: the two stance labels swapped for a negative target, and the training
    /// targets that are negative.
    #[serde(skip_serializing_if = "Option::is_none")]
    mirrored: Option<[String; 2]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    negative_targets: Option<Vec<String>>,
    targets: Vec<TargetCard>,
}

#[derive(Serialize)]
struct TargetCard {
    name: String,
    /// Training rows.
    rows: usize,
    /// Per-target: rows per label, vocabulary size and whether its solver converged
    /// (`null` for a single-label target's constant model).
    #[serde(skip_serializing_if = "Option::is_none")]
    rows_per_label: Option<BTreeMap<String, usize>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    features: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    converged: Option<Option<bool>>,
}

fn targets_card(targets: &TargetModels) -> TargetsCard {
    let by_rows = |rows_per_target: BTreeMap<String, usize>| {
        rows_per_target
            .into_iter()
            .map(|(name, rows)| TargetCard {
                name,
                rows,
                rows_per_label: None,
                features: None,
                converged: None,
            })
            .collect()
    };
    match targets {
        TargetModels::Relative { relation, mirrored, rows_per_target } => TargetsCard {
            strategy: targets.strategy_name(),
            pooled_fallback: None,
            unknown_target: "scored like any other (its words masked, labels swapped if negative)",
            mirrored: Some(mirrored.clone()),
            negative_targets: Some(
                rows_per_target.keys().filter(|t| relation.is_negative(t)).cloned().collect(),
            ),
            targets: by_rows(rows_per_target.clone()),
        },
        TargetModels::PerTarget { pooled_fallback, models } => TargetsCard {
            strategy: targets.strategy_name(),
            pooled_fallback: Some(*pooled_fallback),
            unknown_target: if *pooled_fallback { "pooled fallback model" } else { "error" },
            mirrored: None,
            negative_targets: None,
            targets: models
                .iter()
                .map(|(name, m)| TargetCard {
                    name: name.clone(),
                    rows: m.rows,
                    rows_per_label: Some(m.rows_per_label.clone()),
                    features: Some(m.features.n_features()),
                    converged: Some(m.solver.as_ref().map(|s| s.converged)),
                })
                .collect(),
        },
        TargetModels::Conjoined { .. } => TargetsCard {
            strategy: targets.strategy_name(),
            pooled_fallback: None,
            unknown_target: "shared block only (the pooled part)",
            mirrored: None,
            negative_targets: None,
            targets: by_rows(targets.rows_per_target()),
        },
    }
}

#[derive(Serialize)]
struct Vocabulary {
    total: usize,
    word_ngrams: usize,
    char_ngrams: usize,
    /// Set for a hashing model, whose features are buckets rather than terms (the n-gram
    /// counts are then 0).
    #[serde(skip_serializing_if = "Option::is_none")]
    hashing: Option<Hashed>,
}

#[derive(Serialize)]
struct Hashed {
    bits: u32,
    seed: u64,
    /// Buckets that training documents reached (the others never carry weight).
    buckets_seen: usize,
}

/// `stance inspect`.
fn inspect(model: Option<&Path>, top: usize, format: TextOrJson) -> Result<ExitCode> {
    let (name, bytes) = match model {
        Some(path) => {
            let bytes = std::fs::read(path).map_err(|source| ModelError::Io {
                action: "read",
                path: path.to_owned(),
                source,
            })?;
            (path.display().to_string(), bytes)
        }
        None => (DEFAULT_MODEL_NAME.to_owned(), Classifier::default_model_json().as_bytes().to_vec()),
    };
    let file = ModelFile::from_json_bytes(&bytes, Path::new(&name))?;
    let featurizer = &file.features;
    let card = Card {
        model: name,
        sha256: stance_model::sha256_hex(&bytes),
        format: &file.format,
        format_version: file.format_version,
        labels: &file.labels,
        neutral_label: file.neutral_label.as_deref(),
        features: featurizer.config(),
        vocabulary: Vocabulary {
            total: featurizer.n_features(),
            word_ngrams: featurizer.n_features_of(TermKind::WordNgram),
            char_ngrams: featurizer.n_features_of(TermKind::CharNgram),
            hashing: featurizer.hashing().map(|h| Hashed {
                bits: h.bits,
                seed: h.seed,
                buckets_seen: featurizer.n_fitted_features(),
            }),
        },
        training: &file.training,
        calibration: file.calibration.as_ref(),
        top_features: file
            .labels
            .iter()
            .map(|label| (label.as_str(), file.top_features(label, top).unwrap_or_default()))
            .collect(),
        targets: file.targets.as_ref().map(targets_card),
        relevance: relevance_card(&file, top),
    };
    let text = match format {
        TextOrJson::Json => serde_json::to_string_pretty(&card)? + "\n",
        TextOrJson::Text => card_text(&card, top),
    };
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn card_text(card: &Card, top: usize) -> String {
    let mut out = String::new();
    let t = card.training;
    let _ = writeln!(out, "model          {}", card.model);
    let _ = writeln!(out, "sha256         {}", card.sha256);
    let _ = writeln!(
        out,
        "format         {} version {} (trained with stance {})",
        card.format, card.format_version, t.stance_version
    );
    let neutral = card.neutral_label.map_or("none".to_owned(), str::to_owned);
    let _ = writeln!(out, "labels         {} (neutral label: {neutral})", card.labels.join(", "));
    let v = &card.vocabulary;
    match (&card.targets, &v.hashing) {
        (Some(targets), _) if targets.pooled_fallback == Some(false) => {
            let _ = writeln!(out, "vocabulary     per target (no pooled model: see targets)");
        }
        (_, Some(h)) => {
            let _ = writeln!(
                out,
                "vocabulary     hashed, 2^{} = {} buckets (seed {}), {} seen in training",
                h.bits, v.total, h.seed, h.buckets_seen
            );
        }
        _ => {
            let _ = writeln!(
                out,
                "vocabulary     {} features: {} word n-grams, {} char n-grams",
                v.total, v.word_ngrams, v.char_ngrams
            );
        }
    }

    out.push_str("\nfeatures\n");
    for (stage, value) in feature_stages(card.features) {
        let _ = writeln!(out, "  {stage:<14} {value}");
    }

    out.push_str("\ntraining data\n");
    let _ = writeln!(out, "  file           {}", t.data_file);
    let _ = writeln!(out, "  sha256         {}", t.data_sha256);
    let per_label: Vec<String> = t.rows_per_label.iter().map(|(l, n)| format!("{l} {n}")).collect();
    let _ = writeln!(out, "  rows           {} ({})", t.rows, per_label.join(", "));

    if let Some(targets) = &card.targets {
        let fallback = match targets.pooled_fallback {
            Some(true) => ", pooled fallback",
            Some(false) => ", no pooled fallback",
            None => "",
        };
        let _ = writeln!(
            out,
            "\ntargets        {} {}{fallback}; unknown target: {}",
            targets.targets.len(),
            targets.strategy,
            targets.unknown_target
        );
        for target in &targets.targets {
            let mut line = format!("  {:<28} {:>6} rows", target.name, target.rows);
            if let Some(per_label) = &target.rows_per_label {
                let per_label: Vec<String> = per_label.iter().map(|(l, n)| format!("{l} {n}")).collect();
                let _ = write!(line, " ({})", per_label.join(", "));
            }
            if let Some(features) = target.features {
                let _ = write!(line, ", {features} features");
            }
            match target.converged {
                Some(None) => line.push_str(", single label: constant model"),
                Some(Some(false)) => line.push_str(", solver did not converge"),
                _ => {}
            }
            let _ = writeln!(out, "{line}");
        }
    }

    out.push_str("\ntraining options\n");
    let mut options = Vec::new();
    flatten("", &t.options.to_value(), &mut options);
    let width = options.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    for (key, value) in &options {
        let _ = writeln!(out, "  {key:<width$}  {value}");
    }

    let s = &t.solver;
    out.push_str("\nsolver\n");
    let _ = writeln!(out, "  {}", s.solver);
    let _ = writeln!(
        out,
        "  objective {:.6}, gradient norm {:.3e}, converged {}",
        s.objective,
        s.gradient_norm,
        if s.converged { "yes" } else { "no" }
    );
    match card.calibration {
        Some(c) => {
            let _ = writeln!(
                out,
                "\ncalibration\n  temperature {} (probabilities = softmax(logits / {:.3}))",
                c.temperature, c.temperature
            );
            let _ = writeln!(out, "  fitted on   {}", c.fitted_on);
        }
        None => out.push_str("\ncalibration: none (train with --calibrate to fit a temperature)\n"),
    }

    match &card.relevance {
        Some(r) => {
            out.push_str("\ntopic relevance (texts off the topic are always neutral)\n");
            let _ = writeln!(out, "  trained on     {}", r.trained_on);
            let _ = writeln!(out, "  on topic when  relevance >= {}", r.threshold);
            if !r.topic_terms.is_empty() {
                let _ = writeln!(out, "  or mentions    {}", r.topic_terms.join(", "));
            }
            let list = |features: &[(String, f64)]| {
                features.iter().map(|(f, w)| format!("{f} ({w:+.2})")).collect::<Vec<_>>().join(", ")
            };
            let _ = writeln!(out, "  on topic       {}", list(&r.on_topic_features));
            let _ = writeln!(out, "  off topic      {}", list(&r.off_topic_features));
        }
        None => out.push_str(
            "\ntopic relevance: none (every text gets a stance label; train with --topic-col or --topic-terms)\n",
        ),
    }

    out.push('\n');
    match (&t.cross_validation, &t.held_out) {
        (None, Some(estimate)) => {
            out.push_str("held-out estimate (instead of a cross-validation; train with --cv for one)\n");
            let _ = writeln!(out, "  held out       {}", estimate.held_out);
            let _ =
                writeln!(out, "  rows           {} fitted on, {} scored", estimate.n_train, estimate.n_test);
            let _ = writeln!(out, "  macro-F1       {:.3}", estimate.macro_f1);
            let _ = writeln!(out, "  accuracy       {:.3}", estimate.accuracy);
            if let Some(f_avg) = estimate.f_avg {
                let _ = writeln!(out, "  F_avg          {f_avg:.3}");
            }
            for (label, f1) in &estimate.per_class_f1 {
                let _ = writeln!(out, "  F1 {label:<11} {f1:.3}");
            }
        }
        (None, None) => out.push_str("cross-validation: none stored (trained with --no-cv)\n"),
        (Some(summary), _) => cv_text(&mut out, summary),
    }

    let _ = writeln!(out, "\ntop {top} features per label (largest positive weights: they push towards it)");
    for (label, features) in &card.top_features {
        let _ = writeln!(out, "{label}");
        if features.is_empty() {
            out.push_str("    (no feature with a positive weight)\n");
        }
        let width = features.iter().map(|f| f.feature.chars().count()).max().unwrap_or(0).min(28);
        for f in features {
            let _ = writeln!(out, "  {:+8.3}  {:<width$}  {}", f.weight, quote_padding(&f.feature), f.kind);
        }
    }
    out
}

/// Every stage of the feature pipeline as (name, description).
fn feature_stages(config: &FeatureConfig) -> Vec<(&'static str, String)> {
    let yes_no = |b: bool| if b { "yes" } else { "no" }.to_owned();
    let range = |r: Option<stance_features::NgramRange>| {
        r.map_or("off".to_owned(), |r| {
            if r.min == r.max {
                r.min.to_string()
            } else {
                format!("{}-{}", r.min, r.max)
            }
        })
    };
    let stemmer = match config.stemmer {
        Stemmer::None => "none".to_owned(),
        Stemmer::Snowball { language } => {
            let language = serde_json::to_value(language).ok();
            format!("snowball ({})", language.as_ref().and_then(Value::as_str).unwrap_or("?"))
        }
    };
    let (tf, idf, norm) = (config.tf.description(), config.idf.description(), config.norm.description());
    let char_ngrams = match config.char_ngrams() {
        Some(_) => format!("{}, within word boundaries", range(config.char_ngrams())),
        None => "off".to_owned(),
    };
    let mut stages = Vec::new();
    if !config.normalize.is_default() {
        stages.push(("normalize", normalization(&config.normalize)));
    }
    stages.extend([
        ("lowercase", yes_no(config.lowercase)),
        ("stemmer", stemmer),
        ("word n-grams", range(config.word_ngrams())),
        ("char n-grams", char_ngrams),
        ("tf", tf.to_owned()),
        ("idf", idf.to_owned()),
        ("norm", norm.to_owned()),
        ("min df", config.min_df.to_string()),
        ("max features", config.max_features.map_or("no limit".to_owned(), |n| n.to_string())),
    ]);
    // Listed only when on, so the card of a vocabulary model reads as it always did.
    if let Some(h) = config.hashing {
        stages.push(("hashing", format!("2^{} buckets, xxh3 seed {}", h.bits, h.seed)));
    }
    for extractor in &config.extractors {
        match extractor {
            stance_features::Extractor::StanceCues(cues) => stages.push((
                "stance cues",
                format!(
                    "{} commitment and {} rejection prefixes, negation within {} words, × {} target prefixes",
                    cues.commit.len(),
                    cues.reject.len(),
                    cues.window,
                    cues.target.len()
                ),
            )),
            stance_features::Extractor::Sentiment(lexicon) => stages.push((
                "sentiment lexicon",
                format!(
                    "{} ({} words), negation within {} words",
                    lexicon.source,
                    lexicon.len(),
                    lexicon.window
                ),
            )),
            // Listed above, where every earlier card had them.
            stance_features::Extractor::WordNgrams(_) | stance_features::Extractor::CharNgrams(_) => {}
        }
    }
    stages
}

/// The normalisation options that are on, as `urls, negation, hashtags split, strip #SemST`.
fn normalization(n: &Normalization) -> String {
    let flags = [
        (n.urls, "urls"),
        (n.mentions, "mentions"),
        (n.numbers, "numbers"),
        (n.elongation, "elongation"),
        (n.negation, "negation"),
    ];
    let mut parts: Vec<String> =
        flags.iter().filter(|(on, _)| *on).map(|(_, name)| (*name).to_owned()).collect();
    match n.hashtags {
        Hashtags::Keep => {}
        Hashtags::Split => parts.push("hashtags split".into()),
        Hashtags::Strip => parts.push("hashtags stripped".into()),
    }
    if !n.strip_tags.is_empty() {
        let tags: Vec<String> = n.strip_tags.iter().map(|tag| format!("#{tag}")).collect();
        parts.push(format!("strip {}", tags.join(" ")));
    }
    parts.join(", ")
}

/// Flattens JSON options into `dotted.key = value` pairs. The feature config recorded with the
/// training parameters is skipped: the `features` section shows the model's own.
fn flatten(prefix: &str, value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
                if path == "params.features" && value.is_object() {
                    out.push((path, "(see features)".into()));
                    continue;
                }
                flatten(&path, value, out);
            }
        }
        Value::Null => out.push((prefix.to_owned(), "none".into())),
        Value::String(s) => out.push((prefix.to_owned(), s.clone())),
        other => out.push((prefix.to_owned(), other.to_string())),
    }
}

fn cv_text(out: &mut String, report: &CvSummary) {
    let strategy = match &report.strategy {
        FoldStrategy::Grouped { column } => format!("grouped by {column:?}"),
        FoldStrategy::Stratified { seed } => format!("stratified, seed {seed}"),
    };
    let _ = writeln!(
        out,
        "cross-validation at training time: {} folds, {strategy}, {} rows",
        report.folds, report.n
    );
    let m = &report.mean;
    for (name, metric) in [("accuracy", m.accuracy), ("macro-F1", m.macro_f1), ("weighted-F1", m.weighted_f1)]
    {
        let _ = writeln!(out, "  {name:<12} {:.3} ± {:.3}", metric.mean, metric.std);
    }
    let _ = writeln!(
        out,
        "  pooled       macro-F1 {:.3}, accuracy {:.3} (all out-of-fold predictions together)",
        report.pooled.macro_f1, report.pooled.accuracy
    );
    out.push_str("  fold  n_train  n_test  accuracy  macro-F1  weighted-F1  converged  test groups\n");
    for f in &report.per_fold {
        let _ = writeln!(
            out,
            "  {:>4}  {:>7}  {:>6}  {:>8.3}  {:>8.3}  {:>11.3}  {:<9}  {}",
            f.fold,
            f.n_train,
            f.n_test,
            f.accuracy,
            f.macro_f1,
            f.weighted_f1,
            if f.converged { "yes" } else { "no" },
            f.test_groups.join(", ")
        );
    }
}

/// Char n-gram padding shown as `␣`, as in `stance explain`.
fn quote_padding(feature: &str) -> String {
    TermKind::display(feature)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_flatten_to_dotted_keys_without_the_feature_config() {
        let options = serde_json::json!({
            "columns": {"text": "text", "group": null},
            "params": {"alpha": 0.03, "features": {"lowercase": true}},
        });
        let mut out = Vec::new();
        flatten("", &options, &mut out);
        let pairs: Vec<(&str, &str)> = out.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(
            pairs,
            [
                ("columns.group", "none"),
                ("columns.text", "text"),
                ("params.alpha", "0.03"),
                ("params.features", "(see features)")
            ]
        );
    }

    #[test]
    fn every_feature_stage_is_described() {
        let stages = feature_stages(&FeatureConfig::default());
        let names: Vec<&str> = stages.iter().map(|(name, _)| *name).collect();
        assert_eq!(
            names,
            [
                "lowercase",
                "stemmer",
                "word n-grams",
                "char n-grams",
                "tf",
                "idf",
                "norm",
                "min df",
                "max features"
            ]
        );
        assert_eq!(stages[1].1, "snowball (english)");
        assert_eq!(stages[2].1, "1-2");
        assert_eq!(stages[3].1, "off");
        let hashed =
            FeatureConfig { hashing: Some(stance_features::Hashing::new(18, 7)), ..Default::default() };
        let stages = feature_stages(&hashed);
        assert_eq!(stages.last().unwrap(), &("hashing", "2^18 buckets, xxh3 seed 7".to_owned()));
    }

    #[test]
    fn normalisation_is_a_stage_only_when_on() {
        let mut config = FeatureConfig::default();
        config.normalize.urls = true;
        config.normalize.negation = true;
        config.normalize.hashtags = Hashtags::Split;
        config.normalize.strip_tags = vec!["SemST".into()];
        let stages = feature_stages(&config);
        assert_eq!(stages[0], ("normalize", "urls, negation, hashtags split, strip #SemST".to_owned()));
        assert_eq!(stages.len(), feature_stages(&FeatureConfig::default()).len() + 1);
    }
}
