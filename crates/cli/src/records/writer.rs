//! The record writer of `classify --input-format jsonl`: classifies one record and writes its
//! output lines, each the record's own fields, then the keys of the level's row
//! ([`crate::rows`]: [`TextRow`], [`SentenceRow`] or [`ArticleRow`], appended by
//! [`append_row`]).
//!
//! The keys a level adds are those of its row, found by serializing a sample row built as the
//! records' rows are ([`added_keys`]); an input key among them is dropped from the output
//! (the prediction's value wins), and `--text-field` may not be one. When no input key
//! collides, the output line is the input line's bytes with the row's keys written before its
//! closing brace.

use std::borrow::Cow;
use std::collections::BTreeMap;

use anyhow::{bail, Result};
use clap::ValueEnum;
use stance_features::split_sentences;
use stance_infer::{ArticlePrediction, Classifier, Explanation, Score, StanceHolders};
use stance_model::Topicality;

use super::fields::{parse_object, string_value, Fields};
use super::RecordOptions;
use crate::cmd::classify::Level;
use crate::documents::InvalidUtf8;
use crate::rows::{append_row, ArticleRow, Labels, Row, SentenceRow, TextRow, NO_SENTENCE};

/// The keys the rows of `level` add to a record, in output order: those of a sample row built
/// as [`RecordWriter::record`] builds its rows, with `explanation` when `explain`, and
/// `on_topic` (and `relevance`) when `topic`, as a model with a relevance section gives them.
fn added_keys(level: Level, explain: bool, topic: bool, top_k: Option<usize>) -> Vec<String> {
    let labels = Labels::new(&[]);
    let score = Score {
        probabilities: Vec::new(),
        label: None,
        topicality: topic.then_some(Topicality { relevance: 0.0, on_topic: false }),
    };
    let explanation = Explanation {
        text: String::new(),
        label: String::new(),
        probabilities: BTreeMap::new(),
        per_label: Vec::new(),
        relevance: None,
    };
    let explanation = explain.then_some(&explanation);
    let article = ArticlePrediction {
        label: String::new(),
        sentences: 0,
        shares: BTreeMap::new(),
        top_sentences: Vec::new(),
        on_topic: topic.then_some(false),
    };
    let row = match level {
        Level::Text => Row::Text(TextRow::scored(&labels, &score, explanation).with_top_k(top_k)),
        Level::Sentence => {
            let row = SentenceRow::streamed(1, &labels, &score, explanation).with_top_k(top_k);
            let why = |_: &stance_holders::Attribution| String::new();
            Row::Sentence(row.with_holder(
                None,
                explain.then_some(&why as &dyn Fn(&stance_holders::Attribution) -> String),
            ))
        }
        Level::Article => Row::Article(ArticleRow::predicted(&article)),
    };
    let json = serde_json::to_string(&row).expect("a row serializes");
    let fields = parse_object(&json).expect("a row is a JSON object");
    fields.0.into_iter().map(|(key, _)| key.into_owned()).collect()
}

/// Classifies records and writes their output lines.
pub struct RecordWriter<'a> {
    classifier: &'a Classifier,
    text_field: &'a str,
    target_field: Option<&'a str>,
    level: Level,
    invalid_utf8: InvalidUtf8,
    explain: Option<usize>,
    top_k: Option<usize>,
    /// The keys the rows add ([`added_keys`]).
    added: Vec<String>,
    labels: Labels,
    holders: StanceHolders,
}

impl<'a> RecordWriter<'a> {
    pub fn new(classifier: &'a Classifier, options: &RecordOptions<'a>) -> Result<Self> {
        let added =
            added_keys(options.level, options.explain.is_some(), classifier.knows_topic(), options.top_k);
        if added.iter().any(|key| key == options.text_field) {
            bail!(
                "--text-field {} is a key that --level {} adds to each record; \
                 rename that field in the input first",
                options.text_field,
                level_name(options.level)
            );
        }
        Ok(Self {
            classifier,
            text_field: options.text_field,
            target_field: options.target_field,
            level: options.level,
            invalid_utf8: options.invalid_utf8,
            explain: options.explain,
            top_k: options.top_k,
            added,
            labels: Labels::new(classifier.labels()),
            holders: crate::cmd::load_holders(options.aliases, classifier)?,
        })
    }

    /// Whether the rows add `key` (so an input field of that name is dropped).
    fn adds(&self, key: &str) -> bool {
        self.added.iter().any(|added| added == key)
    }

    /// Classifies one record (a non-blank line), appending its output lines to `out`; an
    /// `Err` says why the record cannot be classified.
    pub fn record(
        &self,
        bytes: &[u8],
        first_line: bool,
        out: &mut Vec<u8>,
        warning: &mut Option<String>,
    ) -> std::result::Result<(), String> {
        let mut bytes = bytes.trim_ascii();
        if first_line {
            bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
        }
        let line = match std::str::from_utf8(bytes) {
            Ok(line) => Cow::Borrowed(line),
            Err(error) => {
                let at = error.valid_up_to();
                if self.invalid_utf8 == InvalidUtf8::Skip {
                    return Err(format!("invalid UTF-8 at byte {at}; skipped (--invalid-utf8 skip)"));
                }
                *warning =
                    Some(format!("invalid UTF-8 at byte {at}; undecodable bytes replaced with U+FFFD"));
                Cow::Owned(String::from_utf8_lossy(bytes).into_owned())
            }
        };
        let fields = parse_object(&line)?;
        let Some(text_at) = fields.0.iter().rposition(|(key, _)| key == self.text_field) else {
            return Err(self.missing_text_field(&fields));
        };
        let text = string_value(fields.0[text_at].1)
            .map_err(|kind| format!("field {} is {kind}, not a string", json_string(self.text_field)))?;
        let record_target = match self.target_field {
            None => None,
            Some(key) => match fields.0.iter().rposition(|(k, _)| k == key) {
                None => None,
                Some(at) => match string_value(fields.0[at].1) {
                    Ok(target) => Some(target),
                    Err("null") => None,
                    Err(kind) => return Err(format!("field {} is {kind}, not a string", json_string(key))),
                },
            },
        };
        // A record's own target, else the batch's --target (bound to the classifier).
        let target = record_target.as_deref().or(self.classifier.target());
        let collides = fields.0.iter().any(|(key, _)| self.adds(key));
        let score = |text: &str| self.classifier.score_for(text, target).map_err(|e| e.to_string());
        match self.level {
            Level::Text => {
                let score = score(&text)?;
                let explanation = self.explanation(&text, target)?;
                let fields = if collides {
                    self.write_fields(out, &fields, None)
                } else {
                    // The line ends with the object's closing brace: keep everything before it.
                    out.extend_from_slice(&line.as_bytes()[..line.len() - 1]);
                    true
                };
                let row = TextRow::scored(&self.labels, &score, explanation.as_ref()).with_top_k(self.top_k);
                append_row(out, fields, &Row::Text(row));
            }
            Level::Sentence => {
                let ranges = split_sentences(&text);
                if ranges.is_empty() {
                    return Err(NO_SENTENCE.into());
                }
                let sentences: Vec<&str> = ranges.iter().map(|r| &text[r.clone()]).collect();
                // Every sentence scored first (the first error wins, as it would sentence by
                // sentence): only stance sentences show a holder, so the holder rules run as far
                // as the last of them, and not at all for a record without one.
                let mut scored = Vec::with_capacity(sentences.len());
                for &sentence in &sentences {
                    scored.push((score(sentence)?, self.explanation(sentence, target)?));
                }
                let rows: Vec<SentenceRow> = scored
                    .iter()
                    .enumerate()
                    .map(|(i, (score, explanation))| {
                        SentenceRow::streamed(i + 1, &self.labels, score, explanation.as_ref())
                            .with_top_k(self.top_k)
                    })
                    .collect();
                let is_stance =
                    |row: &SentenceRow| self.holders.is_stance(row.prediction.label, row.prediction.on_topic);
                let attributions = match rows.iter().rposition(is_stance) {
                    Some(last) => self.holders.finder().attribute_until(&sentences, last),
                    None => Vec::new(),
                };
                let why = |a: &stance_holders::Attribution| a.describe(&sentences);
                let why = self.explain.map(|_| &why as &dyn Fn(&stance_holders::Attribution) -> String);
                for (i, row) in rows.into_iter().enumerate() {
                    let fields = self.write_fields(out, &fields, Some((text_at, sentences[i])));
                    let holder = attributions.get(i).and_then(Option::as_ref).filter(|_| is_stance(&row));
                    append_row(out, fields, &Row::Sentence(row.with_holder(holder, why)));
                }
            }
            Level::Article => {
                let article = self
                    .holders
                    .classify_article(self.classifier, &text, target)
                    .map_err(|e| e.to_string())?;
                let fields = self.write_fields(out, &fields, None);
                append_row(out, fields, &Row::Article(ArticleRow::held(&article)));
            }
        }
        Ok(())
    }

    /// Writes `{` and the record's fields but those the output adds, the text field's value
    /// replaced by `text` when given; says whether any field was written.
    fn write_fields(&self, out: &mut Vec<u8>, fields: &Fields, text: Option<(usize, &str)>) -> bool {
        out.push(b'{');
        let mut any = false;
        for (i, (key, value)) in fields.0.iter().enumerate() {
            if self.adds(key) {
                continue;
            }
            let text = match text {
                Some((at, _)) if key == self.text_field && i != at => continue, // a duplicate key
                Some((at, text)) if i == at => Some(text),
                _ => None,
            };
            if any {
                out.push(b',');
            }
            any = true;
            // Written in place, as `json_string` would write them: no string per field.
            write_json_string(out, key);
            out.push(b':');
            match text {
                Some(text) => write_json_string(out, text),
                None => out.extend_from_slice(value.get().as_bytes()),
            }
        }
        any
    }

    /// With `--explain`, the explanation of `text`'s prediction.
    fn explanation(&self, text: &str, target: Option<&str>) -> Result<Option<Explanation>, String> {
        self.explain
            .map(|top| {
                let mut explanation = self.classifier.explain_for(text, target).map_err(|e| e.to_string())?;
                explanation.truncate(top);
                Ok(explanation)
            })
            .transpose()
    }

    fn missing_text_field(&self, fields: &Fields) -> String {
        const SHOWN: usize = 8;
        let mut keys: Vec<String> = fields.0.iter().take(SHOWN).map(|(key, _)| json_string(key)).collect();
        if fields.0.len() > SHOWN {
            keys.push(format!("… {} more", fields.0.len() - SHOWN));
        }
        let keys = if keys.is_empty() { "none".to_string() } else { keys.join(", ") };
        format!("no field {} (--text-field); the record has {keys}", json_string(self.text_field))
    }
}

fn level_name(level: Level) -> String {
    level.to_possible_value().map_or_else(String::new, |value| value.get_name().to_owned())
}

/// Appends `text` as a JSON string to `out` (the bytes of [`json_string`]).
fn write_json_string(out: &mut Vec<u8>, text: &str) {
    // Most texts need no escape, and a branch-free check of 16 bytes at a time is several
    // times faster than serde_json's byte-by-byte escaping loop; the bytes are the same.
    let needs_escape = |b: u8| b < 0x20 || b == b'"' || b == b'\\';
    if text.as_bytes().chunks(16).all(|chunk| !chunk.iter().fold(false, |any, &b| any | needs_escape(b))) {
        out.reserve(text.len() + 2);
        out.push(b'"');
        out.extend_from_slice(text.as_bytes());
        out.push(b'"');
        return;
    }
    serde_json::to_writer(&mut *out, text).expect("a string serializes into memory");
}

fn json_string(text: &str) -> String {
    serde_json::to_string(text).expect("a string serializes")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(level: Level, explain: Option<usize>) -> (Classifier, RecordOptions<'static>) {
        (Classifier::default_model().unwrap(), super::row_key_tests::options(level, "text", explain))
    }

    fn classify_line(level: Level, line: &str) -> std::result::Result<Vec<serde_json::Value>, String> {
        let (classifier, options) = records(level, None);
        let records = RecordWriter::new(&classifier, &options).unwrap();
        let mut out = Vec::new();
        records.record(line.as_bytes(), false, &mut out, &mut None)?;
        let out = String::from_utf8(out).unwrap();
        assert!(out.ends_with('\n'));
        Ok(out.lines().map(|line| serde_json::from_str(line).unwrap()).collect())
    }

    #[test]
    fn text_level_keeps_the_line_and_adds_the_prediction() {
        let (classifier, options) = records(Level::Text, None);
        let records = RecordWriter::new(&classifier, &options).unwrap();
        let line =
            r#"{"id": "a\u00e9", "text": "Russia rejects Western peacekeepers.", "n": [1, {"x": null}]}"#;
        let mut out = Vec::new();
        records.record(line.as_bytes(), false, &mut out, &mut None).unwrap();
        let out = String::from_utf8(out).unwrap();
        // The input's bytes are kept as they were, escapes and spacing included.
        assert!(out.starts_with(&line[..line.len() - 1]), "{out}");
        let value: serde_json::Value = serde_json::from_str(&out).unwrap();
        let expected = classifier.classify_sentence("Russia rejects Western peacekeepers.").unwrap();
        assert_eq!(value["label"], expected.label.as_str());
        assert_eq!(value["probabilities"], serde_json::to_value(&expected.probabilities).unwrap());
        assert_eq!(value["id"], "aé");
    }

    #[test]
    fn added_keys_replace_input_keys_of_the_same_name() {
        let rows = classify_line(Level::Text, r#"{"label":"gold","text":"Talks go on.","id":1}"#).unwrap();
        let row = rows[0].as_object().unwrap();
        let keys: Vec<&str> = row.keys().map(String::as_str).collect();
        // serde_json's map sorts keys; the default model knows its topic.
        assert_eq!(keys, ["id", "label", "on_topic", "probabilities", "relevance", "text"]);
        assert_ne!(row["label"], "gold");
    }

    #[test]
    fn sentence_level_replaces_the_text_per_sentence() {
        let line = r#"{"doc":"d1","text":"Russia rejects the plan. Britain is ready to send troops."}"#;
        let rows = classify_line(Level::Sentence, line).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0]["text"], "Russia rejects the plan.");
        assert_eq!(rows[1]["sentence"], 2);
        assert_eq!(rows[1]["doc"], "d1");
        assert_eq!(classify_line(Level::Sentence, r#"{"text":" - "}"#).err().unwrap(), NO_SENTENCE);
    }

    #[test]
    fn article_level_adds_the_article_prediction() {
        let line = r#"{"doc":"d1","text":"Russia rejects the plan. Britain is ready to send troops."}"#;
        let rows = classify_line(Level::Article, line).unwrap();
        assert_eq!(rows[0]["sentences"], 2);
        assert_eq!(rows[0]["doc"], "d1");
        assert!(rows[0]["shares"].is_object());
    }

    #[test]
    fn records_without_a_string_text_are_refused() {
        let missing = classify_line(Level::Text, r#"{"id":1,"body":"x"}"#).err().unwrap();
        assert_eq!(missing, r#"no field "text" (--text-field); the record has "id", "body""#);
        let number = classify_line(Level::Text, r#"{"text":5}"#).err().unwrap();
        assert_eq!(number, r#"field "text" is a number, not a string"#);
    }

    #[test]
    fn the_text_field_cannot_be_an_added_key() {
        let classifier = Classifier::default_model().unwrap();
        let options = RecordOptions {
            text_field: "label",
            target_field: None,
            level: Level::Text,
            invalid_utf8: InvalidUtf8::Replace,
            top_k: None,
            explain: None,
            quiet: true,
            aliases: None,
        };
        let error = RecordWriter::new(&classifier, &options).err().unwrap().to_string();
        assert!(error.starts_with("--text-field label is a key that --level text adds"), "{error}");
    }
}

#[cfg(test)]
mod row_key_tests {
    use super::*;

    /// The default model without its relevance section: rows without `on_topic`/`relevance`.
    fn plain_classifier() -> Classifier {
        let mut model = Classifier::default_model().unwrap().model().clone();
        model.relevance = None;
        Classifier::from_model(model).unwrap()
    }

    /// The default model with a relevance section: every text on the topic, or none.
    fn topic_classifier(on_topic: bool) -> Classifier {
        let mut model = Classifier::default_model().unwrap().model().clone();
        model.format_version = stance_model::FORMAT_VERSION;
        model.checksum = None;
        model.relevance = Some(stance_model::Relevance {
            coefficients: vec![0.0; model.features.n_features()],
            intercept: if on_topic { 1.0 } else { -1.0 },
            threshold: 0.5,
            topic_terms: Vec::new(),
            trained_on: "a test".into(),
        });
        Classifier::from_model(model).unwrap()
    }

    pub(super) fn options(level: Level, text_field: &str, explain: Option<usize>) -> RecordOptions<'_> {
        RecordOptions {
            text_field,
            target_field: None,
            level,
            invalid_utf8: InvalidUtf8::Replace,
            top_k: None,
            explain,
            quiet: true,
            aliases: None,
        }
    }

    /// The output lines of one record, as written.
    fn output(classifier: &Classifier, level: Level, explain: Option<usize>, line: &str) -> Vec<String> {
        let writer = RecordWriter::new(classifier, &options(level, "text", explain)).unwrap();
        let mut out = Vec::new();
        writer.record(line.as_bytes(), false, &mut out, &mut None).unwrap();
        String::from_utf8(out).unwrap().lines().map(str::to_owned).collect()
    }

    fn keys(line: &str) -> Vec<String> {
        parse_object(line).unwrap().0.into_iter().map(|(key, _)| key.into_owned()).collect()
    }

    #[test]
    fn added_keys_are_the_keys_of_the_level_row() {
        assert_eq!(added_keys(Level::Text, false, false, None), ["label", "probabilities"]);
        assert_eq!(added_keys(Level::Text, false, false, Some(2)), ["label", "probabilities", "top_k"]);
        assert_eq!(
            added_keys(Level::Text, true, true, None),
            ["label", "probabilities", "on_topic", "relevance", "explanation"]
        );
        assert_eq!(
            added_keys(Level::Sentence, false, true, None),
            ["sentence", "holder", "holder_country", "label", "probabilities", "on_topic", "relevance"]
        );
        assert_eq!(
            added_keys(Level::Sentence, true, false, None),
            [
                "sentence",
                "holder",
                "holder_country",
                "holder_explanation",
                "label",
                "probabilities",
                "explanation"
            ]
        );
        assert_eq!(
            added_keys(Level::Article, false, false, None),
            ["label", "sentences", "shares", "top_sentences", "holders"]
        );
        assert_eq!(
            added_keys(Level::Article, false, true, None),
            ["label", "sentences", "shares", "top_sentences", "holders", "on_topic"]
        );
    }

    #[test]
    fn written_rows_add_exactly_the_added_keys() {
        let line = r#"{"id":1,"text":"Russia rejects the plan. Britain is ready to send troops."}"#;
        for topic in [false, true] {
            let classifier = if topic { topic_classifier(true) } else { plain_classifier() };
            for level in [Level::Text, Level::Sentence, Level::Article] {
                let explains = if level == Level::Article { vec![None] } else { vec![None, Some(2)] };
                for explain in explains {
                    for written in output(&classifier, level, explain, line) {
                        let mut expected = vec!["id".to_owned(), "text".to_owned()];
                        expected.extend(added_keys(level, explain.is_some(), topic, None));
                        assert_eq!(keys(&written), expected, "{written}");
                    }
                }
            }
        }
    }

    #[test]
    fn a_topic_model_replaces_input_on_topic_and_relevance() {
        let line = r#"{"on_topic":"mine","relevance":"mine","id":1,"text":"Russia rejects the plan."}"#;
        let default = plain_classifier();
        let off_topic = topic_classifier(false);
        for level in [Level::Text, Level::Sentence, Level::Article] {
            // Without a relevance section the input's keys stay, bytes and all.
            let kept = &output(&default, level, None, line)[0];
            assert!(kept.starts_with(r#"{"on_topic":"mine","relevance":"mine","id":1,"#), "{kept}");
            let replaced = &output(&off_topic, level, None, line)[0];
            let row: serde_json::Value = serde_json::from_str(replaced).unwrap();
            assert_eq!(row["on_topic"], false, "{replaced}");
            assert_eq!(row["label"], "neutral", "{replaced}"); // off the topic: neutral
            if level == Level::Article {
                // An article row has no relevance: the input's stays.
                assert!(replaced.starts_with(r#"{"relevance":"mine","id":1,"#), "{replaced}");
            } else {
                assert!(row["relevance"].is_f64(), "{replaced}");
                assert!(replaced.starts_with(r#"{"id":1,"#), "{replaced}");
            }
        }
    }

    #[test]
    fn the_text_field_cannot_be_a_key_of_the_row() {
        let default = plain_classifier();
        let topic = topic_classifier(true);
        let refused = |classifier: &Classifier, level: Level, field: &str, explain: Option<usize>| {
            RecordWriter::new(classifier, &options(level, field, explain)).is_err()
        };
        assert!(!refused(&default, Level::Text, "on_topic", None));
        assert!(refused(&topic, Level::Text, "on_topic", None));
        assert!(refused(&topic, Level::Sentence, "relevance", None));
        assert!(!refused(&topic, Level::Article, "relevance", None));
        assert!(refused(&default, Level::Sentence, "sentence", None));
        assert!(!refused(&default, Level::Text, "sentence", None));
        assert!(!refused(&default, Level::Sentence, "explanation", None));
        assert!(refused(&default, Level::Sentence, "explanation", Some(1)));
        assert!(refused(&default, Level::Article, "top_sentences", None));
        // The sentence row has no `text` key in a record: the text field holds the sentence.
        assert!(!refused(&default, Level::Sentence, "text", None));
    }

    #[test]
    fn strings_are_written_as_serde_json_writes_them() {
        let cases = [
            "",
            "plain words, and more plain words past sixteen bytes",
            "a \"quote\" inside",
            "back\\slash",
            "tab\tand newline\n",
            "\u{1} control",
            "é ü – “curly” \u{2028} 😀",
            "exactly sixteen!",
            "seventeen bytes!!",
        ];
        for text in cases {
            let mut out = b"x".to_vec();
            write_json_string(&mut out, text);
            assert_eq!(&out[1..], json_string(text).as_bytes(), "{text:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn any_string_is_written_as_serde_json_writes_it(text in "(\\PC|[\"\\\\\u{0}-\u{1f}]){0,40}") {
            let mut out = Vec::new();
            write_json_string(&mut out, &text);
            proptest::prop_assert_eq!(out, json_string(&text).into_bytes());
        }
    }
}
