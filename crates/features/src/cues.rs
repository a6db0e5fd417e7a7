//! Stance cues: a feature extractor that names what a sentence does with its target.
//!
//! Word n-grams learn "ready to send" only from sentences that say exactly that. Cue features
//! generalise across wordings: every word that starts with a *commitment* prefix ("ready",
//! "willing", "pledg", "contribut") or a *rejection* prefix ("reject", "unaccept", "warn",
//! "premature") emits a cue term, flipped when a negator ("not", "no", "never", "n't") stands
//! shortly before it ("not ready" is a rejection cue, "not rule out" a commitment one), and
//! conjoined with a target mention ("troops", "peacekeep", "deploy") when the sentence has one.
//! The lexicons are data in the model's [`crate::FeatureConfig`], so a model featurizes as it
//! was trained even if the defaults change; the weights of the cue terms are learned like any
//! other feature's.

use serde::{Deserialize, Serialize};

use crate::FeatureError;

/// Prefix of every cue term. `~` is not a word character, so no word n-gram can collide.
pub const CUE_PREFIX: char = '~';

/// The lexicons of the stance-cue extractor (all lowercase word prefixes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StanceCues {
    /// Prefixes of words that commit to, offer or back something.
    pub commit: Vec<String>,
    /// Prefixes of words that reject, warn against or argue against something.
    pub reject: Vec<String>,
    /// Words that negate the cue words shortly after them.
    pub negators: Vec<String>,
    /// Prefixes of words that mention the target (troops, deployment, …).
    pub target: Vec<String>,
    /// How many words after a negator its scope reaches.
    pub window: usize,
}

fn words(list: &[&str]) -> Vec<String> {
    list.iter().map(|w| (*w).to_owned()).collect()
}

impl Default for StanceCues {
    /// English lexicons for the stance of governments towards sending forces.
    fn default() -> Self {
        Self {
            commit: words(&[
                "ready",
                "willing",
                "prepared",
                "prepar",
                "open to",
                "offer",
                "pledg",
                "commit",
                "contribut",
                "back",
                "support",
                "endors",
                "welcom",
                "favour",
                "favor",
                "propos",
                "plan",
                "lead",
                "join",
                "approv",
                "agree",
                "send",
                "provid",
                "promis",
                "guarant",
                "would not hesitat",
                "stand by",
                "in principle",
                "consider",
                "confirm",
                "announc",
                "step up",
            ]),
            reject: words(&[
                "reject",
                "oppos",
                "unaccept",
                "refus",
                "warn",
                "against",
                "rule out",
                "ruled out",
                "rules out",
                "premature",
                "too early",
                "escalat",
                "threat",
                "condemn",
                "dismiss",
                "provocat",
                "intervention",
                "invasion",
                "occupation",
                "legitimate target",
                "out of the question",
                "veto",
                "block",
                "mistake",
                "reckless",
                "dangerous",
                "red line",
                "unthinkable",
                "declin",
                "categorical",
                "not on the agenda",
                "absurd",
                "hostile",
            ]),
            negators: default_negators(),
            target: words(&[
                "troop",
                "soldier",
                "peacekeep",
                "force",
                "contingent",
                "boots",
                "deploy",
                "station",
                "battalion",
                "brigade",
                "mission",
                "reassurance",
                "military presence",
                "personnel",
            ]),
            window: 3,
        }
    }
}

impl StanceCues {
    pub(crate) fn check(&self) -> Result<(), FeatureError> {
        let lists = [("commit", &self.commit), ("reject", &self.reject), ("target", &self.target)];
        for (name, list) in lists {
            if list.is_empty() || list.iter().any(|w| w.trim().is_empty() || w.to_lowercase() != *w) {
                return Err(FeatureError::InvalidCues(format!(
                    "the {name} list must hold non-empty lowercase prefixes"
                )));
            }
        }
        match window_problem(self.window) {
            Some(problem) => Err(FeatureError::InvalidCues(problem)),
            None => Ok(()),
        }
    }

    fn is_negator(&self, token: &str) -> bool {
        is_negator(&self.negators, token)
    }

    /// Calls `emit(term, surface)` for the cue terms of `tokens` (lowercased words of one text).
    pub(crate) fn for_each_cue(&self, tokens: &[&str], mut emit: impl FnMut(&str, &str)) {
        let target = (0..tokens.len()).any(|i| matches_at(tokens, i, &self.target).is_some());
        let mut negated_until = 0usize;
        let mut term = String::new();
        for i in 0..tokens.len() {
            let token = tokens[i];
            let is_negator = self.is_negator(token);
            if is_negator {
                negated_until = i + 1 + self.window;
            }
            let negated = i < negated_until && !is_negator;
            for (kind, list) in [("commit", &self.commit), ("reject", &self.reject)] {
                let Some(length) = matches_at(tokens, i, list) else { continue };
                let surface = tokens[i..i + length].join(" ");
                // A negated commitment is a rejection and the other way round.
                let polarity = match (kind, negated) {
                    ("commit", false) | ("reject", true) => "commit",
                    _ => "reject",
                };
                term.clear();
                term.push(CUE_PREFIX);
                term.push_str(polarity);
                if negated {
                    term.push_str("_negated");
                }
                emit(&term, &surface);
                if target {
                    term.clear();
                    term.push(CUE_PREFIX);
                    term.push_str(polarity);
                    term.push_str("+target");
                    emit(&term, &surface);
                }
            }
        }
    }
}

/// The negators of the cue extractors' defaults.
pub(crate) fn default_negators() -> Vec<String> {
    words(&["not", "no", "never", "n't", "cannot", "without", "neither", "nor", "nothing"])
}

/// Whether `token` is one of `negators`, or a contraction ending in one ("won't", "doesn't").
pub(crate) fn is_negator(negators: &[String], token: &str) -> bool {
    negators
        .iter()
        .any(|n| token == n || (n.starts_with('n') && n.contains('\'') && token.ends_with(n.as_str())))
}

/// What is wrong with a negation window, if anything (it reaches 1 to 10 words).
pub(crate) fn window_problem(window: usize) -> Option<String> {
    (window == 0 || window > 10).then(|| format!("window {window} is not from 1 to 10"))
}

/// Length in words of the first entry of `list` that matches the words at `i` (each entry's
/// words match whole words, its last word as a prefix), if any.
fn matches_at(tokens: &[&str], i: usize, list: &[String]) -> Option<usize> {
    list.iter().find_map(|entry| {
        let parts: Vec<&str> = entry.split(' ').collect();
        let last = parts.len() - 1;
        let fits = i + parts.len() <= tokens.len()
            && parts.iter().enumerate().all(|(k, part)| {
                let token = tokens[i + k];
                if k == last {
                    token.starts_with(part)
                } else {
                    token == *part
                }
            });
        fits.then_some(parts.len())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cues(text: &str) -> Vec<(String, String)> {
        let lower = text.to_lowercase();
        let tokens: Vec<&str> = lower.split_whitespace().collect();
        let mut out = Vec::new();
        StanceCues::default().for_each_cue(&tokens, |t, s| out.push((t.to_owned(), s.to_owned())));
        out
    }

    fn terms(text: &str) -> Vec<String> {
        cues(text).into_iter().map(|(t, _)| t).collect()
    }

    #[test]
    fn commitment_and_rejection_cues_with_target_conjunctions() {
        assert_eq!(
            terms("Estonia is ready to send soldiers"),
            ["~commit", "~commit+target", "~commit", "~commit+target"]
        );
        assert_eq!(terms("Moscow called it unacceptable"), ["~reject"]);
    }

    #[test]
    fn negation_flips_the_cue() {
        assert_eq!(terms("Italy is not ready"), ["~reject_negated"]);
        assert_eq!(terms("Berlin did not rule out troops"), ["~commit_negated", "~commit+target"]);
        assert_eq!(terms("we won't send troops"), ["~reject_negated", "~reject+target"]);
        // Out of the negator's window.
        assert_eq!(terms("not that anyone asked, but they are ready"), ["~commit"]);
        assert_eq!(cues("it has no plans"), [("~reject_negated".into(), "plans".into())], "a negated 'plan'");
    }

    #[test]
    fn multi_word_entries_match_whole_words() {
        assert_eq!(terms("it is out of the question"), ["~reject"]);
        assert_eq!(cues("open to sending")[0].1, "open to");
        assert!(terms("openly").is_empty());
    }

    #[test]
    fn check_refuses_empty_lists_uppercase_and_bad_windows() {
        assert!(StanceCues::default().check().is_ok());
        let cues = StanceCues { commit: vec![], ..Default::default() };
        assert!(cues.check().is_err());
        let cues = StanceCues { reject: vec!["Reject".into()], ..Default::default() };
        assert!(cues.check().is_err());
        let cues = StanceCues { window: 0, ..Default::default() };
        assert!(cues.check().is_err());
    }
}
