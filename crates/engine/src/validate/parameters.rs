//! Rules on parameter and variable definitions: defaults against their
//! type, allowedValues, allowedPattern and length limits.
//!
//! Runs on the lowered document; what lowering already reported (an unknown
//! type, a bad attribute type) is not reported again here.

use crate::diagnostic::{Code, Diagnostic};
use crate::document::{Document, Parameter, ParameterType, ResourceType};
use crate::path::Trail;
use crate::template;
use crate::value::{ValueType, kind_of};
use serde_json::Value;
use std::sync::OnceLock;

pub(super) fn check(doc: &Document, out: &mut Vec<Diagnostic>) {
    let base = Trail::Root.key("parameters");
    for (name, p) in &doc.parameters {
        check_parameter(name, p, &base.key(name), out);
    }
    let base = Trail::Root.key("variables");
    for (name, v) in &doc.variables {
        let (Some(ty), Some(default)) = (v.ty, &v.default) else {
            continue;
        };
        if !admits_variable(ty, default) {
            out.push(Diagnostic::new(
                Code::VariableDefinition,
                base.key(name).key("default").to_path(),
                format!(
                    "variable '{name}' is {ty}, but its default is {}",
                    kind_of(default)
                ),
            ));
        }
    }
}

/// A variable default may also be JSON text of a map or list type.
fn admits_variable(ty: ValueType, value: &Value) -> bool {
    ty.admits(value)
        || matches!(
            ty,
            ValueType::StringMap | ValueType::MapList | ValueType::StringList
        ) && value
            .as_str()
            .and_then(|s| serde_json::from_str::<Value>(s).ok())
            .is_some_and(|v| ty.admits(&v))
}

/// Compile an `allowedPattern` the way SSM reads it: with Java's semantics,
/// where `\w`, `\d`, `\s`, `\b` and case-insensitive matching are ASCII-only.
///
/// ASCII mode is also what keeps real patterns small: in Unicode mode the
/// role-ARN pattern AWS publishes (`[\w/.@+=,-]{1,1017}`) takes ~100 ms to
/// compile and then fails the regex crate's size limit (so a valid pattern was
/// reported as SSM104); in ASCII mode it compiles in under a millisecond. A
/// pattern ASCII mode refuses (`\p{L}`, or `.` and negated classes, which can
/// match non-ASCII text) is compiled again in Unicode mode.
fn check_parameter(name: &str, p: &Parameter, at: &Trail<'_>, out: &mut Vec<Diagnostic>) {
    // Parsing is cheap; compiling is not, so a pattern is only compiled
    // when there is a default to check against it.
    let pattern_ok = p.allowed_pattern.as_deref().is_none_or(|pat| {
        let ok = super::patterns::parses(pat);
        if !ok {
            out.push(Diagnostic::new(
                Code::ParameterPattern,
                at.key("allowedPattern").to_path(),
                format!("allowedPattern of '{name}' uses syntax this tool cannot check (Java-only regex features); values are not checked against it"),
            ));
        }
        ok
    });
    if let (Some(lo), Some(hi)) = (p.min_items, p.max_items) {
        if lo > hi {
            out.push(Diagnostic::new(
                Code::ParameterAttribute,
                at.key("minItems").to_path(),
                format!("minItems {lo} is above maxItems {hi}"),
            ));
        }
    }
    if let (Some(lo), Some(hi)) = (p.min_chars, p.max_chars) {
        if lo > hi {
            out.push(Diagnostic::new(
                Code::ParameterAttribute,
                at.key("minChars").to_path(),
                format!("minChars {lo} is above maxChars {hi}"),
            ));
        }
    }
    let (Some(ty), Some(default)) = (p.ty, &p.default) else {
        return;
    };
    let dp = at.key("default");
    // A default built from placeholders ({{ssm:...}}, {{ global:... }},
    // other parameters) is only known at start; references are checked by
    // the references rules.
    if default.as_str().is_some_and(template::has_placeholder) {
        return;
    }
    let json_text = matches!(ty.value_type(), ValueType::StringMap | ValueType::MapList)
        && default.as_str().is_some_and(|s| {
            s.trim().is_empty()
                || serde_json::from_str::<Value>(s).is_ok_and(|v| ty.value_type().admits(&v))
        });
    if !json_text && !ty.value_type().admits(default) {
        out.push(Diagnostic::new(
            Code::ParameterDefault,
            dp.to_path(),
            format!(
                "Wrong default value for a \"{}\" parameters: '{name}' defaults to {}",
                ty.name(),
                kind_of(default)
            ),
        ));
        return;
    }
    // An empty string is the conventional "not given" default of optional
    // parameters; SSM accepts it whatever the pattern says.
    if default.as_str() == Some("") {
        return;
    }
    let pattern = p
        .allowed_pattern
        .as_deref()
        .filter(|_| pattern_ok)
        .and_then(super::patterns::compile_shared);
    for problem in value_problems(name, p, ty, pattern.as_deref(), default) {
        out.push(Diagnostic::new(
            Code::DefaultNotAllowed,
            dp.to_path(),
            problem,
        ));
    }
}

/// Why a (typed) value breaks a parameter's constraints, one line each.
/// Shared with start-parameter checking.
pub fn value_problems(
    name: &str,
    p: &Parameter,
    ty: ParameterType,
    pattern: Option<&regex::Regex>,
    value: &Value,
) -> Vec<String> {
    let mut problems = Vec::new();
    let items: Vec<&Value> = match value {
        Value::Array(a) => a.iter().collect(),
        other => vec![other],
    };
    if let Some(allowed) = &p.allowed_values {
        for item in &items {
            if !allowed.iter().any(|a| a == *item || same_text(a, item)) {
                let shown: Vec<String> = allowed
                    .iter()
                    .map(|a| scalar_text(a).unwrap_or_else(|| a.to_string()))
                    .collect();
                problems.push(format!(
                    "Parameter \"{name}\" has value \"{}\" not found in [{}].",
                    scalar_text(item).unwrap_or_else(|| item.to_string()),
                    shown.join(", ")
                ));
            }
        }
    }
    let resource = match ty {
        ParameterType::Resource(r) | ParameterType::ResourceList(r) => resource_pattern(r),
        ParameterType::Value(_) => None,
    };
    for re in [pattern, resource].into_iter().flatten() {
        for item in &items {
            if let Some(text) = scalar_text(item) {
                if !re.is_match(&text) {
                    problems.push(format!(
                        "Parameter \"{name}\" value \"{text}\" does not match the pattern {}",
                        re.as_str()
                    ));
                }
            }
        }
    }
    if let Some(text) = value.as_str() {
        let n = text.chars().count() as u64;
        if p.min_chars.is_some_and(|m| n < m) || p.max_chars.is_some_and(|m| n > m) {
            problems.push(format!(
                "Parameter \"{name}\" value has {n} characters, outside minChars/maxChars"
            ));
        }
    }
    if let Some(list) = value.as_array() {
        let n = list.len() as u64;
        if p.min_items.is_some_and(|m| n < m) || p.max_items.is_some_and(|m| n > m) {
            problems.push(format!(
                "Parameter \"{name}\" value has {n} items, outside minItems/maxItems"
            ));
        }
    }
    if let Some(n) = value.as_i64() {
        if p.min_value.is_some_and(|m| n < m) || p.max_value.is_some_and(|m| n > m) {
            problems.push(format!(
                "Parameter \"{name}\" value {n} is outside minValue/maxValue"
            ));
        }
    }
    problems
}

/// The compiled pattern of a resource type, compiled once per process.
fn resource_pattern(r: ResourceType) -> Option<&'static regex::Regex> {
    static COMPILED: [OnceLock<Option<regex::Regex>>; 3] =
        [OnceLock::new(), OnceLock::new(), OnceLock::new()];
    let slot = match r {
        ResourceType::Ec2InstanceId => &COMPILED[0],
        ResourceType::S3BucketName => &COMPILED[1],
        ResourceType::IamRoleArn => &COMPILED[2],
    };
    slot.get_or_init(|| regex::Regex::new(r.pattern()).ok())
        .as_ref()
}

/// Whether two values read as the same text ([`scalar_text`], without
/// allocating for two strings).
fn same_text(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) => x == y,
        _ => scalar_text(a) == scalar_text(b),
    }
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::patterns::compile as compile_allowed_pattern;

    #[test]
    fn allowed_patterns_compile_with_java_semantics() {
        let re = compile_allowed_pattern(r"^[\w/.@+=,-]{1,1017}$").expect("compiles");
        assert!(re.is_match("my-role") && !re.is_match("é"));
        let unicode = compile_allowed_pattern(r"^\p{L}+$").unwrap();
        assert!(unicode.is_match("é"));
        let dot = compile_allowed_pattern(r"^.{1,3}$").unwrap();
        assert!(dot.is_match("é"));
        assert!(compile_allowed_pattern(r"^(?!xn--)").is_none());
    }
}
