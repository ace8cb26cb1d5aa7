//! A resource's tags: key to value, ordered by key so every view lists them the same way.
//!
//! Stored as one sorted vector rather than a `BTreeMap`: a resource carries a handful of tags,
//! and a `BTreeMap` gives each map a node with room for eleven (about 540 bytes), which at
//! 100,000 resources and their tag findings was 75 MB of the start-up memory. Lookups are a
//! binary search over a few entries.
//!
//! Keys and values are [`CompactString`]s: tag keys and values are short (`team`, `cc-42`,
//! `alice`), so they sit inside the 24 bytes a `String` header takes instead of in a heap
//! allocation of their own. At 100,000 resources with a handful of tags each that is about
//! 800,000 allocations fewer when the cache is read.

use std::fmt;

use compact_str::CompactString;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Tags, key to value, sorted by key, each key once.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tags(Vec<(CompactString, CompactString)>);

/// The tags in key order, as `(key, value)` pairs of references.
pub type Iter<'a> = std::iter::Map<
    std::slice::Iter<'a, (CompactString, CompactString)>,
    fn(&(CompactString, CompactString)) -> (&str, &str),
>;

impl Tags {
    pub fn new() -> Self {
        Tags(Vec::new())
    }

    fn position(&self, key: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(k, _)| k.as_str().cmp(key))
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.position(key).ok().map(|i| self.0[i].1.as_str())
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.position(key).is_ok()
    }

    /// Sets `key` to `value`, answering the value it replaces.
    pub fn insert(&mut self, key: String, value: String) -> Option<String> {
        let value = CompactString::from(value);
        match self.position(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.0[i].1, value).into_string()),
            Err(i) => {
                self.0.insert(i, (key.into(), value));
                None
            }
        }
    }

    pub fn remove(&mut self, key: &str) -> Option<String> {
        self.position(key)
            .ok()
            .map(|i| self.0.remove(i).1.into_string())
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> Iter<'_> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &str> + ExactSizeIterator {
        self.0.iter().map(|(k, _)| k.as_str())
    }

    pub fn values(&self) -> impl DoubleEndedIterator<Item = &str> + ExactSizeIterator {
        self.0.iter().map(|(_, v)| v.as_str())
    }

    /// Sorts by key and keeps the last value given for a key, as repeated inserts would.
    fn from_pairs(mut pairs: Vec<(CompactString, CompactString)>) -> Self {
        // Stable: among equal keys the later pair stays later, and is the one kept.
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        let mut tags: Vec<(CompactString, CompactString)> = Vec::with_capacity(pairs.len());
        for pair in pairs {
            match tags.last_mut() {
                Some(last) if last.0 == pair.0 => *last = pair,
                _ => tags.push(pair),
            }
        }
        tags.shrink_to_fit();
        Tags(tags)
    }
}

impl FromIterator<(String, String)> for Tags {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(iter: I) -> Self {
        Tags::from_pairs(iter.into_iter().map(compact).collect())
    }
}

impl<const N: usize> From<[(String, String); N]> for Tags {
    fn from(pairs: [(String, String); N]) -> Self {
        Tags::from_pairs(pairs.into_iter().map(compact).collect())
    }
}

impl Extend<(String, String)> for Tags {
    fn extend<I: IntoIterator<Item = (String, String)>>(&mut self, iter: I) {
        for (key, value) in iter {
            self.insert(key, value);
        }
    }
}

fn compact((key, value): (String, String)) -> (CompactString, CompactString) {
    (key.into(), value.into())
}

impl IntoIterator for Tags {
    type Item = (String, String);
    type IntoIter = std::iter::Map<
        std::vec::IntoIter<(CompactString, CompactString)>,
        fn((CompactString, CompactString)) -> (String, String),
    >;
    fn into_iter(self) -> Self::IntoIter {
        self.0
            .into_iter()
            .map(|(key, value)| (key.into_string(), value.into_string()))
    }
}

impl<'a> IntoIterator for &'a Tags {
    type Item = (&'a str, &'a str);
    type IntoIter = Iter<'a>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// Written as a JSON object, as the `BTreeMap` it replaces was: caches and exports read the same.
impl Serialize for Tags {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, value) in &self.0 {
            map.serialize_entry(key.as_str(), value.as_str())?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Tags {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TagsVisitor;
        impl<'de> Visitor<'de> for TagsVisitor {
            type Value = Tags;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of tag keys to values")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Tags, A::Error> {
                let mut pairs = Vec::with_capacity(access.size_hint().unwrap_or(0).min(64));
                while let Some(pair) = access.next_entry::<CompactString, CompactString>()? {
                    pairs.push(pair);
                }
                Ok(Tags::from_pairs(pairs))
            }
        }
        deserializer.deserialize_map(TagsVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(k: &str, v: &str) -> (String, String) {
        (k.to_string(), v.to_string())
    }

    #[test]
    fn keys_come_out_sorted_and_the_last_value_for_a_key_wins() {
        let tags: Tags = [pair("team", "a"), pair("Owner", "x"), pair("team", "b")]
            .into_iter()
            .collect();
        let listed: Vec<(&str, &str)> = tags.iter().collect();
        assert_eq!(listed, [("Owner", "x"), ("team", "b")]);
    }

    #[test]
    fn insert_get_and_remove_behave_like_a_map() {
        let mut tags = Tags::new();
        assert_eq!(tags.insert("b".into(), "1".into()), None);
        assert_eq!(tags.insert("a".into(), "2".into()), None);
        assert_eq!(tags.insert("b".into(), "3".into()), Some("1".into()));
        assert_eq!(tags.get("b"), Some("3"));
        assert!(tags.contains_key("a"));
        assert!(!tags.contains_key("A"), "keys are case-sensitive");
        assert_eq!(tags.remove("a"), Some("2".into()));
        assert_eq!(tags.remove("a"), None);
        assert_eq!(tags.len(), 1);
    }

    #[test]
    fn json_is_an_object_both_ways() {
        let tags = Tags::from([pair("z", "1"), pair("a", "2")]);
        let text = serde_json::to_string(&tags).expect("serializes");
        assert_eq!(text, r#"{"a":"2","z":"1"}"#);
        let back: Tags = serde_json::from_str(r#"{"z":"1","a":"2","z":"3"}"#).expect("parses");
        assert_eq!(back.get("z"), Some("3"));
        assert_eq!(back.keys().collect::<Vec<_>>(), ["a", "z"]);
    }
}
