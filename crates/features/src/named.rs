//! Option values with names: one table per option type, spelled once, read by the type's
//! `FromStr` and `Display` (through [`named_value_traits!`](crate::named_value_traits)), by the
//! command line's flags, by `stance tune`'s grid and by the model card.

/// An option type whose values have names.
pub trait NamedValue: Sized + Copy + PartialEq + 'static {
    /// What the option is, for messages ("term frequency").
    const WHAT: &'static str;
    /// Every value: its name, the value, and how people read it (flag help, model card).
    const VALUES: &'static [(&'static str, Self, &'static str)];

    /// The value's name.
    fn name(self) -> &'static str {
        Self::VALUES.iter().find(|(_, v, _)| *v == self).map_or("?", |(name, ..)| name)
    }

    /// How people read the value.
    fn description(self) -> &'static str {
        Self::VALUES.iter().find(|(_, v, _)| *v == self).map_or("?", |(.., help)| help)
    }

    /// The value named `text` (case-insensitive; `_` and `-` are the same).
    fn from_name(text: &str) -> Result<Self, UnknownValue> {
        let wanted = text.trim().replace('_', "-");
        Self::VALUES
            .iter()
            .find(|(name, ..)| name.eq_ignore_ascii_case(&wanted))
            .map(|&(_, v, _)| v)
            .ok_or_else(|| UnknownValue {
                what: Self::WHAT,
                value: text.to_owned(),
                expected: Self::VALUES.iter().map(|(name, ..)| *name).collect::<Vec<_>>().join(", "),
            })
    }
}

/// A name that is none of an option's values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a {what}: expected one of {expected}")]
pub struct UnknownValue {
    /// What the option is.
    pub what: &'static str,
    /// The name given.
    pub value: String,
    /// The known names, comma-separated.
    pub expected: String,
}

/// `Display` (the name) and `FromStr` ([`NamedValue::from_name`]) for a [`NamedValue`] type.
#[macro_export]
macro_rules! named_value_traits {
    ($type:ty) => {
        impl ::std::fmt::Display for $type {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str($crate::NamedValue::name(*self))
            }
        }
        impl ::std::str::FromStr for $type {
            type Err = $crate::UnknownValue;
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                <$type as $crate::NamedValue>::from_name(text)
            }
        }
    };
}

use crate::{Hashtags, Idf, Norm, TermFrequency};

impl NamedValue for TermFrequency {
    const WHAT: &'static str = "term frequency";
    const VALUES: &'static [(&'static str, Self, &'static str)] = &[
        ("raw", TermFrequency::Raw, "raw count"),
        ("sublinear", TermFrequency::Sublinear, "sublinear (1 + ln count)"),
        ("binary", TermFrequency::Binary, "binary"),
    ];
}
named_value_traits!(TermFrequency);

impl NamedValue for Idf {
    const WHAT: &'static str = "idf weighting";
    const VALUES: &'static [(&'static str, Self, &'static str)] = &[
        ("none", Idf::None, "none"),
        ("smooth", Idf::Smooth, "smooth (ln((1 + n) / (1 + df)) + 1)"),
        ("plain", Idf::Plain, "plain (ln(n / df) + 1)"),
    ];
}
named_value_traits!(Idf);

impl NamedValue for Norm {
    const WHAT: &'static str = "vector norm";
    const VALUES: &'static [(&'static str, Self, &'static str)] =
        &[("none", Norm::None, "none"), ("l2", Norm::L2, "l2")];
}
named_value_traits!(Norm);

impl NamedValue for Hashtags {
    const WHAT: &'static str = "hashtag treatment";
    const VALUES: &'static [(&'static str, Self, &'static str)] = &[
        ("keep", Hashtags::Keep, "leave hashtags as they are"),
        ("split", Hashtags::Split, "#StopTheWar → stop the war"),
        ("strip", Hashtags::Strip, "remove every hashtag"),
    ];
}
named_value_traits!(Hashtags);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_round_trips_through_its_name() {
        fn check<T: NamedValue + std::fmt::Debug + std::fmt::Display + std::str::FromStr>() {
            for &(name, value, _) in T::VALUES {
                assert_eq!(value.to_string(), name);
                assert_eq!(T::from_name(&name.to_uppercase()), Ok(value));
            }
        }
        check::<TermFrequency>();
        check::<Idf>();
        check::<Norm>();
        check::<Hashtags>();
    }

    #[test]
    fn an_unknown_name_lists_the_known_ones() {
        let err = "log".parse::<TermFrequency>().unwrap_err();
        assert_eq!(
            err.to_string(),
            r#""log" is not a term frequency: expected one of raw, sublinear, binary"#
        );
        assert_eq!(Idf::Smooth.description(), "smooth (ln((1 + n) / (1 + df)) + 1)");
    }
}
