//! The stance model file and the linear scorer both training and inference use.
//!
//! A [`ModelFile`] is one pretty-printed JSON document: a format marker and version, the
//! labels, the fitted featurizer (its config, vocabulary and idf), the logistic weights and
//! training provenance. [`ModelFile::load`] checks the version (between
//! [`OLDEST_SUPPORTED_VERSION`] and [`FORMAT_VERSION`]) and that all parts agree, and
//! [`ModelFile::save`] writes atomically. [`LinearModel`] scores sparse vectors. A model may
//! be target-aware ([`TargetModels`]: one sub-model per target, or one conjoined model with a
//! shared and a per-target block of weights); [`Scorer`] scores `(text, target)` pairs for all
//! layouts. A model may also know its topic ([`Relevance`]): whether a text is about the
//! target at all, so that unrelated text never takes a stance.
//!
//! ```
//! use stance_model::LinearModel;
//! use stance_features::SparseVec;
//! let model = LinearModel::from_label_major(&[vec![2.0, 0.0], vec![0.0, 2.0]], &[0.0, 0.0]).unwrap();
//! let x = SparseVec { indices: vec![0], values: vec![1.0] };
//! let p = model.probabilities(&x);
//! assert!(p[0] > p[1]);
//! ```

mod atomic;
mod consistency;
mod digest;
mod error;
mod file;
mod linear;
mod relevance;
mod scorer;
mod targets;
mod training;
mod weights;

pub use atomic::write_atomically;
pub use consistency::{ConsistencyError, ExpectedWidth};
pub use digest::{sha256_hex, Sha256Stream};
pub use error::ModelError;
pub use file::{
    Calibration, FeatureWeight, ModelFile, Priors, FORMAT, FORMAT_VERSION, OLDEST_SUPPORTED_VERSION,
};
pub use linear::{argmax, softmax, LinearModel};
pub use relevance::{parse_topic_terms, Relevance, TopicScorer, Topicality};
pub use scorer::{apply_priors, Part, RelativeRoute, Route, Scored, Scorer, TargetError};
pub use targets::{conjoin, TargetModel, TargetModels};
pub use training::{
    CalibrationOptions, ColumnNames, CvOptions, HeldOutEstimate, SolverReport, TargetOptions, TrainingInfo,
    TrainingOptions,
};
pub use weights::Weights;
