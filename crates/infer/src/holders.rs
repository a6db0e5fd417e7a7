//! Who holds the stances a classifier finds: which predicted sentences are stance sentences
//! (not the neutral label, not undecided, not off the topic), and the holders `stance-holders`
//! attributes to them, per sentence and per article. The CLI's rows and the Python package's
//! rows both come from here, so they carry the same holders.

use std::ops::Range;

use stance_features::split_sentences;
use stance_holders::{article_holders, Attribution, HolderFinder, HolderStance, StanceSentence};

use crate::{ArticlePrediction, Classifier, InferError, SentencePrediction, UNDECIDED};

/// A holder finder and the labels of one classifier that count as stance.
#[derive(Debug, Clone)]
pub struct StanceHolders {
    finder: HolderFinder,
    neutral: Option<String>,
}

/// An article's prediction with the holders of its stance sentences.
#[derive(Debug, Clone)]
pub struct ArticleHolders {
    /// The article's prediction.
    pub prediction: ArticlePrediction,
    /// Its stance sentences' predictions, in article order.
    pub stance: Vec<SentencePrediction>,
    /// Every sentence's holder, in article order (`None` for all but stance sentences).
    pub attributions: Vec<Option<Attribution>>,
    /// The holders of its stance sentences, most sentences first.
    pub holders: Vec<HolderStance>,
}

impl ArticleHolders {
    /// The holder of (1-based) sentence number `sentence`, if it is a stance sentence with one.
    pub fn holder_of(&self, sentence: usize) -> Option<&Attribution> {
        sentence.checked_sub(1).and_then(|i| self.attributions.get(i)).and_then(Option::as_ref)
    }
}

impl StanceHolders {
    /// Attributes with `finder` the stance sentences of `classifier` (whose neutral label is no
    /// stance).
    pub fn new(finder: HolderFinder, classifier: &Classifier) -> Self {
        Self { finder, neutral: classifier.neutral_label().map(str::to_owned) }
    }

    /// The finder.
    pub fn finder(&self) -> &HolderFinder {
        &self.finder
    }

    /// Whether a sentence with this label and topicality is a stance sentence (and so has a
    /// holder).
    pub fn is_stance(&self, label: &str, on_topic: Option<bool>) -> bool {
        label != UNDECIDED && Some(label) != self.neutral.as_deref() && on_topic != Some(false)
    }

    /// The holder of every sentence (`ranges` into `text`), stance or not: later sentences
    /// refer back to earlier ones, so all are walked.
    pub fn attribute(&self, text: &str, ranges: &[Range<usize>]) -> Vec<Option<Attribution>> {
        let sentences: Vec<&str> = ranges.iter().map(|r| &text[r.clone()]).collect();
        self.finder.attribute_article(&sentences)
    }

    /// [`StanceHolders::attribute`] of the sentences up to index `last` (0-based), `None` for
    /// the later ones: the rules stop after the last sentence whose holder is shown.
    fn attribute_until(&self, text: &str, ranges: &[Range<usize>], last: usize) -> Vec<Option<Attribution>> {
        let sentences: Vec<&str> = ranges.iter().map(|r| &text[r.clone()]).collect();
        self.finder.attribute_until(&sentences, last)
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

    /// Classifies `text`'s sentences about `target`, each with the holder its row shows (of a
    /// stance sentence). A text without a stance sentence is not attributed: it shows no holder.
    pub fn classify_sentences(
        &self,
        classifier: &Classifier,
        text: &str,
        target: Option<&str>,
    ) -> Result<Vec<(SentencePrediction, Option<Attribution>)>, InferError> {
        let predictions = classifier.classify_sentences_for(text, target)?;
        // Only stance sentences show a holder: the rules run as far as the last of them.
        let last_stance = predictions.iter().rposition(|p| self.is_stance(&p.label, p.on_topic));
        let mut attributions = match last_stance {
            Some(last) => {
                let sentences: Vec<&str> = predictions.iter().map(|p| p.text.as_str()).collect();
                self.finder.attribute_until(&sentences, last)
            }
            None => Vec::new(),
        };
        attributions.resize(predictions.len(), None);
        Ok(predictions
            .into_iter()
            .zip(attributions)
            .map(|(p, attribution)| {
                let shown = attribution.filter(|_| self.is_stance(&p.label, p.on_topic));
                (p, shown)
            })
            .collect())
    }

    /// Classifies an article about `target` and finds the holders of its stance sentences
    /// (only those are kept from the pass over its sentences).
    pub fn classify_article(
        &self,
        classifier: &Classifier,
        text: &str,
        target: Option<&str>,
    ) -> Result<ArticleHolders, InferError> {
        let mut stance = Vec::new();
        let ranges = split_sentences(text);
        let is_stance = |label: &str, on_topic: Option<bool>| self.is_stance(label, on_topic);
        let prediction =
            classifier.classify_split_article(text, &ranges, target, is_stance, |p| stance.push(p))?;
        // Most articles of a news feed have no stance sentence, and then no holder to show: the
        // attribution walk (about as costly as classifying) is skipped for them.
        // The rules run as far as the last stance sentence (the only ones that show a holder).
        let mut attributions = match stance.last() {
            Some(last) => self.attribute_until(text, &ranges, last.sentence - 1),
            None => ranges.iter().map(|_| None).collect(),
        };
        // Only stance sentences show a holder.
        let mut is_stance = vec![false; attributions.len()];
        for p in &stance {
            is_stance[p.sentence - 1] = true;
        }
        for (attribution, stance) in attributions.iter_mut().zip(is_stance) {
            if !stance {
                *attribution = None;
            }
        }
        let (sentences, _) = self.stance_sentences(&stance, &attributions);
        let holders = article_holders(self.finder.aliases(), &sentences);
        Ok(ArticleHolders { prediction, stance, attributions, holders })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn holders() -> (Classifier, StanceHolders) {
        let classifier = Classifier::default_model().expect("the embedded model loads");
        let holders = StanceHolders::new(HolderFinder::default(), &classifier);
        (classifier, holders)
    }

    const ARTICLE: &str = "Russian Foreign Minister Sergey Lavrov rejected the plan. \
        He said Western peacekeeping troops in Ukraine would be legitimate targets. \
        The weather in Kyiv was mild on Tuesday.";

    #[test]
    fn neutral_undecided_and_off_topic_sentences_are_no_stance() {
        let (_, holders) = holders();
        assert!(holders.is_stance("oppose", None));
        assert!(holders.is_stance("support", Some(true)));
        assert!(!holders.is_stance("neutral", None));
        assert!(!holders.is_stance(UNDECIDED, None));
        assert!(!holders.is_stance("oppose", Some(false)));
    }

    #[test]
    fn an_article_names_the_holder_of_its_stance_sentences_only() {
        let (classifier, holders) = holders();
        let article = holders.classify_article(&classifier, ARTICLE, None).unwrap();
        assert!(!article.stance.is_empty(), "the default model finds a stance sentence");
        for p in &article.stance {
            assert!(holders.is_stance(&p.label, p.on_topic));
        }
        let stance_numbers: Vec<usize> = article.stance.iter().map(|p| p.sentence).collect();
        for (i, attribution) in article.attributions.iter().enumerate() {
            if attribution.is_some() {
                assert!(stance_numbers.contains(&(i + 1)), "sentence {} is no stance sentence", i + 1);
            }
        }
        let lavrov =
            article.holders.iter().find(|h| h.holder == "Sergey Lavrov").expect("Lavrov holds a stance");
        assert_eq!(lavrov.country.as_deref(), Some("Russia"));
        assert_eq!(article.holder_of(0), None);
        assert_eq!(article.holder_of(99), None);
    }

    #[test]
    fn sentences_show_the_holders_of_an_article_walk() {
        let (classifier, holders) = holders();
        let sentences = holders.classify_sentences(&classifier, ARTICLE, None).unwrap();
        let article = holders.classify_article(&classifier, ARTICLE, None).unwrap();
        assert_eq!(sentences.len(), 3);
        for (p, shown) in &sentences {
            assert_eq!(shown.as_ref(), article.holder_of(p.sentence));
            if !holders.is_stance(&p.label, p.on_topic) {
                assert_eq!(*shown, None);
            }
        }
    }

    #[test]
    fn a_text_without_a_stance_sentence_shows_no_holder() {
        // The finder names Starmer, but every sentence is undecided at this confidence.
        let text = "Prime Minister Keir Starmer said the weather in London was mild.";
        assert!(HolderFinder::default().attribute_article(&[text])[0].is_some());
        let classifier = Classifier::default_model().unwrap().with_min_confidence(Some(0.999)).unwrap();
        let holders = StanceHolders::new(HolderFinder::default(), &classifier);
        let sentences = holders.classify_sentences(&classifier, text, None).unwrap();
        assert_eq!(sentences.len(), 1);
        assert_eq!(sentences[0].0.label, UNDECIDED);
        assert_eq!(sentences[0].1, None);
        let article = holders.classify_article(&classifier, text, None).unwrap();
        assert!(article.stance.is_empty());
        assert_eq!(article.attributions, [None]);
        assert!(article.holders.is_empty());
    }
}
