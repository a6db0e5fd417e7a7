//! Choosing the sentences worth labeling next: the ones the model is least sure of.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// How to measure how unsure the model is of one prediction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Uncertainty {
    /// `1 − (p_best − p_second)`: near 1 when the top two labels are nearly tied.
    Margin,
    /// Shannon entropy of the probabilities, in nats.
    Entropy,
}

impl Uncertainty {
    /// The uncertainty of one probability vector (higher = less sure).
    pub fn score(self, probabilities: &[f64]) -> f64 {
        match self {
            Uncertainty::Margin => {
                let (mut best, mut second) = (0.0f64, 0.0f64);
                for &p in probabilities {
                    if p > best {
                        second = best;
                        best = p;
                    } else if p > second {
                        second = p;
                    }
                }
                1.0 - (best - second)
            }
            Uncertainty::Entropy => probabilities.iter().filter(|&&p| p > 0.0).map(|&p| -p * p.ln()).sum(),
        }
    }
}

/// Picks up to `n` candidates, most uncertain first, spread across groups (articles): the most
/// uncertain sentence of every group comes before the second of any group, and so on. Within
/// one round, groups are ordered by that round's uncertainty. `uncertainty[i]` belongs to a
/// candidate in group `groups[i]`. Returns candidate indices; ties keep input order.
///
/// ```
/// use stance_infer::spread_most_uncertain;
/// let groups = ["a", "a", "a", "b"];
/// let uncertainty = [0.9, 0.8, 0.7, 0.1];
/// assert_eq!(spread_most_uncertain(&groups, &uncertainty, 3), [0, 3, 1]);
/// ```
pub fn spread_most_uncertain<G: AsRef<str>>(groups: &[G], uncertainty: &[f64], n: usize) -> Vec<usize> {
    assert_eq!(groups.len(), uncertainty.len(), "one uncertainty per candidate");
    let by_uncertainty = |a: &usize, b: &usize| uncertainty[*b].total_cmp(&uncertainty[*a]).then(a.cmp(b));
    let mut per_group: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, group) in groups.iter().enumerate() {
        per_group.entry(group.as_ref()).or_default().push(i);
    }
    for members in per_group.values_mut() {
        members.sort_by(by_uncertainty);
    }
    let mut chosen = Vec::with_capacity(n.min(groups.len()));
    let mut round = 0;
    while chosen.len() < n {
        let mut this_round: Vec<usize> = per_group.values().filter_map(|m| m.get(round).copied()).collect();
        if this_round.is_empty() {
            break;
        }
        this_round.sort_by(by_uncertainty);
        chosen.extend(this_round.into_iter().take(n - chosen.len()));
        round += 1;
    }
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn margin_and_entropy_by_hand() {
        assert!((Uncertainty::Margin.score(&[0.5, 0.3, 0.2]) - 0.8).abs() < 1e-12);
        assert!((Uncertainty::Margin.score(&[1.0, 0.0]) - 0.0).abs() < 1e-12);
        let uniform = Uncertainty::Entropy.score(&[1.0 / 3.0; 3]);
        assert!((uniform - 3f64.ln()).abs() < 1e-12);
        assert_eq!(Uncertainty::Entropy.score(&[1.0, 0.0, 0.0]), 0.0);
    }

    #[test]
    fn picks_spread_over_groups_before_going_deep() {
        let groups = ["a", "a", "a", "b", "b", "c"];
        let u = [0.9, 0.95, 0.1, 0.5, 0.6, 0.2];
        // Round 1: best of a (1: 0.95), b (4: 0.6), c (5: 0.2); round 2: a (0: 0.9), b (3: 0.5).
        assert_eq!(spread_most_uncertain(&groups, &u, 5), [1, 4, 5, 0, 3]);
        assert_eq!(spread_most_uncertain(&groups, &u, 100).len(), 6);
        assert!(spread_most_uncertain(&groups, &u, 0).is_empty());
        assert!(spread_most_uncertain::<&str>(&[], &[], 3).is_empty());
    }
}
