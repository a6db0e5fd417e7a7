//! Target-aware models: stance towards one of several targets (topics).
//!
//! A model file may carry a [`TargetModels`] section (format version 3). Three layouts exist:
//!
//! * **per-target**: every target has its own sub-model (featurizer + weights). The file's
//!   main model is the pooled model trained on all rows when `pooled_fallback` is set (used
//!   for targets the model has never seen), and an empty placeholder otherwise.
//! * **relative** (format version 6): one pooled model over texts read relative to their
//!   target ([`TargetRelation`]): the target's words in the text are masked, and for a target
//!   phrased against something the two stance labels are swapped, in training and when
//!   scoring. Any target can be scored, seen in training or not.
//! * **conjoined** (Daumé's feature augmentation): one model over `(1 + T) · F` features,
//!   where `F` is the main featurizer's width. A row of target `t` is scored on
//!   `[x | 0 … x | … 0]`: the shared block 0 holds `x` and block `1 + t` holds a copy of it,
//!   so the weights of block 0 are shared by all targets and those of block `1 + t` adjust
//!   them for target `t`. A target the model has never seen is scored on the shared block
//!   alone, `[x | 0 … 0]`: the pooled part of the model.
//!
//! [`crate::Scorer`] applies either layout (or a plain pooled model) to a `(text, target)`
//! pair; this module only holds the section as stored on disk.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use stance_features::{Featurizer, SparseVec, TargetRelation};

use crate::training::SolverReport;
use crate::weights::Weights;

/// The targets section of a model file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "strategy", rename_all = "snake_case", deny_unknown_fields)]
pub enum TargetModels {
    /// One sub-model per target.
    PerTarget {
        /// Whether the file's main model is a pooled model trained on all rows, used for
        /// targets without a sub-model. Without it the main model is an empty placeholder
        /// and an unknown target is an error.
        pooled_fallback: bool,
        /// The sub-model of every target, by target name.
        models: BTreeMap<String, TargetModel>,
    },
    /// One model over the shared block and one block per target.
    Conjoined {
        /// The targets in block order: target `targets[i]` owns block `1 + i` (sorted).
        targets: Vec<String>,
        /// Training rows per target.
        rows_per_target: BTreeMap<String, usize>,
    },
    /// One pooled model over texts read relative to their targets.
    Relative {
        /// How texts are read relative to their targets.
        relation: TargetRelation,
        /// The two stance labels swapped for a negative target.
        mirrored: [String; 2],
        /// Training rows per target.
        rows_per_target: BTreeMap<String, usize>,
    },
}

/// The sub-model of one target in a per-target model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetModel {
    /// Training rows of this target.
    pub rows: usize,
    /// Training rows of this target per label.
    pub rows_per_label: BTreeMap<String, usize>,
    /// The featurizer fitted on this target's rows.
    pub features: Featurizer,
    /// Label-major weights over `features`, labels in the file's label order.
    pub weights: Weights,
    /// How the solver ended; `None` when the target had a single label, in which case the
    /// coefficients are zero and the intercepts make the sub-model predict that label.
    pub solver: Option<SolverReport>,
}

impl TargetModels {
    /// `per_target`, `conjoined` or `relative`, as written in the file.
    pub fn strategy_name(&self) -> &'static str {
        match self {
            TargetModels::PerTarget { .. } => "per_target",
            TargetModels::Conjoined { .. } => "conjoined",
            TargetModels::Relative { .. } => "relative",
        }
    }

    /// The targets the model was trained on, sorted.
    pub fn target_names(&self) -> Vec<String> {
        match self {
            TargetModels::PerTarget { models, .. } => models.keys().cloned().collect(),
            TargetModels::Conjoined { targets, .. } => targets.clone(),
            TargetModels::Relative { rows_per_target, .. } => rows_per_target.keys().cloned().collect(),
        }
    }

    /// Training rows per target.
    pub fn rows_per_target(&self) -> BTreeMap<String, usize> {
        match self {
            TargetModels::PerTarget { models, .. } => {
                models.iter().map(|(name, model)| (name.clone(), model.rows)).collect()
            }
            TargetModels::Conjoined { rows_per_target, .. }
            | TargetModels::Relative { rows_per_target, .. } => rows_per_target.clone(),
        }
    }
}

/// The conjoined feature vector of `x` (of width `n_features`) for the target owning block
/// `block` (0-based among the targets): `x` in the shared block and again in block
/// `1 + block`. Without a block, `x` alone: the shared part.
pub fn conjoin(x: &SparseVec, n_features: usize, block: Option<usize>) -> SparseVec {
    let Some(block) = block else {
        return x.clone();
    };
    let offset = (1 + block) * n_features;
    let mut indices = Vec::with_capacity(2 * x.nnz());
    indices.extend_from_slice(&x.indices);
    indices.extend(x.indices.iter().map(|&i| (offset + i as usize) as u32));
    let mut values = Vec::with_capacity(2 * x.nnz());
    values.extend_from_slice(&x.values);
    values.extend_from_slice(&x.values);
    SparseVec { indices, values }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sparse(pairs: &[(u32, f64)]) -> SparseVec {
        SparseVec {
            indices: pairs.iter().map(|p| p.0).collect(),
            values: pairs.iter().map(|p| p.1).collect(),
        }
    }

    #[test]
    fn conjoined_vector_copies_x_into_its_target_block() {
        let x = sparse(&[(0, 0.6), (3, 0.8)]);
        // F = 4, three targets: width 16; the second target owns block 2 (features 8..12).
        assert_eq!(conjoin(&x, 4, Some(1)), sparse(&[(0, 0.6), (3, 0.8), (8, 0.6), (11, 0.8)]));
        assert_eq!(conjoin(&x, 4, Some(0)), sparse(&[(0, 0.6), (3, 0.8), (4, 0.6), (7, 0.8)]));
        assert_eq!(conjoin(&x, 4, None), x);
        assert_eq!(conjoin(&SparseVec::default(), 4, Some(2)), SparseVec::default());
    }
}
