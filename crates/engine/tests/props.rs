//! Property tests of the validator's entry points.
//!
//! - Arbitrary strings, YAML-punctuation noise and arbitrary bytes never make
//!   [`validate_text`] or [`validate_bytes`] panic.
//! - Random documents built from runbook vocabulary (keys such as `mainSteps`,
//!   `nextStep`, `Choices`, `Iterators`; real action names; strings with
//!   `{{ }}` placeholders), written as compact JSON, pretty JSON and block
//!   YAML, get a report where every diagnostic has a message, every
//!   diagnostic has a position whenever the text parsed, and validating the
//!   same text twice gives the same diagnostics.

use proptest::prelude::*;
use serde_json::{Map, Number, Value};
use ssm_runbook_engine::limits::Limits;
use ssm_runbook_engine::source::{self, Format};
use ssm_runbook_engine::validate::{Report, validate_bytes, validate_text};

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        ..ProptestConfig::default()
    }
}

// ----- no panic on anything ----------------------------------------------

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_strings_do_not_panic(text in any::<String>()) {
        check_report(&text, &validate_text(&text));
    }

    #[test]
    fn yaml_punctuation_does_not_panic(text in "[-:{}\\[\\],&*!|>'\"%@#?~= \\n\\ta-z0-9.]{0,200}") {
        check_report(&text, &validate_text(&text));
    }

    #[test]
    fn arbitrary_bytes_do_not_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let report = validate_bytes(&bytes);
        for d in &report.diagnostics {
            prop_assert!(!d.message.is_empty());
        }
    }
}

// ----- structured documents ----------------------------------------------

const KEYS: &[&str] = &[
    "schemaVersion",
    "description",
    "assumeRole",
    "parameters",
    "variables",
    "outputs",
    "files",
    "mainSteps",
    "name",
    "action",
    "inputs",
    "outputs",
    "nextStep",
    "isEnd",
    "isCritical",
    "onFailure",
    "onCancel",
    "maxAttempts",
    "timeoutSeconds",
    "type",
    "default",
    "allowedValues",
    "allowedPattern",
    "Choices",
    "Default",
    "NextStep",
    "Variable",
    "StringEquals",
    "NumericGreater",
    "BooleanEquals",
    "Contains",
    "And",
    "Or",
    "Not",
    "Steps",
    "Iterators",
    "IteratorDataType",
    "LoopCondition",
    "MaxIterations",
    "Duration",
    "Approvers",
    "MinRequiredApprovals",
    "Service",
    "Api",
    "Name",
    "Selector",
    "Type",
    "Value",
];

const ACTIONS: &[&str] = &[
    "aws:approve",
    "aws:branch",
    "aws:loop",
    "aws:sleep",
    "aws:pause",
    "aws:executeAwsApi",
    "aws:executeScript",
    "aws:executeAutomation",
    "aws:runCommand",
    "aws:updateVariable",
    "aws:waitForAwsResourceProperty",
    "aws:assertAwsResourceProperty",
    "aws:createStack",
];

const STEP_NAMES: &[&str] = &["a", "b", "Loop", "Check", "s1", "s2"];

fn pick(words: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop::sample::select(words).prop_map(str::to_owned)
}

/// A key: mostly runbook vocabulary, sometimes anything short.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => pick(KEYS),
        1 => "[a-zA-Z_][a-zA-Z0-9_ .:-]{0,8}",
    ]
}

/// A string leaf: words, action names, step targets and `{{ }}` placeholders
/// (well-formed or not).
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        pick(ACTIONS),
        pick(STEP_NAMES),
        Just("0.3".to_owned()),
        Just("PT1M".to_owned()),
        Just("String".to_owned()),
        Just("StringList".to_owned()),
        Just("Abort".to_owned()),
        Just("step:b".to_owned()),
        "[a-zA-Z0-9 _.:-]{0,12}",
        "aws:[a-zA-Z]{1,10}",
        (pick(STEP_NAMES), "[A-Za-z.]{0,8}").prop_map(|(s, o)| format!("{{{{ {s}.{o} }}}}")),
        "[a-zA-Z:]{0,10}".prop_map(|x| format!("{{{{ {x} }}}}")),
        ("[ -~]{0,6}", "[a-z]{0,4}", "[ -~]{0,6}").prop_map(|(a, x, b)| format!("{a}{{{{{x}}}{b}")),
        "[^\u{0}]{0,10}",
    ]
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        1 => Just(Value::Null),
        1 => any::<bool>().prop_map(Value::Bool),
        2 => any::<i64>().prop_map(Value::from),
        1 => (-1000i64..1000).prop_map(Value::from),
        1 => (-1.0e6f64..1.0e6).prop_map(|f| Number::from_f64(f).map_or(Value::Null, Value::Number)),
        6 => text().prop_map(Value::String),
    ]
}

fn object(entries: Vec<(String, Value)>) -> Value {
    Value::Object(entries.into_iter().collect::<Map<String, Value>>())
}

/// Any value, nested a few levels, keys drawn from runbook vocabulary.
fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(5, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..6).prop_map(object),
        ]
    })
}

/// A branch condition: an operator with an operand, or And/Or/Not of more.
fn condition() -> impl Strategy<Value = Value> {
    let operator = prop_oneof![
        Just("StringEquals"),
        Just("NumericGreater"),
        Just("BooleanEquals"),
        Just("Contains"),
        Just("EqualsIgnoreCase"),
        Just("Nope"),
    ];
    let simple = (text(), operator, leaf()).prop_map(|(variable, op, operand)| {
        object(vec![
            ("Variable".into(), Value::String(variable)),
            (op.into(), operand),
        ])
    });
    simple.prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3)
                .prop_map(|cs| object(vec![("And".into(), Value::Array(cs))])),
            prop::collection::vec(inner.clone(), 0..3)
                .prop_map(|cs| object(vec![("Or".into(), Value::Array(cs))])),
            inner.prop_map(|c| object(vec![("Not".into(), c)])),
        ]
    })
}

fn choice() -> impl Strategy<Value = Value> {
    (condition(), prop::option::of(pick(STEP_NAMES))).prop_map(|(mut c, next)| {
        if let (Value::Object(m), Some(next)) = (&mut c, next) {
            m.insert("NextStep".into(), Value::String(next));
        }
        c
    })
}

/// Inputs: runbook-shaped entries (Choices, Steps of a loop, Iterators, ...)
/// mixed with random ones.
fn inputs(steps: BoxedStrategy<Value>) -> impl Strategy<Value = Value> {
    let entry = prop_oneof![
        3 => (key(), value()),
        1 => prop::collection::vec(choice(), 0..3)
            .prop_map(|cs| ("Choices".to_owned(), Value::Array(cs))),
        1 => prop::collection::vec(steps, 0..3)
            .prop_map(|ss| ("Steps".to_owned(), Value::Array(ss))),
        1 => prop::collection::vec(text(), 0..3).prop_map(|xs| (
            "Iterators".to_owned(),
            Value::Array(xs.into_iter().map(Value::String).collect()),
        )),
        1 => text().prop_map(|t| ("Duration".to_owned(), Value::String(t))),
    ];
    prop::collection::vec(entry, 0..5).prop_map(object)
}

/// A step: name, action, inputs, sometimes targets and other step keys, and
/// sometimes a random extra entry. Loops nest steps one level.
fn step() -> BoxedStrategy<Value> {
    let inner = step_with(Just(Value::Null).boxed());
    step_with(inner)
}

fn step_with(nested: BoxedStrategy<Value>) -> BoxedStrategy<Value> {
    (
        prop::option::weighted(0.9, pick(STEP_NAMES)),
        prop::option::weighted(0.9, prop_oneof![4 => pick(ACTIONS), 1 => text()]),
        prop::option::weighted(0.9, inputs(nested)),
        prop::option::of(prop_oneof![pick(STEP_NAMES), text()]),
        prop::option::of(prop_oneof![
            Just("Abort".to_owned()),
            Just("Continue".to_owned()),
            Just("step:b".to_owned()),
            text()
        ]),
        prop::option::of(any::<bool>()),
        prop::option::of((key(), value())),
    )
        .prop_map(|(name, action, inputs, next, on_failure, is_end, extra)| {
            let mut m = Map::new();
            if let Some(n) = name {
                m.insert("name".into(), Value::String(n));
            }
            if let Some(a) = action {
                m.insert("action".into(), Value::String(a));
            }
            if let Some(i) = inputs {
                m.insert("inputs".into(), i);
            }
            if let Some(n) = next {
                m.insert("nextStep".into(), Value::String(n));
            }
            if let Some(f) = on_failure {
                m.insert("onFailure".into(), Value::String(f));
            }
            if let Some(e) = is_end {
                m.insert("isEnd".into(), Value::Bool(e));
            }
            if let Some((k, v)) = extra {
                m.insert(k, v);
            }
            Value::Object(m)
        })
        .boxed()
}

fn parameter() -> impl Strategy<Value = Value> {
    (
        prop::option::of(prop_oneof![
            Just("String".to_owned()),
            Just("StringList".to_owned()),
            Just("Integer".to_owned()),
            Just("Boolean".to_owned()),
            Just("AWS::EC2::Instance::Id".to_owned()),
            text()
        ]),
        prop::option::of(leaf()),
        prop::option::of(prop_oneof![
            Just("^[a-z]+$".to_owned()),
            Just("^[\\w/.@+=,-]{1,64}$".to_owned()),
            Just("^(?!x)".to_owned()),
            "[ -~]{0,8}"
        ]),
    )
        .prop_map(|(ty, default, pattern)| {
            let mut m = Map::new();
            if let Some(t) = ty {
                m.insert("type".into(), Value::String(t));
            }
            if let Some(d) = default {
                m.insert("default".into(), d);
            }
            if let Some(p) = pattern {
                m.insert("allowedPattern".into(), Value::String(p));
            }
            Value::Object(m)
        })
}

/// A runbook-shaped document: mostly schemaVersion 0.3 and a few steps, with
/// parameters, outputs and random top-level entries now and then.
fn runbook() -> impl Strategy<Value = Value> {
    (
        prop::option::weighted(0.9, prop_oneof![8 => Just(Value::from("0.3")), 1 => leaf()]),
        prop::option::weighted(0.95, prop::collection::vec(step(), 0..5)),
        prop::option::of(prop::collection::vec(("[A-Za-z]{1,6}", parameter()), 0..3)),
        prop::option::of(prop::collection::vec(text(), 0..3)),
        prop::collection::vec((key(), value()), 0..2),
    )
        .prop_map(|(version, steps, parameters, outputs, extra)| {
            let mut m = Map::new();
            if let Some(v) = version {
                m.insert("schemaVersion".into(), v);
            }
            if let Some(ps) = parameters {
                m.insert(
                    "parameters".into(),
                    object(ps.into_iter().collect::<Vec<_>>()),
                );
            }
            if let Some(ss) = steps {
                m.insert("mainSteps".into(), Value::Array(ss));
            }
            if let Some(os) = outputs {
                m.insert(
                    "outputs".into(),
                    Value::Array(os.into_iter().map(Value::String).collect()),
                );
            }
            for (k, v) in extra {
                m.entry(k).or_insert(v);
            }
            Value::Object(m)
        })
}

/// A document of either kind: runbook-shaped, or any value at all.
fn document() -> impl Strategy<Value = Value> {
    prop_oneof![4 => runbook(), 1 => value()]
}

// ----- a small block-YAML writer -----------------------------------------

/// Whether `s` can be written as a plain YAML scalar and read back as the
/// same string (conservatively: no indicators, no look-alikes of other types).
fn plain_ok(s: &str) -> bool {
    let mut chars = s.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    let lower = s.to_ascii_lowercase();
    first.is_ascii_alphabetic()
        && !s.ends_with(':')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/' | ':'))
        && !matches!(
            lower.as_str(),
            "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n" | "nan" | "inf"
        )
}

/// `s` as a YAML double-quoted scalar, escaping what YAML does not allow raw
/// (JSON quoting leaves C1 controls and U+FEFF unescaped).
fn quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control()
                || matches!(
                    c,
                    '\u{feff}' | '\u{fffe}' | '\u{ffff}' | '\u{2028}' | '\u{2029}'
                ) =>
            {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A scalar as YAML: plain where that is safe, double-quoted otherwise.
fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) if plain_ok(s) => s.clone(),
        Value::String(s) => quoted(s),
        Value::Array(_) => "[]".to_owned(),
        Value::Object(_) => "{}".to_owned(),
        other => other.to_string(),
    }
}

fn pad(out: &mut String, indent: usize) {
    out.extend(std::iter::repeat_n(' ', indent));
}

/// Write `v` after a `key:` or a `-` already on the line.
fn after_indicator(v: &Value, indent: usize, out: &mut String) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            out.push('\n');
            block_map(m, indent + 2, false, out);
        }
        Value::Array(a) if !a.is_empty() => {
            out.push('\n');
            block_seq(a, indent + 2, out);
        }
        other => {
            out.push(' ');
            out.push_str(&scalar(other));
            out.push('\n');
        }
    }
}

/// A block mapping at `indent`; with `inline`, its first key goes on the
/// current line (after a `- `).
fn block_map(m: &Map<String, Value>, indent: usize, inline: bool, out: &mut String) {
    for (i, (k, v)) in m.iter().enumerate() {
        if i > 0 || !inline {
            pad(out, indent);
        }
        out.push_str(&scalar(&Value::String(k.clone())));
        out.push(':');
        after_indicator(v, indent, out);
    }
}

/// A block sequence at `indent`; a mapping item starts on its dash's line.
fn block_seq(a: &[Value], indent: usize, out: &mut String) {
    for v in a {
        pad(out, indent);
        match v {
            Value::Object(m) if !m.is_empty() => {
                out.push_str("- ");
                block_map(m, indent + 2, true, out);
            }
            other => {
                out.push('-');
                after_indicator(other, indent, out);
            }
        }
    }
}

/// `v` as block-style YAML.
fn to_block_yaml(v: &Value) -> String {
    let mut out = String::new();
    match v {
        Value::Object(m) if !m.is_empty() => block_map(m, 0, false, &mut out),
        Value::Array(a) if !a.is_empty() => block_seq(a, 0, &mut out),
        other => {
            out.push_str(&scalar(other));
            out.push('\n');
        }
    }
    out
}

// ----- the properties ----------------------------------------------------

/// What must hold of any report on `text`.
fn check_report(text: &str, report: &Report) {
    let parsed = source::parse(text, Format::detect(text), &Limits::default()).is_ok();
    for d in &report.diagnostics {
        assert!(!d.message.is_empty(), "empty message: {d:?}");
        assert!(
            !parsed || d.position.is_some(),
            "unlocated diagnostic in a text that parsed: {d:?}\n--- text ---\n{text}"
        );
    }
    if report.document.is_some() {
        assert!(parsed);
    }
}

/// Validate `text` twice: the same diagnostics both times, and
/// [`check_report`] holds.
fn check_text(text: &str) {
    let first = validate_text(text);
    check_report(text, &first);
    let second = validate_text(text);
    assert_eq!(
        first.diagnostics, second.diagnostics,
        "not deterministic\n--- text ---\n{text}"
    );
    assert_eq!(first.format, second.format);
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn structured_json_reports_are_complete_and_deterministic(doc in document()) {
        check_text(&serde_json::to_string(&doc).unwrap());
        check_text(&serde_json::to_string_pretty(&doc).unwrap());
    }

    #[test]
    fn structured_yaml_reports_are_complete_and_deterministic(doc in document()) {
        let yaml = to_block_yaml(&doc);
        check_text(&yaml);
    }

    #[test]
    fn block_yaml_reads_back_as_written(doc in document()) {
        // The YAML writer above is a test helper; make sure it writes what it
        // means, so the YAML properties test the documents generated.
        let yaml = to_block_yaml(&doc);
        let back = source::parse(&yaml, Format::Yaml, &Limits::default());
        prop_assert!(back.is_ok(), "{back:?}\n--- yaml ---\n{yaml}");
        let back = back.unwrap();
        prop_assert!(same(&doc, &back), "{doc}\n!=\n{back}\n--- yaml ---\n{yaml}");
    }
}

/// Equality up to number representation (1.0 may read back as 1).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((kx, vx), (ky, vy))| kx == ky && same(vx, vy))
        }
        _ => a == b,
    }
}

#[test]
fn block_yaml_writer_examples() {
    let doc: Value = serde_json::json!({
        "schemaVersion": "0.3",
        "mainSteps": [
            {"name": "a", "action": "aws:sleep", "inputs": {"Duration": "PT1M"}, "nextStep": "{{ b }}"},
            {"name": "b", "inputs": {}, "isEnd": true, "x": [[1, 2], []]}
        ]
    });
    assert_eq!(
        to_block_yaml(&doc),
        "schemaVersion: \"0.3\"\nmainSteps:\n  - name: a\n    action: aws:sleep\n    inputs:\n      Duration: PT1M\n    nextStep: \"{{ b }}\"\n  - name: b\n    inputs: {}\n    isEnd: true\n    x:\n      -\n        - 1\n        - 2\n      - []\n"
    );
}
