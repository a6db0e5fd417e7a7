//! Library errors in the flags' terms: the libraries say what is wrong in their own words
//! ("a higher min_df"), and this maps the errors a flag can fix to that flag, printed as a
//! `hint:` line after the error.

use stance_model::TargetError;
use stance_train::{DataError, TrainError};

/// The flags that fix `error`, as a sentence, when one of its causes is an error a flag fixes.
pub fn flag_hint(error: &anyhow::Error) -> Option<&'static str> {
    error.chain().find_map(|cause| {
        if let Some(train) = cause.downcast_ref::<TrainError>() {
            train_hint(train)
        } else if let Some(data) = cause.downcast_ref::<DataError>() {
            data_hint(data)
        } else if let Some(target) = cause.downcast_ref::<TargetError>() {
            target_hint(target)
        } else if let Some(stance_infer::InferError::Target(target)) = cause.downcast_ref() {
            target_hint(target)
        } else {
            None
        }
    })
}

fn train_hint(error: &TrainError) -> Option<&'static str> {
    match error {
        TrainError::Data(data) => data_hint(data),
        TrainError::Target { source, .. } => train_hint(source),
        TrainError::FoldTarget { source, .. } => target_hint(source),
        TrainError::NoTargetColumn => Some("name the target column with --target-col"),
        TrainError::MetricNeedsNeutralLabel { .. } => Some("name it with --neutral-label"),
        TrainError::CalibrationNeedsPooled => Some("drop --calibrate or use --target-strategy pooled"),
        TrainError::TooLargeForDense { .. } => {
            Some("--solver sparse (or auto), a higher --min-df or --max-features N")
        }
        TrainError::BlendNeedsTwoParts(_) => {
            Some("--blend needs --char-ngrams RANGE and --word-ngrams RANGE (or --cues), or drop --blend")
        }
        TrainError::BlendNeedsVocabulary => Some("drop --hashing-bits or --blend"),
        TrainError::Solver(_) => Some("a larger --alpha"),
        TrainError::DegenerateWeights { .. } => Some("a smaller --alpha"),
        _ => None,
    }
}

fn data_hint(error: &DataError) -> Option<&'static str> {
    match error {
        DataError::UnknownFormat { .. } => Some("--input-format tsv|csv|jsonl|semeval"),
        DataError::InvalidUtf8 { .. } => Some("--encoding windows-1252 (or auto)"),
        _ => None,
    }
}

fn target_hint(error: &TargetError) -> Option<&'static str> {
    match error {
        TargetError::UnknownTarget { .. } => Some("train with --pooled-fallback to score unknown targets"),
        TargetError::TargetRequired { .. } => None,
    }
}

/// A training error, with a hint naming the flags that help when folds cannot be made:
/// fewer `--folds` or (for `train`, `no_cv_hint`) `--no-cv`.
pub fn with_folds_hint(error: stance_train::TrainError, no_cv_hint: bool) -> anyhow::Error {
    use stance_train::{FoldError, TrainError};
    fn fold_error(error: &TrainError) -> Option<&FoldError> {
        match error {
            TrainError::Folds(folds) => Some(folds),
            TrainError::Target { source, .. } => fold_error(source),
            _ => None,
        }
    }
    let most = match fold_error(&error) {
        Some(FoldError::MoreFoldsThanRows { rows, .. }) => *rows,
        Some(FoldError::MoreFoldsThanGroups { groups, .. }) => *groups,
        _ => return error.into(),
    };
    let no_cv = if no_cv_hint { ", or --no-cv to train without cross-validation" } else { "" };
    let fewer = if most >= 2 { format!("pass --folds {most} or fewer") } else { "add more data".to_owned() };
    anyhow::anyhow!("{error}; {fewer}{no_cv}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrapped_library_error_gets_the_hint_of_its_flag() {
        let error = anyhow::Error::from(TrainError::Target {
            target: "a".into(),
            source: Box::new(TrainError::DegenerateWeights { all_zero: true }),
        })
        .context("training failed");
        assert_eq!(flag_hint(&error), Some("a smaller --alpha"));
        let unknown =
            anyhow::Error::from(TrainError::from(DataError::UnknownFormat { path: "a.xlsx".into() }));
        assert_eq!(flag_hint(&unknown), Some("--input-format tsv|csv|jsonl|semeval"));
        assert_eq!(flag_hint(&anyhow::anyhow!("something else")), None);
    }
}
