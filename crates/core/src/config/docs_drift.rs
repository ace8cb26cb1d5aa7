//! The configuration reference (`docs/src/configuration.md`) names every key the config file
//! accepts. The keys are read off the config's own `Deserialize` types, so a key added to the
//! code and not to the book fails here by name.

use std::cell::RefCell;
use std::collections::BTreeSet;

use serde::Deserialize;
use serde::de::value::{BorrowedStrDeserializer, Error as DeError, U64Deserializer};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::raw::RawConfig;

/// toml's `Spanned<T>` passes through the deserializer as a struct of this name.
const SPANNED: &str = "$__serde_spanned_private_Spanned";
const SPANNED_FIELDS: [&str; 3] = [
    "$__serde_spanned_private_start",
    "$__serde_spanned_private_end",
    "$__serde_spanned_private_value",
];

/// A deserializer that walks `want` (a path of field names) down the config types and records
/// the field names of the struct found at its end. Anything that is not a struct, an option, a
/// list or a wrapper is a leaf and stops the walk with an error.
struct Probe<'a> {
    want: &'a [String],
    found: &'a RefCell<Option<Vec<&'static str>>>,
}

fn stop() -> DeError {
    de::Error::custom("probe stops here")
}

impl<'de> Deserializer<'de> for Probe<'_> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, DeError> {
        Err(stop())
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        if name == SPANNED {
            return visitor.visit_map(Fields {
                keys: SPANNED_FIELDS.to_vec(),
                probe: self,
            });
        }
        let Some((first, rest)) = self.want.split_first() else {
            *self.found.borrow_mut() = Some(fields.to_vec());
            return Err(stop());
        };
        let key = fields
            .iter()
            .find(|field| *field == first)
            .ok_or_else(stop)?;
        visitor.visit_map(Fields {
            keys: vec![key],
            probe: Probe {
                want: rest,
                found: self.found,
            },
        })
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_some(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_seq(OneElement(Some(self)))
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct tuple tuple_struct map enum identifier ignored_any
    }
}

/// A map with the given keys; the Spanned bookkeeping fields get a number, the rest the probe.
struct Fields<'a> {
    keys: Vec<&'static str>,
    probe: Probe<'a>,
}

impl<'de> MapAccess<'de> for Fields<'_> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        match self.keys.first() {
            Some(key) => seed
                .deserialize(BorrowedStrDeserializer::new(key))
                .map(Some),
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let key = self.keys.remove(0);
        if key == SPANNED_FIELDS[0] || key == SPANNED_FIELDS[1] {
            seed.deserialize(U64Deserializer::new(0))
        } else {
            seed.deserialize(Probe {
                want: self.probe.want,
                found: self.probe.found,
            })
        }
    }
}

/// A list of one element: the probe.
struct OneElement<'a>(Option<Probe<'a>>);

impl<'de> SeqAccess<'de> for OneElement<'_> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        match self.0.take() {
            Some(probe) => seed.deserialize(probe).map(Some),
            None => Ok(None),
        }
    }
}

/// The fields of the struct at `path`, or `None` when the value there is not a table.
fn fields_at(path: &[String]) -> Option<Vec<&'static str>> {
    let found = RefCell::new(None);
    let _ = RawConfig::deserialize(Probe {
        want: path,
        found: &found,
    });
    found.into_inner()
}

/// Every key the config file accepts, as dotted paths (`spend.ttl_hours`), with the tables
/// (`spend`) marked `true`.
fn accepted_keys() -> BTreeSet<(String, bool)> {
    let mut keys = BTreeSet::new();
    let mut todo: Vec<Vec<String>> = vec![Vec::new()];
    while let Some(path) = todo.pop() {
        for field in fields_at(&path).unwrap_or_default() {
            let mut child = path.clone();
            child.push(field.to_string());
            let table = fields_at(&child).is_some();
            keys.insert((child.join("."), table));
            if table {
                todo.push(child);
            }
        }
    }
    keys
}

#[test]
fn the_probe_finds_the_config_keys() {
    let keys = accepted_keys();
    for expected in [
        ("accounts", true),
        ("accounts.role_arn", false),
        ("organization.ous", false),
        ("cur.output_location", false),
        ("tags.allowed", false),
        ("me.studio_user_profiles", false),
    ] {
        let expected = (expected.0.to_string(), expected.1);
        assert!(keys.contains(&expected), "{expected:?} not in {keys:?}");
    }
}

#[test]
fn the_configuration_reference_names_every_config_key() {
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/src/configuration.md"
    );
    let reference = std::fs::read_to_string(file).expect("the configuration chapter exists");
    let missing: Vec<String> = accepted_keys()
        .into_iter()
        .filter(|(key, table)| {
            if *table {
                !reference.contains(&format!("`[{key}]`"))
                    && !reference.contains(&format!("`[[{key}]]`"))
            } else {
                !reference.contains(&format!("`{key}`"))
            }
        })
        .map(|(key, table)| if table { format!("[{key}]") } else { key })
        .collect();
    assert!(
        missing.is_empty(),
        "docs/src/configuration.md does not document these config keys (write each as \
         `section.key`, each table as `[section]` or `[[section]]`): {missing:?}"
    );
}

#[test]
fn the_did_you_mean_list_knows_every_config_key() {
    let missing: BTreeSet<String> = accepted_keys()
        .into_iter()
        .filter_map(|(key, _)| key.rsplit('.').next().map(str::to_string))
        .filter(|leaf| !super::hints::KNOWN_KEYS.contains(&leaf.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "config keys missing from hints::KNOWN_KEYS: {missing:?}"
    );
}
