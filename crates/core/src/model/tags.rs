//! A resource's tags: key to value, ordered by key so every view lists them the same way.
//!
//! Packed into one allocation: each pair is its key's and value's lengths (2 bytes each) and
//! their UTF-8 bytes, pairs in key order. A resource carries a handful of short tags, and
//! every other layout cost far more at 100,000 resources and their tag findings: a `BTreeMap`
//! gave each map a node with room for eleven (about 540 bytes, 75 MB in all), a vector of
//! string pairs 48 bytes a pair plus its own allocation (about 26 MB). Lookups walk the few
//! pairs; changing tags (only while a refresh assembles them) rebuilds the packing.

use std::fmt;

use compact_str::CompactString;
use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The bytes of each packed length.
const LEN_BYTES: usize = 2;

/// Tags, key to value, sorted by key, each key once.
#[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tags(Box<[u8]>);

/// The tags in key order, as `(key, value)` pairs of references.
#[derive(Clone)]
pub struct Iter<'a> {
    rest: &'a [u8],
}

impl<'a> Iter<'a> {
    /// The next `len`-prefixed string; the packing only ever holds whole UTF-8 strings.
    fn text(&mut self) -> &'a str {
        let (len, rest) = self.rest.split_at(LEN_BYTES);
        let len = usize::from(u16::from_le_bytes([len[0], len[1]]));
        let (text, rest) = rest.split_at(len);
        self.rest = rest;
        std::str::from_utf8(text).unwrap_or_default()
    }
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a str, &'a str);
    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let key = self.text();
        let value = self.text();
        Some((key, value))
    }
}

impl Tags {
    pub fn new() -> Self {
        Tags::default()
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.iter()
            .take_while(|(k, _)| *k <= key)
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Sets `key` to `value`, answering the value it replaces.
    pub fn insert(&mut self, key: String, value: String) -> Option<String> {
        let mut pairs = self.owned_pairs();
        let old = match pairs.binary_search_by(|(k, _)| k.as_str().cmp(&key)) {
            Ok(i) => Some(std::mem::replace(&mut pairs[i].1, value.into()).into_string()),
            Err(i) => {
                pairs.insert(i, (key.into(), value.into()));
                None
            }
        };
        *self = Tags::pack(&pairs);
        old
    }

    pub fn remove(&mut self, key: &str) -> Option<String> {
        let mut pairs = self.owned_pairs();
        let i = pairs.iter().position(|(k, _)| k == key)?;
        let (_, value) = pairs.remove(i);
        *self = Tags::pack(&pairs);
        Some(value.into_string())
    }

    pub fn len(&self) -> usize {
        self.iter().count()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> Iter<'_> {
        Iter { rest: &self.0 }
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl Iterator<Item = &str> {
        self.iter().map(|(_, v)| v)
    }

    fn owned_pairs(&self) -> Vec<(CompactString, CompactString)> {
        self.iter().map(|(k, v)| (k.into(), v.into())).collect()
    }

    /// Packs pairs already sorted by key, each key once.
    fn pack(pairs: &[(CompactString, CompactString)]) -> Self {
        let size = pairs
            .iter()
            .map(|(k, v)| 2 * LEN_BYTES + k.len() + v.len())
            .sum();
        let mut packed = Vec::with_capacity(size);
        for (key, value) in pairs {
            for text in [key, value] {
                // AWS allows 128 characters in a key and 256 in a value (1 KiB of UTF-8), far
                // below what two bytes count; a longer text is cut at a character boundary, so
                // the packing stays readable whatever it is given.
                let text = prefix_within(text, usize::from(u16::MAX));
                let len = u16::try_from(text.len()).unwrap_or(u16::MAX);
                packed.extend_from_slice(&len.to_le_bytes());
                packed.extend_from_slice(text.as_bytes());
            }
        }
        Tags(packed.into_boxed_slice())
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
        Tags::pack(&tags)
    }
}

/// The longest start of `text` that fits in `max` bytes and ends on a character boundary.
fn prefix_within(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

impl fmt::Debug for Tags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

fn compact((key, value): (String, String)) -> (CompactString, CompactString) {
    (key.into(), value.into())
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
        let mut pairs: Vec<(CompactString, CompactString)> = self.owned_pairs();
        pairs.extend(iter.into_iter().map(compact));
        *self = Tags::from_pairs(pairs);
    }
}

impl IntoIterator for Tags {
    type Item = (String, String);
    type IntoIter = std::vec::IntoIter<(String, String)>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<Vec<_>>()
            .into_iter()
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
        let mut map = serializer.serialize_map(None)?;
        for (key, value) in self.iter() {
            map.serialize_entry(key, value)?;
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

    #[test]
    fn a_text_longer_than_two_length_bytes_count_is_cut_and_the_rest_still_reads() {
        // 'é' is two bytes: 40,000 of them end past 65,535 bytes, and an odd cut would split one.
        let huge = "é".repeat(40_000);
        let tags = Tags::from([pair("a", &huge), pair("b", "after")]);
        let kept = tags.get("a").expect("kept, shortened");
        assert_eq!(kept.len(), 65_534, "cut on the last whole character");
        assert!(kept.chars().all(|c| c == 'é'));
        assert_eq!(tags.get("b"), Some("after"), "the next pair is intact");
    }

    #[test]
    fn any_text_survives_the_packing_and_extend_keeps_the_order() {
        let long = "v".repeat(1024);
        let mut tags = Tags::from([pair("ключ", "значение"), pair("", ""), pair("k", &long)]);
        tags.extend([pair("a b:c/=+-@", "x"), pair("k", "short")]);
        let listed: Vec<(&str, &str)> = tags.iter().collect();
        assert_eq!(
            listed,
            [
                ("", ""),
                ("a b:c/=+-@", "x"),
                ("k", "short"),
                ("ключ", "значение")
            ]
        );
        assert_eq!(tags.len(), 4);
        assert_eq!(tags.get("ключ"), Some("значение"));
        assert_eq!(tags.get("missing"), None);
        assert_eq!(
            format!("{tags:?}"),
            r#"{"": "", "a b:c/=+-@": "x", "k": "short", "ключ": "значение"}"#
        );
        assert!(Tags::new().is_empty());
        assert_eq!(Tags::new().iter().next(), None);
    }
}
