//! The shallow diff of two states: which top-level properties changed, which were removed.

use crate::Error;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The key under which [`Diff::to_value`] lists removed properties.
pub const REMOVED_KEY: &str = "$removed";
/// The key under which [`Diff::to_value`] lists, per array of unchanged length, the
/// positions whose items changed (so that a store can write those alone).
pub const POSITIONS_KEY: &str = "$positions";

/// What changed between two states, by top-level property.
///
/// Unlike a plain map of changed keys, a removed property is listed, not lost, and key order
/// alone is no change.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Diff {
    /// Properties added or changed, with their new values.
    pub set: Map<String, Value>,
    /// Properties present before and absent now.
    pub removed: Vec<String>,
    /// Arrays of unchanged length, with the positions whose items changed.
    pub positions: BTreeMap<String, Vec<usize>>,
}

impl Diff {
    /// Nothing changed.
    pub fn is_empty(&self) -> bool {
        self.set.is_empty() && self.removed.is_empty()
    }

    /// The seed's wire form: the map of changed keys, removed ones as `null` under
    /// `"$removed"` so that they survive JSON (`{"title": "x", "$removed": ["note"]}`).
    pub fn to_value(&self) -> Value {
        let mut map = self.set.clone();
        if !self.removed.is_empty() {
            map.insert(
                REMOVED_KEY.into(),
                Value::Array(self.removed.iter().cloned().map(Value::String).collect()),
            );
        }
        if !self.positions.is_empty() {
            let positions = self
                .positions
                .iter()
                .map(|(k, v)| (k.clone(), Value::from(v.clone())))
                .collect();
            map.insert(POSITIONS_KEY.into(), Value::Object(positions));
        }
        Value::Object(map)
    }
}

/// The diff from `old` to `new` (two JSON objects; `old` may be `null` for a new aggregate,
/// in which case everything in `new` is set).
pub fn diff(old: &Value, new: &Value) -> Result<Diff, Error> {
    let empty = Map::new();
    let old = match old {
        Value::Null => &empty,
        Value::Object(map) => map,
        other => return Err(not_an_object("old", other)),
    };
    let Value::Object(new) = new else {
        return Err(not_an_object("new", new));
    };
    let mut result = Diff::default();
    for (key, value) in new {
        // `Value` equality ignores key order inside objects.
        if old.get(key) != Some(value) {
            result.set.insert(key.clone(), value.clone());
            if let (Some(Value::Array(before)), Value::Array(after)) = (old.get(key), value) {
                if before.len() == after.len() {
                    let changed = (0..after.len())
                        .filter(|&i| before[i] != after[i])
                        .collect();
                    result.positions.insert(key.clone(), changed);
                }
            }
        }
    }
    result.removed = old
        .keys()
        .filter(|k| !new.contains_key(*k))
        .cloned()
        .collect();
    Ok(result)
}

/// What changed in an array of keyed children (objects with a key property).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChildrenDiff {
    /// New children: their position in the new array and their value.
    pub added: Vec<(usize, Value)>,
    /// Keys of the children gone.
    pub removed: Vec<Value>,
    /// Children whose value changed: their new position and value.
    pub changed: Vec<(usize, Value)>,
    /// Children with the same value at another position: key, old and new position.
    pub moved: Vec<(Value, usize, usize)>,
}

impl ChildrenDiff {
    /// Nothing changed.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.removed.is_empty()
            && self.changed.is_empty()
            && self.moved.is_empty()
    }
}

/// The diff of two arrays of children by their `key` property (the mapped store writes
/// arrays of leaf children this way). A child without the key is matched by position.
pub fn diff_children(old: &[Value], new: &[Value], key: &str) -> ChildrenDiff {
    let key_of = |value: &Value, position: usize| {
        value
            .get(key)
            .cloned()
            .unwrap_or_else(|| Value::from(format!("#{position}")))
    };
    let mut result = ChildrenDiff::default();
    let old_keys: Vec<Value> = old.iter().enumerate().map(|(i, v)| key_of(v, i)).collect();
    for (position, child) in new.iter().enumerate() {
        let child_key = key_of(child, position);
        match old_keys.iter().position(|k| *k == child_key) {
            None => result.added.push((position, child.clone())),
            Some(was) if old[was] != *child => result.changed.push((position, child.clone())),
            Some(was) if was != position => result.moved.push((child_key, was, position)),
            Some(_) => {}
        }
    }
    let new_keys: Vec<Value> = new.iter().enumerate().map(|(i, v)| key_of(v, i)).collect();
    result.removed = old_keys
        .into_iter()
        .filter(|k| !new_keys.contains(k))
        .collect();
    result
}

fn not_an_object(which: &str, value: &Value) -> Error {
    Error::Invalid {
        ty: String::new(),
        id: String::new(),
        pointer: String::new(),
        message: format!(
            "the {which} state must be an object, found {}",
            nasc_model::shape::kind(value)
        ),
    }
}

/// Checks that a `persist` diff is a map of top-level keys.
pub(crate) fn check_shallow_diff(diff: &Value, ty: &str, id: &str) -> Result<(), Error> {
    if diff.is_object() {
        Ok(())
    } else {
        Err(Error::Invalid {
            ty: ty.to_owned(),
            id: id.to_owned(),
            pointer: String::new(),
            message: "the diff must be an object of changed top-level properties".into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn key_order_is_no_change_and_removals_are_listed() {
        let old = json!({"a": {"x": 1, "y": 2}, "b": 1, "gone": true});
        let new = json!({"b": 2, "a": {"y": 2, "x": 1}, "new": null});
        let d = diff(&old, &new).unwrap();
        assert_eq!(
            d.set,
            json!({"b": 2, "new": null}).as_object().unwrap().clone()
        );
        assert_eq!(d.removed, ["gone"]);
        assert_eq!(
            d.to_value(),
            json!({"b": 2, "new": null, "$removed": ["gone"]})
        );
        assert!(diff(&new, &new).unwrap().is_empty());
    }

    #[test]
    fn children_are_diffed_by_key() {
        let old = [
            json!({"id": "a", "t": 1}),
            json!({"id": "b", "t": 2}),
            json!({"id": "c", "t": 3}),
        ];
        let new = [
            json!({"id": "c", "t": 3}),
            json!({"id": "b", "t": 20}),
            json!({"id": "d", "t": 4}),
        ];
        let d = diff_children(&old, &new, "id");
        assert_eq!(d.added, [(2, json!({"id": "d", "t": 4}))]);
        assert_eq!(d.removed, [json!("a")]);
        assert_eq!(d.changed, [(1, json!({"id": "b", "t": 20}))]);
        assert_eq!(d.moved, [(json!("c"), 2, 0)]);
        assert!(diff_children(&new, &new, "id").is_empty());
    }

    #[test]
    fn a_first_state_sets_everything() {
        let new = json!({"id": "1", "n": 0});
        assert_eq!(
            diff(&Value::Null, &new).unwrap().set,
            new.as_object().unwrap().clone()
        );
        assert!(diff(&json!([1]), &new).is_err());
    }
}
