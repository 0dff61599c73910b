//! Rules on names and references: unique step names, step targets
//! (`nextStep`, `onFailure`, `onCancel`, branch targets), top-level outputs,
//! and every `{{ }}` placeholder in `assumeRole` and step inputs.

use super::placeholders::{self, Placeholders};
use crate::diagnostic::{Code, Diagnostic};
use crate::document::names::NameMap;
use crate::document::{Action, ActionKind, Document, OnCancel, OnFailure, Step, StepAt};
use crate::path::Path;
use crate::template::{self, RefName, Reference, SYSTEM_VARIABLES};
use serde_json::Value;

/// `all` is [`Document::all_steps`]; `found` the placeholders of each of
/// those steps' inputs, in the same order.
pub(super) fn check(
    doc: &Document,
    all: &[StepAt<'_>],
    found: &Placeholders<'_>,
    out: &mut Vec<Diagnostic>,
) {
    let mut known = Known {
        steps: NameMap::with_capacity_and_hasher(all.len(), Default::default()),
        parameters: doc.parameters.keys().map(|k| (k.as_str(), ())).collect(),
    };
    for at in all {
        if at.step.name.is_empty() {
            continue;
        }
        if known.steps.contains_key(at.step.name.as_str()) {
            out.push(Diagnostic::new(
                Code::DuplicateStepName,
                at.path().key("name"),
                format!(
                    "Duplicate step names found in mainSteps of the document: {}",
                    at.step.name
                ),
            ));
        } else {
            known.steps.insert(&at.step.name, at.step);
        }
    }
    for (i, at) in all.iter().enumerate() {
        check_targets(at, &known, out);
        check_inputs(doc, at, found, i, &known, out);
    }
    if let Some(role) = &doc.assume_role {
        let mut found = Vec::new();
        template::placeholders_in(
            &Value::String(role.clone()),
            &Path::root().key("assumeRole"),
            &mut found,
        );
        for (path, ph) in found {
            match ph {
                Ok(p) if matches!(p.reference, Reference::Ssm(_)) => out.push(Diagnostic::new(
                    Code::SsmParameterInInput,
                    path,
                    "{{ssm:...}} is not supported in assumeRole",
                )),
                Ok(p) => check_reference(
                    doc,
                    p.reference.borrowed(),
                    None,
                    &known,
                    &|| path.clone(),
                    out,
                ),
                Err(e) => out.push(Diagnostic::new(Code::TemplateSyntax, path, e.message)),
            }
        }
    }
    for (name, parameter) in &doc.parameters {
        let Some(default) = parameter.default.as_ref().filter(|d| any_open(d)) else {
            continue;
        };
        let mut found = Vec::new();
        template::placeholders_in(
            default,
            &Path::root().key("parameters").key(name).key("default"),
            &mut found,
        );
        for (path, ph) in found {
            match ph {
                // SSM does not check what a default refers to (published AWS
                // runbooks default to {{ TARGET_ID }} and other parameters);
                // only system variable names are checked.
                Ok(p) if matches!(p.reference, Reference::Automation(_) | Reference::Global(_)) => {
                    check_reference(
                        doc,
                        p.reference.borrowed(),
                        None,
                        &known,
                        &|| path.clone(),
                        out,
                    )
                }
                Ok(_) => {}
                Err(e) => out.push(Diagnostic::new(Code::TemplateSyntax, path, e.message)),
            }
        }
    }
    for (i, output) in doc.outputs.iter().enumerate() {
        let path = Path::root().key("outputs").index(i);
        let Some((step, name)) = output.split_once('.') else {
            out.push(Diagnostic::new(
                Code::UnknownOutput,
                path,
                format!("output '{output}' must be written step.Output"),
            ));
            continue;
        };
        match known.steps.get(step) {
            None => out.push(Diagnostic::new(
                Code::UnknownOutput,
                path,
                format!("Unknown step name in named output: {output}"),
            )),
            Some(s) if !produces(s, name) => out.push(Diagnostic::new(
                Code::UnknownOutput,
                path,
                format!(
                    "step '{step}' ({}) has no output named '{name}'",
                    s.action.name()
                ),
            )),
            Some(_) => {}
        }
    }
}

/// What references are checked against, hashed with
/// [`crate::document::names`]' fixed-key hasher: the first step of each
/// name, and the declared parameters' names.
struct Known<'d> {
    steps: NameMap<&'d str, &'d Step>,
    parameters: NameMap<&'d str, ()>,
}

fn check_targets(at: &StepAt<'_>, known: &Known<'_>, out: &mut Vec<Diagnostic>) {
    let step = at.step;
    let unknown = |field: &str, target: &str| {
        Diagnostic::new(
            Code::UnknownStepTarget,
            at.path().key(field),
            format!("Unknown step name: \"{target}\" in {field}"),
        )
    };
    if let Some(next) = &step.next_step {
        if !known.steps.contains_key(next.as_str()) {
            out.push(unknown("nextStep", next));
        }
    }
    if let Some(OnFailure::Step(target)) = &step.on_failure {
        if !known.steps.contains_key(target.as_str()) {
            out.push(unknown("onFailure", target));
        }
    }
    if let Some(OnCancel::Step(target)) = &step.on_cancel {
        match known.steps.get(target.as_str()).map(|s| s.action.kind()) {
            None => out.push(unknown("onCancel", target)),
            Some(Some(kind)) if !kind.may_run_on_cancel() => out.push(Diagnostic::new(
                Code::OnCancel,
                at.path().key("onCancel"),
                format!("onCancel names '{target}', an {} step; {} steps cannot run as the cancel workflow", kind.name(), kind.name()),
            )),
            Some(_) => {}
        }
    }
    if let Action::Branch(b) = &step.action {
        let inputs = || at.path().key("inputs");
        for (i, choice) in b.choices.iter().enumerate() {
            if !choice.next_step.is_empty() && !known.steps.contains_key(choice.next_step.as_str())
            {
                out.push(Diagnostic::new(
                    Code::UnknownStepTarget,
                    inputs().key("Choices").index(i).key("NextStep"),
                    format!("Unknown step name: \"{}\" in NextStep", choice.next_step),
                ));
            }
        }
        if let Some(d) = &b.default {
            if !known.steps.contains_key(d.as_str()) {
                out.push(Diagnostic::new(
                    Code::UnknownStepTarget,
                    inputs().key("Default"),
                    format!("Unknown step name: \"{d}\" in Default"),
                ));
            }
        }
    }
}

fn check_inputs(
    doc: &Document,
    at: &StepAt<'_>,
    found: &Placeholders<'_>,
    index: usize,
    known: &Known<'_>,
    out: &mut Vec<Diagnostic>,
) {
    for (holder, ph) in found.of(index) {
        let path = || placeholders::path_of(at, holder);
        match ph {
            Err(e) => out.push(Diagnostic::new(
                Code::TemplateSyntax,
                path(),
                e.message.clone(),
            )),
            Ok(reference) => check_reference(doc, *reference, Some(at), known, &path, out),
        }
    }
}

fn check_reference(
    doc: &Document,
    reference: RefName<'_>,
    reader: Option<&StepAt<'_>>,
    known: &Known<'_>,
    path: &dyn Fn() -> Path,
    out: &mut Vec<Diagnostic>,
) {
    match reference {
        RefName::Parameter(name) => {
            if !known.parameters.contains_key(name) {
                out.push(Diagnostic::new(Code::UndeclaredParameter, path(), format!("Parameter \"{name}\" is not declared.")));
            }
        }
        RefName::Variable(name) => {
            if !doc.variables.contains_key(name) {
                out.push(Diagnostic::new(Code::UndeclaredVariable, path(), format!("variable '{name}' is not declared under variables")));
            }
        }
        RefName::Automation(name) | RefName::Global(name) => {
            let prefix = if matches!(reference, RefName::Automation(_)) { "automation" } else { "global" };
            if !SYSTEM_VARIABLES.contains(&(prefix, name)) {
                let known: Vec<String> = SYSTEM_VARIABLES.iter().map(|(p, n)| format!("{p}:{n}")).collect();
                out.push(Diagnostic::new(
                    Code::UnknownSystemVariable,
                    path(),
                    format!("{prefix}:{name} is not a system variable (known: {})", known.join(", ")),
                ));
            }
        }
        RefName::Ssm(name) => out.push(Diagnostic::new(
            Code::SsmParameterInInput,
            path(),
            format!("{{{{ssm:{name}}}}} cannot be used in step inputs; declare a parameter whose default is {{{{ssm:{name}}}}}"),
        )),
        RefName::StepOutput { step, output } => match known.steps.get(step) {
            None => out.push(Diagnostic::new(
                Code::UnknownStepOutput,
                path(),
                format!("{{{{ {step}.{output} }}}} reads step '{step}', but no step has that name"),
            )),
            Some(s) if !produces(s, output) => out.push(Diagnostic::new(
                Code::UnknownStepOutput,
                path(),
                format!("step '{step}' ({}) has no output named '{output}'{}", s.action.name(), known_outputs(s)),
            )),
            Some(s) => {
                if let Action::Loop(l) = &s.action {
                    if output == "CurrentIteratorValue" && l.iterators.is_none() {
                        out.push(Diagnostic::new(
                            Code::LoopContext,
                            path(),
                            format!("'{step}' loops on a LoopCondition: only for-each loops (Iterators) have CurrentIteratorValue"),
                        ));
                    }
                }
                let _ = reader;
            }
        },
    }
}

/// Whether any string in `value` holds `{{`: only then can it hold a
/// placeholder.
fn any_open(value: &Value) -> bool {
    match value {
        Value::String(s) => template::has_open(s),
        Value::Array(items) => items.iter().any(any_open),
        Value::Object(map) => map.values().any(any_open),
        _ => false,
    }
}

/// Whether a step produces an output of this name.
pub(crate) fn produces(step: &Step, output: &str) -> bool {
    // Every action reports its response as OutputPayload (seen on branch,
    // runCommand and executeScript steps; AWS runbooks read it everywhere).
    if output == "OutputPayload" || step.outputs.iter().any(|o| o.name == output) {
        return true;
    }
    match step.action.kind() {
        Some(kind) => {
            kind.builtin_outputs().iter().any(|(n, _)| *n == output)
                || kind == ActionKind::ExecuteScript && output.starts_with("Payload")
        }
        None => true,
    }
}

fn known_outputs(step: &Step) -> String {
    let mut names: Vec<&str> = step.outputs.iter().map(|o| o.name.as_str()).collect();
    if let Some(kind) = step.action.kind() {
        names.extend(kind.builtin_outputs().iter().map(|(n, _)| *n));
    }
    if names.is_empty() {
        " (it has no outputs)".to_owned()
    } else {
        format!(" (it has: {})", names.join(", "))
    }
}
