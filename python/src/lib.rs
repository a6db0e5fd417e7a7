//! `stance._native`: the Python extension module behind the `stance` package.
//!
//! A thin layer over the library crates: `Classifier` wraps `stance_infer::Classifier` (and its
//! `StanceHolders`, for the holders of classify's rows),
//! `evaluate` is `stance_eval::evaluate_model` with `stance_eval::EvaluationSummary` (what
//! `stance evaluate --format json` prints), `train` is `stance_train::TrainingRun`. Batch calls
//! take the texts out of Python first, then release the GIL and score on the rayon pool; the
//! Python objects are built afterwards. Every library error becomes a Python exception with the
//! library's (and so the CLI's) message: `FileNotFoundError` / `OSError` for files,
//! `stance.ModelError` for a model file that cannot be used, `ValueError` for bad arguments,
//! `TypeError` for arguments of the wrong type.

use std::ffi::CString;
use std::path::{Path, PathBuf};

use pyo3::exceptions::{
    PyFileExistsError, PyFileNotFoundError, PyOSError, PyTypeError, PyUserWarning, PyValueError,
};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};
use rayon::prelude::*;
use serde_json::Value;
use stance_features::{parse_ngram_range, FeatureConfig, Language, NamedValue, Stemmer};
use stance_holders::{AliasTable, Attribution, HolderFinder};
use stance_infer::{ArticleHolders, InferError, SentencePrediction, StanceHolders, DEFAULT_MODEL_NAME};
use stance_model::{ModelError as LibModelError, ModelFile};
use stance_train::{
    CalibrationSpec, ClassWeight, Columns, CvSpec, LabeledData, LabeledRow, SizeDefaults, Solver, TargetSpec,
    TargetStrategy, TrainParams, TrainingRun,
};

pyo3::create_exception!(
    stance,
    ModelError,
    pyo3::exceptions::PyValueError,
    "A model file that stance cannot use: not a stance model, corrupted, malformed, \
     inconsistent, or of a format version this build does not read."
);

/// What in-memory data is called in reports and model files (the CLI names its file).
const PYTHON_DATA: &str = "<python>";

/// A library error of a model file as the Python exception a user expects.
fn model_error(error: LibModelError) -> PyErr {
    let message = error.to_string();
    match &error {
        LibModelError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
            PyFileNotFoundError::new_err(message)
        }
        LibModelError::Io { .. } => PyOSError::new_err(message),
        _ => ModelError::new_err(message),
    }
}

fn infer_error(error: InferError) -> PyErr {
    match error {
        InferError::Model(error) => model_error(error),
        other => PyValueError::new_err(other.to_string()),
    }
}

fn value_error(error: impl std::fmt::Display) -> PyErr {
    PyValueError::new_err(error.to_string())
}

/// The name of a Python value's type, for messages.
fn type_name(value: &Bound<'_, PyAny>) -> String {
    value.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "?".into())
}

/// A sequence of str argument (a list, tuple, pandas Series, any iterable of str), checked
/// item by item so the message names the first item that is not a str.
fn strings(value: &Bound<'_, PyAny>, what: &str) -> PyResult<Vec<String>> {
    Ok(items(value, what, false)?.into_iter().flatten().collect())
}

/// The items of a sequence of str (`None` items too when `none_allowed`: a row without a value).
fn items(value: &Bound<'_, PyAny>, what: &str, none_allowed: bool) -> PyResult<Vec<Option<String>>> {
    if value.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(format!(
            "{what} must be a list of str, not a single str (wrap one text as [text])"
        )));
    }
    let items = value.try_iter().map_err(|_| {
        PyTypeError::new_err(format!("{what} must be a list of str, not {}", type_name(value)))
    })?;
    let mut out = Vec::new();
    for (i, item) in items.enumerate() {
        let item = item?;
        if none_allowed && item.is_none() {
            out.push(None);
            continue;
        }
        match item.cast::<PyString>() {
            Ok(text) => out.push(Some(text.to_str()?.to_owned())),
            Err(_) => {
                let expected = if none_allowed { "str or None" } else { "str" };
                return Err(PyTypeError::new_err(format!(
                    "{what}[{i}] is {}, not {expected}",
                    type_name(&item)
                )));
            }
        }
    }
    Ok(out)
}

/// Texts and their labels: two sequences of str of one length.
fn labeled_texts(
    texts: &Bound<'_, PyAny>,
    labels: &Bound<'_, PyAny>,
) -> PyResult<(Vec<String>, Vec<String>)> {
    let texts = strings(texts, "texts")?;
    let labels = strings(labels, "labels")?;
    if labels.len() != texts.len() {
        return Err(PyValueError::new_err(format!(
            "labels has {} items for {} texts",
            labels.len(),
            texts.len()
        )));
    }
    Ok((texts, labels))
}

/// An optional sequence of optional str (None items allowed: a row without a value).
fn optional_strings(
    value: Option<&Bound<'_, PyAny>>,
    what: &str,
    len: usize,
) -> PyResult<Option<Vec<Option<String>>>> {
    let Some(value) = value.filter(|v| !v.is_none()) else { return Ok(None) };
    let out = items(value, what, true)?;
    if out.len() != len {
        return Err(PyValueError::new_err(format!("{what} has {} items for {len} texts", out.len())));
    }
    Ok(Some(out))
}

/// A path argument: str or os.PathLike.
fn path_arg(value: &Bound<'_, PyAny>) -> PyResult<PathBuf> {
    value.extract::<PathBuf>().map_err(|_| {
        PyTypeError::new_err(format!("path must be str or os.PathLike, not {}", type_name(value)))
    })
}

/// A JSON value as the Python object `json.loads` would give.
fn to_python<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => b.into_pyobject(py)?.to_owned().into_any(),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => i.into_pyobject(py)?.into_any(),
            (None, Some(u)) => u.into_pyobject(py)?.into_any(),
            _ => n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any(),
        },
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(to_python(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (key, item) in map {
                dict.set_item(key, to_python(py, item)?)?;
            }
            dict.into_any()
        }
    })
}

/// A serializable value as Python objects (through `serde_json::Value`, so object keys come
/// out sorted, as `stance evaluate --format json` prints them).
fn serialized<'py>(py: Python<'py>, value: &impl serde::Serialize) -> PyResult<Bound<'py, PyAny>> {
    to_python(py, &serde_json::to_value(value).map_err(value_error)?)
}

/// The keys of a sentence prediction in the order of the CLI's JSONL row: for a sentence row
/// (`held` given: the holder its row shows) `sentence`, `text`, `holder` and `holder_country`,
/// then `label`, `probabilities`, and `on_topic` and `relevance` for a model that knows its
/// topic.
fn sentence_row<'py>(
    py: Python<'py>,
    article: Option<usize>,
    p: &SentencePrediction,
    held: Option<Option<&Attribution>>,
) -> PyResult<Bound<'py, PyDict>> {
    let row = PyDict::new(py);
    if let Some(article) = article {
        row.set_item("article", article)?;
    }
    if let Some(holder) = held {
        row.set_item("sentence", p.sentence)?;
        row.set_item("text", &p.text)?;
        row.set_item("holder", holder.map(|a| a.holder.as_str()))?;
        row.set_item("holder_country", holder.and_then(|a| a.country.as_deref()))?;
    }
    row.set_item("label", &p.label)?;
    let probabilities = PyDict::new(py);
    for (label, value) in &p.probabilities {
        probabilities.set_item(label, value)?;
    }
    row.set_item("probabilities", probabilities)?;
    if let Some(on_topic) = p.on_topic {
        row.set_item("on_topic", on_topic)?;
    }
    if let Some(relevance) = p.relevance {
        row.set_item("relevance", relevance)?;
    }
    Ok(row)
}

/// The CLI's `--level article` row: `label`, `sentences`, `shares`, `top_sentences` (with their
/// holders), `holders`, `on_topic`.
fn article_row<'py>(py: Python<'py>, article: usize, held: &ArticleHolders) -> PyResult<Bound<'py, PyDict>> {
    let p = &held.prediction;
    let row = PyDict::new(py);
    row.set_item("article", article)?;
    row.set_item("label", &p.label)?;
    row.set_item("sentences", p.sentences)?;
    let shares = PyDict::new(py);
    for (label, value) in &p.shares {
        shares.set_item(label, value)?;
    }
    row.set_item("shares", shares)?;
    let top = PyList::empty(py);
    for sentence in &p.top_sentences {
        top.append(sentence_row(py, None, sentence, Some(held.holder_of(sentence.sentence)))?)?;
    }
    row.set_item("top_sentences", top)?;
    row.set_item("holders", json_loads(py, &held.holders)?)?;
    if let Some(on_topic) = p.on_topic {
        row.set_item("on_topic", on_topic)?;
    }
    Ok(row)
}

/// A serializable value as Python objects through its JSON text and `json.loads`, so object
/// keys keep the order of the CLI's JSON (its serde field order).
fn json_loads<'py>(py: Python<'py>, value: &impl serde::Serialize) -> PyResult<Bound<'py, PyAny>> {
    let json = serde_json::to_string(value).map_err(value_error)?;
    py.import("json")?.getattr("loads")?.call1((json,))
}

/// Warns (Python `UserWarning`) about the texts that gave no row.
fn warn_skipped(py: Python<'_>, skipped: &[(usize, String)]) -> PyResult<()> {
    if skipped.is_empty() {
        return Ok(());
    }
    let listed: Vec<String> = skipped.iter().take(5).map(|(i, why)| format!("texts[{i}]: {why}")).collect();
    let more = if skipped.len() > 5 { format!("; and {} more", skipped.len() - 5) } else { String::new() };
    let message = format!("{} of the texts gave no row: {}{more}", skipped.len(), listed.join("; "));
    let message = CString::new(message.replace('\0', " ")).expect("no NUL left");
    PyErr::warn(py, &py.get_type::<PyUserWarning>(), &message, 2)
}

/// The prediction of one text at one level.
enum Predicted {
    /// Each sentence with the holder its row shows.
    Sentences(Vec<(SentencePrediction, Option<Attribution>)>),
    Text(SentencePrediction),
    Article(ArticleHolders),
}

/// What `classify` classifies as one unit.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Level {
    Sentence,
    Text,
    Article,
}

impl Level {
    fn parse(level: &str) -> PyResult<Self> {
        match level {
            "sentence" => Ok(Level::Sentence),
            "text" => Ok(Level::Text),
            "article" => Ok(Level::Article),
            other => Err(PyValueError::new_err(format!(
                "level must be \"sentence\", \"text\" or \"article\", not {other:?}"
            ))),
        }
    }
}

/// A stance classifier: a loaded model file (or the compiled-in default model).
#[pyclass(module = "stance", name = "Classifier", frozen)]
struct Classifier {
    inner: stance_infer::Classifier,
    /// The holders of its stance sentences (the built-in alias table, extended by `aliases`).
    holders: StanceHolders,
    /// The model file, or the name of the compiled-in default model (as reports name it).
    name: String,
    /// The user's alias file: its name (for messages) and text, kept so a pickled classifier
    /// finds the same holders.
    aliases: Option<AliasFile>,
}

/// An alias file as read: the name its messages use and its text.
type AliasFile = (String, String);

/// What unpickling a [`Classifier`] calls `Classifier._unpickle` with: the model's JSON, its
/// name and the alias file.
type PickledClassifier = (String, String, Option<AliasFile>);

/// Reads the alias file `path` (the format of `stance classify --aliases`), if one is given.
fn read_aliases(path: Option<&Bound<'_, PyAny>>) -> PyResult<Option<AliasFile>> {
    let Some(path) = path else { return Ok(None) };
    let path = path_arg(path)?;
    let text = std::fs::read_to_string(&path).map_err(|e| {
        let message = format!("cannot read alias file {}: {e}", path.display());
        match e.kind() {
            std::io::ErrorKind::NotFound => PyFileNotFoundError::new_err(message),
            _ => PyOSError::new_err(message),
        }
    })?;
    Ok(Some((path.display().to_string(), text)))
}

impl Classifier {
    /// Refuses a missing target for a target-aware model before any text is scored (the
    /// CLI's message, with the keyword argument's name).
    fn check_target(&self, target: Option<&str>) -> PyResult<()> {
        if self.inner.needs_target() && target.is_none() {
            return Err(PyValueError::new_err(format!(
                "the model is target-aware: pass target=TARGET (known targets: {})",
                self.inner.targets().join(", ")
            )));
        }
        Ok(())
    }

    /// The rows of `classify`: the texts are scored without the GIL, in parallel; a text
    /// that gives no row (no sentence in it) is named in one warning.
    fn rows<'py>(
        &self,
        py: Python<'py>,
        texts: &Bound<'py, PyAny>,
        level: &str,
        target: Option<String>,
    ) -> PyResult<Bound<'py, PyList>> {
        let level = Level::parse(level)?;
        let texts = strings(texts, "texts")?;
        self.check_target(target.as_deref())?;
        let target = target.as_deref();
        let (classifier, holders) = (&self.inner, &self.holders);
        let predicted: Vec<Result<Predicted, InferError>> = py.detach(|| {
            texts
                .par_iter()
                .map(|text| match level {
                    Level::Sentence => {
                        holders.classify_sentences(classifier, text, target).map(Predicted::Sentences)
                    }
                    Level::Text => classifier.classify_sentence_for(text, target).map(Predicted::Text),
                    Level::Article => {
                        holders.classify_article(classifier, text, target).map(Predicted::Article)
                    }
                })
                .collect()
        });
        let rows = PyList::empty(py);
        let mut skipped = Vec::new();
        for (i, result) in predicted.into_iter().enumerate() {
            match result {
                Ok(Predicted::Sentences(sentences)) if sentences.is_empty() => {
                    skipped.push((i, "no sentence found (empty, whitespace or symbols only)".to_owned()))
                }
                Ok(Predicted::Sentences(sentences)) => {
                    for (sentence, holder) in &sentences {
                        rows.append(sentence_row(py, Some(i), sentence, Some(holder.as_ref()))?)?;
                    }
                }
                Ok(Predicted::Text(p)) => rows.append(sentence_row(py, Some(i), &p, None)?)?,
                Ok(Predicted::Article(p)) => rows.append(article_row(py, i, &p)?)?,
                Err(InferError::NoSentences) => skipped.push((i, InferError::NoSentences.to_string())),
                Err(error) => return Err(infer_error(error)),
            }
        }
        warn_skipped(py, &skipped)?;
        Ok(rows)
    }

    fn from_model(model: ModelFile, name: String) -> PyResult<Self> {
        let inner = stance_infer::Classifier::from_model(model).map_err(model_error)?;
        Self::new(inner, name, None)
    }

    fn from_json_with_aliases(
        json: &str,
        name: Option<String>,
        aliases: Option<AliasFile>,
    ) -> PyResult<Self> {
        let name = name.unwrap_or_else(|| "<json>".into());
        let inner = stance_infer::Classifier::from_json_bytes(json.as_bytes(), Path::new(&name))
            .map_err(infer_error)?;
        Self::new(inner, name, aliases)
    }

    /// Fails, with the file and line, on an alias file that does not parse.
    fn new(inner: stance_infer::Classifier, name: String, aliases: Option<AliasFile>) -> PyResult<Self> {
        let mut table = AliasTable::builtin();
        if let Some((source, text)) = &aliases {
            table.extend_from(source, text).map_err(value_error)?;
        }
        let holders = StanceHolders::new(HolderFinder::new(table), &inner);
        Ok(Classifier { inner, holders, name, aliases })
    }
}

#[pymethods]
impl Classifier {
    /// The default model compiled into stance (the peacekeeping-troops target). `aliases`: an
    /// alias file that extends the holders' built-in table, as `stance classify --aliases`.
    #[staticmethod]
    #[pyo3(signature = (aliases = None))]
    fn default(aliases: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let aliases = read_aliases(aliases)?;
        let inner = stance_infer::Classifier::default_model().map_err(infer_error)?;
        Self::new(inner, DEFAULT_MODEL_NAME.into(), aliases)
    }

    /// Loads a model file written by `stance train` or `Classifier.save` (`aliases` as in
    /// `default`).
    #[staticmethod]
    #[pyo3(signature = (path, aliases = None))]
    fn load(path: &Bound<'_, PyAny>, aliases: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let path = path_arg(path)?;
        let aliases = read_aliases(aliases)?;
        let inner = stance_infer::Classifier::load(&path).map_err(infer_error)?;
        Self::new(inner, path.display().to_string(), aliases)
    }

    /// A classifier from a model file's JSON text (what `to_json` gives; `aliases` as in
    /// `default`).
    #[staticmethod]
    #[pyo3(signature = (json, name = None, aliases = None))]
    fn from_json(json: &str, name: Option<String>, aliases: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        Self::from_json_with_aliases(json, name, read_aliases(aliases)?)
    }

    /// Unpickling: [`Classifier::from_json`] with the alias file's name and text as pickled.
    #[staticmethod]
    #[pyo3(signature = (json, name, aliases))]
    fn _unpickle(json: &str, name: String, aliases: Option<AliasFile>) -> PyResult<Self> {
        Self::from_json_with_aliases(json, Some(name), aliases)
    }

    /// The model file's JSON text (as `save` writes it).
    fn to_json(&self) -> PyResult<String> {
        String::from_utf8(self.inner.model().to_json_bytes()).map_err(value_error)
    }

    /// Pickling: through the model file's JSON and the alias file's text.
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<(Bound<'py, PyAny>, PickledClassifier)> {
        let unpickle = py.get_type::<Classifier>().getattr("_unpickle")?;
        Ok((unpickle, (self.to_json()?, self.name.clone(), self.aliases.clone())))
    }

    fn __repr__(&self) -> String {
        format!("stance.Classifier({:?}, labels={:?})", self.name, self.inner.labels())
    }

    /// The model's labels, in model order (the column order of `probabilities`).
    #[getter]
    fn labels(&self) -> Vec<String> {
        self.inner.labels().to_vec()
    }

    /// The model file, or the name of the compiled-in default model.
    #[getter]
    fn name(&self) -> String {
        self.name.clone()
    }

    /// The stance targets a target-aware model knows (empty for a pooled model).
    #[getter]
    fn targets(&self) -> Vec<String> {
        self.inner.targets()
    }

    /// Writes the model file atomically; an existing file is replaced only with overwrite=True.
    #[pyo3(signature = (path, overwrite = false))]
    fn save(&self, py: Python<'_>, path: &Bound<'_, PyAny>, overwrite: bool) -> PyResult<()> {
        let path = path_arg(path)?;
        if path.is_dir() {
            return Err(PyValueError::new_err(format!("{} is a directory", path.display())));
        }
        if path.exists() && !overwrite {
            return Err(PyFileExistsError::new_err(format!(
                "{} exists; pass overwrite=True to overwrite it",
                path.display()
            )));
        }
        let model = self.inner.model();
        py.detach(|| model.save(&path)).map_err(model_error)
    }

    /// One dict per row, as the CLI's JSONL rows (`article` is the text's index in `texts`);
    /// with as_frame=True a pandas DataFrame of them (`pandas.json_normalize`: one column per
    /// label's probability, `probabilities.LABEL`).
    #[pyo3(signature = (texts, level = "sentence", target = None, as_frame = false))]
    fn classify<'py>(
        &self,
        py: Python<'py>,
        texts: &Bound<'py, PyAny>,
        level: &str,
        target: Option<String>,
        as_frame: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let rows = self.rows(py, texts, level, target)?;
        if as_frame {
            return py.import("pandas")?.getattr("json_normalize")?.call1((rows,));
        }
        Ok(rows.into_any())
    }

    /// Every label's probability of each text, scored as one unit, in `labels` order.
    #[pyo3(signature = (texts, target = None))]
    fn probabilities(
        &self,
        py: Python<'_>,
        texts: &Bound<'_, PyAny>,
        target: Option<String>,
    ) -> PyResult<Vec<Vec<f64>>> {
        let texts = strings(texts, "texts")?;
        self.check_target(target.as_deref())?;
        let target = target.as_deref();
        let classifier = &self.inner;
        py.detach(|| {
            texts
                .par_iter()
                .map(|text| classifier.probabilities_for(text, target))
                .collect::<Result<Vec<_>, _>>()
        })
        .map_err(infer_error)
    }

    /// Why each text gets its label: the objects of `stance explain --format json`.
    #[pyo3(signature = (texts, target = None, top = 8))]
    fn explain<'py>(
        &self,
        py: Python<'py>,
        texts: &Bound<'py, PyAny>,
        target: Option<String>,
        top: usize,
    ) -> PyResult<Bound<'py, PyList>> {
        let texts = strings(texts, "texts")?;
        self.check_target(target.as_deref())?;
        let target = target.as_deref();
        let classifier = &self.inner;
        let explanations: Result<Vec<_>, InferError> = py.detach(|| {
            texts
                .par_iter()
                .map(|text| {
                    let mut explanation = classifier.explain_for(text, target)?;
                    explanation.truncate(top);
                    Ok(explanation)
                })
                .collect()
        });
        let out = PyList::empty(py);
        for explanation in explanations.map_err(infer_error)? {
            out.append(serialized(py, &explanation)?)?;
        }
        Ok(out)
    }

    /// Scores labeled texts: the object `stance evaluate --format json` prints (`data` is
    /// "<python>", each row's `source` is `texts[i]`).
    #[pyo3(signature = (texts, labels, targets = None, neutral_label = None, min_confidence = None))]
    fn evaluate<'py>(
        &self,
        py: Python<'py>,
        texts: &Bound<'py, PyAny>,
        labels: &Bound<'py, PyAny>,
        targets: Option<&Bound<'py, PyAny>>,
        neutral_label: Option<String>,
        min_confidence: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (texts, labels) = labeled_texts(texts, labels)?;
        let targets = optional_strings(targets, "targets", texts.len())?;
        if self.inner.needs_target() && targets.is_none() {
            return Err(PyValueError::new_err(format!(
                "{} is a target-aware model: pass targets=[...] naming each row's target (known targets: {})",
                self.name,
                self.inner.targets().join(", ")
            )));
        }
        if let Some(p) = min_confidence {
            if !(0.0..=1.0).contains(&p) {
                return Err(PyValueError::new_err(format!(
                    "{p} is not a probability: it must be between 0 and 1"
                )));
            }
        }
        let model = self.inner.model();
        let evaluation = py
            .detach(|| {
                let rows = texts.iter().zip(&labels).enumerate().map(|(i, (text, label))| {
                    stance_eval::LabeledText {
                        text,
                        label,
                        target: targets.as_ref().and_then(|t| t[i].as_deref()),
                        source: format!("texts[{i}]"),
                    }
                });
                stance_eval::evaluate_model(model, rows, neutral_label.as_deref(), min_confidence)
            })
            .map_err(value_error)?;
        serialized(
            py,
            &stance_eval::EvaluationSummary::new(&evaluation, PYTHON_DATA.into(), self.name.clone()),
        )
    }
}

/// A class weight argument: None, "balanced", or a dict of label → weight.
fn parse_class_weight(value: Option<&Bound<'_, PyAny>>) -> PyResult<ClassWeight> {
    let Some(value) = value.filter(|v| !v.is_none()) else { return Ok(ClassWeight::None) };
    if let Ok(text) = value.extract::<String>() {
        return match text.as_str() {
            "balanced" => Ok(ClassWeight::Balanced),
            "none" => Ok(ClassWeight::None),
            other => Err(PyValueError::new_err(format!(
                "class_weight must be None, \"balanced\" or a dict of label weights, not {other:?}"
            ))),
        };
    }
    match value.extract::<std::collections::BTreeMap<String, f64>>() {
        Ok(map) => Ok(ClassWeight::Explicit(map)),
        Err(_) => Err(PyTypeError::new_err(format!(
            "class_weight must be None, \"balanced\" or a dict of label weights, not {}",
            type_name(value)
        ))),
    }
}

/// An option value by its name in the library's table (`NamedValue`: the names, and the
/// message for an unknown one, of the CLI and `stance tune`'s grid), the keyword named in errors.
fn named<T: NamedValue>(name: &str, keyword: &str) -> PyResult<T> {
    T::from_name(name).map_err(|e| PyValueError::new_err(format!("{keyword}: {e}")))
}

/// An n-gram range argument: "1-2", "none"/None, or a (min, max) tuple.
fn ngram_range(
    value: Option<&Bound<'_, PyAny>>,
    what: &str,
    default: &str,
) -> PyResult<Option<stance_features::NgramRange>> {
    let text = match value {
        None => default.to_owned(),
        Some(v) if v.is_none() => "none".to_owned(),
        Some(v) => match v.extract::<String>() {
            Ok(text) => text,
            Err(_) => match v.extract::<(usize, usize)>() {
                Ok((low, high)) => format!("{low}-{high}"),
                Err(_) => {
                    return Err(PyTypeError::new_err(format!(
                        "{what} must be \"MIN-MAX\", (MIN, MAX) or None, not {}",
                        type_name(v)
                    )))
                }
            },
        },
    };
    parse_ngram_range(&text).map_err(|e| PyValueError::new_err(format!("{what}: {e}")))
}

/// Trains a model on `texts` and their `labels` (the options of `stance train`, by their
/// Python names) and returns its classifier; no cross-validation unless `cv` folds are given.
#[pyfunction]
#[pyo3(signature = (
    texts, labels, *, groups = None, targets = None, topics = None, target_strategy = "pooled",
    pooled_fallback = false, cv = None, seed = 42, neutral_label = None, calibrate = false,
    alpha = None, word_ngrams = None, char_ngrams = None, min_df = None, max_features = None,
    stem = true, lowercase = true, class_weight = None, max_iterations = 1000, tolerance = None,
    solver = "auto", nb_scaling = false, blend = false
))]
#[allow(clippy::too_many_arguments)]
fn train(
    py: Python<'_>,
    texts: &Bound<'_, PyAny>,
    labels: &Bound<'_, PyAny>,
    groups: Option<&Bound<'_, PyAny>>,
    targets: Option<&Bound<'_, PyAny>>,
    topics: Option<&Bound<'_, PyAny>>,
    target_strategy: &str,
    pooled_fallback: bool,
    cv: Option<usize>,
    seed: u64,
    neutral_label: Option<String>,
    calibrate: bool,
    alpha: Option<f64>,
    word_ngrams: Option<&Bound<'_, PyAny>>,
    char_ngrams: Option<&Bound<'_, PyAny>>,
    min_df: Option<usize>,
    max_features: Option<usize>,
    stem: bool,
    lowercase: bool,
    class_weight: Option<&Bound<'_, PyAny>>,
    max_iterations: u64,
    tolerance: Option<f64>,
    solver: &str,
    nb_scaling: bool,
    blend: bool,
) -> PyResult<Classifier> {
    let (texts, labels) = labeled_texts(texts, labels)?;
    // What is not given takes `stance train`'s default for this many rows.
    let defaults = SizeDefaults::for_rows(texts.len());
    let groups = optional_strings(groups, "groups", texts.len())?;
    let targets = optional_strings(targets, "targets", texts.len())?;
    let topics = optional_strings(topics, "topics", texts.len())?;
    let features = FeatureConfig {
        lowercase,
        stemmer: if stem { Stemmer::Snowball { language: Language::English } } else { Stemmer::None },
        extractors: stance_features::Extractor::ngrams(
            ngram_range(word_ngrams, "word_ngrams", "1-2")?,
            match char_ngrams {
                Some(range) => ngram_range(Some(range), "char_ngrams", "none")?,
                None => defaults.char_ngrams,
            },
        ),
        min_df: min_df.unwrap_or(defaults.min_df),
        max_features,
        ..FeatureConfig::default()
    };
    if features.word_ngrams().is_none() && features.char_ngrams().is_none() {
        return Err(PyValueError::new_err(
            "word_ngrams and char_ngrams are both None: there would be no features",
        ));
    }
    let params = TrainParams {
        features,
        alpha: alpha.unwrap_or(defaults.alpha),
        max_iterations,
        gradient_tolerance: tolerance.unwrap_or(defaults.gradient_tolerance),
        solver: named::<Solver>(solver, "solver")?,
        class_weight: match class_weight {
            Some(weight) => parse_class_weight(Some(weight))?,
            None => defaults.class_weight,
        },
        nb_scaling,
        blend,
        ..TrainParams::default()
    };
    let strategy = named::<TargetStrategy>(target_strategy, "target_strategy")?;
    if strategy != TargetStrategy::Pooled && targets.is_none() {
        return Err(PyValueError::new_err(format!(
            "target_strategy \"{strategy}\" needs targets=[...] naming each row's target"
        )));
    }
    if pooled_fallback && strategy != TargetStrategy::PerTarget {
        return Err(PyValueError::new_err("pooled_fallback only applies to target_strategy \"per-target\""));
    }
    if let Some(folds) = cv {
        if folds < 2 {
            return Err(PyValueError::new_err(format!("cv must be at least 2 folds, got {folds}")));
        }
    }
    let columns = Columns {
        group: groups.as_ref().map(|_| "group".into()),
        target: targets.as_ref().map(|_| "target".into()),
        topic: topics.as_ref().map(|_| "topic".into()),
        ..Columns::default()
    };
    let run = TrainingRun {
        params,
        columns,
        neutral_label,
        cross_validation: cv.map(|folds| CvSpec { folds, seed, grouped: groups.is_some() }),
        held_out: None,
        targets: TargetSpec { strategy, pooled_fallback },
        calibration: calibrate.then_some(CalibrationSpec { seed }),
        topic_terms: Vec::new(),
    };
    run.check().map_err(value_error)?;
    let data = labeled_data(texts, labels, groups, targets, topics);
    let trained = py.detach(|| run.run(&data)).map_err(value_error)?;
    for warning in &trained.warnings {
        let message = CString::new(warning.replace('\0', " ")).expect("no NUL left");
        PyErr::warn(py, &py.get_type::<PyUserWarning>(), &message, 2)?;
    }
    Classifier::from_model(trained.model, "<trained>".into())
}

/// In-memory rows as a labeled file: row `i` is "line" `i + 1` of `<python>`, and the hash is
/// that of the rows as a TSV file (`text`, `label`, then the optional columns).
fn labeled_data(
    texts: Vec<String>,
    labels: Vec<String>,
    groups: Option<Vec<Option<String>>>,
    targets: Option<Vec<Option<String>>>,
    topics: Option<Vec<Option<String>>>,
) -> LabeledData {
    let trimmed = |value: Option<&Option<String>>| {
        value.and_then(|v| v.as_deref()).map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned)
    };
    let mut tsv = String::from("text\tlabel");
    for (name, column) in [("group", &groups), ("target", &targets), ("topic", &topics)] {
        if column.is_some() {
            tsv.push('\t');
            tsv.push_str(name);
        }
    }
    tsv.push('\n');
    let mut rows = Vec::with_capacity(texts.len());
    for (i, (text, label)) in texts.into_iter().zip(labels).enumerate() {
        let row = LabeledRow {
            text: text.trim().to_owned(),
            label: label.trim().to_owned(),
            group: trimmed(groups.as_ref().map(|g| &g[i])),
            target: trimmed(targets.as_ref().map(|t| &t[i])),
            topic: trimmed(topics.as_ref().map(|t| &t[i])),
            id: None,
            extra: Vec::new(),
            line: i + 1,
        };
        tsv.push_str(&row.text);
        tsv.push('\t');
        tsv.push_str(&row.label);
        for (column, value) in [(&groups, &row.group), (&targets, &row.target), (&topics, &row.topic)] {
            if column.is_some() {
                tsv.push('\t');
                tsv.push_str(value.as_deref().unwrap_or(""));
            }
        }
        tsv.push('\n');
        rows.push(row);
    }
    LabeledData {
        path: PathBuf::from(PYTHON_DATA),
        rows,
        sha256: stance_model::sha256_hex(tsv.as_bytes()),
        decoded_as_windows_1252_from: None,
    }
}

/// The number of threads batch calls run on (the rayon pool; `RAYON_NUM_THREADS` sets it
/// before the first call).
#[pyfunction]
fn threads() -> usize {
    rayon::current_num_threads()
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Classifier>()?;
    m.add_function(wrap_pyfunction!(train, m)?)?;
    m.add_function(wrap_pyfunction!(threads, m)?)?;
    m.add("ModelError", m.py().get_type::<ModelError>())?;
    m.add("DEFAULT_MODEL_NAME", DEFAULT_MODEL_NAME)?;
    Ok(())
}
