//! The document layer: the typed model of a schema 0.3 runbook, the action
//! catalogue, and the lowering from a parsed value tree into that model.
//!
//! Parsing text is [`crate::source`]'s job; judging the whole document is
//! [`crate::validate`]'s. This module owns what a runbook *is*.

mod catalogue;
mod lower;
mod model;
pub(crate) mod names;

pub use catalogue::{
    ActionKind, INTERNAL_ACTIONS, InputSpec, InputType, SEVEN_DAYS_SECONDS, THIRTY_DAYS_SECONDS,
};
pub use lower::{Lowered, MAX_SLEEP_SECONDS, is_placeholder, lower, lower_owned};
pub use model::*;

use std::rc::Rc;

impl Document {
    /// Every step, main steps and loop bodies alike, in document order, each
    /// with its path and the name of the loop that contains it.
    ///
    /// ```
    /// use ssm_runbook_engine::validate::validate_text;
    /// let report = validate_text("schemaVersion: '0.3'\nmainSteps:\n- name: l\n  action: aws:loop\n  inputs:\n    Iterators: [a]\n    Steps:\n    - name: inner\n      action: aws:sleep\n      inputs: {Duration: PT1S}\n");
    /// let doc = report.document.unwrap();
    /// let names: Vec<_> = doc.all_steps().iter().map(|s| s.step.name.as_str()).collect();
    /// assert_eq!(names, ["l", "inner"]);
    /// assert_eq!(doc.all_steps()[1].parent.as_deref(), Some("l"));
    /// ```
    pub fn all_steps(&self) -> Vec<StepAt<'_>> {
        let mut out = Vec::new();
        collect_steps(
            &self.main_steps,
            &Rc::new(crate::path::Path::root().key("mainSteps")),
            None,
            &mut out,
        );
        out
    }

    /// The step with this name, searching loop bodies too.
    pub fn find_step(&self, name: &str) -> Option<&Step> {
        fn find<'a>(steps: &'a [Step], name: &str) -> Option<&'a Step> {
            steps.iter().find_map(|s| {
                if s.name == name {
                    return Some(s);
                }
                match &s.action {
                    Action::Loop(l) => find(&l.steps, name),
                    _ => None,
                }
            })
        }
        find(&self.main_steps, name)
    }
}

/// A step with where it sits.
#[derive(Debug, Clone)]
pub struct StepAt<'d> {
    /// The step.
    pub step: &'d Step,
    /// Index in its own list (main steps or the loop body).
    pub index: usize,
    /// The name of the enclosing `aws:loop`, if any.
    pub parent: Option<&'d str>,
    /// The list it belongs to.
    pub siblings: &'d [Step],
    /// Where the list is in the document, shared by its steps.
    list: Rc<crate::path::Path>,
}

impl StepAt<'_> {
    /// Where the step is in the document (built on each call: ask only to
    /// report).
    ///
    /// ```
    /// use ssm_runbook_engine::validate::validate_text;
    /// let report = validate_text("schemaVersion: '0.3'\nmainSteps:\n- name: l\n  action: aws:loop\n  inputs:\n    Iterators: [a]\n    Steps:\n    - name: inner\n      action: aws:sleep\n      inputs: {Duration: PT1S}\n");
    /// let doc = report.document.unwrap();
    /// assert_eq!(doc.all_steps()[1].path().to_string(), "mainSteps[0].inputs.Steps[0]");
    /// ```
    pub fn path(&self) -> crate::path::Path {
        self.list.index(self.index)
    }
}

fn collect_steps<'d>(
    steps: &'d [Step],
    list: &Rc<crate::path::Path>,
    parent: Option<&'d str>,
    out: &mut Vec<StepAt<'d>>,
) {
    for (i, step) in steps.iter().enumerate() {
        out.push(StepAt {
            step,
            index: i,
            parent,
            siblings: steps,
            list: Rc::clone(list),
        });
        if let Action::Loop(l) = &step.action {
            if !l.steps.is_empty() {
                let body = list.index(i).key("inputs").key("Steps");
                collect_steps(&l.steps, &Rc::new(body), Some(&step.name), out);
            }
        }
    }
}
