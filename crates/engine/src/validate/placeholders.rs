//! The `{{ }}` placeholders of every step's inputs, found once per document
//! and shared by the rules that read them (`references` checks what each
//! names, `graph` whether the step it reads has surely run).
//!
//! The scan walks the inputs in place and builds a [`Path`] only for a
//! string that holds a placeholder; the syntax is [`crate::template`]'s.

use crate::document::StepAt;
use crate::path::Path;
use crate::template::{self, Placeholder, TemplateError};
use serde_json::Value;

/// One placeholder (or a syntax error) and the path of the string holding it.
pub(super) type Found = (Path, Result<Placeholder, TemplateError>);

/// The placeholders of each step's inputs, one list per step of `all`, in
/// the same order: the paths and order `template::placeholders_in` gives
/// for each input under `<step>.inputs.<key>`.
pub(super) fn per_step(all: &[StepAt<'_>]) -> Vec<Vec<Found>> {
    all.iter()
        .map(|at| {
            let mut found = Vec::new();
            let mut trail = Vec::new();
            for (key, value) in &at.step.raw_inputs {
                trail.push(Seg::Key("inputs"));
                trail.push(Seg::Key(key));
                walk(value, &at.path, &mut trail, &mut found);
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

fn walk<'v>(value: &'v Value, base: &Path, trail: &mut Vec<Seg<'v>>, out: &mut Vec<Found>) {
    match value {
        Value::String(s) => {
            if !s.contains("{{") {
                return;
            }
            let here = || {
                let mut path = base.with_room(trail.len());
                for seg in trail.iter() {
                    match *seg {
                        Seg::Key(k) => path.push_key(k),
                        Seg::Index(i) => path.push_index(i),
                    }
                }
                path
            };
            match template::placeholders(s) {
                Ok(found) if found.is_empty() => {}
                Ok(found) => {
                    let path = here();
                    out.extend(found.into_iter().map(|p| (path.clone(), Ok(p))));
                }
                Err(e) => out.push((here(), Err(e))),
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                trail.push(Seg::Index(i));
                walk(item, base, trail, out);
                trail.pop();
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                trail.push(Seg::Key(k));
                walk(v, base, trail, out);
                trail.pop();
            }
        }
        _ => {}
    }
}
