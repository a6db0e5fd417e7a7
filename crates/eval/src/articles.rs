//! Article-level evaluation: whole articles' predicted labels against their gold labels, and how
//! many articles that are not about the target at all were still given a stance.

use serde::Serialize;

use stance_metrics::Report;

/// One article's gold and predicted label.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArticleOutcome {
    /// The article's name (its file name).
    pub article: String,
    /// Index of the gold label.
    pub truth: usize,
    /// Index of the predicted label.
    pub predicted: usize,
    /// Whether the gold data says the article is about the target (or its surroundings).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gold_on_topic: Option<bool>,
    /// Whether the model found any sentence on the topic (models with a relevance section).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_topic: Option<bool>,
}

/// Off-topic articles (by the gold data) and how many of them got a stance label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct OffTopicCount {
    /// Articles the gold data marks as not about the target.
    pub articles: usize,
    /// Of those, articles the model gave a stance (a label other than the neutral one).
    pub given_a_stance: usize,
}

/// The article-level report of `stance evaluate --level article`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArticleEvaluation {
    /// Metrics over the articles.
    pub report: Report,
    /// Off-topic articles given a stance, when the gold data says which articles are off topic.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub off_topic: Option<OffTopicCount>,
    /// Every article, in input order.
    pub articles: Vec<ArticleOutcome>,
}

impl ArticleEvaluation {
    /// Evaluates `articles` against `labels`, with F_avg and the off-topic count when the
    /// neutral label is known.
    pub fn new(labels: &[String], articles: Vec<ArticleOutcome>, neutral: Option<&str>) -> Self {
        let truth: Vec<usize> = articles.iter().map(|a| a.truth).collect();
        let predicted: Vec<usize> = articles.iter().map(|a| a.predicted).collect();
        let report = Report::from_predictions_with_neutral(labels, &truth, &predicted, neutral);
        let neutral_index = neutral.and_then(|n| labels.iter().position(|l| l == n));
        let off_topic = match (neutral_index, articles.iter().any(|a| a.gold_on_topic.is_some())) {
            (Some(neutral), true) => {
                let off: Vec<&ArticleOutcome> =
                    articles.iter().filter(|a| a.gold_on_topic == Some(false)).collect();
                Some(OffTopicCount {
                    articles: off.len(),
                    given_a_stance: off.iter().filter(|a| a.predicted != neutral).count(),
                })
            }
            _ => None,
        };
        Self { report, off_topic, articles }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(article: &str, truth: usize, predicted: usize, gold_on_topic: Option<bool>) -> ArticleOutcome {
        ArticleOutcome { article: article.into(), truth, predicted, gold_on_topic, on_topic: None }
    }

    #[test]
    fn counts_off_topic_articles_given_a_stance() {
        let labels = vec!["neutral".to_string(), "oppose".to_string(), "support".to_string()];
        let articles = vec![
            outcome("a", 1, 1, Some(true)),
            outcome("b", 2, 1, Some(true)),
            outcome("c", 0, 0, Some(false)),
            outcome("d", 0, 2, Some(false)),
            outcome("e", 0, 0, Some(false)),
        ];
        let evaluation = ArticleEvaluation::new(&labels, articles, Some("neutral"));
        assert_eq!(evaluation.off_topic, Some(OffTopicCount { articles: 3, given_a_stance: 1 }));
        assert!((evaluation.report.accuracy - 0.6).abs() < 1e-12);
        let without_topics = ArticleEvaluation::new(&labels, vec![outcome("a", 1, 1, None)], Some("neutral"));
        assert_eq!(without_topics.off_topic, None);
    }
}
