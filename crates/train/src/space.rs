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
    /// Whether cross-validation leaves some targets unseen: folds are grouped and all the rows
    /// of some target are in one group (folds grouped by the target itself, say), so a test
    /// fold holds a target its training folds lack.
    pub unseen_targets: bool,
    /// Whether the labels are two stance labels besides the neutral one (what the `relative`
    /// target strategy can swap).
    pub two_stance_labels: bool,
}

impl DataProfile {
    /// Measures `data`; `has_target_column` says whether the run reads a target column,
    /// `neutral` is the run's neutral label, if any.
    pub fn of(data: &LabeledData, has_target_column: bool, neutral: Option<&str>) -> DataProfile {
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
        let labels = data.labels();
        let has_targets = has_target_column && rows > 0 && data.rows.iter().all(|r| r.target.is_some());
        DataProfile {
            rows,
            labels: labels.len(),
            mean_chars: share(chars),
            social_share: share(social),
            has_targets,
            unseen_targets: has_targets && some_target_in_one_group(data),
            two_stance_labels: labels.iter().filter(|l| Some(l.as_str()) != neutral).count() == 2,
        }
    }

    /// The target strategies worth trying: a per-target model cannot score a target its
    /// training folds lack, and the relative one is made for exactly that.
    fn target_strategies(&self) -> &'static [&'static str] {
        match (self.unseen_targets, self.two_stance_labels) {
            (false, _) => &["pooled", "per-target", "conjoined"],
            (true, true) => &["pooled", "conjoined", "relative"],
            (true, false) => &["pooled", "conjoined"],
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
        axes.push(axis("target_strategy", profile.target_strategies()));
    }
    Grid { axes }
}

/// Whether the rows are grouped and all the rows of some target share one group.
fn some_target_in_one_group(data: &LabeledData) -> bool {
    let mut groups: std::collections::HashMap<&str, Option<&str>> = std::collections::HashMap::new();
    let mut ungrouped = false;
    for row in &data.rows {
        let (Some(target), Some(group)) = (row.target.as_deref(), row.group.as_deref()) else {
            ungrouped |= row.group.is_none();
            continue;
        };
        let seen = groups.entry(target).or_insert(Some(group));
        if *seen != Some(group) {
            *seen = None; // in two groups at least
        }
    }
    !ungrouped && groups.values().any(Option::is_some)
}

/// [`default_space`] for `data`, with only the values `base` can train (a target strategy
/// needs the run's target column, a per-target model a pooled fallback where folds leave
/// targets unseen).
pub fn default_space_for(data: &LabeledData, base: &TrainingRun) -> (Grid, DataProfile) {
    let neutral = crate::run::neutral_label(&data.labels(), base.neutral_label.as_deref()).ok().flatten();
    let profile = DataProfile::of(data, base.columns.target.is_some(), neutral.as_deref());
    let mut space = default_space(&profile);
    if profile.unseen_targets && base.targets.pooled_fallback {
        // With a pooled fallback a per-target model scores unseen targets too.
        for axis in space.axes.iter_mut().filter(|a| a.name == "target_strategy") {
            axis.values.insert(1, "per-target".to_owned());
        }
    }
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
        table(rows, None)
    }

    /// Rows of `(text, label, target)`, the target column named; grouped by `group` when given
    /// ("target": by the target itself, as `--group-col target` reads them; "source": a fourth
    /// column alternating 0 and 1, so each group spans every target).
    fn table(rows: &[(&str, &str, &str)], group: Option<&str>) -> LabeledData {
        let mut tsv = String::from("text\tlabel\ttarget\tsource\n");
        for (i, (text, label, target)) in rows.iter().enumerate() {
            tsv.push_str(&format!("{text}\t{label}\t{target}\t{}\n", i % 2));
        }
        let columns =
            Columns { target: Some("target".into()), group: group.map(Into::into), ..Columns::default() };
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
        let profile = DataProfile::of(&tweets, true, None);
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
        assert!(!names(&default_space(&DataProfile::of(&tweets, false, None))).contains(&"target_strategy"));
    }

    fn grouped_by_target(rows: &[(&str, &str, &str)]) -> LabeledData {
        table(rows, Some("target"))
    }

    fn strategies(profile: &DataProfile) -> Vec<String> {
        let space = default_space(profile);
        space.axes.into_iter().find(|a| a.name == "target_strategy").map(|a| a.values).unwrap_or_default()
    }

    #[test]
    fn folds_that_leave_targets_unseen_get_no_per_target_model_and_the_relative_one() {
        let rows = [
            ("Markets allocate goods well", "PRO", "free market"),
            ("Markets leave the poor behind", "CON", "free market"),
            ("Dams give clean power", "PRO", "build dams"),
            ("Dams drown valleys", "CON", "build dams"),
        ];
        let grouped = DataProfile::of(&grouped_by_target(&rows), true, None);
        assert!(grouped.unseen_targets && grouped.two_stance_labels);
        assert_eq!(strategies(&grouped), ["pooled", "conjoined", "relative"]);
        // Stratified folds see every target in training.
        let stratified = DataProfile::of(&data(&rows), true, None);
        assert!(!stratified.unseen_targets);
        assert_eq!(strategies(&stratified), ["pooled", "per-target", "conjoined"]);
        // Three stance labels: nothing for the relative strategy to swap.
        let mut three = rows.to_vec();
        three.push(("Dams are dams", "NEUTRAL", "build dams"));
        assert!(!DataProfile::of(&grouped_by_target(&three), true, None).two_stance_labels);
        assert!(DataProfile::of(&grouped_by_target(&three), true, Some("NEUTRAL")).two_stance_labels);
        let three = DataProfile::of(&grouped_by_target(&three), true, None);
        assert_eq!(strategies(&three), ["pooled", "conjoined"]);
        // Groups that each span two targets leave no target unseen.
        let mixed = table(&rows, Some("source"));
        assert!(!DataProfile::of(&mixed, true, None).unseen_targets);
    }

    #[test]
    fn long_plain_texts_get_neither_tweet_options_nor_short_char_ngrams() {
        let long = "Moscow rejects the deployment of any Western troops in Ukraine ".repeat(5);
        let rows: Vec<(&str, &str, &str)> =
            (0..600).map(|i| (long.as_str(), if i % 2 == 0 { "oppose" } else { "neutral" }, "")).collect();
        let profile = DataProfile::of(&data(&rows), false, None);
        assert!(!profile.tweet_like() && profile.mean_chars > SHORT_TEXT_CHARS);
        let space = default_space(&profile);
        assert_eq!(names(&space), ["alpha", "class_weight", "word_ngrams", "char_ngrams", "min_df"]);
        assert_eq!(space.axes[3].values, ["none", "3-5"]);
    }
}
