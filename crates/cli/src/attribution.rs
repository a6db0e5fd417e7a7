//! Stance holders for classify's rows and `stance holders`: the finder (the built-in alias
//! table, extended by `--aliases FILE`), which sentences have a holder (on-topic stance
//! sentences: not the neutral label, not undecided, not off the topic), and the holders of an
//! article's sentences.

use std::ops::Range;
use std::path::Path;

use anyhow::{Context, Result};
use stance_holders::{AliasTable, Attribution, HolderFinder, StanceSentence};
use stance_infer::{Classifier, SentencePrediction, UNDECIDED};

/// The holder finder and the labels that count as stance.
pub struct Holders {
    finder: HolderFinder,
    neutral: Option<String>,
}

impl Holders {
    /// The finder with the built-in aliases and those of `aliases`, for `classifier`'s labels.
    pub fn new(aliases: Option<&Path>, classifier: &Classifier) -> Result<Self> {
        let mut table = AliasTable::builtin();
        if let Some(path) = aliases {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read alias file {}", path.display()))?;
            table.extend_from(&path.display().to_string(), &text)?;
        }
        Ok(Self { finder: HolderFinder::new(table), neutral: classifier.model().neutral_label.clone() })
    }

    /// The finder.
    pub fn finder(&self) -> &HolderFinder {
        &self.finder
    }

    /// Whether a sentence with this label and topicality has a holder.
    pub fn is_stance(&self, label: &str, on_topic: Option<bool>) -> bool {
        label != UNDECIDED && Some(label) != self.neutral.as_deref() && on_topic != Some(false)
    }

    /// The holder of every sentence (`ranges` into `text`), stance or not.
    pub fn attribute(&self, text: &str, ranges: &[Range<usize>]) -> Vec<Option<Attribution>> {
        let sentences: Vec<&str> = ranges.iter().map(|r| &text[r.clone()]).collect();
        self.finder.attribute_article(&sentences)
    }

    /// The holder a sentence row shows: its attribution when it is a stance sentence.
    pub fn shown<'a>(
        &self,
        p: &SentencePrediction,
        attribution: Option<&'a Attribution>,
    ) -> Option<&'a Attribution> {
        attribution.filter(|_| self.is_stance(&p.label, p.on_topic))
    }

    /// The stance sentences with holders among `predictions` (1-based `sentence` numbers index
    /// `attributions`), and how many stance sentences had none.
    pub fn stance_sentences<'a>(
        &self,
        predictions: &'a [SentencePrediction],
        attributions: &'a [Option<Attribution>],
    ) -> (Vec<StanceSentence<'a>>, usize) {
        let mut sentences = Vec::new();
        let mut unattributed = 0;
        for p in predictions.iter().filter(|p| self.is_stance(&p.label, p.on_topic)) {
            match attributions.get(p.sentence - 1).and_then(Option::as_ref) {
                Some(holder) => sentences.push(StanceSentence {
                    sentence: p.sentence,
                    text: &p.text,
                    label: &p.label,
                    confidence: p.confidence(),
                    holder: &holder.holder,
                    country: holder.country.as_deref(),
                }),
                None => unattributed += 1,
            }
        }
        (sentences, unattributed)
    }
}

/// A readable account of what decided a holder, for explanations: the rule and its words, and
/// where a referred-back holder was named.
pub fn describe(a: &Attribution, sentences: &[&str]) -> String {
    let words = |cue: &stance_holders::Cue| sentences.get(cue.sentence).and_then(|s| s.get(cue.span.clone()));
    let mut text = format!(
        "{}: “{}” (sentence {})",
        a.rule.describe(),
        words(&a.cue).unwrap_or_default(),
        a.cue.sentence + 1
    );
    if let Some(antecedent) = a.antecedent.as_ref().filter(|at| **at != a.cue) {
        text.push_str(&format!(
            ", named in sentence {}: “{}”",
            antecedent.sentence + 1,
            words(antecedent).unwrap_or_default()
        ));
    }
    text
}
