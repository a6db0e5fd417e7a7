//! Learning the model's topic relevance: is a text about the target at all?
//!
//! The rows' topic column says which text is about the target (`target`), about its
//! surroundings (`related`: for the peacekeeper model, the war, the talks, sanctions) or about
//! something else (`other`). A binary logistic model over the stance model's own features learns
//! on-topic (target or related) against other text; rows without a topic value count as on topic
//! when they take a stance and are left out otherwise.

use std::str::FromStr;

use stance_features::Featurizer;
use stance_model::Relevance;

use crate::data::LabeledData;
use crate::trainer::{ClassWeight, TrainParams};
use crate::TrainError;

/// Relevance at or above which a text is on topic.
pub(crate) const RELEVANCE_THRESHOLD: f64 = 0.5;

/// What a row's topic column says about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TopicClass {
    /// About the target itself.
    Target,
    /// About the target's surroundings (on topic, but rarely a stance).
    Related,
    /// About something else.
    Other,
}

impl TopicClass {
    /// Whether relevance counts the row as on topic.
    pub fn is_on_topic(self) -> bool {
        self != TopicClass::Other
    }
}

impl FromStr for TopicClass {
    type Err = ();

    fn from_str(value: &str) -> Result<Self, ()> {
        match value.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "target" | "on-target" | "on-topic" | "true" | "yes" | "1" => Ok(TopicClass::Target),
            "related" => Ok(TopicClass::Related),
            "other" | "off-topic" | "false" | "no" | "0" => Ok(TopicClass::Other),
            _ => Err(()),
        }
    }
}

/// The topic class of every row: its topic value, or (without one) `Target` for a stance row
/// and `None` for a neutral row. Fails on the first unknown value, naming its line.
pub fn row_topics(data: &LabeledData, neutral: Option<&str>) -> Result<Vec<Option<TopicClass>>, TrainError> {
    data.rows
        .iter()
        .map(|row| match &row.topic {
            Some(value) => value.parse().map(Some).map_err(|()| TrainError::BadTopic {
                path: data.path.clone(),
                line: row.line,
                value: value.clone(),
            }),
            None if Some(row.label.as_str()) != neutral => Ok(Some(TopicClass::Target)),
            None => Ok(None),
        })
        .collect()
}

/// Fits the relevance section on the rows that have a topic class, over `featurizer`'s
/// features, with the stance model's regularisation and balanced class weights (off-topic text
/// is usually the larger class). `terms` are the user's topic terms, stored as they are.
pub(crate) fn fit_relevance(
    params: &TrainParams,
    featurizer: &Featurizer,
    data: &LabeledData,
    topics: &[Option<TopicClass>],
    terms: &[String],
) -> Result<Relevance, TrainError> {
    let rows: Vec<(usize, bool)> =
        topics.iter().enumerate().filter_map(|(i, t)| t.map(|t| (i, t.is_on_topic()))).collect();
    let on = rows.iter().filter(|(_, on)| *on).count();
    let off = rows.len() - on;
    if on == 0 || off == 0 {
        return Err(TrainError::Relevance {
            path: data.path.clone(),
            reason: format!(
                "the topic column needs rows on both sides, found {on} on topic (target, related) and {off} other"
            ),
        });
    }
    let texts: Vec<&str> = rows.iter().map(|&(i, _)| data.rows[i].text.as_str()).collect();
    let vectors = featurizer.transform_all(&texts);
    let classes: Vec<usize> = rows.iter().map(|&(_, on)| usize::from(on)).collect();
    let labels = vec!["other".to_string(), "on_topic".to_string()];
    // The relevance model is a plain balanced fit whatever the stance model's fitting options.
    let trainer = TrainParams {
        class_weight: ClassWeight::Balanced,
        nb_scaling: false,
        blend: false,
        ..params.clone()
    }
    .check()?;
    let (weights, _) = trainer.fit_vectors(&vectors, featurizer.n_features(), &classes, &labels, None)?;
    // Two-class softmax: the on-topic logit minus the other logit is the binary logit.
    let coefficients =
        weights.coefficients[1].iter().zip(&weights.coefficients[0]).map(|(on, off)| on - off).collect();
    Ok(Relevance {
        coefficients,
        intercept: weights.intercepts[1] - weights.intercepts[0],
        threshold: RELEVANCE_THRESHOLD,
        topic_terms: terms.to_vec(),
        trained_on: format!("{on} on-topic rows (target or related) against {off} other rows"),
    })
}

/// A relevance section in which only topic terms make a text on topic (for data without a
/// topic column): the model itself never calls a text on topic.
pub(crate) fn terms_only(featurizer: &Featurizer, terms: &[String]) -> Relevance {
    Relevance {
        coefficients: vec![0.0; featurizer.n_features()],
        intercept: -20.0,
        threshold: RELEVANCE_THRESHOLD,
        topic_terms: terms.to_vec(),
        trained_on: "topic terms only (no topic column)".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{parse_labeled, Columns, InputFormat};
    use std::path::Path;

    fn data(tsv: &str) -> LabeledData {
        let columns = Columns { topic: Some("topic".into()), ..Columns::default() };
        parse_labeled(Path::new("t.tsv"), tsv.as_bytes(), InputFormat::Tsv, &columns).unwrap()
    }

    #[test]
    fn topic_values_parse_in_every_spelling() {
        for (value, class) in [
            ("target", TopicClass::Target),
            ("On-Target", TopicClass::Target),
            ("on_topic", TopicClass::Target),
            ("TRUE", TopicClass::Target),
            ("related", TopicClass::Related),
            ("other", TopicClass::Other),
            ("off-topic", TopicClass::Other),
            ("0", TopicClass::Other),
        ] {
            assert_eq!(value.parse::<TopicClass>(), Ok(class), "{value}");
        }
        assert!("sports".parse::<TopicClass>().is_err());
    }

    #[test]
    fn rows_without_a_topic_count_by_their_label_and_bad_values_name_their_line() {
        let d =
            data("text\tlabel\ttopic\na\tsupport\t\nb\tneutral\t\nc\tneutral\tother\nd\tneutral\trelated\n");
        assert_eq!(
            row_topics(&d, Some("neutral")).unwrap(),
            [Some(TopicClass::Target), None, Some(TopicClass::Other), Some(TopicClass::Related)]
        );
        let d = data("text\tlabel\ttopic\na\tsupport\ttarget\nb\tneutral\tsport\n");
        let err = row_topics(&d, Some("neutral")).unwrap_err().to_string();
        assert!(err.starts_with("t.tsv:3: topic \"sport\""), "{err}");
    }

    #[test]
    fn relevance_separates_the_topics_it_was_shown() {
        let d = data(concat!(
            "text\tlabel\ttopic\n",
            "troops to ukraine\tsupport\ttarget\npeacekeepers in ukraine\toppose\ttarget\n",
            "ukraine talks\tneutral\trelated\nfootball match tonight\tneutral\tother\n",
            "stock market falls\tneutral\tother\nrain in the forecast\tneutral\tother\n",
        ));
        let texts: Vec<&str> = d.rows.iter().map(|r| r.text.as_str()).collect();
        let params = TrainParams { alpha: 0.1, ..Default::default() };
        let featurizer = Featurizer::fit(&params.features, &texts).unwrap();
        let topics = row_topics(&d, Some("neutral")).unwrap();
        let relevance = fit_relevance(&params, &featurizer, &d, &topics, &[]).unwrap();
        let scorer = stance_model::TopicScorer::new(&relevance, &featurizer).unwrap();
        let score = |t: &str| scorer.topicality(&featurizer, &featurizer.transform(t), t);
        assert!(score("ukraine peacekeepers").on_topic);
        assert!(!score("football market").on_topic);
        assert!(relevance.trained_on.starts_with("3 on-topic rows"), "{}", relevance.trained_on);
        let all_on = data("text\tlabel\ttopic\na b\tsupport\ttarget\nc d\tneutral\trelated\n");
        let topics = row_topics(&all_on, Some("neutral")).unwrap();
        let err = fit_relevance(&params, &featurizer, &all_on, &topics, &[]).unwrap_err().to_string();
        assert!(err.contains("2 on topic (target, related) and 0 other"), "{err}");
    }
}
