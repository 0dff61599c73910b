//! JSONPath output selectors: reading a step output out of an action's
//! response, and turning the selected JSON into the output's declared type.
//!
//! This module owns the selector grammar step `outputs` use (root `$`,
//! `.name` and `['name']` children, `[n]` indexes, `[*]` / `.*` wildcards and
//! `..` deep scan) and the conversion of a selected value to one of the six
//! value types. It must not know about steps, actions or executions: the
//! caller hands it a response and a selector string and gets data back.
//!
//! Choices where SSM's documentation is silent:
//!
//! * A selector without the leading `$` (`InstanceIds[0]`, `Payload.KeyName`)
//!   reads from the root as if `$.` were written; published AWS runbooks
//!   write selectors that way.
//! * A negative index counts from the end (`[-1]` is the last item), as in
//!   the Java JSONPath library SSM is built on.
//! * A *definite* selector (no wildcard, no deep scan) that finds nothing
//!   gives `None`. An *indefinite* one always gives a list of every match,
//!   possibly empty, in document order (deep scan visits a node before its
//!   children).
//! * Filters (`[?(...)]`), slices (`[0:2]`), unions (`['a','b']`) and script
//!   expressions are rejected as unsupported: SSM documents none of them.

use crate::value::{ValueType, kind_of};
use serde_json::Value;

/// A selector that cannot be read.
///
/// ```
/// use ssm_runbook_engine::selector::select;
/// let err = select(&serde_json::json!({}), "$.a[").unwrap_err();
/// assert_eq!(err.position, 4);
/// assert_eq!(err.to_string(), "invalid selector '$.a[' at character 4: '[' is not closed");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid selector '{selector}' at character {position}: {message}")]
pub struct SelectorError {
    /// The selector as given.
    pub selector: String,
    /// 1-based character position of the problem in `selector`.
    pub position: usize,
    /// What is wrong.
    pub message: String,
}

/// A selected value that the output's declared type cannot hold.
///
/// ```
/// use ssm_runbook_engine::selector::convert;
/// use ssm_runbook_engine::value::ValueType;
/// let err = convert(&serde_json::json!("abc"), ValueType::Integer).unwrap_err();
/// assert_eq!(err.to_string(), "expected Integer, found a string \"abc\"");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected {expected}, found {found}")]
pub struct ConversionError {
    /// The declared output type.
    pub expected: ValueType,
    /// What the selector found, described for people (`a string "abc"`).
    pub found: String,
}

/// What one step of a selector applies to each current node.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Target {
    /// A map entry by key.
    Child(String),
    /// A list item; negative counts from the end.
    Index(i64),
    /// Every entry of a map or item of a list.
    Wildcard,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Step {
    /// Apply the target to the current nodes.
    Plain(Target),
    /// Apply the target to the current nodes and all their descendants.
    Deep(Target),
}

/// A parsed JSONPath selector.
///
/// ```
/// use ssm_runbook_engine::selector::Selector;
/// use serde_json::json;
/// let s = Selector::parse("$.Reservations[0].Instances[*].InstanceId").unwrap();
/// assert!(!s.is_definite());
/// let response = json!({"Reservations": [{"Instances": [{"InstanceId": "i-1"}, {"InstanceId": "i-2"}]}]});
/// assert_eq!(s.select(&response), Some(json!(["i-1", "i-2"])));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Selector {
    steps: Vec<Step>,
}

impl Selector {
    /// Parse a selector; see the module documentation for the grammar.
    pub fn parse(selector: &str) -> Result<Selector, SelectorError> {
        Parser {
            src: selector,
            at: 0,
        }
        .selector()
    }

    /// Whether the selector names at most one node (no wildcard, no deep
    /// scan). Indefinite selectors always select a list.
    pub fn is_definite(&self) -> bool {
        self.steps
            .iter()
            .all(|s| matches!(s, Step::Plain(Target::Child(_) | Target::Index(_))))
    }

    /// Apply the selector to a response: `None` when a definite selector
    /// finds nothing; a list of all matches for an indefinite one.
    pub fn select(&self, response: &Value) -> Option<Value> {
        let mut nodes = vec![response];
        for step in &self.steps {
            let mut next = Vec::new();
            match step {
                Step::Plain(target) => {
                    for node in nodes {
                        apply(target, node, &mut next);
                    }
                }
                Step::Deep(target) => {
                    for node in nodes {
                        for inner in descendants_or_self(node) {
                            apply(target, inner, &mut next);
                        }
                    }
                }
            }
            nodes = next;
        }
        if self.is_definite() {
            nodes.first().map(|v| (*v).clone())
        } else {
            Some(Value::Array(nodes.into_iter().cloned().collect()))
        }
    }
}

/// Select from an action's response with a JSONPath selector.
///
/// `Ok(None)` when a definite path does not exist in the response; a
/// wildcard or deep scan always gives a list (possibly empty). A selector
/// without a leading `$` reads from the root.
///
/// ```
/// use ssm_runbook_engine::selector::select;
/// use serde_json::json;
/// let r = json!({"Payload": {"KeyName": "k1"}, "InstanceIds": ["i-1", "i-2"],
///                "Tags": [{"Key": "a"}, {"Inner": {"Key": "b"}}]});
/// assert_eq!(select(&r, "$.Payload.KeyName").unwrap(), Some(json!("k1")));
/// assert_eq!(select(&r, "InstanceIds[0]").unwrap(), Some(json!("i-1")));
/// assert_eq!(select(&r, "$['InstanceIds'][-1]").unwrap(), Some(json!("i-2")));
/// assert_eq!(select(&r, "$..Key").unwrap(), Some(json!(["a", "b"])));
/// assert_eq!(select(&r, "$.Missing").unwrap(), None);
/// assert!(select(&r, "$.a[?(@.b)]").is_err());
/// ```
pub fn select(response: &Value, selector: &str) -> Result<Option<Value>, SelectorError> {
    Ok(Selector::parse(selector)?.select(response))
}

fn apply<'v>(target: &Target, node: &'v Value, out: &mut Vec<&'v Value>) {
    match (target, node) {
        (Target::Child(name), Value::Object(map)) => out.extend(map.get(name)),
        (Target::Index(i), Value::Array(items)) => {
            let len = i64::try_from(items.len()).unwrap_or(i64::MAX);
            let at = if *i < 0 {
                len.checked_add(*i)
            } else {
                Some(*i)
            };
            if let Some(item) = at
                .and_then(|at| usize::try_from(at).ok())
                .and_then(|at| items.get(at))
            {
                out.push(item);
            }
        }
        (Target::Wildcard, Value::Object(map)) => out.extend(map.values()),
        (Target::Wildcard, Value::Array(items)) => out.extend(items.iter()),
        _ => {}
    }
}

/// `node` and everything below it, each node before its children.
fn descendants_or_self(node: &Value) -> Vec<&Value> {
    let mut out = Vec::new();
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        out.push(n);
        match n {
            Value::Object(map) => stack.extend(map.values().rev()),
            Value::Array(items) => stack.extend(items.iter().rev()),
            _ => {}
        }
    }
    out
}

struct Parser<'a> {
    src: &'a str,
    at: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.src[self.at..].chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.at += c.len_utf8();
        Some(c)
    }

    fn eat(&mut self, c: char) -> bool {
        let found = self.peek() == Some(c);
        if found {
            self.at += c.len_utf8();
        }
        found
    }

    fn skip_blanks(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.at += self.peek().map_or(1, char::len_utf8);
        }
    }

    fn rest_is_blank(&self) -> bool {
        self.src[self.at..].trim().is_empty()
    }

    fn error(&self, message: impl Into<String>) -> SelectorError {
        SelectorError {
            selector: self.src.to_owned(),
            position: self.src[..self.at].chars().count() + 1,
            message: message.into(),
        }
    }

    fn selector(mut self) -> Result<Selector, SelectorError> {
        self.skip_blanks();
        if self.peek().is_none() {
            return Err(self.error("the selector is empty"));
        }
        let mut steps = Vec::new();
        if !self.eat('$') && !matches!(self.peek(), Some('.' | '[')) {
            // `InstanceIds[0]`: an implicit `$.` in front.
            let first = if self.eat('*') {
                Target::Wildcard
            } else {
                Target::Child(self.name()?)
            };
            steps.push(Step::Plain(first));
        }
        loop {
            match self.peek() {
                None => break,
                Some(c) if c.is_whitespace() && self.rest_is_blank() => break,
                Some('.') => {
                    self.bump();
                    if self.eat('.') {
                        let target = match self.peek() {
                            Some('*') => {
                                self.bump();
                                Target::Wildcard
                            }
                            Some('[') => self.bracket()?,
                            _ => Target::Child(self.name()?),
                        };
                        steps.push(Step::Deep(target));
                    } else if self.eat('*') {
                        steps.push(Step::Plain(Target::Wildcard));
                    } else {
                        steps.push(Step::Plain(Target::Child(self.name()?)));
                    }
                }
                Some('[') => {
                    let target = self.bracket()?;
                    steps.push(Step::Plain(target));
                }
                Some(c) => {
                    return Err(self.error(format!("unexpected '{c}'; expected '.' or '['")));
                }
            }
        }
        Ok(Selector { steps })
    }

    /// A dot-notation name: up to the next `.` or `[`.
    fn name(&mut self) -> Result<String, SelectorError> {
        let start = self.at;
        while self.peek().is_some_and(is_name_char) {
            self.bump();
        }
        if self.at == start {
            return Err(match self.peek() {
                None => self.error("expected a name, found the end of the selector"),
                Some(c) => self.error(format!("expected a name, found '{c}'")),
            });
        }
        Ok(self.src[start..self.at].to_owned())
    }

    /// `[...]`, positioned on the `[`.
    fn bracket(&mut self) -> Result<Target, SelectorError> {
        let open = self.at;
        self.bump();
        self.skip_blanks();
        let target = match self.peek() {
            Some(q @ ('\'' | '"')) => Target::Child(self.quoted(q)?),
            Some('*') => {
                self.bump();
                Target::Wildcard
            }
            Some(c) if c == '-' || c.is_ascii_digit() => self.index()?,
            Some('?') => return Err(self.error("filter expressions are not supported")),
            Some('(') => return Err(self.error("script expressions are not supported")),
            Some(':') => return Err(self.error("slices are not supported")),
            Some(']') => return Err(self.error("empty brackets")),
            None => {
                self.at = open;
                return Err(self.error("'[' is not closed"));
            }
            Some(c) => {
                return Err(self.error(format!(
                    "unexpected '{c}' in brackets; expected a quoted name, an index or '*'"
                )));
            }
        };
        self.skip_blanks();
        match self.peek() {
            Some(']') => {
                self.bump();
                Ok(target)
            }
            Some(',') => Err(self.error("unions of several names or indexes are not supported")),
            Some(':') => Err(self.error("slices are not supported")),
            None => {
                self.at = open;
                Err(self.error("'[' is not closed"))
            }
            Some(c) => Err(self.error(format!("unexpected '{c}'; expected ']'"))),
        }
    }

    fn quoted(&mut self, quote: char) -> Result<String, SelectorError> {
        let open = self.at;
        self.bump();
        let mut name = String::new();
        loop {
            match self.bump() {
                None => {
                    self.at = open;
                    return Err(self.error("quoted name is not closed"));
                }
                Some('\\') => match self.bump() {
                    Some(c) => name.push(c),
                    None => {
                        self.at = open;
                        return Err(self.error("quoted name is not closed"));
                    }
                },
                Some(c) if c == quote => return Ok(name),
                Some(c) => name.push(c),
            }
        }
    }

    fn index(&mut self) -> Result<Target, SelectorError> {
        let start = self.at;
        self.eat('-');
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.bump();
        }
        let text = &self.src[start..self.at];
        match text.parse::<i64>() {
            Ok(n) => Ok(Target::Index(n)),
            Err(_) => {
                self.at = start;
                Err(self.error(format!("'{text}' is not an index")))
            }
        }
    }
}

fn is_name_char(c: char) -> bool {
    !c.is_whitespace()
        && !matches!(
            c,
            '.' | '[' | ']' | '\'' | '"' | '*' | '(' | ')' | ',' | '?'
        )
}

/// Turn a selected JSON value into the output's declared type.
///
/// * String: a string as is; a number or boolean as its text; a map or list
///   as its compact JSON text.
/// * Integer: a whole number; a decimal with no fraction (`3.0`); a string
///   holding a whole number (`"3"`, blanks around allowed).
/// * Boolean: a boolean; the string `true` or `false` in any letter case.
/// * StringList: a list of strings, numbers or booleans (each becomes its
///   text); a single such scalar becomes a one-item list.
/// * MapList: a list of maps, or a string holding the JSON text of one.
/// * StringMap: a map, or a string holding the JSON text of one.
///
/// `null` converts to no type: it is always an error.
///
/// ```
/// use ssm_runbook_engine::selector::convert;
/// use ssm_runbook_engine::value::ValueType;
/// use serde_json::json;
/// assert_eq!(convert(&json!("3"), ValueType::Integer).unwrap(), json!(3));
/// assert_eq!(convert(&json!(2.0), ValueType::Integer).unwrap(), json!(2));
/// assert_eq!(convert(&json!("TRUE"), ValueType::Boolean).unwrap(), json!(true));
/// assert_eq!(convert(&json!({"a": [1]}), ValueType::String).unwrap(), json!("{\"a\":[1]}"));
/// assert_eq!(convert(&json!("running"), ValueType::StringList).unwrap(), json!(["running"]));
/// assert_eq!(convert(&json!([1, true]), ValueType::StringList).unwrap(), json!(["1", "true"]));
/// assert_eq!(convert(&json!("{\"k\":\"v\"}"), ValueType::StringMap).unwrap(), json!({"k": "v"}));
/// assert!(convert(&json!(3.5), ValueType::Integer).is_err());
/// ```
pub fn convert(value: &Value, ty: ValueType) -> Result<Value, ConversionError> {
    let fail = || ConversionError {
        expected: ty,
        found: describe(value),
    };
    match ty {
        ValueType::String => match value {
            Value::String(_) => Ok(value.clone()),
            Value::Null => Err(fail()),
            Value::Number(_) | Value::Bool(_) | Value::Array(_) | Value::Object(_) => {
                Ok(Value::String(value.to_string()))
            }
        },
        ValueType::Integer => match value {
            Value::Number(n) if n.is_i64() || n.is_u64() => Ok(value.clone()),
            Value::Number(n) => n
                .as_f64()
                .filter(|f| f.fract() == 0.0 && *f >= i64::MIN as f64 && *f < i64::MAX as f64)
                // In range and whole: the cast is exact.
                .map(|f| Value::from(f as i64))
                .ok_or_else(fail),
            Value::String(s) => s.trim().parse::<i64>().map(Value::from).map_err(|_| fail()),
            _ => Err(fail()),
        },
        ValueType::Boolean => match value {
            Value::Bool(_) => Ok(value.clone()),
            Value::String(s) if s.trim().eq_ignore_ascii_case("true") => Ok(Value::Bool(true)),
            Value::String(s) if s.trim().eq_ignore_ascii_case("false") => Ok(Value::Bool(false)),
            _ => Err(fail()),
        },
        ValueType::StringList => match value {
            Value::Array(items) => items
                .iter()
                .map(|item| {
                    scalar_text(item)
                        .map(Value::String)
                        .ok_or_else(|| ConversionError {
                            expected: ty,
                            found: format!("a list holding {}", kind_of(item)),
                        })
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
            other => scalar_text(other)
                .map(|t| Value::Array(vec![Value::String(t)]))
                .ok_or_else(fail),
        },
        ValueType::MapList => {
            let parsed;
            let list = match value {
                Value::String(s) => {
                    parsed = serde_json::from_str::<Value>(s).map_err(|_| fail())?;
                    &parsed
                }
                other => other,
            };
            match list {
                Value::Array(items) => match items.iter().find(|i| !i.is_object()) {
                    None => Ok(list.clone()),
                    Some(bad) => Err(ConversionError {
                        expected: ty,
                        found: format!("a list holding {}", kind_of(bad)),
                    }),
                },
                _ => Err(fail()),
            }
        }
        ValueType::StringMap => match value {
            Value::Object(_) => Ok(value.clone()),
            Value::String(s) => match serde_json::from_str::<Value>(s) {
                Ok(map @ Value::Object(_)) => Ok(map),
                _ => Err(fail()),
            },
            _ => Err(fail()),
        },
    }
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A short description of a value for messages: kind, plus the value itself
/// for scalars (strings cut at 40 characters).
fn describe(value: &Value) -> String {
    match value {
        Value::String(s) => {
            let mut short: String = s.chars().take(40).collect();
            if s.chars().count() > 40 {
                short.push('…');
            }
            format!("a string {}", Value::String(short))
        }
        Value::Number(n) => format!("{} {n}", kind_of(value)),
        Value::Bool(b) => format!("the boolean {b}"),
        other => kind_of(other).to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn response() -> Value {
        json!({
            "Reservations": [
                {"Instances": [
                    {"InstanceId": "i-1", "State": {"Name": "running"}, "Tags": [{"Key": "Name", "Value": "web"}]},
                    {"InstanceId": "i-2", "State": {"Name": "stopped"}}
                ]}
            ],
            "Payload": {"KeyName": "k", "Count": 3, "odd key": true},
            "Empty": []
        })
    }

    fn sel(s: &str) -> Option<Value> {
        select(&response(), s).unwrap()
    }

    #[test]
    fn root_and_children() {
        assert_eq!(sel("$"), Some(response()));
        assert_eq!(sel("$.Payload.Count"), Some(json!(3)));
        assert_eq!(sel("$['Payload']['odd key']"), Some(json!(true)));
        assert_eq!(sel("$[\"Payload\"].KeyName"), Some(json!("k")));
        assert_eq!(
            sel("$.Reservations[0].Instances[1].State.Name"),
            Some(json!("stopped"))
        );
    }

    #[test]
    fn without_dollar_reads_from_root() {
        assert_eq!(sel("Payload.KeyName"), Some(json!("k")));
        assert_eq!(
            sel("Reservations[0].Instances[0].InstanceId"),
            Some(json!("i-1"))
        );
        assert_eq!(sel("['Payload'].Count"), Some(json!(3)));
        assert_eq!(sel(".Payload.Count"), Some(json!(3)));
        assert_eq!(sel("  $.Payload.Count  "), Some(json!(3)));
    }

    #[test]
    fn missing_paths_are_none() {
        assert_eq!(sel("$.Nope"), None);
        assert_eq!(sel("$.Payload.KeyName.Deeper"), None);
        assert_eq!(sel("$.Reservations[5]"), None);
        assert_eq!(sel("$.Reservations[-5]"), None);
        assert_eq!(sel("$.Payload[0]"), None);
        assert_eq!(sel("$.Empty[0]"), None);
    }

    #[test]
    fn negative_index_counts_from_end() {
        assert_eq!(
            sel("$.Reservations[0].Instances[-1].InstanceId"),
            Some(json!("i-2"))
        );
    }

    #[test]
    fn wildcards_always_give_lists() {
        assert_eq!(
            sel("$.Reservations[0].Instances[*].InstanceId"),
            Some(json!(["i-1", "i-2"]))
        );
        assert_eq!(
            sel("$.Reservations[*].Instances.*.State.Name"),
            Some(json!(["running", "stopped"]))
        );
        assert_eq!(sel("$.Empty[*]"), Some(json!([])));
        assert_eq!(sel("$.Payload.KeyName[*]"), Some(json!([])));
        assert_eq!(sel("$.Payload.*"), Some(json!(["k", 3, true])));
    }

    #[test]
    fn deep_scan_always_gives_lists() {
        assert_eq!(sel("$..InstanceId"), Some(json!(["i-1", "i-2"])));
        assert_eq!(sel("$..Name"), Some(json!(["running", "stopped"])));
        assert_eq!(sel("$..Nothing"), Some(json!([])));
        assert_eq!(sel("$..Tags[0].Value"), Some(json!(["web"])));
        assert_eq!(sel("$..['KeyName']"), Some(json!(["k"])));
        assert_eq!(sel("$.Payload..*"), Some(json!(["k", 3, true])));
        // A single match is still a list.
        assert_eq!(sel("$..KeyName"), Some(json!(["k"])));
    }

    #[test]
    fn deep_scan_includes_the_start_node_and_keeps_document_order() {
        let r = json!({"a": 1, "b": {"a": 2, "c": [{"a": 3}]}, "d": {"a": 4}});
        assert_eq!(select(&r, "$..a").unwrap(), Some(json!([1, 2, 3, 4])));
        assert_eq!(select(&r, "$.b..a").unwrap(), Some(json!([2, 3])));
    }

    #[test]
    fn definiteness() {
        assert!(Selector::parse("$.a[0]['b']").unwrap().is_definite());
        assert!(!Selector::parse("$.a[*]").unwrap().is_definite());
        assert!(!Selector::parse("$..a").unwrap().is_definite());
    }

    #[test]
    fn escapes_in_quoted_names() {
        let r = json!({"it's": 1, "a\"b": 2});
        assert_eq!(select(&r, r"$['it\'s']").unwrap(), Some(json!(1)));
        assert_eq!(select(&r, r#"$["a\"b"]"#).unwrap(), Some(json!(2)));
    }

    #[test]
    fn malformed_selectors_are_errors() {
        for (bad, message) in [
            ("", "the selector is empty"),
            ("   ", "the selector is empty"),
            ("$.", "expected a name, found the end of the selector"),
            ("$..", "expected a name, found the end of the selector"),
            ("$.a.", "expected a name, found the end of the selector"),
            ("$a", "unexpected 'a'; expected '.' or '['"),
            ("$.a[", "'[' is not closed"),
            ("$.a[0", "'[' is not closed"),
            ("$.a[]", "empty brackets"),
            ("$.a['b", "quoted name is not closed"),
            ("$.a[?(@.b)]", "filter expressions are not supported"),
            ("$.a[(@.length-1)]", "script expressions are not supported"),
            ("$.a[0:2]", "slices are not supported"),
            ("$.a[:2]", "slices are not supported"),
            (
                "$.a[0,1]",
                "unions of several names or indexes are not supported",
            ),
            (
                "$.a[x]",
                "unexpected 'x' in brackets; expected a quoted name, an index or '*'",
            ),
            ("$.a[-]", "'-' is not an index"),
            (
                "$.a[99999999999999999999]",
                "'99999999999999999999' is not an index",
            ),
            ("$.a b", "unexpected ' '; expected '.' or '['"),
            ("$.a]", "unexpected ']'; expected '.' or '['"),
        ] {
            let err = select(&json!({}), bad).unwrap_err();
            assert_eq!(err.message, message, "selector {bad:?}");
            assert_eq!(err.selector, bad);
        }
    }

    #[test]
    fn error_positions_are_characters() {
        let err = Selector::parse("$.é[?").unwrap_err();
        assert_eq!(err.position, 5);
        let err = Selector::parse("$.a[").unwrap_err();
        assert_eq!(err.position, 4);
    }

    #[test]
    fn convert_string() {
        let t = ValueType::String;
        assert_eq!(convert(&json!("x"), t).unwrap(), json!("x"));
        assert_eq!(convert(&json!(3), t).unwrap(), json!("3"));
        assert_eq!(convert(&json!(1.5), t).unwrap(), json!("1.5"));
        assert_eq!(convert(&json!(false), t).unwrap(), json!("false"));
        assert_eq!(convert(&json!(["a", 1]), t).unwrap(), json!("[\"a\",1]"));
        assert_eq!(
            convert(&json!({"b": 1, "a": 2}), t).unwrap(),
            json!("{\"b\":1,\"a\":2}")
        );
        assert!(convert(&Value::Null, t).is_err());
    }

    #[test]
    fn convert_integer() {
        let t = ValueType::Integer;
        assert_eq!(convert(&json!(-4), t).unwrap(), json!(-4));
        assert_eq!(convert(&json!(u64::MAX), t).unwrap(), json!(u64::MAX));
        assert_eq!(convert(&json!(" 12 "), t).unwrap(), json!(12));
        assert_eq!(convert(&json!(7.0), t).unwrap(), json!(7));
        for bad in [
            json!(7.25),
            json!("7.0"),
            json!("x"),
            json!(true),
            json!([1]),
            json!(1e300),
        ] {
            let err = convert(&bad, t).unwrap_err();
            assert_eq!(err.expected, t);
        }
        assert_eq!(
            convert(&json!(7.25), t).unwrap_err().to_string(),
            "expected Integer, found a decimal number 7.25"
        );
        assert_eq!(
            convert(&json!([1]), t).unwrap_err().to_string(),
            "expected Integer, found a list"
        );
    }

    #[test]
    fn convert_boolean() {
        let t = ValueType::Boolean;
        assert_eq!(convert(&json!(true), t).unwrap(), json!(true));
        assert_eq!(convert(&json!("False"), t).unwrap(), json!(false));
        assert_eq!(
            convert(&json!(1), t).unwrap_err().to_string(),
            "expected Boolean, found an integer 1"
        );
        assert!(convert(&json!("yes"), t).is_err());
    }

    #[test]
    fn convert_string_list() {
        let t = ValueType::StringList;
        assert_eq!(
            convert(&json!(["a", 2, false]), t).unwrap(),
            json!(["a", "2", "false"])
        );
        assert_eq!(convert(&json!([]), t).unwrap(), json!([]));
        assert_eq!(convert(&json!(5), t).unwrap(), json!(["5"]));
        assert_eq!(
            convert(&json!(["a", {"b": 1}]), t).unwrap_err().to_string(),
            "expected StringList, found a list holding a map"
        );
        assert_eq!(
            convert(&json!({"a": 1}), t).unwrap_err().to_string(),
            "expected StringList, found a map"
        );
    }

    #[test]
    fn convert_map_types() {
        assert_eq!(
            convert(&json!([{"a": 1}, {}]), ValueType::MapList).unwrap(),
            json!([{"a": 1}, {}])
        );
        assert_eq!(
            convert(&json!("[{\"a\":1}]"), ValueType::MapList).unwrap(),
            json!([{"a": 1}])
        );
        assert_eq!(
            convert(&json!([{"a": 1}, 2]), ValueType::MapList)
                .unwrap_err()
                .to_string(),
            "expected MapList, found a list holding an integer"
        );
        assert!(convert(&json!({"a": 1}), ValueType::MapList).is_err());
        assert_eq!(
            convert(&json!({"a": [1]}), ValueType::StringMap).unwrap(),
            json!({"a": [1]})
        );
        assert_eq!(
            convert(&json!("[1]"), ValueType::StringMap)
                .unwrap_err()
                .to_string(),
            "expected StringMap, found a string \"[1]\""
        );
        assert!(convert(&json!([]), ValueType::StringMap).is_err());
    }

    #[test]
    fn long_strings_are_cut_in_messages() {
        let long = "x".repeat(100);
        let err = convert(&json!(long), ValueType::Integer).unwrap_err();
        assert_eq!(err.found, format!("a string \"{}…\"", "x".repeat(40)));
    }
}
