//! Properties: what must (or may) hold over the explored executions.
//!
//! A property pairs a name with a specification pattern — `never`,
//! `always`, `sometimes`, `eventually`, `before` (precedence) and `after`
//! (response) — over state predicates. Predicates are closures over an
//! [`Execution`], so Rust users write them directly; the YAML forms
//! (`{step, status}`, `{execution}`, `{output, equals}`, `all`/`any`/`not`)
//! compile into the same closures, with step names and statuses checked
//! against the runbook. This module evaluates nothing over paths: the
//! explorer does that.

use serde_json::Value;
use ssm_runbook_engine::execution::{Execution, Status};
use ssm_runbook_engine::runbook::Runbook;
use std::fmt;
use std::sync::Arc;

/// A predicate over one state of an execution.
pub type Condition = Arc<dyn Fn(&Execution) -> bool + Send + Sync>;

/// The specification pattern of a property.
#[derive(Clone)]
pub enum Pattern {
    /// The condition holds in no reachable state.
    Never(Condition),
    /// The condition holds in every reachable state.
    Always(Condition),
    /// Some reachable state satisfies the condition.
    Sometimes(Condition),
    /// Every complete path passes through a state satisfying the condition.
    Eventually(Condition),
    /// `then` never holds unless `first` held at or before that state.
    Before {
        /// What must come first.
        first: Condition,
        /// What may only follow.
        then: Condition,
    },
    /// Once `trigger` holds, `then` holds later (or at once) on every
    /// complete path.
    After {
        /// What creates the obligation.
        trigger: Condition,
        /// What discharges it.
        then: Condition,
    },
}

impl Pattern {
    /// The pattern's keyword.
    pub fn keyword(&self) -> &'static str {
        match self {
            Pattern::Never(_) => "never",
            Pattern::Always(_) => "always",
            Pattern::Sometimes(_) => "sometimes",
            Pattern::Eventually(_) => "eventually",
            Pattern::Before { .. } => "before",
            Pattern::After { .. } => "after",
        }
    }

    /// Whether checking the pattern needs a bit of memory along the path.
    pub(crate) fn needs_memory(&self) -> bool {
        matches!(
            self,
            Pattern::Eventually(_) | Pattern::Before { .. } | Pattern::After { .. }
        )
    }
}

/// A named property.
///
/// ```
/// use ssm_runbook_check::property::Property;
/// use ssm_runbook_engine::execution::Status;
/// let p = Property::eventually("ends", |ex| ex.status().is_terminal());
/// assert_eq!(p.name, "ends");
/// let q = Property::never("no failure", |ex| ex.status() == Status::Failed);
/// assert_eq!(q.pattern.keyword(), "never");
/// ```
#[derive(Clone)]
pub struct Property {
    /// The name shown in reports.
    pub name: String,
    /// What it says.
    pub pattern: Pattern,
}

impl fmt::Debug for Property {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Property({}: {})", self.name, self.pattern.keyword())
    }
}

fn cond(f: impl Fn(&Execution) -> bool + Send + Sync + 'static) -> Condition {
    Arc::new(f)
}

impl Property {
    /// `f` holds in no reachable state.
    pub fn never(
        name: impl Into<String>,
        f: impl Fn(&Execution) -> bool + Send + Sync + 'static,
    ) -> Property {
        Property {
            name: name.into(),
            pattern: Pattern::Never(cond(f)),
        }
    }

    /// `f` holds in every reachable state.
    pub fn always(
        name: impl Into<String>,
        f: impl Fn(&Execution) -> bool + Send + Sync + 'static,
    ) -> Property {
        Property {
            name: name.into(),
            pattern: Pattern::Always(cond(f)),
        }
    }

    /// Some reachable state satisfies `f`.
    pub fn sometimes(
        name: impl Into<String>,
        f: impl Fn(&Execution) -> bool + Send + Sync + 'static,
    ) -> Property {
        Property {
            name: name.into(),
            pattern: Pattern::Sometimes(cond(f)),
        }
    }

    /// Every complete path reaches a state satisfying `f`.
    pub fn eventually(
        name: impl Into<String>,
        f: impl Fn(&Execution) -> bool + Send + Sync + 'static,
    ) -> Property {
        Property {
            name: name.into(),
            pattern: Pattern::Eventually(cond(f)),
        }
    }

    /// `then` never holds unless `first` has held at or before that state.
    pub fn before(
        name: impl Into<String>,
        first: impl Fn(&Execution) -> bool + Send + Sync + 'static,
        then: impl Fn(&Execution) -> bool + Send + Sync + 'static,
    ) -> Property {
        Property {
            name: name.into(),
            pattern: Pattern::Before {
                first: cond(first),
                then: cond(then),
            },
        }
    }

    /// Once `trigger` holds, `then` eventually holds on every complete path.
    pub fn after(
        name: impl Into<String>,
        trigger: impl Fn(&Execution) -> bool + Send + Sync + 'static,
        then: impl Fn(&Execution) -> bool + Send + Sync + 'static,
    ) -> Property {
        Property {
            name: name.into(),
            pattern: Pattern::After {
                trigger: cond(trigger),
                then: cond(then),
            },
        }
    }

    /// Read a property from its YAML form, checking names against the
    /// runbook.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use ssm_runbook_check::property::Property;
    /// use ssm_runbook_engine::{runbook::Runbook, validate::validate_text};
    /// let doc = validate_text("schemaVersion: '0.3'\nmainSteps:\n- {name: Gate, action: aws:pause, inputs: {}}\n").document.unwrap();
    /// let rb = Runbook::compile(doc, "Demo", "1").unwrap();
    /// let yaml: serde_json::Value = serde_json::json!(
    ///     {"name": "gate waits", "sometimes": {"step": "Gate", "status": "Waiting"}});
    /// assert!(Property::from_value(&yaml, &rb).is_ok());
    /// let bad = serde_json::json!({"name": "x", "never": {"step": "Nope", "status": "Success"}});
    /// assert!(Property::from_value(&bad, &rb).unwrap_err().contains("Nope"));
    /// ```
    pub fn from_value(value: &Value, runbook: &Runbook) -> Result<Property, String> {
        let Value::Object(map) = value else {
            return Err("a property is a map with a name and one pattern".into());
        };
        let name = match map.get("name") {
            Some(Value::String(s)) => s.clone(),
            Some(_) => return Err("a property's name is a string".into()),
            None => return Err("a property needs a name".into()),
        };
        let at = |what: &str| format!("property '{name}': {what}");
        let patterns: Vec<&String> = map.keys().filter(|k| *k != "name").collect();
        let [keyword] = patterns.as_slice() else {
            return Err(at(
                "give exactly one of never, always, sometimes, eventually, before, after",
            ));
        };
        let body = &map[keyword.as_str()];
        let one = |v: &Value| predicate(v, runbook).map_err(|e| at(&e));
        let two = |a: &str, b: &str| -> Result<(Condition, Condition), String> {
            let Value::Object(m) = body else {
                return Err(at(&format!("{keyword} takes a map with {a} and {b}")));
            };
            if let Some(extra) = m.keys().find(|k| *k != a && *k != b) {
                return Err(at(&format!("{keyword} has no field '{extra}'")));
            }
            let get = |k: &str| {
                m.get(k)
                    .ok_or_else(|| at(&format!("{keyword} needs {k}")))
                    .and_then(one)
            };
            Ok((get(a)?, get(b)?))
        };
        let pattern = match keyword.as_str() {
            "never" => Pattern::Never(one(body)?),
            "always" => Pattern::Always(one(body)?),
            "sometimes" => Pattern::Sometimes(one(body)?),
            "eventually" => Pattern::Eventually(one(body)?),
            "before" => {
                let (first, then) = two("first", "then")?;
                Pattern::Before { first, then }
            }
            "after" => {
                let (trigger, then) = two("trigger", "then")?;
                Pattern::After { trigger, then }
            }
            other => {
                return Err(at(&format!(
                    "'{other}' is not one of never, always, sometimes, eventually, before, after"
                )));
            }
        };
        Ok(Property { name, pattern })
    }
}

fn statuses(v: &Value) -> Result<Vec<Status>, String> {
    let one = |v: &Value| {
        match v {
        Value::String(s) => Status::parse(s).ok_or_else(|| {
            format!("'{s}' is not a status (Pending, InProgress, Waiting, Success, TimedOut, Cancelling, Cancelled, Failed, Exited, ...)")
        }),
        other => Err(format!("a status is a string, not {other}")),
    }
    };
    match v {
        Value::Array(items) if !items.is_empty() => items.iter().map(one).collect(),
        Value::Array(_) => Err("an empty list of statuses never holds".into()),
        v => Ok(vec![one(v)?]),
    }
}

fn step_exists(runbook: &Runbook, step: &str) -> Result<(), String> {
    if runbook.index_of(step).is_some() {
        Ok(())
    } else {
        Err(format!("the runbook has no step named '{step}'"))
    }
}

/// Compile one YAML predicate into a condition.
///
/// Forms: `{step: NAME, status: S | [S, ...]}` (some execution of the step
/// has one of the statuses), `{execution: S | [S, ...]}`, `{output:
/// "Step.Name", equals: VALUE}` (some execution of the step has that
/// output; strings also match numbers and booleans by their text),
/// `{parameter: NAME, equals: VALUE}` (the execution's parameter value),
/// and `{all: [...]}`, `{any: [...]}`, `{not: P}`.
pub fn predicate(v: &Value, runbook: &Runbook) -> Result<Condition, String> {
    let Value::Object(m) = v else {
        return Err(format!("a predicate is a map, not {v}"));
    };
    let keys: Vec<&str> = m.keys().map(String::as_str).collect();
    let only = |allowed: &[&str]| -> Result<(), String> {
        match keys.iter().find(|k| !allowed.contains(k)) {
            Some(k) => Err(format!("unexpected '{k}' in predicate {v}")),
            None => Ok(()),
        }
    };
    if let Some(step) = m.get("step") {
        only(&["step", "status"])?;
        let Value::String(step) = step else {
            return Err("step is a step name".into());
        };
        step_exists(runbook, step)?;
        let wanted = statuses(m.get("status").ok_or("{step} needs a status")?)?;
        let step = step.clone();
        let ix = runbook.index_of(&step);
        let pending = wanted.contains(&Status::Pending);
        return Ok(cond(move |ex| {
            ex.step_records()
                .any(|s| *s.step_name == *step && wanted.contains(&s.status))
                || (pending && ix.is_some_and(|ix| ex.not_yet_run(ix)))
        }));
    }
    if let Some(status) = m.get("execution") {
        only(&["execution"])?;
        let wanted = statuses(status)?;
        return Ok(cond(move |ex| wanted.contains(&ex.status())));
    }
    if let Some(output) = m.get("output") {
        only(&["output", "equals"])?;
        let Value::String(output) = output else {
            return Err("output is 'Step.Name'".into());
        };
        let Some((step, name)) = output.split_once('.') else {
            return Err(format!("output '{output}' is not 'Step.Name'"));
        };
        step_exists(runbook, step)?;
        let equals = m.get("equals").ok_or("{output} needs equals")?.clone();
        let (step, name) = (step.to_owned(), name.to_owned());
        return Ok(cond(move |ex| {
            ex.step_records().any(|s| {
                *s.step_name == *step && s.outputs.get(&name).is_some_and(|v| same(v, &equals))
            })
        }));
    }
    if let Some(parameter) = m.get("parameter") {
        only(&["parameter", "equals"])?;
        let Value::String(parameter) = parameter else {
            return Err("parameter is a parameter name".into());
        };
        if !runbook.document.parameters.contains_key(parameter) {
            return Err(format!("the runbook declares no parameter '{parameter}'"));
        }
        let equals = m.get("equals").ok_or("{parameter} needs equals")?.clone();
        let parameter = parameter.clone();
        return Ok(cond(move |ex| {
            ex.parameters()
                .get(&parameter)
                .is_some_and(|v| same(v, &equals))
        }));
    }
    let list = |key: &str| -> Result<Vec<Condition>, String> {
        match m.get(key) {
            Some(Value::Array(items)) if !items.is_empty() => {
                items.iter().map(|i| predicate(i, runbook)).collect()
            }
            _ => Err(format!("{key} takes a non-empty list of predicates")),
        }
    };
    if m.contains_key("all") {
        only(&["all"])?;
        let parts = list("all")?;
        return Ok(cond(move |ex| parts.iter().all(|p| p(ex))));
    }
    if m.contains_key("any") {
        only(&["any"])?;
        let parts = list("any")?;
        return Ok(cond(move |ex| parts.iter().any(|p| p(ex))));
    }
    if let Some(inner) = m.get("not") {
        only(&["not"])?;
        let inner = predicate(inner, runbook)?;
        return Ok(cond(move |ex| !inner(ex)));
    }
    Err(format!(
        "predicate {v} is none of step/status, execution, output/equals, parameter/equals, all, any, not"
    ))
}

/// Output values compare as JSON, and a string also matches a scalar by
/// its text (outputs selected as String are often compared with numbers).
fn same(actual: &Value, wanted: &Value) -> bool {
    if actual == wanted {
        return true;
    }
    match (actual, wanted) {
        (Value::String(a), Value::Number(_) | Value::Bool(_)) => {
            a.as_str() == wanted.to_string().as_str()
        }
        (Value::Number(_) | Value::Bool(_), Value::String(w)) => {
            actual.to_string().as_str() == w.as_str()
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use ssm_runbook_engine::validate::validate_text;

    fn runbook() -> Runbook {
        let doc = validate_text(
            "schemaVersion: '0.3'\nparameters:\n  Env: {type: String, default: dev}\nmainSteps:\n- {name: A, action: aws:pause, inputs: {}}\n- {name: B, action: aws:sleep, inputs: {Duration: PT1M}}\n",
        )
        .document
        .expect("document");
        Runbook::compile(doc, "T", "1").expect("compiles")
    }

    #[test]
    fn every_form_compiles_and_errors_name_the_problem() {
        let rb = runbook();
        for ok in [
            json!({"step": "A", "status": ["Success", "Failed"]}),
            json!({"execution": "Success"}),
            json!({"output": "A.Value", "equals": 3}),
            json!({"all": [{"execution": "Success"}, {"not": {"step": "B", "status": "Failed"}}]}),
            json!({"any": [{"execution": "Failed"}]}),
            json!({"parameter": "Env", "equals": "prod"}),
        ] {
            assert!(predicate(&ok, &rb).is_ok(), "{ok}");
        }
        for (bad, says) in [
            (
                json!({"step": "Z", "status": "Success"}),
                "no step named 'Z'",
            ),
            (
                json!({"step": "A", "status": "Done"}),
                "'Done' is not a status",
            ),
            (json!({"step": "A"}), "needs a status"),
            (json!({"execution": []}), "empty list"),
            (json!({"output": "AValue", "equals": 1}), "not 'Step.Name'"),
            (json!({"all": []}), "non-empty list"),
            (
                json!({"step": "A", "status": "Success", "x": 1}),
                "unexpected 'x'",
            ),
            (json!({"bogus": 1}), "none of"),
            (
                json!({"parameter": "Nope", "equals": 1}),
                "no parameter 'Nope'",
            ),
            (json!("A"), "is a map"),
        ] {
            let e = predicate(&bad, &rb).err().unwrap_or_default();
            assert!(e.contains(says), "{bad}: {e}");
        }
    }

    #[test]
    fn properties_need_one_pattern_and_the_right_fields() {
        let rb = runbook();
        for (bad, says) in [
            (json!({"never": {"execution": "Failed"}}), "needs a name"),
            (json!({"name": "p"}), "exactly one"),
            (
                json!({"name": "p", "never": {"execution": "Failed"}, "always": {"execution": "Failed"}}),
                "exactly one",
            ),
            (
                json!({"name": "p", "before": {"first": {"execution": "Failed"}}}),
                "needs then",
            ),
            (
                json!({"name": "p", "after": {"trigger": {"execution": "Failed"}, "then": {"execution": "Failed"}, "x": 1}}),
                "no field 'x'",
            ),
            (
                json!({"name": "p", "soon": {"execution": "Failed"}}),
                "'soon' is not",
            ),
        ] {
            let e = Property::from_value(&bad, &rb).err().unwrap_or_default();
            assert!(e.contains(says), "{bad}: {e}");
        }
    }

    #[test]
    fn strings_match_scalars_by_text() {
        assert!(same(&json!("3"), &json!(3)));
        assert!(same(&json!(true), &json!("true")));
        assert!(!same(&json!("3"), &json!(4)));
    }
}
