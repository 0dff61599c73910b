//! A step execution's outputs ([`Outputs`]), and the one output kept as
//! data instead of JSON: an approval's `ApproverDecisions`, rendered only
//! when something reads it.
//!
//! The model checker clones, compares and hashes step records in every
//! state it visits; an approval's decisions as JSON (an object per
//! decision, with text keys and a formatted time) cost more there than the
//! rest of the record. Here they stay a few integers, and the JSON is made
//! once, on first read. This module must not decide anything about
//! approvals: it only stores and shows what the engine recorded.

use super::machine::Decision;
use serde_json::Value;
use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

/// An output's name: the engine's own names (`NextStep`,
/// `ApprovalStatus`, …) are borrowed for the life of the program, so
/// setting or copying them allocates nothing; declared names are owned.
type Name = Cow<'static, str>;

/// A step's typed outputs, by name: a vector kept sorted by name (a step
/// has a handful of outputs; a B-tree's first node alone would be ~600
/// bytes for every waiting approval). Iterates in name order.
///
/// ```
/// use ssm_runbook_engine::execution::Outputs;
/// use serde_json::json;
/// let mut o = Outputs::default();
/// o.insert("b", json!(2));
/// o.insert("a".to_string(), json!(1));
/// o.insert("b", json!(3));
/// assert_eq!(o.get("b"), Some(&json!(3)));
/// assert_eq!(o.iter().map(|(k, _)| k).collect::<Vec<_>>(), ["a", "b"]);
/// ```
///
/// The entries are shared copy-on-write: a step record is copied each
/// time its status changes (and the model checker copies records between
/// states), while its outputs are set once, so a copy shares them.
#[derive(Debug, Clone, Default)]
pub struct Outputs(Option<Arc<Vec<(Name, Output)>>>);

impl PartialEq for Outputs {
    fn eq(&self, other: &Self) -> bool {
        self.entries() == other.entries()
    }
}

impl Eq for Outputs {}

impl std::hash::Hash for Outputs {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.entries().hash(state);
    }
}

/// One output's value: JSON, or an approval's decisions shown as JSON.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Output {
    Value(Value),
    Decisions(Box<Decisions>),
}

/// `ApproverDecisions` as data, with its JSON made on first read.
#[derive(Debug, Clone)]
struct Decisions {
    approvers: Arc<[String]>,
    decisions: Arc<[Decision]>,
    shown: OnceLock<Value>,
}

impl PartialEq for Decisions {
    fn eq(&self, other: &Self) -> bool {
        // The JSON is a function of the data.
        self.decisions == other.decisions && self.approvers == other.approvers
    }
}

impl Eq for Decisions {}

/// The approvers are the approval step's resolved `Approvers` input, which
/// the record's hash covers: only their number is written (equal values
/// still hash alike).
impl std::hash::Hash for Decisions {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_usize(self.approvers.len());
        self.decisions.hash(state);
    }
}

impl Decisions {
    fn value(&self) -> &Value {
        self.shown
            .get_or_init(|| render(&self.approvers, &self.decisions))
    }
}

/// `ApproverDecisions`: one `{Approver, ApprovalStatus, ApprovalDecisionTime}`
/// object per decision, in the order they were made.
fn render(approvers: &[String], decisions: &[Decision]) -> Value {
    Value::Array(
        decisions
            .iter()
            .map(|d| {
                serde_json::json!({
                    "Approver": approvers.get(d.approver),
                    "ApprovalStatus": if d.approve { "Approve" } else { "Reject" },
                    "ApprovalDecisionTime": d.at.to_rfc3339(),
                })
            })
            .collect(),
    )
}

impl Output {
    fn value(&self) -> &Value {
        match self {
            Output::Value(v) => v,
            Output::Decisions(d) => d.value(),
        }
    }

    fn into_value(self) -> Value {
        match self {
            Output::Value(v) => v,
            Output::Decisions(d) => match d.shown.into_inner() {
                Some(v) => v,
                None => render(&d.approvers, &d.decisions),
            },
        }
    }
}

impl Outputs {
    /// The value of output `name`.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.find(name).ok().map(|i| self.entries()[i].1.value())
    }

    /// Set output `name`; gives the value it replaced.
    pub fn insert(&mut self, name: impl Into<Cow<'static, str>>, value: Value) -> Option<Value> {
        self.set(name.into(), Output::Value(value))
            .map(Output::into_value)
    }

    /// Set `ApproverDecisions` to these decisions among `approvers`.
    pub(crate) fn insert_decisions(
        &mut self,
        approvers: Arc<[String]>,
        decisions: Arc<[Decision]>,
    ) {
        let decisions = Decisions {
            approvers,
            decisions,
            shown: OnceLock::new(),
        };
        self.set(
            Cow::Borrowed("ApproverDecisions"),
            Output::Decisions(Box::new(decisions)),
        );
    }

    fn set(&mut self, name: Name, value: Output) -> Option<Output> {
        let found = self.find(&name);
        // Room for two at first: an approval, a branch and a loop each set two.
        let entries = Arc::make_mut(
            self.0
                .get_or_insert_with(|| Arc::new(Vec::with_capacity(2))),
        );
        match found {
            Ok(i) => Some(std::mem::replace(&mut entries[i].1, value)),
            Err(i) => {
                // A handful of outputs: grow one at a time, not by doubling.
                entries.reserve_exact(1);
                entries.insert(i, (name, value));
                None
            }
        }
    }

    fn entries(&self) -> &[(Name, Output)] {
        self.0.as_deref().map_or(&[], Vec::as_slice)
    }

    /// Whether output `name` is set.
    pub fn contains_key(&self, name: &str) -> bool {
        self.find(name).is_ok()
    }

    /// Every output, in name order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&str, &Value)> + ExactSizeIterator {
        self.entries().iter().map(|(k, v)| (k.as_ref(), v.value()))
    }

    /// How many outputs are set.
    pub fn len(&self) -> usize {
        self.entries().len()
    }

    /// Whether no output is set.
    pub fn is_empty(&self) -> bool {
        self.entries().is_empty()
    }

    fn find(&self, name: &str) -> Result<usize, usize> {
        self.entries()
            .binary_search_by(|(k, _)| k.as_ref().cmp(name))
    }
}

impl Extend<(String, Value)> for Outputs {
    fn extend<I: IntoIterator<Item = (String, Value)>>(&mut self, items: I) {
        for (k, v) in items {
            self.insert(k, v);
        }
    }
}

impl FromIterator<(String, Value)> for Outputs {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(items: I) -> Self {
        let mut o = Outputs::default();
        o.extend(items);
        o
    }
}

impl IntoIterator for Outputs {
    type Item = (String, Value);
    type IntoIter = IntoIter;
    fn into_iter(self) -> IntoIter {
        let entries = self
            .0
            .map(|shared| Arc::try_unwrap(shared).unwrap_or_else(|shared| (*shared).clone()))
            .unwrap_or_default();
        IntoIter(entries.into_iter())
    }
}

/// The outputs of an [`Outputs`], by value, in name order.
#[derive(Debug)]
pub struct IntoIter(std::vec::IntoIter<(Name, Output)>);

impl Iterator for IntoIter {
    type Item = (String, Value);
    fn next(&mut self) -> Option<(String, Value)> {
        self.0.next().map(|(k, v)| (k.into_owned(), v.into_value()))
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SimTime;

    fn decisions() -> (Arc<[String]>, Arc<[Decision]>) {
        let approvers: Arc<[String]> = Arc::from(["alice".to_owned(), "bob".to_owned()]);
        let made = Arc::from([
            Decision {
                approver: 1,
                approve: true,
                at: SimTime(1000),
            },
            Decision {
                approver: 0,
                approve: false,
                at: SimTime(2000),
            },
        ]);
        (approvers, made)
    }

    #[test]
    fn decisions_read_as_their_json_in_decision_order() {
        let (approvers, made) = decisions();
        let mut o = Outputs::default();
        o.insert("ApprovalStatus", Value::from("Rejected"));
        o.insert_decisions(approvers, made);
        let expected = serde_json::json!([
            {"Approver": "bob", "ApprovalStatus": "Approve", "ApprovalDecisionTime": "1970-01-01T00:00:01Z"},
            {"Approver": "alice", "ApprovalStatus": "Reject", "ApprovalDecisionTime": "1970-01-01T00:00:02Z"},
        ]);
        assert_eq!(o.get("ApproverDecisions"), Some(&expected));
        let names: Vec<&str> = o.iter().map(|(k, _)| k).collect();
        assert_eq!(names, ["ApprovalStatus", "ApproverDecisions"]);
        let owned: Vec<(String, Value)> = o.clone().into_iter().collect();
        assert_eq!(owned[1], ("ApproverDecisions".to_owned(), expected.clone()));
        // Replacing it gives back its JSON.
        assert_eq!(o.insert("ApproverDecisions", Value::Null), Some(expected));
    }

    #[test]
    fn equal_decisions_are_equal_and_hash_alike_read_or_not() {
        let (approvers, made) = decisions();
        let mut read = Outputs::default();
        read.insert_decisions(Arc::clone(&approvers), made.clone());
        let _ = read.get("ApproverDecisions");
        let mut unread = Outputs::default();
        unread.insert_decisions(approvers, made);
        assert_eq!(read, unread);
        let hash = |o: &Outputs| crate::execution::hashing::hash_of(o);
        assert_eq!(hash(&read), hash(&unread));
    }
}
