//! Stance inference: load a model file and classify sentences and whole articles.
//!
//! Inference needs no training code: a [`Classifier`] rebuilds the featurizer from the model
//! file and scores each sentence with a sparse dot product against the stored coefficients.
//! The default model, trained on the peacekeeper seed corpus, is compiled in.
//!
//! ```
//! use stance_infer::Classifier;
//! let classifier = Classifier::default_model().unwrap();
//! let article = "Moscow rejected the plan. Britain said it is ready to send troops to Ukraine.";
//! let prediction = classifier.classify_article(article).unwrap();
//! assert_eq!(prediction.sentences, 2);
//! println!("{} ({:?})", prediction.label, prediction.shares);
//! ```

mod classifier;
mod error;
mod explain;
mod holders;
mod uncertainty;

pub use classifier::{
    ArticlePrediction, Classifier, Score, SentencePrediction, ARTICLE_MIN_EVIDENCE, DEFAULT_MODEL_NAME,
    TOP_SENTENCES, UNDECIDED,
};
pub use error::InferError;
pub use explain::{Contribution, Explanation, LabelExplanation, RelevanceExplanation};
pub use holders::{ArticleHolders, StanceHolders};
pub use uncertainty::{spread_most_uncertain, Uncertainty};
