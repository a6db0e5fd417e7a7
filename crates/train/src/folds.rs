//! Fold assignment for cross-validation.
//!
//! Both splitters return, per fold, the sorted row indices of that fold's test set; every row
//! appears in exactly one test set. [`train_indices`] gives the matching training rows. Both are
//! deterministic: [`group_k_fold`] uses no randomness and [`stratified_k_fold`] uses a small
//! seeded SplitMix64 generator, so the same input and seed always give the same folds on every
//! platform.

use std::collections::BTreeMap;

/// Why folds could not be made.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum FoldError {
    /// Fewer than 2 folds were requested.
    #[error("cross-validation needs at least 2 folds, got {0}")]
    TooFewFolds(usize),
    /// More folds than rows were requested.
    #[error("cannot make {folds} folds from {rows} rows")]
    MoreFoldsThanRows {
        /// Requested number of folds.
        folds: usize,
        /// Number of rows available.
        rows: usize,
    },
    /// More folds than distinct groups were requested.
    #[error(
        "cannot make {folds} folds from {groups} groups: a group never straddles folds, so use at most {groups} folds"
    )]
    MoreFoldsThanGroups {
        /// Requested number of folds.
        folds: usize,
        /// Number of distinct groups available.
        groups: usize,
    },
}

/// Checks the fold count against the row count.
fn check_k(k: usize, rows: usize) -> Result<(), FoldError> {
    if k < 2 {
        return Err(FoldError::TooFewFolds(k));
    }
    if k > rows {
        return Err(FoldError::MoreFoldsThanRows { folds: k, rows });
    }
    Ok(())
}

/// Like scikit-learn's GroupKFold: every group lands entirely in one test fold. Groups are
/// taken largest first (ties: group name in byte order) and each goes to the fold with the
/// fewest rows so far (ties: lowest fold index). Returns, per fold, the sorted row indices of its
/// test set. With as many folds as groups this is leave-one-group-out. Deterministic; no randomness.
///
/// `groups[i]` names the group of row `i`; rows with equal names form one group. No fold is
/// empty when `k` does not exceed the number of groups.
///
/// # Errors
///
/// [`FoldError::TooFewFolds`] when `k < 2`, [`FoldError::MoreFoldsThanRows`] when `k` exceeds
/// `groups.len()`, and [`FoldError::MoreFoldsThanGroups`] when `k` exceeds the number of
/// distinct groups.
pub(crate) fn group_k_fold<S: AsRef<str>>(groups: &[S], k: usize) -> Result<Vec<Vec<usize>>, FoldError> {
    check_k(k, groups.len())?;
    // BTreeMap iterates in byte order of the name; the stable sort below keeps that order
    // among groups of equal size.
    let mut by_name: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (row, group) in groups.iter().enumerate() {
        by_name.entry(group.as_ref()).or_default().push(row);
    }
    if k > by_name.len() {
        return Err(FoldError::MoreFoldsThanGroups { folds: k, groups: by_name.len() });
    }
    let mut ordered: Vec<Vec<usize>> = by_name.into_values().collect();
    ordered.sort_by_key(|rows| std::cmp::Reverse(rows.len()));

    let mut folds: Vec<Vec<usize>> = vec![Vec::new(); k];
    for rows in ordered {
        // `min_by_key` returns the first minimum, i.e. the lowest fold index on ties.
        let lightest = (0..k).min_by_key(|&f| folds[f].len()).expect("k >= 2");
        folds[lightest].extend(rows);
    }
    for fold in &mut folds {
        fold.sort_unstable();
    }
    Ok(folds)
}

/// Like scikit-learn's StratifiedKFold(shuffle=True, random_state=seed): rows of each label are
/// shuffled with a seeded generator and dealt round-robin to the folds, so each fold keeps the
/// label proportions. `labels[i]` is a label index. Returns per-fold sorted test indices; every row
/// appears in exactly one fold. Deterministic for a given seed.
///
/// Labels are dealt in ascending label-index order and the round-robin position carries over
/// from one label to the next (it does not restart at fold 0), so for every label the per-fold
/// counts differ by at most 1, and so do the fold sizes. A label with fewer rows than `k` is
/// allowed; some folds then have none of it. The folds are not the same as scikit-learn's for
/// the same seed (different generator and dealing), only the same in spirit.
///
/// # Errors
///
/// [`FoldError::TooFewFolds`] when `k < 2` and [`FoldError::MoreFoldsThanRows`] when `k`
/// exceeds `labels.len()`.
pub(crate) fn stratified_k_fold(labels: &[usize], k: usize, seed: u64) -> Result<Vec<Vec<usize>>, FoldError> {
    check_k(k, labels.len())?;
    let mut by_label: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (row, &label) in labels.iter().enumerate() {
        by_label.entry(label).or_default().push(row);
    }
    let mut rng = SplitMix64::new(seed);
    let mut folds: Vec<Vec<usize>> = vec![Vec::new(); k];
    let mut next_fold = 0;
    for mut rows in by_label.into_values() {
        shuffle(&mut rows, &mut rng);
        for row in rows {
            folds[next_fold].push(row);
            next_fold = (next_fold + 1) % k;
        }
    }
    for fold in &mut folds {
        fold.sort_unstable();
    }
    Ok(folds)
}

/// The training rows that go with a test fold: every index in `0..n_rows` that is not in
/// `test`, in ascending order.
///
/// `test` must be sorted ascending without duplicates, as [`group_k_fold`] and
/// [`stratified_k_fold`] return it (checked by a debug assertion). Indices in `test` that are
/// `>= n_rows` are ignored.
pub(crate) fn train_indices(n_rows: usize, test: &[usize]) -> Vec<usize> {
    debug_assert!(test.windows(2).all(|w| w[0] < w[1]), "test indices must be sorted and unique");
    let mut train = Vec::with_capacity(n_rows.saturating_sub(test.len()));
    let mut pending = test.iter().copied().peekable();
    for row in 0..n_rows {
        if pending.peek() == Some(&row) {
            pending.next();
        } else {
            train.push(row);
        }
    }
    train
}

/// SplitMix64 (Steele, Lea & Flood, "Fast splittable pseudorandom number generators", 2014;
/// the reference C version is by Sebastiano Vigna). Tiny, fast, and good enough to shuffle rows.
pub(crate) struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// Weyl-sequence increment: 2^64 divided by the golden ratio, rounded to an odd number.
    const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;
    /// First multiplier of the output mix (David Stafford's "Mix13" variant of the MurmurHash3
    /// finaliser).
    const MIX1: u64 = 0xBF58_476D_1CE4_E5B9;
    /// Second multiplier of the output mix (Mix13).
    const MIX2: u64 = 0x94D0_49BB_1331_11EB;

    pub(crate) fn new(seed: u64) -> Self {
        SplitMix64 { state: seed }
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(Self::GAMMA);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(Self::MIX1);
        z = (z ^ (z >> 27)).wrapping_mul(Self::MIX2);
        z ^ (z >> 31)
    }

    /// Uniform float in `[0, 1)` from the top 53 bits.
    #[cfg(test)]
    pub(crate) fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform integer in `0..bound` (`bound > 0`), without modulo bias (Lemire's
    /// multiply-and-reject method).
    fn below(&mut self, bound: u64) -> u64 {
        debug_assert!(bound > 0);
        // Values of the low word below `threshold` would make some results more likely.
        let threshold = bound.wrapping_neg() % bound;
        loop {
            let product = u128::from(self.next_u64()) * u128::from(bound);
            if (product as u64) >= threshold {
                return (product >> 64) as u64;
            }
        }
    }
}

/// Fisher–Yates (Durstenfeld) shuffle in place.
pub(crate) fn shuffle<T>(items: &mut [T], rng: &mut SplitMix64) {
    for i in (1..items.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        items.swap(i, j);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// Asserts that the folds partition `0..n` and each fold is sorted.
    fn assert_partition(folds: &[Vec<usize>], n: usize) {
        let mut seen = vec![0usize; n];
        for fold in folds {
            assert!(fold.windows(2).all(|w| w[0] < w[1]), "fold not sorted: {fold:?}");
            for &row in fold {
                seen[row] += 1;
            }
        }
        assert!(seen.iter().all(|&c| c == 1), "rows not covered exactly once: {seen:?}");
    }

    /// Asserts that no group has rows in two folds.
    fn assert_groups_whole(groups: &[&str], folds: &[Vec<usize>]) {
        let mut fold_of: BTreeMap<&str, usize> = BTreeMap::new();
        for (f, fold) in folds.iter().enumerate() {
            for &row in fold {
                let prev = *fold_of.entry(groups[row]).or_insert(f);
                assert_eq!(prev, f, "group {} split across folds {prev} and {f}", groups[row]);
            }
        }
    }

    #[test]
    fn group_folds_never_split_a_group() {
        let layouts: Vec<Vec<&str>> = vec![
            vec!["a", "b", "a", "c", "b", "a", "d", "c", "e", "e", "a"],
            vec!["x"; 4].into_iter().chain(vec!["y"; 4]).chain(vec!["z"; 4]).collect(),
            vec!["p", "q", "r", "s", "t", "u", "v"],
            vec!["big", "big", "big", "big", "big", "big", "s1", "s2", "s3", "s1", "s2"],
        ];
        for groups in &layouts {
            let distinct = groups.iter().collect::<BTreeSet<_>>().len();
            for k in 2..=distinct {
                let folds = group_k_fold(groups, k).unwrap();
                assert_eq!(folds.len(), k);
                assert_partition(&folds, groups.len());
                assert_groups_whole(groups, &folds);
                assert!(folds.iter().all(|f| !f.is_empty()), "empty fold for k={k}: {folds:?}");
            }
        }
    }

    #[test]
    fn group_k_fold_accepts_owned_strings() {
        let groups: Vec<String> = ["a", "b", "a"].iter().map(|s| s.to_string()).collect();
        assert_eq!(group_k_fold(&groups, 2).unwrap(), vec![vec![0, 2], vec![1]]);
    }

    #[test]
    fn leave_one_group_out_when_k_equals_groups() {
        let groups = ["b", "a", "c", "a", "b", "a", "d"];
        let folds = group_k_fold(&groups, 4).unwrap();
        // Sizes a=3, b=2, c=1, d=1. Each group goes to an empty fold in turn:
        // a -> 0, b -> 1, c -> 2, d -> 3 (c before d by name).
        assert_eq!(folds, vec![vec![1, 3, 5], vec![0, 4], vec![2], vec![6]]);
        for fold in &folds {
            let names: BTreeSet<&str> = fold.iter().map(|&r| groups[r]).collect();
            assert_eq!(names.len(), 1);
        }
    }

    #[test]
    fn balanced_assignment_by_hand() {
        // Group sizes: A 5, B 3, C 2, D 2, interleaved over 12 rows. Into 2 folds:
        //   A (5): folds 0|0 rows, tie -> fold 0       => 5 | 0
        //   B (3): fold 1 lighter                      => 5 | 3
        //   C (2): fold 1 lighter (3 < 5)              => 5 | 5
        //   D (2): tie 5 = 5 -> lowest index, fold 0   => 7 | 5
        // C and D tie on size, so C (byte order) goes first.
        let groups = ["D", "A", "B", "A", "C", "A", "B", "D", "A", "C", "B", "A"];
        let folds = group_k_fold(&groups, 2).unwrap();
        let fold0: Vec<usize> = (0..12).filter(|&r| matches!(groups[r], "A" | "D")).collect();
        let fold1: Vec<usize> = (0..12).filter(|&r| matches!(groups[r], "B" | "C")).collect();
        assert_eq!(folds, vec![fold0, fold1]);
        assert_eq!((folds[0].len(), folds[1].len()), (7, 5));
    }

    #[test]
    fn size_ties_break_by_name_bytes() {
        // All groups of size 1; byte order puts "B" before "a" before "b".
        let groups = ["b", "a", "B"];
        let folds = group_k_fold(&groups, 3).unwrap();
        assert_eq!(folds, vec![vec![2], vec![1], vec![0]]);
    }

    #[test]
    fn group_errors() {
        let groups = ["a", "a", "b", "b", "c"];
        assert_eq!(group_k_fold(&groups, 0), Err(FoldError::TooFewFolds(0)));
        assert_eq!(group_k_fold(&groups, 1), Err(FoldError::TooFewFolds(1)));
        assert_eq!(group_k_fold(&groups, 4), Err(FoldError::MoreFoldsThanGroups { folds: 4, groups: 3 }));
        assert_eq!(group_k_fold(&groups, 6), Err(FoldError::MoreFoldsThanRows { folds: 6, rows: 5 }));
        let empty: [&str; 0] = [];
        assert_eq!(group_k_fold(&empty, 2), Err(FoldError::MoreFoldsThanRows { folds: 2, rows: 0 }));
        assert_eq!(
            FoldError::MoreFoldsThanGroups { folds: 4, groups: 3 }.to_string(),
            "cannot make 4 folds from 3 groups: a group never straddles folds, so use at most 3 folds"
        );
        assert_eq!(FoldError::TooFewFolds(1).to_string(), "cross-validation needs at least 2 folds, got 1");
        assert_eq!(
            FoldError::MoreFoldsThanRows { folds: 6, rows: 5 }.to_string(),
            "cannot make 6 folds from 5 rows"
        );
    }

    fn sample_labels() -> Vec<usize> {
        // 14 of label 0, 5 of label 1, 3 of label 2, 1 of label 5 (a gap in the indices), interleaved.
        let mut labels = Vec::new();
        for i in 0..23 {
            labels.push(match i % 5 {
                0 | 2 => 0,
                1 => 1,
                3 if i < 18 => 2,
                _ => 0,
            });
        }
        labels[22] = 5;
        labels
    }

    #[test]
    fn stratified_each_row_once_and_balanced() {
        let labels = sample_labels();
        for k in 2..=6 {
            for seed in [0, 1, 42, u64::MAX] {
                let folds = stratified_k_fold(&labels, k, seed).unwrap();
                assert_eq!(folds.len(), k);
                assert_partition(&folds, labels.len());
                let sizes: Vec<usize> = folds.iter().map(Vec::len).collect();
                assert!(sizes.iter().max().unwrap() - sizes.iter().min().unwrap() <= 1, "{sizes:?}");
                for label in labels.iter().collect::<BTreeSet<_>>() {
                    let counts: Vec<usize> =
                        folds.iter().map(|f| f.iter().filter(|&&r| labels[r] == *label).count()).collect();
                    let spread = counts.iter().max().unwrap() - counts.iter().min().unwrap();
                    assert!(spread <= 1, "label {label} counts {counts:?} (k={k}, seed={seed})");
                }
            }
        }
    }

    #[test]
    fn stratified_is_deterministic_per_seed() {
        let labels = sample_labels();
        let a = stratified_k_fold(&labels, 3, 7).unwrap();
        let b = stratified_k_fold(&labels, 3, 7).unwrap();
        assert_eq!(a, b);
        // Different seeds should (with overwhelming probability) shuffle differently.
        let others: Vec<_> = (8..12).map(|s| stratified_k_fold(&labels, 3, s).unwrap()).collect();
        assert!(others.iter().any(|o| *o != a));
    }

    #[test]
    fn stratified_errors() {
        assert_eq!(stratified_k_fold(&[0, 1, 0], 1, 0), Err(FoldError::TooFewFolds(1)));
        assert_eq!(
            stratified_k_fold(&[0, 1, 0], 4, 0),
            Err(FoldError::MoreFoldsThanRows { folds: 4, rows: 3 })
        );
        assert_eq!(stratified_k_fold(&[], 2, 0), Err(FoldError::MoreFoldsThanRows { folds: 2, rows: 0 }));
        // k == rows is allowed: one row per fold.
        let folds = stratified_k_fold(&[3, 3, 1], 3, 0).unwrap();
        assert!(folds.iter().all(|f| f.len() == 1));
    }

    #[test]
    fn train_indices_is_the_complement() {
        assert_eq!(train_indices(6, &[1, 4]), vec![0, 2, 3, 5]);
        assert_eq!(train_indices(3, &[]), vec![0, 1, 2]);
        assert_eq!(train_indices(3, &[0, 1, 2]), Vec::<usize>::new());
        assert_eq!(train_indices(3, &[2, 7]), vec![0, 1]);
        let labels = sample_labels();
        for test in stratified_k_fold(&labels, 4, 3).unwrap() {
            let train = train_indices(labels.len(), &test);
            assert_eq!(train.len() + test.len(), labels.len());
            assert!(train.windows(2).all(|w| w[0] < w[1]));
            assert!(train.iter().all(|r| test.binary_search(r).is_err()));
        }
    }

    #[test]
    fn splitmix64_reference_values() {
        // Reference outputs of Vigna's splitmix64.c seeded with 0.
        let mut rng = SplitMix64::new(0);
        assert_eq!(rng.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(rng.next_u64(), 0x6E78_9E6A_A1B9_65F4);
        assert_eq!(rng.next_u64(), 0x06C4_5D18_8009_454F);
    }

    #[test]
    fn shuffle_reaches_every_permutation() {
        // Fisher–Yates draws j from 0..=i, so an item may stay where it is; drawing from 0..i
        // (Sattolo's algorithm) would only ever make the two cyclic orders of three items.
        let orders: BTreeSet<Vec<u8>> = (0..100)
            .map(|seed| {
                let mut items = vec![0u8, 1, 2];
                shuffle(&mut items, &mut SplitMix64::new(seed));
                items
            })
            .collect();
        assert_eq!(orders.len(), 6, "{orders:?}");
    }

    #[test]
    fn shuffle_is_a_permutation_and_below_stays_in_range() {
        let mut rng = SplitMix64::new(99);
        let mut items: Vec<usize> = (0..50).collect();
        shuffle(&mut items, &mut rng);
        assert_ne!(items, (0..50).collect::<Vec<_>>());
        items.sort_unstable();
        assert_eq!(items, (0..50).collect::<Vec<_>>());
        for bound in [1u64, 2, 3, 7, 1 << 40, u64::MAX] {
            for _ in 0..100 {
                assert!(rng.below(bound) < bound);
            }
        }
    }
}
