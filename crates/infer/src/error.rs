//! Errors raised while loading a model or classifying text.

use thiserror::Error;

/// Everything that can go wrong in this crate.
#[derive(Debug, Error)]
pub enum InferError {
    /// The model file could not be read or is not a usable model.
    #[error(transparent)]
    Model(#[from] stance_model::ModelError),
    /// The model cannot score the text for this target (none given to a target-aware model,
    /// or a target unknown to a per-target model without pooled fallback).
    #[error(transparent)]
    Target(#[from] stance_model::TargetError),
    /// A minimum confidence that cannot be used.
    #[error("invalid minimum confidence: {0}")]
    MinConfidence(String),
    /// An article with no sentence in it (empty, whitespace or punctuation only).
    #[error("the article has no sentence to classify (empty, whitespace or symbols only)")]
    NoSentences,
}
