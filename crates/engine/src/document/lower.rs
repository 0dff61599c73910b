//! Lowering: the raw value tree of a runbook into the typed [`Document`].
//!
//! This is the strict raw layer. Every mapping is read against the keys the
//! schema defines (unknown keys are reported, as `deny_unknown_fields` would,
//! but all of them, not just the first), every field is type-checked, and
//! each action's inputs are read against the catalogue into typed inputs.
//! Lowering never stops at the first problem: it records a diagnostic and
//! carries on with a best-effort value, so one run reports everything.
//! Rules that need the whole document (references, the step graph) live in
//! [`crate::validate`], not here.

use super::catalogue::{ActionKind, INTERNAL_ACTIONS, InputSpec, InputType};
use super::model::*;
use crate::clock::{DurationMs, SimTime};
use crate::diagnostic::{Code, Diagnostic};
use crate::limits::Limits;
use crate::path::Trail;
use crate::template;
use crate::value::{ValueType, kind_of};
use indexmap::IndexMap;
use serde_json::{Map, Value};

const TOP_KEYS: &[&str] = &[
    "description",
    "schemaVersion",
    "assumeRole",
    "parameters",
    "variables",
    "mainSteps",
    "outputs",
    "files",
];
const CHANGE_TEMPLATE_KEYS: &[&str] = &[
    "templateInformation",
    "emergencyChange",
    "autoApprovable",
    "executableRunBooks",
];
const PARAMETER_KEYS: &[&str] = &[
    "type",
    "description",
    "default",
    "allowedValues",
    "allowedPattern",
    "displayType",
    "minItems",
    "maxItems",
    "minChars",
    "maxChars",
    "minValue",
    "maxValue",
];
const VARIABLE_KEYS: &[&str] = &["type", "default", "description"];
const STEP_KEYS: &[&str] = &[
    "name",
    "action",
    "inputs",
    "description",
    "maxAttempts",
    "timeoutSeconds",
    "onFailure",
    "onCancel",
    "isEnd",
    "nextStep",
    "isCritical",
    "outputs",
];
const OUTPUT_KEYS: &[&str] = &["Name", "Selector", "Type"];

/// The longest `aws:sleep` SSM accepts: just under seven days.
pub const MAX_SLEEP_SECONDS: i64 = 604_799;

/// What lowering produced: a document (unless the input is not an
/// Automation runbook at all) and what it found wrong on the way.
#[derive(Debug, Clone)]
pub struct Lowered {
    /// The typed document, `None` when the input is not a runbook at all.
    pub document: Option<Document>,
    /// Problems found while reading.
    pub diagnostics: Vec<Diagnostic>,
}

/// Lower a parsed value tree into a [`Document`].
///
/// ```
/// use ssm_runbook_engine::document::lower;
/// use ssm_runbook_engine::limits::Limits;
/// let v = serde_json::json!({"schemaVersion": "0.3", "mainSteps": [
///     {"name": "wait", "action": "aws:sleep", "inputs": {"Duration": "PT1M"}, "colour": 1}]});
/// let lowered = lower(&v, &Limits::default());
/// assert_eq!(lowered.document.unwrap().main_steps[0].name, "wait");
/// assert_eq!(lowered.diagnostics[0].path.to_string(), "mainSteps[0].colour");
/// ```
pub fn lower(root: &Value, limits: &Limits) -> Lowered {
    lower_owned(root.clone(), limits)
}

/// Lower a parsed value tree that the caller no longer needs: the same as
/// [`lower`], but each step's `inputs` move into the [`Document`] instead of
/// being copied out of the tree.
///
/// ```
/// use ssm_runbook_engine::document::lower_owned;
/// use ssm_runbook_engine::limits::Limits;
/// let v = serde_json::json!({"schemaVersion": "0.3", "mainSteps": [
///     {"name": "wait", "action": "aws:sleep", "inputs": {"Duration": "PT1M"}}]});
/// let doc = lower_owned(v, &Limits::default()).document.unwrap();
/// assert_eq!(doc.main_steps[0].raw_inputs["Duration"], "PT1M");
/// ```
pub fn lower_owned(mut root: Value, limits: &Limits) -> Lowered {
    let mut cx = Lowering {
        diagnostics: Vec::new(),
        steps_seen: 0,
        limits,
        variables: IndexMap::new(),
    };
    let document = cx.document(&mut root);
    Lowered {
        document,
        diagnostics: cx.diagnostics,
    }
}

struct Lowering<'l> {
    diagnostics: Vec<Diagnostic>,
    steps_seen: usize,
    limits: &'l Limits,
    variables: IndexMap<String, Option<ValueType>>,
}

/// Classify a `schemaVersion` value: `Ok(text)` for 0.3, `Err` otherwise.
fn schema_version_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl Lowering<'_> {
    fn report(&mut self, code: Code, path: Trail<'_>, message: impl Into<String>) {
        if self.diagnostics.len() < self.limits.max_diagnostics {
            self.diagnostics
                .push(Diagnostic::new(code, path.to_path(), message));
        }
    }

    fn document(&mut self, root: &mut Value) -> Option<Document> {
        let Some(map) = root.as_object() else {
            self.report(
                Code::WrongType,
                Trail::Root,
                format!(
                    "the document must be a mapping of top-level keys, not {}",
                    kind_of(root)
                ),
            );
            return None;
        };
        let top = Trail::Root;
        let version = map.field("schemaVersion").and_then(schema_version_text);
        match version.as_deref() {
            Some("0.3") => {}
            Some(v @ ("1.2" | "2.0" | "2.2")) => {
                self.report(
                    Code::NotAutomation,
                    top.key("schemaVersion"),
                    format!(
                        "this is a Command or Session document (schemaVersion {v}); only Automation runbooks (schemaVersion 0.3) are checked"
                    ),
                );
                return None;
            }
            Some(v) => self.report(
                Code::SchemaVersion,
                top.key("schemaVersion"),
                format!("schemaVersion '{v}' is not supported: Automation runbooks use '0.3'"),
            ),
            None if map.has("schemaVersion") => self.report(
                Code::SchemaVersion,
                top.key("schemaVersion"),
                "schemaVersion must be the string '0.3'",
            ),
            None => self.report(
                Code::SchemaVersion,
                top.clone(),
                "Missing \"schemaVersion\" in the document.",
            ),
        }
        let mut doc = Document {
            schema_version: version.unwrap_or_default(),
            ..Document::default()
        };
        for (key, value) in map {
            let path = top.key(key);
            match key.as_str() {
                "schemaVersion" => {}
                "description" => doc.description = self.string(value, &path),
                "assumeRole" => doc.assume_role = self.string(value, &path),
                "parameters" => doc.parameters = self.parameters(value, &path),
                "variables" => doc.variables = self.variables(value, &path),
                "outputs" => doc.outputs = self.string_list(value, &path),
                "files" => doc.files = self.files(value, &path),
                "mainSteps" => {}
                k if CHANGE_TEMPLATE_KEYS.contains(&k) => {
                    doc.change_template.insert(key.clone(), value.clone());
                }
                _ => self.unknown_key(&path, key, "the document", TOP_KEYS),
            }
        }
        match root.get_mut("mainSteps") {
            Some(Value::Array(steps)) if !steps.is_empty() => {
                doc.main_steps = self.steps(steps, &top.key("mainSteps"), 0);
            }
            Some(Value::Array(_)) => self.report(
                Code::MissingMainSteps,
                top.key("mainSteps"),
                "mainSteps must list at least one step",
            ),
            Some(other) => self.report(
                Code::WrongType,
                top.key("mainSteps"),
                format!("mainSteps must be a list of steps, not {}", kind_of(other)),
            ),
            None => self.report(
                Code::MissingMainSteps,
                top,
                "Missing \"mainSteps\" in the document.",
            ),
        }
        Some(doc)
    }

    fn unknown_key(&mut self, path: &Trail<'_>, key: &str, owner: &str, known: &[&str]) {
        self.report(
            Code::UnknownField,
            path.clone(),
            format!(
                "unknown key '{key}' in {owner} (known: {})",
                known.join(", ")
            ),
        );
    }

    fn string(&mut self, value: &Value, path: &Trail<'_>) -> Option<String> {
        match value {
            Value::String(s) => Some(s.clone()),
            other => {
                self.report(
                    Code::WrongType,
                    path.clone(),
                    format!("expected a string, found {}", kind_of(other)),
                );
                None
            }
        }
    }

    fn boolean(&mut self, value: &Value, path: &Trail<'_>) -> Option<bool> {
        match value {
            Value::Bool(b) => Some(*b),
            Value::String(s) if s == "true" || s == "false" => Some(s == "true"),
            other => {
                self.report(
                    Code::WrongType,
                    path.clone(),
                    format!("expected true or false, found {}", kind_of(other)),
                );
                None
            }
        }
    }

    fn count(&mut self, value: &Value, path: &Trail<'_>) -> Option<u64> {
        match value.as_u64() {
            Some(n) => Some(n),
            None => {
                self.report(
                    Code::WrongType,
                    path.clone(),
                    format!(
                        "expected a whole number of at least 0, found {}",
                        kind_of(value)
                    ),
                );
                None
            }
        }
    }

    fn string_list(&mut self, value: &Value, path: &Trail<'_>) -> Vec<String> {
        let Some(items) = value.as_array() else {
            self.report(
                Code::WrongType,
                path.clone(),
                format!("expected a list of strings, found {}", kind_of(value)),
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            if let Some(s) = self.string(item, &path.index(i)) {
                out.push(s);
            }
        }
        out
    }

    fn object<'v>(
        &mut self,
        value: &'v Value,
        path: &Trail<'_>,
        what: &str,
    ) -> Option<&'v Map<String, Value>> {
        match value.as_object() {
            Some(m) => Some(m),
            None => {
                self.report(
                    Code::WrongType,
                    path.clone(),
                    format!("{what} must be a mapping, not {}", kind_of(value)),
                );
                None
            }
        }
    }

    fn parameters(&mut self, value: &Value, path: &Trail<'_>) -> IndexMap<String, Parameter> {
        let mut out = IndexMap::new();
        let Some(map) = self.object(value, path, "parameters") else {
            return out;
        };
        for (name, def) in map {
            let at = path.key(name);
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric()) {
                self.report(
                    Code::ParameterName,
                    at.clone(),
                    format!("Parameter name \"{name}\" is not alpha-numeric."),
                );
            }
            let Some(def) = self.object(def, &at, "a parameter definition") else {
                continue;
            };
            out.insert(name.clone(), self.parameter(def, &at));
        }
        out
    }

    fn parameter(&mut self, def: &Map<String, Value>, at: &Trail<'_>) -> Parameter {
        let mut p = Parameter::default();
        for (key, value) in def {
            let path = at.key(key);
            match key.as_str() {
                "type" => match value.as_str() {
                    Some(t) => match ParameterType::from_name(t) {
                        Some(ty) => p.ty = Some(ty),
                        None => self.report(
                            Code::ParameterType,
                            path,
                            format!("Parameter type: {t} is invalid."),
                        ),
                    },
                    None => self.report(
                        Code::ParameterType,
                        path,
                        "a parameter type must be a string such as String",
                    ),
                },
                "description" => p.description = self.string(value, &path),
                "default" => p.default = Some(value.clone()),
                "allowedValues" => match value.as_array() {
                    Some(items) => p.allowed_values = Some(items.clone()),
                    None => self.report(Code::WrongType, path, "allowedValues must be a list"),
                },
                "allowedPattern" => p.allowed_pattern = self.string(value, &path),
                "displayType" => {
                    p.display_type = self.string(value, &path);
                    if let Some(d) = &p.display_type {
                        if d != "textfield" && d != "textarea" {
                            self.report(
                                Code::ParameterAttribute,
                                path,
                                format!("displayType '{d}' is not textfield or textarea"),
                            );
                        }
                    }
                }
                "minItems" => p.min_items = self.count(value, &path),
                "maxItems" => p.max_items = self.count(value, &path),
                "minChars" => p.min_chars = self.count(value, &path),
                "maxChars" => p.max_chars = self.count(value, &path),
                "minValue" | "maxValue" => match value.as_i64() {
                    Some(n) if key == "minValue" => p.min_value = Some(n),
                    Some(n) => p.max_value = Some(n),
                    None => self.report(
                        Code::WrongType,
                        path,
                        format!("{key} must be a whole number"),
                    ),
                },
                _ => self.unknown_key(&path, key, "a parameter definition", PARAMETER_KEYS),
            }
        }
        if !def.has("type") {
            self.report(
                Code::ParameterType,
                at.clone(),
                "Missing \"type\" in parameter definition.",
            );
        }
        p
    }

    fn variables(&mut self, value: &Value, path: &Trail<'_>) -> IndexMap<String, Variable> {
        let mut out = IndexMap::new();
        let Some(map) = self.object(value, path, "variables") else {
            return out;
        };
        for (name, def) in map {
            let at = path.key(name);
            let Some(def) = self.object(def, &at, "a variable definition") else {
                continue;
            };
            let mut var = Variable {
                ty: None,
                default: None,
                description: None,
            };
            for (key, value) in def {
                let kp = at.key(key);
                match key.as_str() {
                    "type" => match value.as_str().and_then(ValueType::from_name) {
                        Some(t) => var.ty = Some(t),
                        None => self.report(
                            Code::VariableDefinition,
                            kp,
                            format!("variable type {value} is not one of String, StringList, Integer, Boolean, MapList, StringMap"),
                        ),
                    },
                    "default" => var.default = Some(value.clone()),
                    "description" => var.description = self.string(value, &kp),
                    _ => self.unknown_key(&kp, key, "a variable definition", VARIABLE_KEYS),
                }
            }
            if !def.has("type") {
                self.report(
                    Code::VariableDefinition,
                    at.clone(),
                    format!("variable '{name}' has no type"),
                );
            }
            self.variables.insert(name.clone(), var.ty);
            out.insert(name.clone(), var);
        }
        out
    }

    fn files(&mut self, value: &Value, path: &Trail<'_>) -> IndexMap<String, FileSpec> {
        let mut out = IndexMap::new();
        let Some(map) = self.object(value, path, "files") else {
            return out;
        };
        for (name, def) in map {
            let at = path.key(name);
            let Some(def) = self.object(def, &at, "a file entry") else {
                continue;
            };
            let mut spec = FileSpec {
                sha256: None,
                size: None,
            };
            for (key, value) in def {
                let kp = at.key(key);
                match key.as_str() {
                    "checksums" => {
                        if let Some(sums) = self.object(value, &kp, "checksums") {
                            for (alg, sum) in sums {
                                if alg.eq_ignore_ascii_case("sha256") {
                                    spec.sha256 = self.string(sum, &kp.key(alg));
                                } else {
                                    self.unknown_key(&kp.key(alg), alg, "checksums", &["sha256"]);
                                }
                            }
                        }
                    }
                    "size" => spec.size = self.count(value, &kp),
                    _ => self.unknown_key(&kp, key, "a file entry", &["checksums", "size"]),
                }
            }
            out.insert(name.clone(), spec);
        }
        out
    }

    fn steps(&mut self, items: &mut [Value], path: &Trail<'_>, depth: usize) -> Vec<Step> {
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter_mut().enumerate() {
            self.steps_seen += 1;
            if self.steps_seen > self.limits.max_steps {
                self.report(
                    Code::LimitExceeded,
                    path.index(i),
                    format!(
                        "more than {} steps (limit max_steps)",
                        self.limits.max_steps
                    ),
                );
                break;
            }
            if let Some(step) = self.step(item, &path.index(i), depth) {
                out.push(step);
            }
        }
        out
    }

    fn step(&mut self, value: &mut Value, at: &Trail<'_>, depth: usize) -> Option<Step> {
        // The inputs move out of the tree: the action reads them, then they
        // become `raw_inputs`.
        // So do its name, description, `nextStep` and action name: the tree
        // is dropped after lowering.
        let Some(map) = value.as_object_mut() else {
            self.report(
                Code::WrongType,
                at.clone(),
                format!("a step must be a mapping, not {}", kind_of(value)),
            );
            return None;
        };
        let mut inputs = match map.field_mut("inputs") {
            Some(Value::Object(m)) => Some(std::mem::take(m)),
            _ => None,
        };
        let name = match map.field_mut("name") {
            Some(Value::String(n)) => {
                if n.is_empty() || !n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    self.report(
                        Code::StepName,
                        at.key("name"),
                        format!("StepName: {n} is invalid."),
                    );
                }
                std::mem::take(n)
            }
            Some(other) => {
                self.report(
                    Code::StepName,
                    at.key("name"),
                    format!("a step name must be a string, not {}", kind_of(other)),
                );
                String::new()
            }
            None => {
                self.report(
                    Code::StepName,
                    at.clone(),
                    "Missing \"name\" in step detail.",
                );
                String::new()
            }
        };
        let mut step = Step {
            name,
            action: Action::Invalid { name: None },
            description: None,
            max_attempts: None,
            timeout_seconds: None,
            on_failure: None,
            on_cancel: None,
            is_end: None,
            next_step: None,
            is_critical: None,
            outputs: Vec::new(),
            raw_inputs: Map::new(),
        };
        for (key, value) in map.iter_mut() {
            // The key's path is built only where something may be reported.
            let path = || at.key(key);
            match (key.as_str(), &mut *value) {
                ("name" | "action" | "inputs", _) => {}
                ("description", Value::String(s)) => step.description = Some(std::mem::take(s)),
                ("description", _) => step.description = self.string(value, &path()),
                ("maxAttempts", _) => step.max_attempts = self.max_attempts(value, &path()),
                ("timeoutSeconds", _) => {
                    step.timeout_seconds = self.positive_seconds(value, &path())
                }
                ("onFailure", _) => step.on_failure = self.on_failure(value, &path()),
                ("onCancel", _) => step.on_cancel = self.on_cancel(value, &path()),
                ("isEnd", Value::Bool(b)) => step.is_end = Some(*b),
                ("isEnd", _) => step.is_end = self.boolean(value, &path()),
                ("isCritical", Value::Bool(b)) => step.is_critical = Some(*b),
                ("isCritical", _) => step.is_critical = self.boolean(value, &path()),
                ("nextStep", Value::String(s)) => step.next_step = Some(std::mem::take(s)),
                ("nextStep", _) => step.next_step = self.string(value, &path()),
                ("outputs", _) => step.outputs = self.step_outputs(value, &path()),
                _ => self.unknown_key(&path(), key, "a step", STEP_KEYS),
            }
        }
        step.action = self.action(map, inputs.as_mut(), at, depth);
        let is_loop = matches!(step.action, Action::Loop(_));
        step.raw_inputs = match inputs {
            Some(m) if is_loop => m.into_iter().filter(|(k, _)| k != "Steps").collect(),
            Some(m) => m,
            None => Map::new(),
        };
        if step.is_end == Some(true) && step.next_step.is_some() {
            self.report(
                Code::IsEndWithNextStep,
                at.key("nextStep"),
                "\"isEnd == true\" and nextStep should not exist in same step.",
            );
        }
        if let (Some(kind), Some(t)) = (step.action.kind(), step.timeout_seconds) {
            if let Some(max) = kind.max_timeout_seconds() {
                if t > max {
                    let code = if kind.is_control_flow() {
                        Code::TimeoutSeconds
                    } else {
                        Code::TimeoutAboveActionLimit
                    };
                    self.report(
                        code,
                        at.key("timeoutSeconds"),
                        format!(
                            "timeoutSeconds {t} is over the {max} seconds {} allows",
                            kind.name()
                        ),
                    );
                }
            }
        }
        if step.on_cancel.is_some() {
            if let Some(kind) = step.action.kind().filter(|k| !k.allows_on_cancel()) {
                self.report(
                    Code::OnCancelIgnored,
                    at.key("onCancel"),
                    format!("the docs say onCancel is not allowed on {} steps; SSM accepts it, and this tool ignores it", kind.name()),
                );
            }
        }
        Some(step)
    }

    fn max_attempts(&mut self, value: &Value, path: &Trail<'_>) -> Option<u64> {
        match value.as_i64() {
            Some(n) if n >= 1 => u64::try_from(n).ok(),
            _ if is_placeholder(value) => None,
            _ => {
                self.report(
                    Code::MaxAttempts,
                    path.clone(),
                    format!("maxAttempts must be a whole number of at least 1, found {value}"),
                );
                None
            }
        }
    }

    fn positive_seconds(&mut self, value: &Value, path: &Trail<'_>) -> Option<u64> {
        let n = match value {
            Value::String(s) => s.trim().parse::<i64>().ok(),
            other => other.as_i64(),
        };
        match n {
            Some(n) if n > 0 => u64::try_from(n).ok(),
            _ if is_placeholder(value) => None,
            _ => {
                self.report(
                    Code::TimeoutSeconds,
                    path.clone(),
                    format!("timeoutSeconds must be a whole number above 0, found {value}"),
                );
                None
            }
        }
    }

    fn on_failure(&mut self, value: &Value, path: &Trail<'_>) -> Option<OnFailure> {
        match value.as_str() {
            Some("Abort") => Some(OnFailure::Abort),
            Some("Continue") => Some(OnFailure::Continue),
            Some(s) if s.starts_with("step:") && s.len() > 5 => {
                Some(OnFailure::Step(s[5..].trim().to_owned()))
            }
            _ => {
                self.report(
                    Code::OnFailureSyntax,
                    path.clone(),
                    format!("onFailure {value} is not Abort, Continue or step:<name>"),
                );
                None
            }
        }
    }

    fn on_cancel(&mut self, value: &Value, path: &Trail<'_>) -> Option<OnCancel> {
        match value.as_str() {
            Some("Abort") => Some(OnCancel::Abort),
            Some(s) if s.starts_with("step:") && s.len() > 5 => {
                Some(OnCancel::Step(s[5..].trim().to_owned()))
            }
            _ => {
                self.report(
                    Code::OnCancel,
                    path.clone(),
                    format!("onCancel {value} is not Abort or step:<name>"),
                );
                None
            }
        }
    }

    fn step_outputs(&mut self, value: &Value, path: &Trail<'_>) -> Vec<StepOutput> {
        let Some(items) = value.as_array() else {
            self.report(
                Code::StepOutput,
                path.clone(),
                format!(
                    "outputs must be a list of {{Name, Selector, Type}}, not {}",
                    kind_of(value)
                ),
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let at = path.index(i);
            let Some(map) = item.as_object() else {
                self.report(
                    Code::StepOutput,
                    at,
                    "an output must be a mapping with Name, Selector and Type",
                );
                continue;
            };
            for key in map.keys().filter(|k| !OUTPUT_KEYS.contains(&k.as_str())) {
                self.unknown_key(&at.key(key), key, "a step output", OUTPUT_KEYS);
            }
            let name = map.field("Name").and_then(Value::as_str);
            let selector = map.field("Selector").and_then(Value::as_str);
            let ty = map.field("Type").and_then(Value::as_str);
            if name.is_none_or(str::is_empty) {
                self.report(Code::StepOutput, at.clone(), "an output needs a Name");
            }
            // SSM accepts selectors without the leading `$.` (published AWS
            // runbooks have them); they select from the response root.
            if selector.is_none_or(str::is_empty) {
                self.report(Code::StepOutput, at.clone(), "an output needs a Selector");
            }
            // SSM accepts an output without Type (published AWS runbooks have them); it reads as String.
            let parsed = match ty {
                None => Some(ValueType::String),
                Some(t) => {
                    let parsed = ValueType::from_name(t);
                    if parsed.is_none() {
                        self.report(Code::StepOutput, at.key("Type"), format!("output Type '{t}' is not one of String, StringList, Integer, Boolean, MapList, StringMap"));
                    }
                    parsed
                }
            };
            out.push(StepOutput {
                name: name.unwrap_or_default().to_owned(),
                selector: selector.unwrap_or_default().to_owned(),
                ty: parsed,
            });
        }
        out
    }

    /// `inputs` is the step's `inputs` mapping, taken out of `step`; `None`
    /// when `inputs` is missing or not a mapping.
    fn action(
        &mut self,
        step: &mut Map<String, Value>,
        inputs: Option<&mut Map<String, Value>>,
        at: &Trail<'_>,
        depth: usize,
    ) -> Action {
        let name = match step.field_mut("action") {
            Some(Value::String(s)) => std::mem::take(s),
            Some(other) => {
                self.report(
                    Code::WrongType,
                    at.key("action"),
                    format!("action must be a string, not {}", kind_of(other)),
                );
                return Action::Invalid { name: None };
            }
            None => {
                self.report(
                    Code::MissingAction,
                    at.clone(),
                    "Missing \"action\" in step detail.",
                );
                return Action::Invalid { name: None };
            }
        };
        let inputs_path = at.key("inputs");
        let mut empty = Map::new();
        // The step's `inputs` is looked up only when it was not a mapping.
        let inputs = match inputs.ok_or_else(|| step.field("inputs")) {
            Ok(m) => m,
            Err(Some(other)) => {
                self.report(
                    Code::WrongType,
                    inputs_path.clone(),
                    format!("inputs must be a mapping, not {}", kind_of(other)),
                );
                &mut empty
            }
            Err(None) => {
                if name != "aws:pause" {
                    self.report(
                        Code::MissingInputs,
                        at.clone(),
                        "Missing \"inputs\" in step detail.",
                    );
                }
                &mut empty
            }
        };
        let Some(kind) = ActionKind::from_name(&name) else {
            if INTERNAL_ACTIONS.contains(&name.as_str()) {
                self.report(
                    Code::InternalAction,
                    at.key("action"),
                    format!("{name} is an AWS-internal action: it works only in AWS-owned runbooks and cannot be simulated"),
                );
                return Action::Internal { name };
            }
            self.report(
                Code::UnknownAction,
                at.key("action"),
                format!("Unknown action: {name}"),
            );
            return Action::Invalid { name: Some(name) };
        };
        self.check_inputs(kind, inputs, &inputs_path);
        self.typed_action(kind, inputs, &inputs_path, depth)
    }

    fn check_inputs(&mut self, kind: ActionKind, inputs: &Map<String, Value>, path: &Trail<'_>) {
        let specs = kind.inputs();
        for (key, value) in inputs {
            match specs.iter().find(|s| s.name == key) {
                Some(spec) => self.check_literal(kind, spec, value, path, key),
                None if kind.accepts_api_parameters() => {}
                None => {
                    let known: Vec<&str> = specs.iter().map(|s| s.name).collect();
                    self.report(
                        Code::UnknownInput,
                        path.key(key),
                        format!(
                            "Unknown input name '{key}' for {} (known: {})",
                            kind.name(),
                            known.join(", ")
                        ),
                    );
                }
            }
        }
        let enhanced = kind == ActionKind::Approve && inputs.has("EnhancedApprovals");
        for spec in specs
            .iter()
            .filter(|s| s.required && !inputs.has(s.name) && !enhanced)
        {
            self.report(
                Code::MissingInput,
                path.clone(),
                format!("{} requires the input {}", kind.name(), spec.name),
            );
        }
    }

    /// Check the input `key` (under `inputs_path`); its path is built only
    /// for a report.
    fn check_literal(
        &mut self,
        kind: ActionKind,
        spec: &InputSpec,
        value: &Value,
        inputs_path: &Trail<'_>,
        key: &str,
    ) {
        if is_placeholder(value) {
            return;
        }
        match spec.ty {
            InputType::Any => {}
            InputType::Typed(ty) => {
                let ok = match ty {
                    ValueType::String => {
                        value.is_string() || value.is_number() || value.is_boolean()
                    }
                    ValueType::Integer => {
                        ty.admits(value)
                            || value
                                .as_str()
                                .is_some_and(|s| s.trim().parse::<i64>().is_ok())
                    }
                    ValueType::Boolean => {
                        ty.admits(value) || matches!(value.as_str(), Some("true" | "false"))
                    }
                    ValueType::StringList => value
                        .as_array()
                        .is_some_and(|a| a.iter().all(|v| !v.is_array())),
                    ValueType::MapList => value
                        .as_array()
                        .is_some_and(|a| a.iter().all(|v| v.is_object() || is_placeholder(v))),
                    ValueType::StringMap => value.is_object(),
                };
                if !ok {
                    self.report(
                        Code::InputValue,
                        inputs_path.key(key),
                        format!(
                            "{} input {} must be {}, found {}",
                            kind.name(),
                            spec.name,
                            ty,
                            kind_of(value)
                        ),
                    );
                }
            }
            InputType::OneOf(allowed) => match value.as_str() {
                Some(s)
                    if allowed.contains(&s)
                        || template::placeholders(s).is_ok_and(|found| !found.is_empty()) => {}
                _ => self.report(
                    Code::InputValue,
                    inputs_path.key(key),
                    format!(
                        "{} input {} is {value}, not one of {}",
                        kind.name(),
                        spec.name,
                        allowed.join(", ")
                    ),
                ),
            },
        }
    }

    fn typed_action(
        &mut self,
        kind: ActionKind,
        inputs: &mut Map<String, Value>,
        path: &Trail<'_>,
        depth: usize,
    ) -> Action {
        let get = |k: &str| inputs.field(k).cloned();
        match kind {
            ActionKind::Approve => Action::Approve(self.approve(inputs, path)),
            ActionKind::Pause => Action::Pause {
                message: get("Message"),
            },
            ActionKind::Sleep => Action::Sleep(self.sleep(inputs, path)),
            ActionKind::Branch => Action::Branch(self.branch(inputs, path)),
            ActionKind::Loop => Action::Loop(self.loop_action(inputs, path, depth)),
            ActionKind::UpdateVariable => {
                Action::UpdateVariable(self.update_variable(inputs, path))
            }
            ActionKind::ExecuteAutomation => Action::ExecuteAutomation(ExecuteAutomation {
                document_name: get("DocumentName").unwrap_or(Value::Null),
                document_version: get("DocumentVersion"),
                runtime_parameters: get("RuntimeParameters"),
            }),
            ActionKind::ExecuteAwsApi
            | ActionKind::AssertAwsResourceProperty
            | ActionKind::WaitForAwsResourceProperty => Action::Api(
                kind,
                ApiCall {
                    service: get("Service").unwrap_or(Value::Null),
                    api: get("Api").unwrap_or(Value::Null),
                    property_selector: get("PropertySelector"),
                    desired_values: get("DesiredValues"),
                },
            ),
            ActionKind::ExecuteScript => {
                self.script(inputs, path);
                Action::External(kind)
            }
            ActionKind::ChangeInstanceState
            | ActionKind::CopyImage
            | ActionKind::CreateImage
            | ActionKind::CreateStack
            | ActionKind::CreateTags
            | ActionKind::DeleteImage
            | ActionKind::DeleteStack
            | ActionKind::ExecuteStateMachine
            | ActionKind::InvokeLambdaFunction
            | ActionKind::InvokeWebhook
            | ActionKind::RunCommand
            | ActionKind::RunInstances => Action::External(kind),
        }
    }

    fn approve(&mut self, inputs: &Map<String, Value>, path: &Trail<'_>) -> Approve {
        let approvers = inputs.field("Approvers").cloned().unwrap_or(Value::Null);
        let min = inputs.field("MinRequiredApprovals").cloned();
        let count = approvers.as_array().map(Vec::len);
        if let Some(n) = count {
            if n == 0 || n > 10 {
                self.report(
                    Code::Approvers,
                    path.key("Approvers"),
                    format!("aws:approve lists {n} approvers; it needs between 1 and 10"),
                );
            }
        }
        if let Some(m) = min.as_ref().and_then(Value::as_i64) {
            if m < 1 {
                self.report(
                    Code::Approvers,
                    path.key("MinRequiredApprovals"),
                    format!("MinRequiredApprovals is {m}; it must be at least 1"),
                );
            } else if let Some(n) = count.filter(|&n| (m as usize) > n && n > 0) {
                self.report(
                    Code::Approvers,
                    path.key("MinRequiredApprovals"),
                    format!("MinRequiredApprovals is {m} but only {n} approvers are listed"),
                );
            }
        }
        Approve {
            approvers,
            min_required_approvals: min,
            notification_arn: inputs.field("NotificationArn").cloned(),
            message: inputs.field("Message").cloned(),
        }
    }

    fn sleep(&mut self, inputs: &Map<String, Value>, path: &Trail<'_>) -> Sleep {
        let timestamp_key = if inputs.has("Timestamp") {
            "Timestamp"
        } else {
            "TimeStamp"
        };
        match (inputs.field("Duration"), inputs.field(timestamp_key)) {
            (Some(_), Some(_)) => {
                self.report(
                    Code::SleepShape,
                    path.clone(),
                    "aws:sleep takes Duration or Timestamp, not both",
                );
                Sleep::Missing
            }
            (Some(d), None) => {
                if let Some(text) = d.as_str().filter(|s| !has_placeholder(s)) {
                    match DurationMs::parse(text) {
                        Ok(ms) if ms.0 < 0 => self.report(Code::SleepShape, path.key("Duration"), format!("Duration {text} is negative")),
                        Ok(ms) if ms.as_seconds() > MAX_SLEEP_SECONDS => self.report(
                            Code::SleepShape,
                            path.key("Duration"),
                            format!("Duration {text} is over the {MAX_SLEEP_SECONDS} seconds aws:sleep allows"),
                        ),
                        Ok(_) => {}
                        Err(e) => self.report(Code::SleepShape, path.key("Duration"), e.to_string()),
                    }
                }
                Sleep::Duration(d.clone())
            }
            (None, Some(t)) => {
                if let Some(text) = t.as_str().filter(|s| !has_placeholder(s)) {
                    if let Err(e) = SimTime::parse_rfc3339(text) {
                        self.report(Code::SleepShape, path.key(timestamp_key), e.to_string());
                    }
                }
                Sleep::Timestamp(t.clone())
            }
            (None, None) => {
                self.report(
                    Code::SleepShape,
                    path.clone(),
                    "aws:sleep needs a Duration or a Timestamp",
                );
                Sleep::Missing
            }
        }
    }

    fn branch(&mut self, inputs: &Map<String, Value>, path: &Trail<'_>) -> Branch {
        let mut branch = Branch {
            choices: Vec::new(),
            default: None,
        };
        if let Some(d) = inputs.field("Default") {
            branch.default = self.string(d, &path.key("Default"));
        }
        let Some(choices) = inputs.field("Choices") else {
            return branch;
        };
        let cp = path.key("Choices");
        let Some(items) = choices.as_array() else {
            self.report(Code::BranchChoice, cp, "Choices must be a list");
            return branch;
        };
        if items.is_empty() {
            self.report(
                Code::BranchChoice,
                cp.clone(),
                "Choices must list at least one choice",
            );
        }
        for (i, item) in items.iter().enumerate() {
            let at = cp.index(i);
            let Some(map) = item.as_object() else {
                self.report(Code::BranchChoice, at, "a choice must be a mapping");
                continue;
            };
            let next = match map.field("NextStep") {
                Some(Value::String(s)) => s.clone(),
                _ => {
                    self.report(
                        Code::BranchChoice,
                        at.clone(),
                        "a choice needs a NextStep naming a step",
                    );
                    String::new()
                }
            };
            if let Some(condition) = self.condition(map, Some("NextStep"), &at, 0) {
                branch.choices.push(Choice {
                    next_step: next,
                    condition,
                });
            }
        }
        branch
    }

    /// The condition `map` states, leaving out the key `aside` (a choice's
    /// `NextStep`) if given.
    fn condition(
        &mut self,
        map: &Map<String, Value>,
        aside: Option<&str>,
        at: &Trail<'_>,
        depth: usize,
    ) -> Option<Condition> {
        let keys = || map.iter().filter(move |(k, _)| Some(k.as_str()) != aside);
        if depth > self.limits.max_nesting_depth {
            self.report(
                Code::LimitExceeded,
                at.clone(),
                "conditions nest too deeply (limit max_nesting_depth)",
            );
            return None;
        }
        for combinator in ["And", "Or", "Not"] {
            let Some(value) = map.field(combinator).filter(|_| aside != Some(combinator)) else {
                continue;
            };
            for (key, _) in keys().filter(|(k, _)| k.as_str() != combinator) {
                self.report(
                    Code::BranchChoice,
                    at.key(key),
                    format!("'{key}' cannot stand beside {combinator} in one condition"),
                );
            }
            let path = at.key(combinator);
            if combinator == "Not" {
                let inner = self.object(value, &path, "the operand of Not")?;
                return self
                    .condition(inner, None, &path, depth + 1)
                    .map(|c| Condition::Not(Box::new(c)));
            }
            let Some(items) = value.as_array() else {
                self.report(
                    Code::BranchChoice,
                    path,
                    format!("{combinator} must be a list of conditions"),
                );
                return None;
            };
            if items.len() < 2 {
                self.report(
                    Code::BranchChoice,
                    path.clone(),
                    format!(
                        "Expect at lease two expressions for operator: {combinator}. Provided: {}",
                        items.len()
                    ),
                );
            }
            let mut parts = Vec::new();
            for (i, item) in items.iter().enumerate() {
                if let Some(inner) = self.object(item, &path.index(i), "a condition") {
                    parts.extend(self.condition(inner, None, &path.index(i), depth + 1));
                }
            }
            return Some(if combinator == "And" {
                Condition::And(parts)
            } else {
                Condition::Or(parts)
            });
        }
        let variable = map
            .field("Variable")
            .filter(|_| aside != Some("Variable"))
            .cloned();
        let mut operator = None;
        let mut unsupported = false;
        for (key, value) in keys().filter(|(k, _)| k.as_str() != "Variable") {
            match Operator::from_name(key) {
                Some(op) if operator.is_none() => {
                    self.check_operand(op, value, &at.key(key));
                    operator = Some((op, value.clone()));
                }
                Some(_) => self.report(
                    Code::BranchChoice,
                    at.key(key),
                    "a condition takes exactly one operator",
                ),
                None => {
                    unsupported = true;
                    self.report(
                        Code::BranchChoice,
                        at.key(key),
                        format!(
                            "unsupported operator '{key}' (supported: And, Or, Not, {})",
                            Operator::ALL
                                .iter()
                                .map(|o| o.name())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    );
                }
            }
        }
        let Some(variable) = variable else {
            self.report(
                Code::BranchChoice,
                at.clone(),
                "a condition needs a Variable",
            );
            return None;
        };
        let Some((operator, operand)) = operator else {
            // An unsupported operator was reported above; "no operator" would repeat it.
            if !unsupported {
                self.report(
                    Code::BranchChoice,
                    at.clone(),
                    "a condition needs an operator such as StringEquals",
                );
            }
            return None;
        };
        Some(Condition::Compare {
            variable,
            operator,
            operand,
        })
    }

    fn check_operand(&mut self, op: Operator, value: &Value, path: &Trail<'_>) {
        if is_placeholder(value) {
            return;
        }
        let ok = match op.operand_type() {
            ValueType::Integer => {
                value.is_number()
                    || value
                        .as_str()
                        .is_some_and(|s| s.trim().parse::<f64>().is_ok())
            }
            ValueType::Boolean => value.is_boolean(),
            _ => value.is_string() || value.is_number() || value.is_boolean(),
        };
        if !ok {
            self.report(
                Code::BranchChoice,
                path.clone(),
                format!(
                    "{} compares against {}, found {}",
                    op.name(),
                    match op.operand_type() {
                        ValueType::Integer => "a number",
                        ValueType::Boolean => "true or false",
                        _ => "a string",
                    },
                    kind_of(value)
                ),
            );
        }
    }

    fn loop_action(
        &mut self,
        inputs: &mut Map<String, Value>,
        path: &Trail<'_>,
        depth: usize,
    ) -> Loop {
        let iterators = inputs.field("Iterators").cloned();
        let condition_value = inputs.field("LoopCondition");
        if iterators.is_some() == condition_value.is_some() {
            self.report(
                Code::LoopShape,
                path.clone(),
                "aws:loop needs exactly one of Iterators and LoopCondition",
            );
        }
        if let Some(items) = iterators.as_ref().and_then(Value::as_array) {
            if items.len() > 100 {
                self.report(
                    Code::LoopShape,
                    path.key("Iterators"),
                    format!(
                        "Iterators lists {} items; at most 100 are allowed",
                        items.len()
                    ),
                );
            }
        }
        let loop_condition = condition_value.and_then(|v| {
            let cp = path.key("LoopCondition");
            let map = self.object(v, &cp, "LoopCondition")?;
            self.condition(map, None, &cp, 0)
        });
        let max_iterations = inputs.field("MaxIterations").cloned();
        if let Some(n) = max_iterations.as_ref().and_then(Value::as_i64) {
            if !(1..=100).contains(&n) {
                self.report(
                    Code::LoopShape,
                    path.key("MaxIterations"),
                    format!("MaxIterations is {n}; it must be between 1 and 100"),
                );
            }
        }
        let steps = match inputs.field_mut("Steps") {
            Some(Value::Array(items)) if !items.is_empty() => {
                if depth >= 8 {
                    self.report(
                        Code::LimitExceeded,
                        path.key("Steps"),
                        "loops nest more than 8 deep (limit)",
                    );
                    Vec::new()
                } else {
                    self.steps(items, &path.key("Steps"), depth + 1)
                }
            }
            Some(_) => {
                self.report(
                    Code::LoopShape,
                    path.key("Steps"),
                    "Steps must be a non-empty list of steps",
                );
                Vec::new()
            }
            None => Vec::new(),
        };
        Loop {
            iterators,
            iterator_data_type: inputs
                .field("IteratorDataType")
                .and_then(Value::as_str)
                .map(str::to_owned),
            loop_condition,
            max_iterations,
            steps,
        }
    }

    fn update_variable(&mut self, inputs: &Map<String, Value>, path: &Trail<'_>) -> UpdateVariable {
        let value = inputs.field("Value").cloned().unwrap_or(Value::Null);
        let raw = inputs
            .field("Name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let name = raw.strip_prefix("variable:").map(str::trim);
        match name {
            None if inputs.has("Name") => self.report(
                Code::UpdateVariable,
                path.key("Name"),
                format!("Name '{raw}' must be written variable:<name>"),
            ),
            None => {}
            Some(n) => match self.variables.get(n) {
                None => self.report(
                    Code::UpdateVariable,
                    path.key("Name"),
                    format!("variable '{n}' is not declared under variables"),
                ),
                Some(Some(ty))
                    if inputs.has("Value") && !is_placeholder(&value) && !ty.admits(&value) =>
                {
                    self.report(
                        Code::UpdateVariable,
                        path.key("Value"),
                        format!(
                            "variable '{n}' is {ty}, but the Value is {}",
                            kind_of(&value)
                        ),
                    );
                }
                Some(_) => {}
            },
        }
        UpdateVariable {
            name: name.unwrap_or(raw).to_owned(),
            value,
        }
    }

    fn script(&mut self, inputs: &Map<String, Value>, path: &Trail<'_>) {
        let runtime = inputs
            .field("Runtime")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if runtime.starts_with("python") && !inputs.has("Handler") {
            self.report(
                Code::ScriptShape,
                path.clone(),
                format!("aws:executeScript with Runtime {runtime} needs a Handler"),
            );
        }
        if !inputs.has("Script") && !inputs.has("Attachment") {
            self.report(
                Code::ScriptShape,
                path.clone(),
                "aws:executeScript needs a Script or an Attachment",
            );
        }
    }
}

/// Whether a string holds any `{{ }}` placeholder.
fn has_placeholder(text: &str) -> bool {
    template::has_placeholder(text)
}

/// Whether a value is a string that is exactly one `{{ }}` placeholder.
pub fn is_placeholder(value: &Value) -> bool {
    // Most strings are not placeholders: look before `whole` builds a reference.
    value
        .as_str()
        .is_some_and(|s| s.trim().starts_with("{{") && template::whole(s).is_some())
}

/// Key lookups on the small mappings of a runbook (a step, its inputs, a
/// choice): a scan of the keys in order, which for a few keys costs less
/// than hashing the key with `serde_json::Map`'s SipHash. Larger mappings
/// use the map's index. The answers are `get`'s: keys are unique.
trait Fields {
    fn field(&self, key: &str) -> Option<&Value>;
    fn field_mut(&mut self, key: &str) -> Option<&mut Value>;
    fn has(&self, key: &str) -> bool {
        self.field(key).is_some()
    }
}

/// Up to this many keys, [`Fields`] scans instead of hashing.
const SCAN_KEYS: usize = 16;

impl Fields for Map<String, Value> {
    fn field(&self, key: &str) -> Option<&Value> {
        if self.len() > SCAN_KEYS {
            return self.get(key);
        }
        self.iter().find_map(|(k, v)| (k == key).then_some(v))
    }

    fn field_mut(&mut self, key: &str) -> Option<&mut Value> {
        if self.len() > SCAN_KEYS {
            return self.get_mut(key);
        }
        self.iter_mut().find_map(|(k, v)| (k == key).then_some(v))
    }
}
