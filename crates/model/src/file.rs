//! The model file: one versioned JSON document holding everything inference needs.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use stance_features::{Featurizer, TermKind};

use crate::atomic::write_atomically;
use crate::linear::LinearModel;
use crate::relevance::{Relevance, TopicScorer};
use crate::scorer::Scorer;
use crate::targets::TargetModels;
use crate::training::TrainingInfo;
use crate::weights::Weights;
use crate::{ConsistencyError, ModelError};

/// Marker stored in every model file's `format` field.
pub const FORMAT: &str = "stance-model";
/// The newest format version this build reads and writes. Version 2 added the `checksum`
/// field, version 3 the optional `targets` section, version 4 the optional `relevance` section
/// (and is the version that names text normalisation, feature hashing and calibration, which
/// earlier builds cannot read), version 5 the tagged list of feature extractors in place of the
/// `word_ngrams`/`char_ngrams` fields, the optional `priors` section and the held-out estimate of
/// large-data training, version 6 the relative target strategy, version 7 the sentiment
/// lexicon extractor. A file is stamped with the oldest version that describes it
/// ([`ModelFile::version_needed`]); a file read in an older layout keeps its version.
pub const FORMAT_VERSION: u32 = 7;
/// The oldest format version this build still reads.
pub const OLDEST_SUPPORTED_VERSION: u32 = 1;

/// Temperature scaling fitted on held-out data: probabilities are `softmax(logits / T)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Calibration {
    /// The temperature T (finite, > 0; above 1 softens over-confident probabilities).
    pub temperature: f64,
    /// What held-out data T was fitted on, for people.
    pub fitted_on: String,
}

/// Class priors fitted by cross-validation to maximise a metric (format version ≥ 5): each
/// label's probability is multiplied by `exp(log_offsets[label])` and the probabilities
/// renormalised, which moves the decision away from plain argmax (F_avg, for one, ignores the
/// neutral label, so the best rule predicts it less often than argmax does).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Priors {
    /// One log-offset per label, in label order (finite).
    pub log_offsets: Vec<f64>,
    /// What they were fitted on and for, for people.
    pub fitted_on: String,
}

/// A complete stance model as stored on disk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelFile {
    /// Always [`FORMAT`].
    pub format: String,
    /// Format version of this file.
    pub format_version: u32,
    /// Labels, in the order of the weight rows.
    pub labels: Vec<String>,
    /// The label meaning "no stance", if the data has one; article aggregation ignores it
    /// when some sentence takes a stance.
    pub neutral_label: Option<String>,
    /// The fitted featurization pipeline (config, vocabulary, idf).
    pub features: Featurizer,
    /// The linear model's weights.
    pub weights: Weights,
    /// Provenance and training-time measurements.
    pub training: TrainingInfo,
    /// Temperature scaling of the probabilities, when the model was trained with it. Absent
    /// from older files and from models trained without it (so their bytes do not change).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibration: Option<Calibration>,
    /// `sha256:<hex>` of the model's canonical JSON without this field (format version ≥ 2).
    /// Written by [`ModelFile::to_json_bytes`] and checked on load, so a flipped digit in a
    /// weight cannot go unnoticed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<String>,
    /// How the model uses stance targets (format version ≥ 3); absent for a pooled model,
    /// which ignores targets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub targets: Option<TargetModels>,
    /// Topic relevance (format version ≥ 4): whether a text is about the target at all; absent
    /// from models trained without topic information, which give every text a stance label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relevance: Option<Relevance>,
    /// Class priors fitted by cross-validation (format version ≥ 5), applied by the scorer to
    /// every prediction; absent from models trained without them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priors: Option<Priors>,
}

/// One feature's weight for one label (see [`ModelFile::top_features`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeatureWeight {
    /// The vocabulary term.
    pub feature: String,
    /// Word or character n-gram.
    pub kind: TermKind,
    /// Its coefficient for the label.
    pub weight: f64,
}

/// Only the fields needed to decide whether a file can be read at all.
#[derive(Deserialize)]
struct Header {
    format: Option<String>,
    format_version: Option<u32>,
}

impl ModelFile {
    /// The model's size in words, for a training summary: its features, and how targets use
    /// them.
    pub fn features_summary(&self) -> String {
        let n = self.features.n_features();
        match &self.targets {
            None => format!("{n} features"),
            Some(TargetModels::Conjoined { targets, .. }) => {
                format!(
                    "{n} features × {} blocks (shared + {} targets, conjoined)",
                    targets.len() + 1,
                    targets.len()
                )
            }
            Some(TargetModels::Relative { rows_per_target, .. }) => {
                format!("{n} features (relative to the target; {} training targets)", rows_per_target.len())
            }
            Some(TargetModels::PerTarget { pooled_fallback, models }) => {
                let each: Vec<String> =
                    models.iter().map(|(t, m)| format!("{t} {}", m.features.n_features())).collect();
                let fallback =
                    if *pooled_fallback { format!("; pooled fallback {n} features") } else { String::new() };
                format!("{} per-target models (features: {}){fallback}", models.len(), each.join(", "))
            }
        }
    }

    /// Checks that labels, features, weights and calibration agree (for every sub-model of a
    /// per-target model, and over every block of a conjoined one), and builds the main model's
    /// scorer (at the calibration's temperature, when there is one).
    pub fn linear_model(&self) -> Result<LinearModel, ConsistencyError> {
        Ok(self.scorer()?.main().linear.clone())
    }

    /// Checks the model as [`ModelFile::linear_model`] does and builds the target-aware scorer.
    pub fn scorer(&self) -> Result<Scorer, ConsistencyError> {
        if self.labels.len() < 2 {
            return Err(ConsistencyError::TooFewLabels { found: self.labels.len() });
        }
        let mut seen = std::collections::BTreeSet::new();
        if let Some(dup) = self.labels.iter().find(|l| !seen.insert(l.as_str())) {
            return Err(ConsistencyError::DuplicateLabel { label: dup.clone() });
        }
        if let Some(neutral) = &self.neutral_label {
            if !self.labels.contains(neutral) {
                return Err(ConsistencyError::UnknownNeutralLabel { label: neutral.clone() });
            }
        }
        let needs = |section, needed| ConsistencyError::SectionNeedsVersion {
            section,
            needed,
            found: self.format_version,
        };
        if self.targets.is_some() && self.format_version < 3 {
            return Err(needs("targets", 3));
        }
        if matches!(self.targets, Some(TargetModels::Relative { .. })) && self.format_version < 6 {
            return Err(needs("relative targets", 6));
        }
        if self.relevance.is_some() && self.format_version < 4 {
            return Err(needs("relevance", 4));
        }
        if self.uses_sentiment_lexicon() && self.format_version < 7 {
            return Err(needs("sentiment lexicon", 7));
        }
        if self.features.config().needs_extractor_list() && self.format_version < 5 {
            return Err(needs("feature extractor list", 5));
        }
        if self.relevance.is_some() && self.neutral_label.is_none() {
            return Err(ConsistencyError::RelevanceWithoutNeutral);
        }
        if self.priors.is_some() && self.format_version < 5 {
            return Err(needs("priors", 5));
        }
        let topic = self.topic_scorer()?;
        let scorer = Scorer::new(
            &self.labels,
            &self.features,
            &self.weights,
            self.targets.as_ref(),
            self.calibration.as_ref().map(|c| c.temperature),
        )?;
        let scorer = match &self.priors {
            Some(priors) => scorer.with_priors(&priors.log_offsets)?,
            None => scorer,
        };
        Ok(match (topic, &self.neutral_label) {
            (Some(topic), Some(neutral)) => {
                let neutral = self.labels.iter().position(|l| l == neutral).expect("checked above");
                scorer.with_topic(topic, neutral)
            }
            _ => scorer,
        })
    }

    /// Whether the main featurizer or a per-target one reads a sentiment lexicon.
    fn uses_sentiment_lexicon(&self) -> bool {
        let per_target = match &self.targets {
            Some(TargetModels::PerTarget { models, .. }) => {
                models.values().any(|m| m.features.config().uses_sentiment_lexicon())
            }
            _ => false,
        };
        per_target || self.features.config().uses_sentiment_lexicon()
    }

    /// The checked relevance section, if the model has one.
    pub fn topic_scorer(&self) -> Result<Option<TopicScorer>, ConsistencyError> {
        self.relevance.as_ref().map(|r| TopicScorer::new(r, &self.features)).transpose()
    }

    /// The oldest format version that can describe this model: 7 when a featurizer reads a
    /// sentiment lexicon, 6 with the relative target strategy, 5 with class priors, a held-out
    /// estimate, or when its feature config is spelled as the extractor list (every model this
    /// build trains), 4 with a section that format 3 builds cannot read (relevance, text
    /// normalisation, feature hashing, calibration), 3 with a targets section, 2 otherwise.
    pub fn version_needed(&self) -> u32 {
        if self.uses_sentiment_lexicon() {
            return 7;
        }
        if matches!(self.targets, Some(TargetModels::Relative { .. })) {
            return 6;
        }
        if self.priors.is_some()
            || self.training.held_out.is_some()
            || self.training.options.held_out.is_some()
        {
            return 5;
        }
        let config = self.features.config();
        if config.needs_extractor_list() {
            return 5;
        }
        let needs_4 = self.relevance.is_some()
            || self.calibration.is_some()
            || config.hashing.is_some()
            || !config.normalize.is_default();
        if needs_4 {
            4
        } else if self.targets.is_some() {
            3
        } else {
            2
        }
    }

    /// The features that push hardest towards `label`: the `n` largest positive coefficients
    /// of its row, largest first (ties in vocabulary order). `None` if `label` is not one of
    /// the model's labels. A feature-hashing model stores no terms, so its list is empty.
    pub fn top_features(&self, label: &str, n: usize) -> Option<Vec<FeatureWeight>> {
        let row = self.labels.iter().position(|l| l == label)?;
        let coefficients = self.weights.coefficients.get(row)?;
        let mut positive: Vec<(usize, f64)> =
            coefficients.iter().copied().enumerate().filter(|&(_, w)| w > 0.0).collect();
        positive.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        positive.truncate(n);
        let vocabulary = self.features.vocabulary();
        Some(
            positive
                .into_iter()
                .filter_map(|(i, weight)| {
                    let feature = vocabulary.get(i)?.to_owned();
                    Some(FeatureWeight { kind: TermKind::of(&feature), feature, weight })
                })
                .collect(),
        )
    }

    /// Serializes to the on-disk JSON bytes (pretty-printed, deterministic).
    pub fn to_json_bytes(&self) -> Vec<u8> {
        let mut stamped = self.clone();
        stamped.checksum = None;
        stamped.checksum = Some(stamped.unstamped_checksum());
        let mut bytes = serde_json::to_vec_pretty(&stamped).expect("a model always serializes");
        bytes.push(b'\n');
        bytes
    }

    /// `sha256:<hex>` of the canonical serialization with the checksum field left out. The
    /// serialization is deterministic (struct field order, exact float round trip), so the
    /// value depends only on the model's content, not on how the file was formatted.
    pub fn content_checksum(&self) -> String {
        if self.checksum.is_none() {
            return self.unstamped_checksum();
        }
        let mut unstamped = self.clone();
        unstamped.checksum = None;
        unstamped.unstamped_checksum()
    }

    /// [`ModelFile::content_checksum`] of a model without a checksum, streamed into the digest
    /// (a model's JSON can be tens of MB).
    fn unstamped_checksum(&self) -> String {
        debug_assert!(self.checksum.is_none());
        let mut digest = std::io::BufWriter::with_capacity(1 << 16, crate::Sha256Stream::default());
        serde_json::to_writer(&mut digest, self).expect("a model always serializes");
        let digest = digest.into_inner().unwrap_or_else(|_| unreachable!("digesting cannot fail"));
        format!("sha256:{}", digest.hex())
    }

    /// Parses model JSON, checking the format marker and version before the full shape.
    /// `path` only names the source in error messages.
    pub fn from_json_bytes(bytes: &[u8], path: &Path) -> Result<Self, ModelError> {
        Ok(Self::from_json_bytes_with_scorer(bytes, path)?.0)
    }

    /// [`ModelFile::from_json_bytes`], also returning the [`ModelFile::scorer`] its checks
    /// built, for a caller that scores with it (so it is not built twice).
    pub fn from_json_bytes_with_scorer(bytes: &[u8], path: &Path) -> Result<(Self, Scorer), ModelError> {
        // One parse when the file is good; the header alone is read only to explain a failure
        // (a newer or older version's shape, or not a model at all) better than the parse can.
        match serde_json::from_slice(bytes) {
            Ok(model) => Self::checked(model, path),
            Err(error) => {
                let header: Header =
                    serde_json::from_slice(bytes).map_err(|e| corrupt_or_malformed(e, path))?;
                check_header(header.format.as_deref(), header.format_version, path)?;
                Err(corrupt_or_malformed(error, path))
            }
        }
    }

    /// The checks of a parsed file: its format and version, its checksum and the agreement of
    /// its parts, which building its scorer checks.
    fn checked(mut model: ModelFile, path: &Path) -> Result<(Self, Scorer), ModelError> {
        let found = model.format_version;
        check_header(Some(&model.format), Some(found), path)?;
        let scorer = if found >= 2 {
            let Some(stored) = model.checksum.take() else {
                return Err(ModelError::Inconsistent {
                    path: path.to_owned(),
                    problem: ConsistencyError::MissingChecksum { version: found },
                });
            };
            // The checksum (a serialization of the whole model) and the scorer are the two
            // costs of a load after the parse; they read the model only, so they run side by side.
            let (computed, scorer) = std::thread::scope(|scope| {
                // Where no thread can be started (a process at its limit), one after the other.
                match std::thread::Builder::new().spawn_scoped(scope, || model.unstamped_checksum()) {
                    Ok(checksum) => {
                        let scorer = model.scorer();
                        (checksum.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)), scorer)
                    }
                    Err(_) => (model.unstamped_checksum(), model.scorer()),
                }
            });
            if stored != computed {
                return Err(ModelError::ChecksumMismatch { path: path.to_owned(), stored, computed });
            }
            model.checksum = Some(stored);
            scorer
        } else {
            model.scorer()
        };
        let scorer = scorer.map_err(|problem| ModelError::Inconsistent { path: path.to_owned(), problem })?;
        Ok((model, scorer))
    }

    /// Reads and checks a model file.
    pub fn load(path: &Path) -> Result<Self, ModelError> {
        Ok(Self::load_with_scorer(path)?.0)
    }

    /// [`ModelFile::load`], also returning the scorer its checks built (see
    /// [`ModelFile::from_json_bytes_with_scorer`]).
    pub fn load_with_scorer(path: &Path) -> Result<(Self, Scorer), ModelError> {
        let io_error = |source| ModelError::Io { action: "read", path: path.to_owned(), source };
        // Read whole, then parsed from memory: serde_json parses a slice about three times as
        // fast as a reader. The bytes are dropped before the scorer is built, so the peak of a
        // loaded model (its scorer beside its file's contents) does not grow by them.
        let bytes = std::fs::read(path).map_err(io_error)?;
        match serde_json::from_slice::<ModelFile>(&bytes) {
            Ok(model) => {
                drop(bytes);
                Self::checked(model, path)
            }
            Err(_) => Self::from_json_bytes_with_scorer(&bytes, path),
        }
    }

    /// Writes the model atomically: a temporary file in the same directory, then a rename,
    /// so an existing file is never left half-written.
    pub fn save(&self, path: &Path) -> Result<(), ModelError> {
        if let Err(problem) = self.linear_model() {
            return Err(ModelError::Inconsistent { path: path.to_owned(), problem });
        }
        write_atomically(path, &self.to_json_bytes()).map_err(|source| ModelError::Io {
            action: "write",
            path: PathBuf::from(path),
            source,
        })
    }
}

/// The errors of a file whose `format` marker or `format_version` this build cannot read.
fn check_header(format: Option<&str>, version: Option<u32>, path: &Path) -> Result<(), ModelError> {
    if format != Some(FORMAT) {
        return Err(ModelError::NotAModel { path: path.to_owned(), expected: FORMAT });
    }
    let Some(found) = version else {
        return Err(ModelError::Inconsistent {
            path: path.to_owned(),
            problem: ConsistencyError::MissingFormatVersion,
        });
    };
    if found > FORMAT_VERSION {
        return Err(ModelError::TooNew { path: path.to_owned(), found, supported: FORMAT_VERSION });
    }
    if found < OLDEST_SUPPORTED_VERSION {
        return Err(ModelError::TooOld { path: path.to_owned(), found, oldest: OLDEST_SUPPORTED_VERSION });
    }
    Ok(())
}

fn corrupt_or_malformed(error: serde_json::Error, path: &Path) -> ModelError {
    use serde_json::error::Category;
    let (line, column) = (error.line(), error.column());
    // serde_json appends " at line L column C"; the position is already in our prefix.
    let full = error.to_string();
    let message = match full.rfind(" at line ") {
        Some(cut) => full[..cut].to_owned(),
        None => full,
    };
    match error.classify() {
        Category::Data => ModelError::Malformed { path: path.to_owned(), line, column, message },
        Category::Io | Category::Syntax | Category::Eof => {
            ModelError::Corrupt { path: path.to_owned(), line, column, message }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::training::{SolverReport, TrainingOptions};
    use stance_features::FeatureConfig;
    use std::collections::BTreeMap;

    /// A model as formats 2–4 spelled it (n-gram fields), so the older sections can be tested
    /// at their own versions.
    fn tiny_model() -> ModelFile {
        let config =
            FeatureConfig { layout: stance_features::ConfigLayout::NgramFields, ..Default::default() };
        let features = Featurizer::fit(&config, &["troops yes", "troops no"]).unwrap();
        let n = features.n_features();
        ModelFile {
            format: FORMAT.into(),
            format_version: FORMAT_VERSION,
            labels: vec!["oppose".into(), "support".into()],
            neutral_label: None,
            features,
            weights: Weights { coefficients: vec![vec![0.5; n], vec![-0.5; n]], intercepts: vec![0.1, -0.1] },
            training: TrainingInfo {
                stance_version: "test".into(),
                data_file: "tiny.tsv".into(),
                data_sha256: "00".into(),
                rows: 2,
                rows_per_label: BTreeMap::from([("oppose".into(), 1), ("support".into(), 1)]),
                options: TrainingOptions { params: serde_json::json!({"alpha": 1.0}), ..Default::default() },
                solver: SolverReport {
                    solver: "test".into(),
                    objective: 0.0,
                    gradient_norm: 0.0,
                    converged: true,
                },
                cross_validation: None,
                held_out: None,
            },
            calibration: None,
            checksum: None,
            relevance: None,
            priors: None,
            targets: None,
        }
    }

    fn parse(text: &str) -> Result<ModelFile, ModelError> {
        ModelFile::from_json_bytes(text.as_bytes(), Path::new("m.json"))
    }

    #[test]
    fn round_trip_through_disk_is_exact() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.json");
        let model = tiny_model();
        model.save(&path).unwrap();
        let back = ModelFile::load(&path).unwrap();
        assert_eq!(back.checksum.as_deref(), Some(model.content_checksum().as_str()));
        assert_eq!(ModelFile { checksum: None, ..back.clone() }, model);
        assert_eq!(back.to_json_bytes(), std::fs::read(&path).unwrap());
    }

    /// `load` parses the file as it reads it; its results must be those of `from_json_bytes`
    /// on the same bytes, errors (and their line and column) included.
    #[test]
    fn loading_a_file_gives_what_parsing_its_bytes_gives() {
        let dir = tempfile::tempdir().unwrap();
        let good = String::from_utf8(tiny_model().to_json_bytes()).unwrap();
        let cases = [
            good.clone(),
            good.replacen("0.5", "0.6", 1),
            good[..good.len() / 2].to_owned(),
            good.replacen(&format!("\"format_version\": {FORMAT_VERSION}"), "\"format_version\": 99", 1),
            good.replacen("\"format\": \"stance-model\"", "\"format\": \"other\"", 1),
            good.replacen("\"labels\"", "\"labelz\"", 1),
            "not json".to_owned(),
        ];
        for (i, text) in cases.iter().enumerate() {
            let path = dir.path().join(format!("m{i}.json"));
            std::fs::write(&path, text).unwrap();
            let loaded = ModelFile::load(&path).map_err(|e| e.to_string());
            let parsed = ModelFile::from_json_bytes(text.as_bytes(), &path).map_err(|e| e.to_string());
            assert_eq!(loaded, parsed, "case {i}");
        }
        assert!(ModelFile::load(&dir.path().join("m0.json")).is_ok());
        assert!(ModelFile::load(&dir.path().join("m2.json")).is_err());
    }

    #[test]
    fn checksum_catches_a_changed_digit_but_not_reformatting() {
        let json = String::from_utf8(tiny_model().to_json_bytes()).unwrap();
        assert!(json.contains("\"checksum\": \"sha256:"), "{json}");
        let tampered = json.replacen("0.5", "0.6", 1);
        assert_ne!(tampered, json);
        let err = parse(&tampered).unwrap_err();
        assert!(matches!(err, ModelError::ChecksumMismatch { .. }), "{err}");
        assert!(err.to_string().contains("checksum mismatch"), "{err}");
        // The checksum covers content, not layout: compact JSON of the same model still loads.
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert!(parse(&serde_json::to_string(&value).unwrap()).is_ok());
    }

    #[test]
    fn version_1_files_load_without_a_checksum_and_version_2_needs_one() {
        let mut value: serde_json::Value = serde_json::from_slice(&tiny_model().to_json_bytes()).unwrap();
        value.as_object_mut().unwrap().remove("checksum");
        let unchecked = serde_json::to_string(&value).unwrap();
        assert!(matches!(parse(&unchecked).unwrap_err(), ModelError::Inconsistent { .. }));
        value["format_version"] = 1.into();
        let v1 = parse(&serde_json::to_string(&value).unwrap()).unwrap();
        assert_eq!(v1.format_version, 1);
        assert_eq!(v1.checksum, None);
    }

    #[test]
    fn versions_outside_the_supported_range_are_named() {
        let json = String::from_utf8(tiny_model().to_json_bytes()).unwrap();
        let stamped = format!("\"format_version\": {FORMAT_VERSION}");
        let newer = json.replace(&stamped, "\"format_version\": 99");
        let err = parse(&newer).unwrap_err();
        assert!(matches!(err, ModelError::TooNew { found: 99, .. }), "{err}");
        assert!(err.to_string().contains("newer"), "{err}");
        let older = json.replace(&stamped, "\"format_version\": 0");
        assert!(matches!(parse(&older).unwrap_err(), ModelError::TooOld { found: 0, .. }));
    }

    #[test]
    fn truncated_wrong_shape_and_foreign_json_are_told_apart() {
        let json = String::from_utf8(tiny_model().to_json_bytes()).unwrap();
        assert!(matches!(parse(&json[..json.len() / 2]).unwrap_err(), ModelError::Corrupt { .. }));
        let err = parse(&json.replace("\"intercepts\"", "\"intercept\"")).unwrap_err();
        assert!(matches!(err, ModelError::Malformed { .. }), "{err}");
        assert!(matches!(parse(r#"{"hello": 1}"#).unwrap_err(), ModelError::NotAModel { .. }));
        assert!(matches!(
            parse("[1, 2]").unwrap_err(),
            ModelError::Malformed { .. } | ModelError::NotAModel { .. }
        ));
    }

    #[test]
    fn top_features_are_the_largest_positive_weights_of_the_label() {
        let mut model = tiny_model();
        // Vocabulary (sorted stems): no, troop, troop no, troop yes, yes.
        assert_eq!(model.features.vocabulary(), ["no", "troop", "troop no", "troop yes", "yes"]);
        model.weights.coefficients = vec![vec![0.5, -1.0, 2.0, 0.5, 0.0], vec![-0.5, 1.0, -2.0, -0.5, 0.0]];
        let top = model.top_features("oppose", 10).unwrap();
        let names: Vec<&str> = top.iter().map(|f| f.feature.as_str()).collect();
        assert_eq!(names, ["troop no", "no", "troop yes"], "largest first, ties in vocabulary order");
        assert_eq!(top[0].weight, 2.0);
        assert_eq!(top[0].kind, TermKind::WordNgram);
        let top = model.top_features("support", 1).unwrap();
        assert_eq!(top.len(), 1);
        assert_eq!(top[0].feature, "troop");
        assert!(model.top_features("oppose", 0).unwrap().is_empty());
        assert!(model.top_features("maybe", 3).is_none());
    }

    #[test]
    fn priors_need_format_5_and_one_finite_offset_per_label() {
        let mut model = tiny_model();
        let plain = model.scorer().unwrap().probabilities("troops yes", None).unwrap();
        model.priors = Some(Priors { log_offsets: vec![0.0, 1.0], fitted_on: "test".into() });
        assert_eq!(model.version_needed(), 5);
        model.format_version = 4;
        let err = model.scorer().unwrap_err().to_string();
        assert!(err.contains("priors section needs format version 5"), "{err}");
        model.format_version = 5;
        let shifted = model.scorer().unwrap().probabilities("troops yes", None).unwrap();
        let moved = (shifted[1] / shifted[0]) / (plain[1] / plain[0]);
        assert!((moved - 1f64.exp()).abs() < 1e-9, "{moved}");
        model.priors = Some(Priors { log_offsets: vec![0.0], fitted_on: "test".into() });
        assert!(model.scorer().is_err());
        model.priors = Some(Priors { log_offsets: vec![0.0, f64::NAN], fitted_on: "test".into() });
        assert!(model.scorer().is_err());
    }

    #[test]
    fn calibration_is_optional_checked_and_covered_by_the_checksum() {
        let plain = tiny_model();
        let json = String::from_utf8(plain.to_json_bytes()).unwrap();
        assert!(!json.contains("calibration"), "no key when there is no temperature");
        let mut calibrated = tiny_model();
        calibrated.calibration = Some(Calibration { temperature: 1.5, fitted_on: "fold 1 of 5".into() });
        let json = String::from_utf8(calibrated.to_json_bytes()).unwrap();
        assert!(json.contains("\"temperature\": 1.5"), "{json}");
        assert_ne!(calibrated.content_checksum(), plain.content_checksum());
        let back = parse(&json).unwrap();
        assert_eq!(back.calibration, calibrated.calibration);
        assert_eq!(back.linear_model().unwrap().temperature(), 1.5);
        let err = parse(&json.replace("\"temperature\": 1.5", "\"temperature\": 2.5")).unwrap_err();
        assert!(matches!(err, ModelError::ChecksumMismatch { .. }), "{err}");
        calibrated.calibration = Some(Calibration { temperature: 0.0, fitted_on: String::new() });
        let err = parse(std::str::from_utf8(&calibrated.to_json_bytes()).unwrap()).unwrap_err();
        assert!(err.to_string().contains("temperature"), "{err}");
    }

    #[test]
    fn disagreeing_sizes_are_inconsistent() {
        let mut model = tiny_model();
        model.weights.coefficients[1].pop();
        let err = parse(std::str::from_utf8(&model.to_json_bytes()).unwrap()).unwrap_err();
        assert!(matches!(err, ModelError::Inconsistent { .. }), "{err}");
        let mut model = tiny_model();
        model.neutral_label = Some("neutral".into());
        assert!(model.linear_model().is_err());
        let dir = tempfile::tempdir().unwrap();
        assert!(model.save(&dir.path().join("m.json")).is_err());
    }

    #[test]
    fn the_extractor_list_needs_version_5_and_a_file_stamped_4_with_it_is_refused() {
        let mut model = tiny_model();
        let config = FeatureConfig::default();
        model.features = Featurizer::fit(&config, &["troops yes", "troops no"]).unwrap();
        assert_eq!(model.version_needed(), 5);
        model.format_version = 5;
        let json = String::from_utf8(model.to_json_bytes()).unwrap();
        assert!(json.contains(r#""type": "word_ngrams""#) && !json.contains(r#""word_ngrams":"#), "{json}");
        assert_eq!(parse(&json).unwrap().features.config(), &config);
        model.format_version = 4;
        let err = parse(&String::from_utf8(model.to_json_bytes()).unwrap()).unwrap_err();
        assert!(err.to_string().contains("needs format version 5"), "{err}");
    }

    #[test]
    fn a_sentiment_lexicon_needs_version_7_and_a_file_stamped_6_with_it_is_refused() {
        let mut model = tiny_model();
        let lexicon = stance_features::SentimentLexicon::from_tsv("yes\t2\nno\t-2\n", "lex.tsv").unwrap();
        let mut config = FeatureConfig::default();
        config.extractors.push(stance_features::Extractor::Sentiment(lexicon));
        model.features = Featurizer::fit(&config, &["troops yes", "troops no"]).unwrap();
        let n = model.features.n_features();
        model.weights.coefficients = vec![vec![0.5; n], vec![-0.5; n]];
        assert_eq!(model.version_needed(), 7);
        model.format_version = 7;
        let json = String::from_utf8(model.to_json_bytes()).unwrap();
        assert!(json.contains(r#""type": "sentiment""#), "{json}");
        assert_eq!(parse(&json).unwrap().features.config(), &config);
        model.format_version = 6;
        let err = parse(&String::from_utf8(model.to_json_bytes()).unwrap()).unwrap_err();
        assert!(err.to_string().contains("sentiment lexicon section needs format version 7"), "{err}");
    }

    #[test]
    fn targets_section_round_trips_needs_version_3_and_is_checksummed() {
        let mut model = tiny_model();
        assert_eq!(model.version_needed(), 2);
        let pooled = String::from_utf8(model.to_json_bytes()).unwrap();
        assert!(!pooled.contains("targets"), "a pooled model has no targets section");
        let n = model.features.n_features();
        model.targets = Some(TargetModels::Conjoined {
            targets: vec!["a".into(), "b".into()],
            rows_per_target: BTreeMap::from([("a".into(), 1), ("b".into(), 1)]),
        });
        // Conjoined over two targets: three blocks of the vocabulary.
        assert!(model.linear_model().is_err());
        model.weights.coefficients = vec![vec![0.5; 3 * n], vec![-0.5; 3 * n]];
        model.format_version = 2;
        let err = model.linear_model().unwrap_err();
        assert!(err.to_string().contains("needs format version 3"), "{err}");
        model.format_version = model.version_needed();
        let json = String::from_utf8(model.to_json_bytes()).unwrap();
        let back = parse(&json).unwrap();
        assert_eq!(back.targets, model.targets);
        let tampered = json.replacen(
            "\"rows_per_target\": {\n      \"a\": 1",
            "\"rows_per_target\": {\n      \"a\": 2",
            1,
        );
        assert_ne!(tampered, json);
        assert!(matches!(parse(&tampered).unwrap_err(), ModelError::ChecksumMismatch { .. }));
    }
}
