//! The default search space of `stance tune`: grid axes chosen from what the data looks like
//! (how many rows, how long the texts are, whether they read like tweets, whether rows carry
//! a stance target), as fastText's autotune picks its own ranges.
//!
//! Every axis is written in the grid's own spelling (`NAME=V1,V2,…`, see [`crate::AXES`]), so
//! the space is just a [`Grid`] that `tune` samples and the user can copy, narrow and pass back
//! with `--grid`.

use serde::Serialize;

use crate::data::LabeledData;
use crate::run::TrainingRun;
use crate::tune::{Axis, Grid};

/// A share of rows above which the texts are treated as social-media posts.
const TWEET_LIKE_SHARE: f64 = 0.3;

/// Mean characters per text below which character n-grams are worth trying on every data set
/// (short texts have few words to learn from).
const SHORT_TEXT_CHARS: f64 = 200.0;

/// What the default space was chosen from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DataProfile {
    /// Labeled rows.
    pub rows: usize,
    /// Distinct labels.
    pub labels: usize,
    /// Mean characters per text.
    pub mean_chars: f64,
    /// Share of rows with an @mention, a #hashtag or a URL.
    pub social_share: f64,
    /// Whether every row has a stance target (a target column was given).
    pub has_targets: bool,
}

impl DataProfile {
    /// Measures `data`; `has_target_column` says whether the run reads a target column.
    pub fn of(data: &LabeledData, has_target_column: bool) -> DataProfile {
        let rows = data.rows.len();
        let chars: usize = data.rows.iter().map(|r| r.text.chars().count()).sum();
        let social = data
            .rows
            .iter()
            .filter(|r| {
                let t = &r.text;
                t.contains('@') || t.contains('#') || t.contains("http://") || t.contains("https://")
            })
            .count();
        let share = |count: usize| if rows == 0 { 0.0 } else { count as f64 / rows as f64 };
        DataProfile {
            rows,
            labels: data.labels().len(),
            mean_chars: share(chars),
            social_share: share(social),
            has_targets: has_target_column && rows > 0 && data.rows.iter().all(|r| r.target.is_some()),
        }
    }

    /// Whether the texts read like tweets.
    pub fn tweet_like(&self) -> bool {
        self.social_share >= TWEET_LIKE_SHARE
    }
}

/// The default space for data with `profile`: regularisation, class weights, word and
/// character n-grams, the minimum document frequency, social-media normalisation for
/// tweet-like text and the target strategy when rows carry targets.
pub fn default_space(profile: &DataProfile) -> Grid {
    let axis = |name: &str, values: &[&str]| Axis {
        name: name.to_owned(),
        values: values.iter().map(|v| (*v).to_owned()).collect(),
    };
    let mut axes = vec![
        // L2 strength: the seed corpus (≈ 700 rows) does best near 0.03, SemEval (≈ 2,900
        // tweets) near 0.1; the default 1.0 underfits both.
        axis("alpha", &["0.01", "0.03", "0.1", "0.3", "1", "3"]),
        axis("class_weight", &["none", "balanced"]),
        axis("word_ngrams", &["1-1", "1-2", "1-3"]),
    ];
    // Character n-grams pay on short, noisy text; on long texts they mostly cost time.
    if profile.mean_chars < SHORT_TEXT_CHARS || profile.tweet_like() {
        axes.push(axis("char_ngrams", &["none", "2-5"]));
    } else {
        axes.push(axis("char_ngrams", &["none", "3-5"]));
    }
    // A term seen once cannot generalise; with few rows every term is precious.
    if profile.rows >= 500 {
        axes.push(axis("min_df", &["1", "2"]));
    }
    if profile.tweet_like() {
        axes.push(axis("normalize", &["none", "all"]));
        axes.push(axis("hashtags", &["keep", "split"]));
    }
    if profile.has_targets {
        axes.push(axis("target_strategy", &["pooled", "per-target", "conjoined"]));
    }
    Grid { axes }
}

/// [`default_space`] for `data`, with only the values `base` can train (a target strategy
/// needs the run's target column).
pub fn default_space_for(data: &LabeledData, base: &TrainingRun) -> (Grid, DataProfile) {
    let profile = DataProfile::of(data, base.columns.target.is_some());
    let mut space = default_space(&profile);
    if base.params.blend {
        // A blend needs character n-grams in every candidate.
        for axis in space.axes.iter_mut().filter(|a| a.name == "char_ngrams") {
            axis.values.retain(|v| v != "none");
        }
    }
    (space, profile)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{parse_labeled, Columns, InputFormat};

    fn data(rows: &[(&str, &str, &str)]) -> LabeledData {
        let mut tsv = String::from("text\tlabel\ttarget\n");
        for (text, label, target) in rows {
            tsv.push_str(&format!("{text}\t{label}\t{target}\n"));
        }
        let columns = Columns { target: Some("target".into()), ..Columns::default() };
        parse_labeled(std::path::Path::new("t.tsv"), tsv.as_bytes(), InputFormat::Tsv, &columns).unwrap()
    }

    fn names(grid: &Grid) -> Vec<&str> {
        grid.axes.iter().map(|a| a.name.as_str()).collect()
    }

    #[test]
    fn tweets_with_targets_get_normalisation_and_target_strategies() {
        let tweets = data(&[
            ("@user #SemST faith matters", "AGAINST", "Atheism"),
            ("No god needed https://x.y #freethinker", "FAVOR", "Atheism"),
            ("Climate is changing", "FAVOR", "Climate"),
        ]);
        let profile = DataProfile::of(&tweets, true);
        assert_eq!((profile.rows, profile.labels, profile.has_targets), (3, 2, true));
        assert!((profile.social_share - 2.0 / 3.0).abs() < 1e-12 && profile.tweet_like());
        let space = default_space(&profile);
        assert_eq!(
            names(&space),
            [
                "alpha",
                "class_weight",
                "word_ngrams",
                "char_ngrams",
                "normalize",
                "hashtags",
                "target_strategy"
            ]
        );
        // Without the target column the strategies are left out.
        assert!(!names(&default_space(&DataProfile::of(&tweets, false))).contains(&"target_strategy"));
    }

    #[test]
    fn long_plain_texts_get_neither_tweet_options_nor_short_char_ngrams() {
        let long = "Moscow rejects the deployment of any Western troops in Ukraine ".repeat(5);
        let rows: Vec<(&str, &str, &str)> =
            (0..600).map(|i| (long.as_str(), if i % 2 == 0 { "oppose" } else { "neutral" }, "")).collect();
        let profile = DataProfile::of(&data(&rows), false);
        assert!(!profile.tweet_like() && profile.mean_chars > SHORT_TEXT_CHARS);
        let space = default_space(&profile);
        assert_eq!(names(&space), ["alpha", "class_weight", "word_ngrams", "char_ngrams", "min_df"]);
        assert_eq!(space.axes[3].values, ["none", "3-5"]);
    }
}
