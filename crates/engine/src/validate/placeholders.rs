//! The `{{ }}` placeholders of every step's inputs, found once per document
//! and shared by the rules that read them (`references` checks what each
//! names, `graph` whether the step it reads has surely run).
//!
//! The scan walks the inputs in place and allocates nothing per string:
//! each reference is kept borrowed from the string that holds it, with
//! that string's value, all in one buffer for the whole document. Where
//! the string sits is found again, by identity, only for a placeholder
//! that is reported ([`path_of`]). The syntax is [`crate::template`]'s.

use crate::document::StepAt;
use crate::path::Path;
use crate::template::{self, RefName, TemplateError};
use serde_json::Value;
use std::ops::Range;

/// One placeholder's reference (or syntax error), borrowed from the
/// string holding it, and that string's value in the step's inputs.
pub(super) type Found<'d> = (&'d Value, Result<RefName<'d>, TemplateError>);

/// The placeholders of each step's inputs, for every step of
/// [`crate::document::Document::all_steps`], in document order.
pub(super) struct Placeholders<'d> {
    /// Every step's placeholders, step after step.
    items: Vec<Found<'d>>,
    /// The range of `items` of each step.
    steps: Vec<Range<usize>>,
}

impl<'d> Placeholders<'d> {
    /// The placeholders of step `index` of `all_steps`, in document order:
    /// what `template::placeholders_in` finds for each input under
    /// `<step>.inputs.<key>`.
    pub fn of(&self, index: usize) -> &[Found<'d>] {
        self.steps
            .get(index)
            .and_then(|range| self.items.get(range.clone()))
            .unwrap_or_default()
    }
}

/// Scan the inputs of every step of `all`.
pub(super) fn per_step<'d>(all: &[StepAt<'d>]) -> Placeholders<'d> {
    let mut found = Placeholders {
        items: Vec::new(),
        steps: Vec::with_capacity(all.len()),
    };
    for at in all {
        let start = found.items.len();
        for value in at.step.raw_inputs.values() {
            walk(value, &mut found.items);
        }
        found.steps.push(start..found.items.len());
    }
    found
}

fn walk<'v>(value: &'v Value, out: &mut Vec<Found<'v>>) {
    match value {
        Value::String(s) => {
            if !template::has_open(s) {
                return;
            }
            // What `template::placeholders` answers: every reference, or
            // the nesting error alone.
            let first = out.len();
            for found in template::references(s) {
                match found {
                    Ok(reference) => out.push((value, Ok(reference))),
                    Err(e) => {
                        out.truncate(first);
                        out.push((value, Err(e)));
                    }
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                walk(item, out);
            }
        }
        Value::Object(map) => {
            for v in map.values() {
                walk(v, out);
            }
        }
        _ => {}
    }
}

/// The path of `holder`, a string value of the inputs of the step `at`:
/// `<step>.inputs.<key>...`, found by identity.
pub(super) fn path_of(at: &StepAt<'_>, holder: &Value) -> Path {
    let mut trail = Vec::new();
    for (key, value) in &at.step.raw_inputs {
        trail.push(Seg::Key("inputs"));
        trail.push(Seg::Key(key));
        if find(value, holder, &mut trail) {
            break;
        }
        trail.clear();
    }
    debug_assert!(
        !trail.is_empty(),
        "a placeholder's string is in its step's inputs"
    );
    let mut path = at.path().with_room(trail.len());
    for seg in trail {
        match seg {
            Seg::Key(k) => path.push_key(k),
            Seg::Index(i) => path.push_index(i),
        }
    }
    path
}

#[derive(Clone, Copy)]
enum Seg<'v> {
    Key(&'v str),
    Index(usize),
}

/// Whether `holder` is `value` or below it; `trail` then leads to it.
fn find<'v>(value: &'v Value, holder: &Value, trail: &mut Vec<Seg<'v>>) -> bool {
    if std::ptr::eq(value, holder) {
        return true;
    }
    match value {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                trail.push(Seg::Index(i));
                if find(item, holder, trail) {
                    return true;
                }
                trail.pop();
            }
            false
        }
        Value::Object(map) => {
            for (k, v) in map {
                trail.push(Seg::Key(k));
                if find(v, holder, trail) {
                    return true;
                }
                trail.pop();
            }
            false
        }
        _ => false,
    }
}
