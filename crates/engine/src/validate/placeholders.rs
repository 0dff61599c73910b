//! The `{{ }}` placeholders of every step's inputs, found once per document
//! and shared by the rules that read them (`references` checks what each
//! names, `graph` whether the step it reads has surely run).
//!
//! The scan walks the inputs in place. Where a placeholder sits is kept as
//! a borrowed trail of keys and indices below the step; a [`Path`] is built
//! only for a placeholder that is reported. The syntax is
//! [`crate::template`]'s.

use crate::document::StepAt;
use crate::path::Path;
use crate::template::{self, RefName, TemplateError};
use serde_json::Value;
use std::ops::Range;

/// The placeholders of one step's inputs, in document order.
pub(super) struct StepPlaceholders<'d> {
    /// Every trail, one after another; each item names its own range.
    segments: Vec<Seg<'d>>,
    /// Each placeholder's reference (or syntax error), borrowed from the
    /// string holding it, with the range of `segments` that leads from the
    /// step to that string.
    pub items: Vec<(Range<usize>, Result<RefName<'d>, TemplateError>)>,
}

impl StepPlaceholders<'_> {
    /// The path of the string at `trail`, below the step at `base`.
    pub fn path(&self, base: &Path, trail: &Range<usize>) -> Path {
        let segments = self.segments.get(trail.clone()).unwrap_or_default();
        let mut path = base.with_room(segments.len());
        for seg in segments {
            match *seg {
                Seg::Key(k) => path.push_key(k),
                Seg::Index(i) => path.push_index(i),
            }
        }
        path
    }
}

/// The placeholders of each step's inputs, one entry per step of `all`, in
/// the same order: what `template::placeholders_in` finds for each input
/// under `<step>.inputs.<key>`.
pub(super) fn per_step<'d>(all: &[StepAt<'d>]) -> Vec<StepPlaceholders<'d>> {
    all.iter()
        .map(|at| {
            let mut found = StepPlaceholders {
                segments: Vec::new(),
                items: Vec::new(),
            };
            let mut trail = Vec::new();
            for (key, value) in &at.step.raw_inputs {
                trail.push(Seg::Key("inputs"));
                trail.push(Seg::Key(key));
                walk(value, &mut trail, &mut found);
                trail.clear();
            }
            found
        })
        .collect()
}

#[derive(Clone, Copy)]
enum Seg<'v> {
    Key(&'v str),
    Index(usize),
}

fn walk<'v>(value: &'v Value, trail: &mut Vec<Seg<'v>>, out: &mut StepPlaceholders<'v>) {
    match value {
        Value::String(s) => {
            if !template::has_open(s) {
                return;
            }
            // What `template::placeholders` answers: every reference, or
            // the nesting error alone. The trail is copied once, on the
            // first find.
            let first = out.items.len();
            let mut here: Option<Range<usize>> = None;
            for found in template::references(s) {
                let range = here
                    .get_or_insert_with(|| {
                        let start = out.segments.len();
                        out.segments.extend_from_slice(trail);
                        start..out.segments.len()
                    })
                    .clone();
                match found {
                    Ok(reference) => out.items.push((range, Ok(reference))),
                    Err(e) => {
                        out.items.truncate(first);
                        out.items.push((range, Err(e)));
                    }
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                trail.push(Seg::Index(i));
                walk(item, trail, out);
                trail.pop();
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                trail.push(Seg::Key(k));
                walk(v, trail, out);
                trail.pop();
            }
        }
        _ => {}
    }
}
