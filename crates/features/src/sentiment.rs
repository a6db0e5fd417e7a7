//! Sentiment cues: a feature extractor that sums what a sentiment lexicon says of a text's words.
//!
//! Word n-grams learn that "destroy" argues against a target only from training texts about
//! that target. A general sentiment lexicon (word → valence, such as VADER's, which a user
//! brings as a file) carries to targets never seen in training: every lexicon word of a text
//! emits [`POSITIVE_TERM`] or [`NEGATIVE_TERM`], once per unit of its valence's magnitude
//! (rounded, at least once), flipped when a negator stands shortly before it ("not good" is
//! negative). With the relative target strategy, which swaps the stance labels for targets
//! phrased against something ("ban X"), "positive about the text's subject" then means the same
//! stance for every target. The lexicon is data in the model's [`crate::FeatureConfig`], so a
//! model featurizes as it was trained; the two terms' weights are learned like any other's.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::cues::{default_negators, is_negator, window_problem, CUE_PREFIX};
use crate::FeatureError;

/// The term a positive lexicon word emits (a cue term: [`CUE_PREFIX`] first).
pub const POSITIVE_TERM: &str = "~sentiment+";
/// The term a negative lexicon word emits.
pub const NEGATIVE_TERM: &str = "~sentiment-";

/// The largest number of times one word emits its term (valences beyond are clipped).
const MAX_STRENGTH: i8 = 8;

/// A sentiment lexicon and how negation flips it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SentimentLexicon {
    /// Where the lexicon came from (its file name), for people.
    pub source: String,
    /// Lowercase word → signed strength: how many times the word emits its term, positive for
    /// [`POSITIVE_TERM`], negative for [`NEGATIVE_TERM`] (never 0).
    pub strengths: BTreeMap<String, i8>,
    /// Words that flip the sentiment of the lexicon words shortly after them.
    pub negators: Vec<String>,
    /// How many words after a negator its scope reaches (1 to 10).
    pub window: usize,
}

impl SentimentLexicon {
    /// Reads a lexicon from tab-separated text: one `word<TAB>valence` a line, any further
    /// columns ignored (VADER's `vader_lexicon.txt` reads as it is), blank lines and lines
    /// starting with `#` skipped. Entries that are not one word (emoticons such as `:)`,
    /// phrases, hyphenated words) can never match a word token and are left out; a valence that rounds to 0
    /// counts once in its sign's direction, and 0 itself is left out. A word listed twice
    /// (VADER lists "fav" twice) keeps its first valence. Errors name the 1-based line.
    pub fn from_tsv(text: &str, source: &str) -> Result<Self, FeatureError> {
        let mut strengths = BTreeMap::new();
        for (number, line) in text.lines().enumerate() {
            let line = line.strip_suffix('\r').unwrap_or(line);
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let bad = |message: String| FeatureError::InvalidLexiconLine { line: number + 1, message };
            let mut columns = line.split('\t');
            let word = columns.next().unwrap_or_default().trim().to_lowercase();
            let valence = columns
                .next()
                .ok_or_else(|| bad(format!("{line:?} is not word<TAB>valence")))?
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| bad(format!("the valence of {word:?} is not a finite number")))?;
            // What the tokenizer can give as one word: letters, digits, apostrophes (a hyphen
            // splits "well-being" into two words).
            let one_word = !word.is_empty()
                && word.chars().all(|c| c.is_alphanumeric() || c == '\'')
                && word.chars().any(char::is_alphabetic);
            if !one_word || valence == 0.0 {
                continue;
            }
            let magnitude = valence.abs().round().clamp(1.0, f64::from(MAX_STRENGTH)) as i8;
            strengths.entry(word).or_insert(magnitude * valence.signum() as i8);
        }
        let lexicon = Self { source: source.to_owned(), strengths, negators: default_negators(), window: 3 };
        lexicon.check()?;
        Ok(lexicon)
    }

    pub(crate) fn check(&self) -> Result<(), FeatureError> {
        let invalid = FeatureError::InvalidLexicon;
        if self.strengths.is_empty() {
            return Err(invalid("the lexicon has no one-word entries with a non-zero valence".into()));
        }
        if let Some((word, strength)) = self
            .strengths
            .iter()
            .find(|(w, &s)| s == 0 || s.abs() > MAX_STRENGTH || w.is_empty() || w.to_lowercase() != **w)
        {
            return Err(invalid(format!(
                "entry {word:?} → {strength}: words must be non-empty and lowercase, strengths 1 to {MAX_STRENGTH} either way"
            )));
        }
        match window_problem(self.window) {
            Some(problem) => Err(invalid(problem)),
            None => Ok(()),
        }
    }

    /// Calls `emit(term, surface)` for the sentiment terms of `tokens` (the lowercased words of
    /// one text), in word order.
    pub(crate) fn for_each_cue(&self, tokens: &[&str], mut emit: impl FnMut(&str, &str)) {
        let mut negated_until = 0usize;
        for (i, &token) in tokens.iter().enumerate() {
            if is_negator(&self.negators, token) {
                negated_until = i + 1 + self.window;
                continue;
            }
            let strength = match self.strengths.get(token) {
                Some(&strength) => strength,
                // Without lowercasing (`--no-lowercase`) the lexicon still reads "Good" as "good".
                None if token.chars().any(char::is_uppercase) => {
                    let Some(&strength) = self.strengths.get(&token.to_lowercase()) else { continue };
                    strength
                }
                None => continue,
            };
            let positive = (strength > 0) != (i < negated_until);
            let term = if positive { POSITIVE_TERM } else { NEGATIVE_TERM };
            debug_assert!(term.starts_with(CUE_PREFIX));
            for _ in 0..strength.unsigned_abs() {
                emit(term, token);
            }
        }
    }

    /// The number of entries, for people.
    pub fn len(&self) -> usize {
        self.strengths.len()
    }

    /// Whether the lexicon has no entries (never true of a checked one).
    pub fn is_empty(&self) -> bool {
        self.strengths.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lexicon() -> SentimentLexicon {
        SentimentLexicon::from_tsv(
            "good\t1.9\t0.9\t[2, 2]\nterrible\t-2.6\nmeh\t-0.3\nflat\t0\n:)\t2.0\n",
            "lex.txt",
        )
        .unwrap()
    }

    fn cues(text: &str) -> Vec<String> {
        let words: Vec<&str> = text.split(' ').collect();
        let mut out = Vec::new();
        lexicon().for_each_cue(&words, |term, surface| out.push(format!("{term}:{surface}")));
        out
    }

    #[test]
    fn reads_word_valence_lines_and_keeps_one_word_entries() {
        let lexicon = lexicon();
        let entries: Vec<(&str, i8)> = lexicon.strengths.iter().map(|(w, &s)| (w.as_str(), s)).collect();
        assert_eq!(entries, [("good", 2), ("meh", -1), ("terrible", -3)]);
        assert_eq!((lexicon.source.as_str(), lexicon.window), ("lex.txt", 3));
    }

    #[test]
    fn each_word_emits_its_strength_flipped_after_a_negator() {
        assert_eq!(cues("a good plan"), ["~sentiment+:good", "~sentiment+:good"]);
        assert_eq!(cues("terrible"), ["~sentiment-:terrible"; 3]);
        assert_eq!(cues("not good"), ["~sentiment-:good"; 2]);
        assert_eq!(cues("it isn't meh"), ["~sentiment+:meh"]);
        // The negator's scope is three words.
        assert_eq!(cues("not a b c meh"), ["~sentiment-:meh"]);
        assert!(cues("plain words only").is_empty());
    }

    #[test]
    fn case_is_ignored_and_hyphenated_entries_are_left_out() {
        assert_eq!(cues("Good"), ["~sentiment+:Good"; 2]);
        let lexicon = SentimentLexicon::from_tsv("well-being\t2\nwell\t1\n", "x").unwrap();
        assert_eq!(lexicon.strengths.keys().collect::<Vec<_>>(), ["well"]);
    }

    proptest::proptest! {
        /// Every lexicon word emits |strength| terms whatever stands around it, and a negator
        /// put in front flips exactly the words within its window.
        #[test]
        fn emissions_follow_the_strengths_and_a_leading_negator_flips_its_window(
            picks in proptest::collection::vec(0usize..6, 0..12),
        ) {
            let vocabulary = ["good", "terrible", "meh", "plan", "troops", "flat"];
            let words: Vec<&str> = picks.iter().map(|&i| vocabulary[i]).collect();
            let lexicon = lexicon();
            let emitted = |words: &[&str]| {
                let mut out = Vec::new();
                lexicon.for_each_cue(words, |term, surface| out.push((term == POSITIVE_TERM, surface.to_owned())));
                out
            };
            let plain = emitted(&words);
            let expected: usize =
                words.iter().filter_map(|w| lexicon.strengths.get(*w)).map(|s| s.unsigned_abs() as usize).sum();
            proptest::prop_assert_eq!(plain.len(), expected);
            let negated_words: Vec<&str> = std::iter::once("not").chain(words.iter().copied()).collect();
            let negated = emitted(&negated_words);
            proptest::prop_assert_eq!(negated.len(), plain.len());
            let mut at = 0;
            for (position, word) in words.iter().enumerate() {
                let Some(strength) = lexicon.strengths.get(*word) else { continue };
                for _ in 0..strength.unsigned_abs() {
                    let flipped = position < lexicon.window;
                    proptest::prop_assert_eq!(negated[at].0, plain[at].0 != flipped);
                    proptest::prop_assert_eq!(&negated[at].1, &plain[at].1);
                    at += 1;
                }
            }
        }
    }

    #[test]
    fn bad_lines_are_refused_with_their_number() {
        let err = |text: &str| SentimentLexicon::from_tsv(text, "x").unwrap_err().to_string();
        assert!(err("good\t1\nbad\n").contains("line 2"), "{}", err("good\t1\nbad\n"));
        assert!(err("good\tlots\n").contains("line 1: the valence of \"good\""), "{}", err("good\tlots\n"));
        let twice = SentimentLexicon::from_tsv("good\t1\nGood\t-3\n", "x").unwrap();
        assert_eq!(twice.strengths.get("good"), Some(&1));
        assert!(err(":)\t2\n").contains("no one-word entries"), "{}", err(":)\t2\n"));
        assert!(SentimentLexicon::from_tsv("# comment\n\ngood\t1\r\n", "x").is_ok());
    }

    #[test]
    fn check_refuses_hand_edited_entries() {
        let mut lexicon = lexicon();
        lexicon.strengths.insert("Upper".into(), 1);
        assert!(lexicon.check().is_err());
        let mut lexicon = self::lexicon();
        lexicon.strengths.insert("zero".into(), 0);
        assert!(lexicon.check().is_err());
        let lexicon = SentimentLexicon { window: 0, ..self::lexicon() };
        assert!(lexicon.check().is_err());
    }
}
