//! A step's resolved inputs as a map that remembers its own hash.
//!
//! Owns only the map and its hash. It never resolves placeholders (that
//! is [`crate::interpolate`]) and never decides which runs share a map
//! (that is the engine's, see [`crate::runbook::FlatStep::static_inputs`]).

use super::hashing::{Remembered, hash_of};
use serde_json::Value;
use std::collections::BTreeMap;

/// Resolved inputs, name → value, in name order. Reads go through
/// `Deref` to the map. The map never changes once made, so its hash is
/// computed on the first `Hash` and remembered: a record whose status
/// changes is rehashed without walking its inputs again (the model
/// checker hashes every state it finds).
///
/// ```
/// use ssm_runbook_engine::execution::InputMap;
/// use serde_json::json;
/// use std::hash::{BuildHasher, BuildHasherDefault};
/// use std::collections::hash_map::DefaultHasher;
/// let a: InputMap = [("Service".to_string(), json!("ec2"))].into_iter().collect();
/// let b = InputMap::from(a.as_map().clone());
/// assert_eq!(a, b);
/// assert_eq!(a.get("Service"), Some(&json!("ec2")));
/// let hasher = BuildHasherDefault::<DefaultHasher>::default();
/// assert_eq!(hasher.hash_one(&a), hasher.hash_one(&b));
/// ```
#[derive(Clone, Default)]
pub struct InputMap {
    map: BTreeMap<String, Value>,
    hash: Remembered,
}

impl InputMap {
    /// The map itself.
    pub fn as_map(&self) -> &BTreeMap<String, Value> {
        &self.map
    }
}

impl std::ops::Deref for InputMap {
    type Target = BTreeMap<String, Value>;
    fn deref(&self) -> &Self::Target {
        &self.map
    }
}

impl From<BTreeMap<String, Value>> for InputMap {
    fn from(map: BTreeMap<String, Value>) -> Self {
        InputMap {
            map,
            hash: Remembered::default(),
        }
    }
}

impl FromIterator<(String, Value)> for InputMap {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> Self {
        InputMap::from(iter.into_iter().collect::<BTreeMap<_, _>>())
    }
}

impl PartialEq for InputMap {
    fn eq(&self, other: &Self) -> bool {
        self.map == other.map
    }
}

impl Eq for InputMap {}

impl std::hash::Hash for InputMap {
    /// The map's own hash (fixed keys, the same in every process), written
    /// as one number.
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash.get_or(|| hash_of(&self.map)));
    }
}

impl std::fmt::Debug for InputMap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.map.fmt(f)
    }
}

impl serde::Serialize for InputMap {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.map.serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn equal_maps_hash_alike_whether_or_not_a_hash_was_remembered() {
        let a: InputMap = [("A".to_string(), json!([1, 2]))].into_iter().collect();
        let first = hash_of(&a);
        let b = a.clone();
        let c = InputMap::from(a.as_map().clone());
        assert_eq!(hash_of(&b), first);
        assert_eq!(hash_of(&c), first);
        let d: InputMap = [("A".to_string(), json!([2, 1]))].into_iter().collect();
        assert_ne!(hash_of(&d), first);
        assert_ne!(a, d);
    }
}
