//! What a persist writes of the new state, as a type: the whole state, or the top-level
//! properties it names. The `$removed` / `$positions` keys of a JSON diff are only its wire
//! form (what the processor sends and the change log records).

use crate::diff::{Diff, POSITIONS_KEY, REMOVED_KEY};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// What a persist writes of the new state.
///
/// Every store gives it the same meaning: [`Scope::Whole`] writes the whole state
/// (properties it lacks are removed); [`Scope::Named`] writes the properties it names,
/// with the values the state holds (removing those the state lacks), and nothing else:
/// what it leaves out keeps its stored value. An aggregate not stored yet is stored whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// The whole state.
    Whole,
    /// The named top-level properties and arrays.
    Named {
        /// The properties (and arrays) written.
        properties: BTreeSet<String>,
        /// Per array of unchanged length: the only positions whose items changed (the
        /// others are trusted unchanged).
        positions: BTreeMap<String, Vec<usize>>,
    },
}

impl Scope {
    /// The scope writing `properties` (and arrays) alone.
    pub fn of<I, S>(properties: I) -> Scope
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Scope::Named {
            properties: properties.into_iter().map(Into::into).collect(),
            positions: BTreeMap::new(),
        }
    }

    /// The scope, also naming array `array`, of which only the items at `positions`
    /// changed (the array keeps its length).
    pub fn with_positions(self, array: impl Into<String>, positions: Vec<usize>) -> Scope {
        let (mut properties, mut by_array) = match self {
            Scope::Whole => return Scope::Whole,
            Scope::Named {
                properties,
                positions,
            } => (properties, positions),
        };
        let array = array.into();
        properties.insert(array.clone());
        by_array.insert(array, positions);
        Scope::Named {
            properties,
            positions: by_array,
        }
    }

    /// The scope a JSON diff stands for, persisting `full`: the whole state when the diff
    /// is the state itself; otherwise the keys it sets, those it lists under `$removed`,
    /// and the arrays (and positions) under `$positions`.
    pub fn from_diff(diff: &Value, full: &Value) -> Scope {
        if is_whole(diff, full) {
            return Scope::Whole;
        }
        let mut properties = BTreeSet::new();
        let mut positions = BTreeMap::new();
        for (key, value) in diff.as_object().into_iter().flatten() {
            if key == REMOVED_KEY {
                let names = value.as_array().into_iter().flatten();
                properties.extend(names.filter_map(Value::as_str).map(str::to_owned));
            } else if key == POSITIONS_KEY {
                for (array, listed) in value.as_object().into_iter().flatten() {
                    let listed = listed.as_array().into_iter().flatten();
                    let listed = listed.filter_map(Value::as_u64).map(|p| p as usize);
                    properties.insert(array.clone());
                    positions.insert(array.clone(), listed.collect());
                }
            } else {
                properties.insert(key.clone());
            }
        }
        Scope::Named {
            properties,
            positions,
        }
    }

    /// Whether the scope writes top-level property (or array) `property`.
    pub fn names(&self, property: &str) -> bool {
        match self {
            Scope::Whole => true,
            Scope::Named { properties, .. } => properties.contains(property),
        }
    }

    /// The positions of array `array` the scope lists, when it lists some.
    pub fn positions(&self, array: &str) -> Option<&[usize]> {
        match self {
            Scope::Whole => None,
            Scope::Named { positions, .. } => positions.get(array).map(Vec::as_slice),
        }
    }

    /// Brings `stored`, a stored document, to what persisting `full` with this scope
    /// stores: the whole of `full`, or each property named with its value in `full` (or
    /// removed, when `full` lacks it) and, of an array whose changed positions are listed,
    /// those positions alone when the stored array has `full`'s length (otherwise the whole
    /// array); every other property keeps its stored value. A stored value that is not an
    /// object is replaced by `full`.
    pub fn apply_to(&self, stored: &mut Value, full: &Value) {
        let (
            Scope::Named {
                properties,
                positions,
            },
            Some(stored_map),
        ) = (self, stored.as_object_mut())
        else {
            *stored = full.clone();
            return;
        };
        for property in properties {
            let listed = positions.get(property);
            let new = full.get(property);
            match (listed, new, stored_map.get_mut(property)) {
                (Some(listed), Some(Value::Array(new)), Some(Value::Array(old)))
                    if old.len() == new.len() =>
                {
                    for &position in listed {
                        if let Some(item) = new.get(position) {
                            old[position] = item.clone();
                        }
                    }
                }
                (_, Some(value), _) => {
                    stored_map.insert(property.clone(), value.clone());
                }
                (_, None, _) => {
                    stored_map.remove(property);
                }
            }
        }
    }

    /// The wire form persisting `full`: the state itself for the whole state; otherwise
    /// the named properties with their values in `full`, those `full` lacks under
    /// `$removed`, and the listed positions under `$positions`.
    pub fn to_value(&self, full: &Value) -> Value {
        let Scope::Named {
            properties,
            positions,
        } = self
        else {
            return full.clone();
        };
        let mut diff = Diff {
            positions: positions.clone(),
            ..Diff::default()
        };
        for property in properties {
            match full.get(property) {
                Some(value) => {
                    diff.set.insert(property.clone(), value.clone());
                }
                None => diff.removed.push(property.clone()),
            }
        }
        diff.to_value()
    }
}

/// Whether a persist of `full` with `diff` writes the whole state: its diff is the state
/// itself (as the typed `save` passes it).
fn is_whole(diff: &Value, full: &Value) -> bool {
    if std::ptr::eq(diff, full) {
        return true;
    }
    // The keys first: a partial diff (of a processor, say) differs from the state in them,
    // and is told apart without comparing its values.
    match (diff.as_object(), full.as_object()) {
        (Some(d), Some(f)) => {
            d.len() == f.len() && d.keys().all(|k| f.contains_key(k)) && diff == full
        }
        _ => diff == full,
    }
}

impl From<&Diff> for Scope {
    /// The properties a diff sets or removes, with the positions it lists.
    fn from(diff: &Diff) -> Scope {
        let properties = diff.set.keys().chain(&diff.removed).cloned().collect();
        Scope::Named {
            properties,
            positions: diff.positions.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_wire_form_round_trips() {
        let full = json!({"id": "a", "title": "t", "items": [1, 2, 3]});
        let scope = Scope::of(["title", "note"]).with_positions("items", vec![1]);
        let wire = scope.to_value(&full);
        assert_eq!(
            wire,
            json!({"title": "t", "items": [1, 2, 3], "$removed": ["note"], "$positions": {"items": [1]}})
        );
        assert_eq!(Scope::from_diff(&wire, &full), scope);
        assert_eq!(Scope::from_diff(&full, &full), Scope::Whole);
        assert_eq!(Scope::Whole.to_value(&full), full);
    }

    #[test]
    fn a_diff_names_what_it_sets_and_removes() {
        let old = json!({"id": "a", "title": "t", "note": "n", "items": [1, 2]});
        let new = json!({"id": "a", "title": "u", "items": [1, 3]});
        let diff = crate::diff::diff(&old, &new).unwrap();
        let scope = Scope::from(&diff);
        assert!(scope.names("title") && scope.names("note") && scope.names("items"));
        assert!(!scope.names("id"));
        assert_eq!(scope.positions("items"), Some(&[1][..]));
        assert_eq!(Scope::from_diff(&diff.to_value(), &new), scope);
    }
}
