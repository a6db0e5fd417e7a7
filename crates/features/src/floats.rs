//! Compact, exact storage of long float lists inside the JSON model file.
//!
//! A model over a million hashed features holds millions of weights; as JSON numbers they take
//! ~20 bytes each and seconds to parse. Lists longer than [`INLINE_LIMIT`] are therefore written
//! as `{"f64le": "<base64>"}`: the little-endian IEEE-754 bytes, base64-encoded (10.7 bytes a
//! value, exact, decoded at memory speed). Shorter lists stay plain JSON arrays, so small models
//! (such as the shipped one) remain readable and keep their bytes. Both forms are accepted on
//! reading, whatever the length.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Lists up to this many values are written as plain JSON arrays.
pub const INLINE_LIMIT: usize = 100_000;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Packed {
    f64le: String,
}

/// A float list in either stored form. A hand-written visitor rather than an untagged enum, so
/// a bad value is reported with its own message and position (an untagged enum only says that
/// nothing matched).
struct Stored(Vec<f64>);

impl<'de> Deserialize<'de> for Stored {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;

        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Stored;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a list of numbers or {\"f64le\": base64}")
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Stored, A::Error> {
                let mut values = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1 << 20));
                while let Some(value) = seq.next_element::<f64>()? {
                    values.push(value);
                }
                Ok(Stored(values))
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Stored, A::Error> {
                let packed = Packed::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                unpack(&packed).map(Stored)
            }
        }

        deserializer.deserialize_any(Visitor)
    }
}

/// Encodes `values` as base64 little-endian f64.
fn pack(values: &[f64]) -> Packed {
    let mut bytes = Vec::with_capacity(values.len() * 8);
    for value in values {
        bytes.extend_from_slice(&value.to_le_bytes());
    }
    Packed { f64le: STANDARD.encode(bytes) }
}

fn unpack<E: serde::de::Error>(packed: &Packed) -> Result<Vec<f64>, E> {
    let bytes =
        STANDARD.decode(&packed.f64le).map_err(|e| E::custom(format!("bad base64 float list: {e}")))?;
    if bytes.len() % 8 != 0 {
        return Err(E::custom(format!("packed float list of {} bytes is not a multiple of 8", bytes.len())));
    }
    Ok(bytes.chunks_exact(8).map(|chunk| f64::from_le_bytes(chunk.try_into().expect("8 bytes"))).collect())
}

/// `#[serde(with = "floats::list")]` for a `Vec<f64>`.
pub mod list {
    use super::*;

    /// Writes an array, or a packed list when longer than [`INLINE_LIMIT`].
    pub fn serialize<S: Serializer>(values: &[f64], serializer: S) -> Result<S::Ok, S::Error> {
        if values.len() <= INLINE_LIMIT {
            values.serialize(serializer)
        } else {
            pack(values).serialize(serializer)
        }
    }

    /// Reads either form.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<f64>, D::Error> {
        Ok(Stored::deserialize(deserializer)?.0)
    }
}

/// `#[serde(with = "floats::rows")]` for a `Vec<Vec<f64>>` (each row decided on its own).
pub mod rows {
    use super::*;

    struct Row<'a>(&'a [f64]);

    impl Serialize for Row<'_> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            list::serialize(self.0, serializer)
        }
    }

    /// Writes each row with [`list::serialize`].
    pub fn serialize<S: Serializer>(rows: &[Vec<f64>], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(rows.iter().map(|row| Row(row)))
    }

    /// Reads rows in either form.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<Vec<f64>>, D::Error> {
        Ok(Vec::<Stored>::deserialize(deserializer)?.into_iter().map(|row| row.0).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Holder {
        #[serde(with = "list")]
        list: Vec<f64>,
        #[serde(with = "rows")]
        rows: Vec<Vec<f64>>,
    }

    #[test]
    fn short_lists_stay_plain_json() {
        let holder = Holder { list: vec![0.5, -1.0], rows: vec![vec![1.0], vec![]] };
        let json = serde_json::to_string(&holder).unwrap();
        assert_eq!(json, r#"{"list":[0.5,-1.0],"rows":[[1.0],[]]}"#);
        assert_eq!(serde_json::from_str::<Holder>(&json).unwrap(), holder);
    }

    #[test]
    fn long_lists_are_packed_and_exact() {
        let values: Vec<f64> =
            (0..INLINE_LIMIT + 3).map(|i| (i as f64).sin() * 1e-3 + f64::EPSILON * i as f64).collect();
        let holder = Holder { list: values.clone(), rows: vec![values.clone(), vec![2.0]] };
        let json = serde_json::to_string(&holder).unwrap();
        assert!(json.starts_with(r#"{"list":{"f64le":""#), "{}", &json[..40]);
        assert!(json.len() < values.len() * 3 * 12, "{} bytes", json.len());
        let back: Holder = serde_json::from_str(&json).unwrap();
        assert!(back.list.iter().zip(&values).all(|(a, b)| a.to_bits() == b.to_bits()));
        assert_eq!(back, holder);
    }

    #[test]
    fn a_bad_value_is_reported_as_itself() {
        let err = serde_json::from_str::<Holder>(r#"{"list":[1.0,null],"rows":[]}"#).unwrap_err();
        assert!(err.to_string().contains("null"), "{err}");
        assert_eq!(err.column(), 17, "{err}"); // just after `null`
    }

    #[test]
    fn damaged_packed_lists_are_errors() {
        for bad in [r#"{"f64le":"not base64!"}"#, r#"{"f64le":"AAAA"}"#, r#"{"f64le":1}"#] {
            let json = format!(r#"{{"list":{bad},"rows":[]}}"#);
            assert!(serde_json::from_str::<Holder>(&json).is_err(), "{bad}");
        }
    }
}
