//! Resolved step inputs remembered by the values they were resolved from.
//!
//! A step whose inputs read step outputs, variables or the clock is
//! resolved each time it starts. Its result is a function of the values
//! its placeholders reference (see
//! [`crate::interpolate::Template::each_reference`]), so a start that
//! fetches the same values may take the map made before instead of
//! building it again. The model checker starts the same step with the same
//! values in thousands of states; each then shares one map (and its
//! remembered hash) instead of allocating and hashing its own.
//!
//! Owns only the remembered maps. It never resolves a placeholder and
//! never decides whether a step's inputs may be remembered: both are the
//! caller's (`Execution::resolve_inputs`). What it holds changes no
//! result, only how often one is computed; it is never compared, hashed
//! or copied with the execution.

use super::types::{Inputs, Outputs};
use serde_json::Value;
use std::sync::{Arc, Mutex};

/// At most this many maps are remembered per execution; later ones are
/// built each time, as if there were no memo. Bounds the memory of a long
/// run whose loop feeds a new value to every iteration.
const CAPACITY: usize = 64;

/// One remembered map: the step, the values its placeholders referenced
/// (in resolution order), and the map they resolved to.
#[derive(Debug)]
struct Entry {
    step: usize,
    values: Vec<Value>,
    inputs: Inputs,
    /// For an `aws:branch`, the choice its conditions made with these
    /// values: they reference nothing its `Choices` input does not.
    branch: Option<Branched>,
}

/// How an `aws:branch` chose: the name of the step it chose (`None`: no
/// choice matched), with the outputs that choice gives the step; or the
/// message of the condition that could not be evaluated.
#[derive(Debug, Clone)]
pub(crate) enum Branched {
    /// A choice matched, or none did (`None`).
    Chose(Option<String>, Outputs),
    /// A condition could not be evaluated.
    Failed(String),
}

/// The maps remembered for one execution and all its clones (it sits in
/// the execution's shared, fixed part). The lock is never contended in
/// practice: an execution is driven by one thread at a time.
#[derive(Debug, Default)]
pub(crate) struct InputsMemo {
    entries: Mutex<Vec<Entry>>,
}

impl InputsMemo {
    /// The entries, locked. A poisoned lock only means a panic elsewhere;
    /// the entries are whole (each is pushed complete, a branch's choice
    /// set in one store), so they are still good.
    fn entries(&self) -> std::sync::MutexGuard<'_, Vec<Entry>> {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The map remembered for `step` resolved from `values`.
    pub(crate) fn get(&self, step: usize, values: &[Value]) -> Option<Inputs> {
        let entries = self.entries();
        entries
            .iter()
            .find(|e| e.step == step && e.values == values)
            .map(|e| Inputs::clone(&e.inputs))
    }

    /// Remember that `step` resolved from `values` gives `inputs`.
    pub(crate) fn put(&self, step: usize, values: Vec<Value>, inputs: &Inputs) {
        let mut entries = self.entries();
        if entries.len() < CAPACITY {
            entries.push(Entry {
                step,
                values,
                inputs: Inputs::clone(inputs),
                branch: None,
            });
        }
    }

    /// How the branch `step` chose when its inputs were `inputs`, if it
    /// was remembered. Found by the map's identity: a map this memo holds
    /// stays alive, so no other map can share its address.
    pub(crate) fn branched(&self, step: usize, inputs: &Inputs) -> Option<Branched> {
        let entries = self.entries();
        entries
            .iter()
            .find(|e| e.step == step && Arc::ptr_eq(&e.inputs, inputs))
            .and_then(|e| e.branch.clone())
    }

    /// Remember how the branch `step` chose with `inputs`, when `inputs`
    /// is a map this memo holds (otherwise there is nothing to key it by).
    pub(crate) fn put_branched(&self, step: usize, inputs: &Inputs, branched: &Branched) {
        let mut entries = self.entries();
        if let Some(e) = entries
            .iter_mut()
            .find(|e| e.step == step && Arc::ptr_eq(&e.inputs, inputs))
        {
            e.branch = Some(branched.clone());
        }
    }
}

impl Clone for InputsMemo {
    /// A copy starts empty: the memo is a cache, not part of the state.
    fn clone(&self) -> Self {
        InputsMemo::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::sync::Arc;

    fn map(v: Value) -> Inputs {
        Arc::new([("Value".to_string(), v)].into_iter().collect())
    }

    #[test]
    fn gives_back_only_what_was_put_for_the_same_step_and_values() {
        let memo = InputsMemo::default();
        let a = map(json!("a"));
        memo.put(3, vec![json!("x")], &a);
        let hit = memo.get(3, &[json!("x")]);
        assert!(hit.is_some_and(|h| Arc::ptr_eq(&h, &a)));
        assert!(memo.get(3, &[json!("y")]).is_none());
        assert!(memo.get(4, &[json!("x")]).is_none());
        assert!(memo.get(3, &[]).is_none());
    }

    #[test]
    fn a_step_started_again_with_the_same_values_shares_its_inputs() {
        use crate::clock::SimTime;
        use crate::execution::test_support::started;
        use crate::execution::{Input, Outcome, Status};
        let mut ex = started(
            "schemaVersion: '0.3'\nmainSteps:\n- name: L\n  action: aws:loop\n  inputs:\n    Iterators: [a, a, b]\n    Steps:\n    - name: Call\n      action: aws:executeAwsApi\n      inputs: {Service: ec2, Api: DescribeRegions, Tag: 'v-{{ L.CurrentIteratorValue }}'}\n",
        );
        for at in 1..=3 {
            let request = ex.pending_actions().pop().expect("a request");
            let response = json!({});
            ex.apply(
                Input::ActionFinished {
                    request_id: request.request_id,
                    outcome: Outcome::Success { response },
                },
                SimTime(at),
            )
            .expect("accepted");
        }
        assert_eq!(ex.status(), Status::Success);
        let calls: Vec<_> = ex
            .step_records()
            .filter(|r| &*r.step_name == "Call")
            .map(|r| Arc::clone(&r.inputs))
            .collect();
        let tags: Vec<_> = calls.iter().map(|i| i["Tag"].clone()).collect();
        assert_eq!(tags, [json!("v-a"), json!("v-a"), json!("v-b")]);
        assert!(Arc::ptr_eq(&calls[0], &calls[1]), "same values, one map");
        assert_eq!(calls[0]["Service"], json!("ec2"));
    }

    #[test]
    fn a_branch_started_again_with_the_same_values_chooses_the_same_way() {
        use crate::execution::test_support::started;
        use crate::execution::{Status, StepExecution};
        // Each iteration branches on the item: `x` jumps to Hit, anything
        // else falls to the default Miss, which goes on to Hit.
        let ex = started(
            "schemaVersion: '0.3'\nmainSteps:\n- name: L\n  action: aws:loop\n  inputs:\n    Iterators: [x, x, y, x]\n    Steps:\n    - name: B\n      action: aws:branch\n      inputs:\n        Choices:\n        - {NextStep: Hit, Variable: '{{ L.CurrentIteratorValue }}', StringEquals: x}\n        Default: Miss\n    - name: Miss\n      action: aws:updateVariable\n      inputs: {Name: 'variable:Seen', Value: other}\n    - name: Hit\n      action: aws:updateVariable\n      inputs: {Name: 'variable:Seen', Value: '{{ L.CurrentIteratorValue }}'}\nvariables:\n  Seen: {type: String, default: none}\n",
        );
        assert_eq!(ex.status(), Status::Success, "{:?}", ex.failure_message());
        let names = |step: &str| -> Vec<Value> {
            ex.step_records()
                .filter(|r: &&StepExecution| &*r.step_name == step)
                .map(|r| r.outputs.get("NextStep").cloned().unwrap_or(Value::Null))
                .collect()
        };
        assert_eq!(
            names("B"),
            [json!("Hit"), json!("Hit"), json!("Miss"), json!("Hit")]
        );
        let inputs: Vec<_> = ex
            .step_records()
            .filter(|r| &*r.step_name == "B")
            .map(|r| Arc::clone(&r.inputs))
            .collect();
        assert!(
            Arc::ptr_eq(&inputs[0], &inputs[3]),
            "the fourth start was remembered"
        );
        assert!(!Arc::ptr_eq(&inputs[0], &inputs[2]));
        let ran: Vec<_> = ex
            .step_records()
            .filter(|r| matches!(&*r.step_name, "Hit" | "Miss"))
            .map(|r| r.step_name.to_string())
            .collect();
        assert_eq!(ran, ["Hit", "Hit", "Miss", "Hit", "Hit"]);
    }

    #[test]
    fn stops_remembering_at_capacity_and_copies_start_empty() {
        let memo = InputsMemo::default();
        for i in 0..CAPACITY + 5 {
            memo.put(0, vec![json!(i)], &map(json!(i)));
        }
        assert!(memo.get(0, &[json!(CAPACITY - 1)]).is_some());
        assert!(memo.get(0, &[json!(CAPACITY)]).is_none());
        assert!(memo.clone().get(0, &[json!(0)]).is_none());
    }
}
