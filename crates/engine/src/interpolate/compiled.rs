//! Input values compiled once for repeated resolution: every placeholder
//! parsed when the runbook is compiled, not each time a step starts.
//!
//! Owns only the compiled form and its fast walk. The substitution rules
//! are [`super::resolve`]'s, followed step for step; whenever the fast walk
//! cannot produce a value (a reference with no value, a Parameter Store
//! reference, a nesting the scanner rejects), it hands the value as written
//! back to [`super::resolve`], so every error is exactly the one `resolve`
//! reports, with its path and reason.

use super::{Scope, Unresolved, lookup, text_of};
use crate::template::{self, Reference};
use serde_json::Value;

/// A value prepared for [`super::resolve`]-equivalent resolution, many
/// times over.
///
/// ```
/// use ssm_runbook_engine::interpolate::{resolve, MapScope, Template};
/// use serde_json::json;
/// let mut scope = MapScope::default();
/// scope.parameters.insert("Ids".into(), json!(["i-1", "i-2"]));
/// let raw = json!({"InstanceIds": ["{{ Ids }}", "i-3"], "Note": "ids={{Ids}}", "Missing": "{{ Nope }}"});
/// let template = Template::compile(&raw);
/// assert_eq!(template.resolve(&scope), resolve(&raw, &scope));
/// scope.parameters.insert("Nope".into(), json!(1));
/// assert_eq!(template.resolve(&scope).unwrap(), resolve(&raw, &scope).unwrap());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    node: Node,
    raw: Value,
}

#[derive(Debug, Clone, PartialEq)]
enum Node {
    /// Nothing to substitute: the value as written.
    Literal(Value),
    /// A string that is exactly one placeholder: the value, typed.
    Whole(Reference),
    /// Placeholders inside longer text.
    Text(Vec<Piece>),
    /// A list; an item that is exactly one placeholder may splice.
    Array(Vec<Item>),
    /// A map; keys are never interpolated.
    Object(Vec<(String, Node)>),
    /// What `resolve` rejects outright (a nesting): never resolved here.
    Rejected,
}

#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Text(String),
    Value(Reference),
}

#[derive(Debug, Clone, PartialEq)]
enum Item {
    /// Exactly one placeholder: a list value is spliced in.
    Splice(Reference),
    Node(Node),
}

impl Template {
    /// Parse every placeholder of `raw` once.
    pub fn compile(raw: &Value) -> Template {
        Template {
            node: compile(raw),
            raw: raw.clone(),
        }
    }

    /// The value as written.
    pub fn raw(&self) -> &Value {
        &self.raw
    }

    /// Whether resolving leaves the value as written: it holds no
    /// placeholder (text between `{{` and `}}` that names no reference
    /// stays literal).
    pub fn is_literal(&self) -> bool {
        matches!(self.node, Node::Literal(_))
    }

    /// Visit each placeholder's reference in resolution order. Returns
    /// `false`, stopping early, when `visit` does, or where the result
    /// could depend on more than the referenced values: a Parameter Store
    /// reference, or a nesting that `resolve` rejects. When it returns
    /// `true` and every reference has a value, [`Self::resolve`] is a
    /// function of those values alone.
    ///
    /// ```
    /// use ssm_runbook_engine::interpolate::Template;
    /// use serde_json::json;
    /// let t = Template::compile(&json!({"A": "{{ Env }}", "B": ["x-{{ Deploy.Id }}"]}));
    /// let mut seen = Vec::new();
    /// assert!(t.each_reference(&mut |r| { seen.push(r.to_string()); true }));
    /// assert_eq!(seen, ["Env", "Deploy.Id"]);
    /// assert!(!Template::compile(&json!("{{ ssm:/p }}")).each_reference(&mut |_| true));
    /// ```
    pub fn each_reference(&self, visit: &mut dyn FnMut(&Reference) -> bool) -> bool {
        each_reference(&self.node, visit)
    }

    /// What [`super::resolve`] gives for the value as written.
    pub fn resolve(&self, scope: &dyn Scope) -> Result<Value, Unresolved> {
        match walk(&self.node, scope) {
            Some(value) => Ok(value),
            None => super::resolve(&self.raw, scope),
        }
    }
}

fn compile(value: &Value) -> Node {
    match value {
        Value::String(text) => compile_string(text),
        Value::Array(items) => {
            let nodes: Vec<Item> = items
                .iter()
                .map(|item| {
                    match item
                        .as_str()
                        .filter(|t| t.contains("{{"))
                        .and_then(template::whole)
                    {
                        Some(reference) => Item::Splice(reference),
                        None => Item::Node(compile(item)),
                    }
                })
                .collect();
            if nodes
                .iter()
                .all(|n| matches!(n, Item::Node(Node::Literal(_))))
            {
                Node::Literal(value.clone())
            } else {
                Node::Array(nodes)
            }
        }
        Value::Object(map) => {
            let nodes: Vec<(String, Node)> =
                map.iter().map(|(k, v)| (k.clone(), compile(v))).collect();
            if nodes.iter().all(|(_, n)| matches!(n, Node::Literal(_))) {
                Node::Literal(value.clone())
            } else {
                Node::Object(nodes)
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => Node::Literal(value.clone()),
    }
}

fn compile_string(text: &str) -> Node {
    if !text.contains("{{") {
        return Node::Literal(Value::String(text.to_owned()));
    }
    if let Some(reference) = template::whole(text) {
        return Node::Whole(reference);
    }
    let Ok(found) = template::placeholders(text) else {
        return Node::Rejected;
    };
    if found.is_empty() {
        return Node::Literal(Value::String(text.to_owned()));
    }
    let mut pieces = Vec::with_capacity(found.len() * 2 + 1);
    let mut last = 0;
    for p in found {
        pieces.push(Piece::Text(
            text.get(last..p.range.start).unwrap_or_default().to_owned(),
        ));
        pieces.push(Piece::Value(p.reference));
        last = p.range.end;
    }
    pieces.push(Piece::Text(text.get(last..).unwrap_or_default().to_owned()));
    Node::Text(pieces)
}

/// The resolved value, or `None` where `resolve` would report an error.
fn walk(node: &Node, scope: &dyn Scope) -> Option<Value> {
    match node {
        Node::Literal(value) => Some(value.clone()),
        Node::Whole(reference) => fetch(reference, scope),
        Node::Text(pieces) => {
            let mut out = String::new();
            for piece in pieces {
                match piece {
                    Piece::Text(text) => out.push_str(text),
                    Piece::Value(reference) => out.push_str(&text_of(&fetch(reference, scope)?)),
                }
            }
            Some(Value::String(out))
        }
        Node::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    Item::Splice(reference) => match fetch(reference, scope)? {
                        Value::Array(spliced) => out.extend(spliced),
                        other => out.push(other),
                    },
                    Item::Node(node) => out.push(walk(node, scope)?),
                }
            }
            Some(Value::Array(out))
        }
        Node::Object(entries) => {
            let mut out = serde_json::Map::with_capacity(entries.len());
            for (key, node) in entries {
                out.insert(key.clone(), walk(node, scope)?);
            }
            Some(Value::Object(out))
        }
        Node::Rejected => None,
    }
}

fn each_reference(node: &Node, visit: &mut dyn FnMut(&Reference) -> bool) -> bool {
    let mut one =
        |reference: &Reference| !matches!(reference, Reference::Ssm(_)) && visit(reference);
    match node {
        Node::Literal(_) => true,
        Node::Whole(reference) => one(reference),
        Node::Text(pieces) => pieces.iter().all(|piece| match piece {
            Piece::Text(_) => true,
            Piece::Value(reference) => one(reference),
        }),
        Node::Array(items) => items.iter().all(|item| match item {
            Item::Splice(reference) => one(reference),
            Item::Node(node) => each_reference(node, &mut one),
        }),
        Node::Object(entries) => entries
            .iter()
            .all(|(_, node)| each_reference(node, &mut one)),
        Node::Rejected => false,
    }
}

fn fetch(reference: &Reference, scope: &dyn Scope) -> Option<Value> {
    match reference {
        Reference::Ssm(_) => None,
        _ => lookup(reference, scope),
    }
}

#[cfg(test)]
mod tests {
    use super::super::{MapScope, resolve};
    use super::*;
    use serde_json::json;

    fn scope() -> MapScope {
        let mut scope = MapScope::default();
        scope.parameters.insert("Ids".into(), json!(["i-1", "i-2"]));
        scope.parameters.insert("Count".into(), json!(3));
        scope
            .step_outputs
            .insert("Deploy.Health".into(), json!("Success"));
        scope
            .system
            .insert("global:REGION".into(), json!("eu-west-1"));
        scope
    }

    #[test]
    fn every_form_resolves_as_resolve_does() {
        let cases = [
            json!("plain"),
            json!("{{ Count }}"),
            json!("  {{Deploy.Health}} "),
            json!("n={{ Count }} in {{ global:REGION }}, ids {{ Ids }}"),
            json!(["{{ Ids }}", "i-3", "{{ Count }}", ["{{ Ids }}"]]),
            json!({"A": {"B": ["x", "{{ Deploy.Health }}"]}, "C": 1, "D": null}),
            json!([{"NextStep": "Go", "Variable": "{{ Deploy.Health }}", "StringEquals": "Success"}]),
            json!("{{ x + 1 }} stays"),
            json!("{{ Missing }}"),
            json!("a {{ Missing }} b"),
            json!(["{{ Missing }}"]),
            json!("{{ ssm:/my/param }}"),
            json!("{{ {{ Count }} }}"),
            json!({"Deep": ["ok", {"K": "{{ Nope.Out }}"}]}),
        ];
        let scope = scope();
        for raw in cases {
            let template = Template::compile(&raw);
            assert_eq!(template.resolve(&scope), resolve(&raw, &scope), "{raw}");
            assert_eq!(template.raw(), &raw);
        }
    }

    fn value() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let texts = prop::sample::select(vec![
            "plain",
            "{{ Count }}",
            " {{Ids}} ",
            "x {{ Deploy.Health }} y {{ Ids }}",
            "{{ Missing }}",
            "a {{ Missing.Out }}",
            "{{ ssm:/p }}",
            "{{ {{ Count }} }}",
            "{{ x + 1 }}",
            "{{ global:REGION }}",
            "{{",
            "}} {{ Count",
        ]);
        let leaf = prop_oneof![
            texts.prop_map(|t| json!(t)),
            any::<i64>().prop_map(|n| json!(n)),
            any::<bool>().prop_map(|b| json!(b)),
            Just(Value::Null),
        ];
        leaf.prop_recursive(4, 32, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::vec(("[A-C]", inner), 0..4)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    proptest::proptest! {
        #[test]
        fn a_template_resolves_exactly_as_resolve(raw in value()) {
            let scope = scope();
            let template = Template::compile(&raw);
            proptest::prop_assert_eq!(template.resolve(&scope), resolve(&raw, &scope));
        }
    }

    #[test]
    fn values_without_placeholders_compile_to_literals() {
        assert!(Template::compile(&json!({"A": ["x", 1, {"B": null}]})).is_literal());
        assert!(Template::compile(&json!("{{ x + 1 }}")).is_literal());
        assert!(!Template::compile(&json!(["x", "{{ Count }}"])).is_literal());
    }
}
