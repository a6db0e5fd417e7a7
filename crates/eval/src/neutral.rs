//! The neutral ("no stance") label: the one label F_avg leaves out. Named by the user, or
//! detected by its name ([`NEUTRAL_LABEL_NAMES`]); training records it in the model, and
//! evaluation and cross-validation resolve it the same way.

use crate::EvalError;

/// Labels treated as "no stance" when the user names none (compared case-insensitively).
pub const NEUTRAL_LABEL_NAMES: &[&str] = &["neutral", "none"];

/// The first of `labels` named like a neutral label ([`NEUTRAL_LABEL_NAMES`], ignoring ASCII
/// case), if any.
pub fn detect_neutral_label(labels: &[String]) -> Option<String> {
    labels.iter().find(|l| NEUTRAL_LABEL_NAMES.iter().any(|n| l.eq_ignore_ascii_case(n))).cloned()
}

/// The neutral label: `named`, which must be one of `labels`, or else the detected one
/// ([`detect_neutral_label`]; `None` when no label is named like one).
///
/// # Errors
///
/// [`EvalError::UnknownNeutralLabel`] when `named` is not one of `labels`.
pub fn resolve_neutral_label(labels: &[String], named: Option<&str>) -> Result<Option<String>, EvalError> {
    match named {
        Some(name) if labels.iter().any(|l| l == name) => Ok(Some(name.to_owned())),
        Some(name) => Err(EvalError::UnknownNeutralLabel { name: name.to_owned(), labels: labels.to_vec() }),
        None => Ok(detect_neutral_label(labels)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(labels: &[&str]) -> Vec<String> {
        labels.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn named_must_exist_and_detection_ignores_case() {
        let labels = names(&["AGAINST", "FAVOR", "NONE"]);
        assert_eq!(resolve_neutral_label(&labels, None).unwrap().as_deref(), Some("NONE"));
        assert_eq!(resolve_neutral_label(&labels, Some("FAVOR")).unwrap().as_deref(), Some("FAVOR"));
        let err = resolve_neutral_label(&labels, Some("none")).unwrap_err();
        assert_eq!(err.to_string(), "neutral label \"none\" is not one of the labels (AGAINST, FAVOR, NONE)");
        assert_eq!(resolve_neutral_label(&names(&["oppose", "support"]), None).unwrap(), None);
        assert_eq!(detect_neutral_label(&names(&["Neutral", "x"])).as_deref(), Some("Neutral"));
    }
}
