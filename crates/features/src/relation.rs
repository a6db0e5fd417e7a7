//! A text read relative to its stance target, for targets never seen in training.
//!
//! Across many targets (debate motions such as "This house would ban X"), what carries from one
//! target to the next is how a text speaks of *its* target, not the target's own words. Two
//! rewrites make that learnable by a bag-of-n-grams model:
//!
//! * **Masking**: a word of the text whose stem is a content word of its target becomes
//!   [`TARGET_TOKEN`], so "open primaries destroy parties" about "open primaries …" and
//!   "nuclear weapons destroy trust" about "nuclear weapons …" share the n-gram `TGT destroy`.
//!   Function words, the words that make a target negative, and the stems found in at least
//!   half of the training targets ("this", "house", "would") are never masked.
//! * **Negative targets**: a target phrased against something ("ban X", "X is harmful",
//!   "states should not subsidize X") is flagged by [`TargetRelation::is_negative`]; the model
//!   then swaps its two stance labels for such targets (in training and when scoring), so a
//!   claim against X counts the same way for "ban X" as a claim for X does for "allow X".
//!
//! The relation is fitted on the training targets and stored in the model file, so scoring
//! rewrites texts exactly as training did.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use unicode_segmentation::UnicodeSegmentation;

/// What a masked word of the text becomes.
pub const TARGET_TOKEN: &str = "TGT";

/// Words that make a target negative: prohibiting, ending or limiting something, opposing or
/// negating it, or judging it bad. Written as a general English list (not from any data set);
/// stored stemmed in the model.
const NEGATIVE_WORDS: &[&str] = &[
    "ban",
    "banned",
    "banning",
    "prohibit",
    "prohibited",
    "prohibiting",
    "prohibition",
    "forbid",
    "forbidden",
    "forbidding",
    "outlaw",
    "outlawing",
    "criminalize",
    "criminalise",
    "criminalizing",
    "criminalising",
    "abolish",
    "abolishing",
    "abolition",
    "disband",
    "disbanding",
    "end",
    "ending",
    "stop",
    "stopping",
    "restrict",
    "restricting",
    "restriction",
    "limit",
    "limiting",
    "curb",
    "curbing",
    "reduce",
    "reducing",
    "cut",
    "cutting",
    "against",
    "oppose",
    "opposing",
    "reject",
    "rejecting",
    "not",
    "no",
    "never",
    "nor",
    "harmful",
    "harm",
    "dangerous",
    "bad",
    "wrong",
    "unjustified",
    "unjust",
    "unfair",
    "immoral",
    "unethical",
    "detrimental",
    "damaging",
    "counterproductive",
];

/// Function words: never masked, whatever the target.
const FUNCTION_WORDS: &[&str] = &[
    "a", "an", "the", "of", "in", "on", "to", "for", "is", "are", "be", "been", "being", "was", "were", "it",
    "its", "and", "or", "by", "with", "as", "at", "from", "that", "this", "these", "those", "should",
    "would", "could", "will", "can", "may", "must", "has", "have", "had", "do", "does", "all", "any", "some",
    "more", "most", "than", "their", "there", "they", "we", "our", "us", "you", "which", "who", "whom",
    "what", "when", "if", "so", "such", "into", "over", "only", "also",
];

/// How texts are read relative to their targets (see the module documentation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetRelation {
    /// Stems never masked because at least half of the training targets have them, sorted.
    pub common_stems: Vec<String>,
    /// Stems that make a target negative, sorted.
    pub negative_stems: Vec<String>,
}

/// One target as the relation reads it: its maskable stems and whether it is negative.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetView {
    stems: BTreeSet<String>,
    negative: bool,
}

impl TargetRelation {
    /// The relation of a training set whose rows are about `targets` (one entry per row, or
    /// per distinct target: only the distinct ones count).
    pub fn fit<S: AsRef<str>>(targets: &[S]) -> Self {
        let distinct: BTreeSet<&str> = targets.iter().map(AsRef::as_ref).collect();
        let mut in_targets: BTreeMap<String, usize> = BTreeMap::new();
        for target in &distinct {
            let stems: BTreeSet<String> = words(target).map(|(_, stem)| stem).collect();
            for stem in stems {
                *in_targets.entry(stem).or_default() += 1;
            }
        }
        let common_stems =
            in_targets.into_iter().filter(|&(_, n)| 2 * n >= distinct.len()).map(|(stem, _)| stem).collect();
        let negative: BTreeSet<String> = NEGATIVE_WORDS.iter().map(|w| stem(w)).collect();
        Self { common_stems, negative_stems: negative.into_iter().collect() }
    }

    /// How this relation reads `target`.
    pub fn view(&self, target: &str) -> TargetView {
        let mut stems = BTreeSet::new();
        let mut negative = false;
        for (word, stem) in words(target) {
            if self.negative_stems.binary_search(&stem).is_ok()
                || word.ends_with("n't")
                || word.ends_with("n\u{2019}t")
            {
                negative = true;
            } else if !FUNCTION_WORDS.contains(&word.as_str())
                && self.common_stems.binary_search(&stem).is_err()
            {
                stems.insert(stem);
            }
        }
        TargetView { stems, negative }
    }

    /// Whether `target` is phrased against something (its stance labels are swapped).
    pub fn is_negative(&self, target: &str) -> bool {
        self.view(target).negative
    }

    /// `text` with the words of `target` masked ([`TargetView::mask`]).
    pub fn mask<'t>(&self, text: &'t str, target: &str) -> Cow<'t, str> {
        self.view(target).mask(text)
    }
}

impl TargetView {
    /// Whether the target is phrased against something.
    pub fn is_negative(&self) -> bool {
        self.negative
    }

    /// `text` with every word whose stem is one of the target's content stems replaced by
    /// [`TARGET_TOKEN`]; everything else as it was. Borrowed when nothing is masked.
    pub fn mask<'t>(&self, text: &'t str) -> Cow<'t, str> {
        if self.stems.is_empty() {
            return Cow::Borrowed(text);
        }
        let mut out = String::new();
        let mut copied = 0;
        for (start, word) in text.split_word_bound_indices() {
            if !word.chars().any(char::is_alphanumeric) {
                continue;
            }
            let lower = word.to_lowercase();
            if FUNCTION_WORDS.contains(&lower.as_str()) || !self.stems.contains(&stem(&lower)) {
                continue;
            }
            out.push_str(&text[copied..start]);
            out.push_str(TARGET_TOKEN);
            copied = start + word.len();
        }
        if copied == 0 {
            return Cow::Borrowed(text);
        }
        out.push_str(&text[copied..]);
        Cow::Owned(out)
    }
}

/// The words of `text` (UAX #29 words with a letter or digit), each lowercased with its stem.
fn words(text: &str) -> impl Iterator<Item = (String, String)> + '_ {
    text.split_word_bounds().filter(|w| w.chars().any(char::is_alphanumeric)).map(|w| {
        let lower = w.to_lowercase();
        let stem = stem(&lower);
        (lower, stem)
    })
}

/// The Snowball English stem of a lowercased word (possessive `'s` removed).
fn stem(lower: &str) -> String {
    let folded = lower.replace('\u{2019}', "'");
    rust_stemmers::Stemmer::create(rust_stemmers::Algorithm::English).stem(&folded).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TARGETS: &[&str] = &[
        "This house would ban nuclear weapons",
        "This house believes that open primaries are effective",
        "This house would build hydroelectric dams",
        "This house believes that advertising is harmful",
    ];

    #[test]
    fn words_in_half_of_the_targets_are_common() {
        let relation = TargetRelation::fit(TARGETS);
        assert!(relation.common_stems.contains(&"hous".to_owned()));
        assert!(relation.common_stems.contains(&"would".to_owned()));
        assert!(relation.common_stems.contains(&"believ".to_owned()));
        assert!(!relation.common_stems.contains(&"weapon".to_owned()));
        // Rows repeat their target: only distinct targets count.
        let rows: Vec<&str> = TARGETS.iter().chain(std::iter::repeat_n(&TARGETS[0], 9)).copied().collect();
        assert_eq!(TargetRelation::fit(&rows), relation);
    }

    #[test]
    fn target_words_are_masked_by_stem_and_the_rest_kept() {
        let relation = TargetRelation::fit(TARGETS);
        let masked = relation.mask("Nuclear weapons deter war; a weapon's owner is safe.", TARGETS[0]);
        assert_eq!(masked, "TGT TGT deter war; a TGT owner is safe.");
        // "house", "ban" and function words are never masked.
        assert_eq!(relation.mask("The house will ban it.", TARGETS[0]), "The house will ban it.");
        assert!(matches!(relation.mask("Nothing here.", TARGETS[0]), Cow::Borrowed(_)));
        assert_eq!(relation.mask("Open primaries help", TARGETS[1]), "TGT TGT help");
    }

    #[test]
    fn targets_phrased_against_something_are_negative() {
        let relation = TargetRelation::fit(TARGETS);
        assert!(relation.is_negative(TARGETS[0]));
        assert!(relation.is_negative(TARGETS[3]));
        assert!(!relation.is_negative(TARGETS[1]));
        assert!(!relation.is_negative(TARGETS[2]));
        assert!(relation.is_negative("States shouldn't subsidize tobacco"));
        assert!(relation.is_negative("States shouldn\u{2019}t subsidize tobacco"));
        assert!(relation.is_negative("This house would prohibit burning the flag"));
    }

    #[test]
    fn one_target_masks_nothing() {
        let relation = TargetRelation::fit(&["Western peacekeepers in Ukraine"]);
        assert_eq!(
            relation.mask("Peacekeepers arrive in Ukraine", "Western peacekeepers in Ukraine"),
            "Peacekeepers arrive in Ukraine"
        );
    }
}
