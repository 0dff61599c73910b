//! Hostile input: each of these gets clear diagnostics from
//! [`validate_bytes`] (most a single error), never a panic, a stack overflow
//! or a hang.
//!
//! - a YAML alias bomb ("billion laughs", nested and wide);
//! - 10,000- and 100,000-deep nesting, YAML flow and block style and JSON;
//! - invalid UTF-8, and binary data (a NUL byte);
//! - a 5 MB runbook: over SSM's 64 KB limit (`SSM004`), and still validated;
//! - a 20 MB and a 50 MB file: over this tool's own 16 MiB limit
//!   (`SSM008`), refused before the bytes are decoded or parsed;
//! - an `allowedPattern` whose Unicode compilation used to take ~80 ms per
//!   parameter (a 60 KB runbook took 83 s).
//!
//! There are no timing assertions here: `docs/benchmarks.md` ("Hostile
//! input") and `docs/security.md` (from `fuzz/hostile-measure.sh`) record
//! the measured time and memory of each input.
//!
//! Each input runs on a thread with an explicit 2 MiB stack (what a spawned
//! thread gets by default), so these tests also check that the default
//! `max_nesting_depth` keeps even an unoptimised build clear of a stack
//! overflow: the YAML reader recurses once per level before it refuses a
//! document.

use ssm_runbook_engine::diagnostic::{Code, Severity};
use ssm_runbook_engine::limits::Limits;
use ssm_runbook_engine::source::Format;
use ssm_runbook_engine::validate::{MAX_SSM_DOCUMENT_BYTES, Report, validate_bytes};

/// The stack of the validating thread: a spawned thread's default.
const STACK: usize = 2 << 20;

fn validate(bytes: Vec<u8>) -> Report {
    std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(move || validate_bytes(&bytes))
        .expect("spawn the validating thread")
        .join()
        .expect("validation does not panic")
}

/// The report holds exactly one diagnostic, an error of `code` at the root,
/// whose message contains one of `words`; no document came out of it.
fn assert_single_error(report: &Report, code: Code, words: &[&str]) {
    assert_eq!(
        report.diagnostics.len(),
        1,
        "expected one diagnostic: {:#?}",
        report.diagnostics
    );
    let d = &report.diagnostics[0];
    assert_eq!(d.code, code, "{d:#?}");
    assert_eq!(d.severity, Severity::Error);
    assert!(d.path.is_root(), "{d:#?}");
    assert!(
        words.iter().any(|w| d.message.contains(w)),
        "message {:?} mentions none of {words:?}",
        d.message
    );
    assert!(report.document.is_none());
}

fn codes(report: &Report) -> Vec<Code> {
    report.diagnostics.iter().map(|d| d.code).collect()
}

// ----- alias bombs -------------------------------------------------------

/// `levels` anchors, each a list of ten aliases of the previous one:
/// 10^levels nodes once expanded.
fn billion_laughs(levels: usize) -> String {
    let mut text = String::from("schemaVersion: '0.3'\nl0: &l0 lol\n");
    for i in 1..=levels {
        let refs = vec![format!("*l{}", i - 1); 10].join(", ");
        text.push_str(&format!("l{i}: &l{i} [{refs}]\n"));
    }
    text.push_str("mainSteps:\n  - name: a\n    action: aws:sleep\n    inputs: {Duration: PT1M}\n");
    text
}

#[test]
fn billion_laughs_is_refused() {
    let report = validate(billion_laughs(9).into_bytes());
    assert_eq!(report.format, Some(Format::Yaml));
    assert_single_error(&report, Code::LimitExceeded, &["limit"]);
}

#[test]
fn wide_alias_bomb_is_refused() {
    // 10^4 nodes behind one anchor, used 9,000 times: 9 * 10^7 nodes from
    // a 45 KB file, with only four anchors deep (no nested recording).
    let mut text = String::from("schemaVersion: '0.3'\nl0: &l0 lol\n");
    for i in 1..=4 {
        let refs = vec![format!("*l{}", i - 1); 10].join(", ");
        text.push_str(&format!("l{i}: &l{i} [{refs}]\n"));
    }
    text.push_str(&format!("x: [{}]\n", vec!["*l4"; 9_000].join(", ")));
    let report = validate(text.into_bytes());
    assert_single_error(&report, Code::LimitExceeded, &["limit"]);
}

#[test]
fn a_few_aliases_are_fine() {
    let text = "schemaVersion: '0.3'\n\
        x-common: &sleep {Duration: PT1M}\n\
        mainSteps:\n\
        \x20 - {name: a, action: aws:sleep, inputs: *sleep}\n\
        \x20 - {name: b, action: aws:sleep, inputs: *sleep}\n";
    let report = validate(text.as_bytes().to_vec());
    assert!(report.document.is_some(), "{:#?}", report.diagnostics);
    // x-common is not an Automation key; the aliases themselves are fine.
    assert_eq!(codes(&report), vec![Code::UnknownField]);
}

// ----- deep nesting ------------------------------------------------------

const DEEP: usize = 10_000;

/// Words a nesting-limit message uses: the limit's name where the reader
/// reports depth, or the YAML scanner's own flow-nesting refusal (it can fire
/// first on flow collections nested far past the limit).
const DEPTH_WORDS: &[&str] = &["max_nesting_depth", "recursion limit"];

#[test]
fn deep_yaml_flow_sequence_is_refused() {
    // A key first: text starting with `[` would be read as JSON.
    let text = format!("a: {}{}\n", "[".repeat(DEEP), "]".repeat(DEEP));
    let report = validate(text.into_bytes());
    assert_eq!(report.format, Some(Format::Yaml));
    assert_single_error(&report, Code::LimitExceeded, DEPTH_WORDS);
}

#[test]
fn deep_yaml_flow_mapping_is_refused() {
    let text = format!("a: {}1{}\n", "{a: ".repeat(DEEP), "}".repeat(DEEP));
    let report = validate(text.into_bytes());
    assert_single_error(&report, Code::LimitExceeded, DEPTH_WORDS);
}

#[test]
fn deep_yaml_block_sequence_is_refused() {
    // `- - - x` is a block sequence nested once per dash.
    let text = format!("{}x\n", "- ".repeat(DEEP));
    let report = validate(text.into_bytes());
    assert_eq!(report.format, Some(Format::Yaml));
    assert_single_error(&report, Code::LimitExceeded, DEPTH_WORDS);
}

#[test]
fn deep_yaml_block_mapping_is_refused() {
    // One-space indentation keeps 10,000 levels to 50 MB; 1,000 levels (0.5 MB)
    // are as far past the limit.
    let mut text = String::new();
    for i in 0..1_000 {
        text.push_str(&" ".repeat(i));
        text.push_str("a:\n");
    }
    let report = validate(text.into_bytes());
    assert_single_error(&report, Code::LimitExceeded, DEPTH_WORDS);
}

#[test]
fn deep_json_array_is_refused() {
    let text = format!("{}{}", "[".repeat(DEEP), "]".repeat(DEEP));
    let report = validate(text.into_bytes());
    assert_eq!(report.format, Some(Format::Json));
    assert_single_error(&report, Code::LimitExceeded, &["max_nesting_depth"]);
}

#[test]
fn deep_json_object_is_refused() {
    let text = format!("{}1{}", "{\"a\":".repeat(DEEP), "}".repeat(DEEP));
    let report = validate(text.into_bytes());
    assert_single_error(&report, Code::LimitExceeded, &["max_nesting_depth"]);
}

/// 100,000 levels: ten times past where the reader stops, each refused
/// with one error naming the limit (the YAML scanner may refuse flow
/// collections first, with its own recursion limit).
#[test]
fn hundred_thousand_deep_documents_are_refused() {
    const VERY_DEEP: usize = 100_000;
    let documents = [
        (
            format!("a: {}{}\n", "[".repeat(VERY_DEEP), "]".repeat(VERY_DEEP)),
            Format::Yaml,
        ),
        (
            format!(
                "a: {}1{}\n",
                "{a: ".repeat(VERY_DEEP),
                "}".repeat(VERY_DEEP)
            ),
            Format::Yaml,
        ),
        (format!("{}x\n", "- ".repeat(VERY_DEEP)), Format::Yaml),
        (
            format!("{}{}", "[".repeat(VERY_DEEP), "]".repeat(VERY_DEEP)),
            Format::Json,
        ),
        (
            format!("{}1{}", "{\"a\":".repeat(VERY_DEEP), "}".repeat(VERY_DEEP)),
            Format::Json,
        ),
    ];
    for (text, format) in documents {
        let report = validate(text.into_bytes());
        assert_eq!(report.format, Some(format));
        assert_single_error(&report, Code::LimitExceeded, DEPTH_WORDS);
    }
}

/// A runbook whose one input nests `depth` lists deep (plus 5 levels of
/// runbook around it).
fn nested_input(depth: usize, json: bool) -> String {
    let (open, close) = ("[".repeat(depth), "]".repeat(depth));
    if json {
        format!(
            "{{\"schemaVersion\": \"0.3\", \"mainSteps\": [{{\"name\": \"a\", \"action\": \"aws:sleep\", \
             \"inputs\": {{\"Duration\": \"PT1M\", \"Deep\": {open}{close}}}}}]}}"
        )
    } else {
        format!(
            "schemaVersion: '0.3'\nmainSteps:\n  - name: a\n    action: aws:sleep\n    \
             inputs: {{Duration: PT1M, Deep: {open}{close}}}\n"
        )
    }
}

#[test]
fn nesting_up_to_the_limit_is_validated() {
    // Root, mainSteps, the step and inputs are 4 levels.
    let deepest = Limits::default().max_nesting_depth - 4;
    for json in [false, true] {
        let report = validate(nested_input(deepest, json).into_bytes());
        assert!(report.document.is_some(), "{:#?}", report.diagnostics);
        // The deep input is an input aws:sleep does not take; it is located.
        let d = &report.diagnostics[0];
        assert_eq!(d.code, Code::UnknownInput, "{d:#?}");
        assert_eq!(d.path.to_string(), "mainSteps[0].inputs.Deep");
        assert!(d.position.is_some());
        // One level more is refused.
        let report = validate(nested_input(deepest + 1, json).into_bytes());
        assert_single_error(&report, Code::LimitExceeded, DEPTH_WORDS);
    }
}

// ----- not text ----------------------------------------------------------

#[test]
fn invalid_utf8_is_refused() {
    let mut bytes = b"schemaVersion: '0.3'\nmainSteps:\n  - name: caf".to_vec();
    bytes.extend_from_slice(&[0xc3, 0x28]);
    bytes.extend_from_slice(b"\n");
    let report = validate(bytes);
    assert_eq!(report.format, None);
    assert_single_error(&report, Code::ParseError, &["invalid UTF-8 at byte 45"]);
    assert_eq!(report.diagnostics[0].position.unwrap().to_string(), "3:14");
}

#[test]
fn binary_data_is_refused() {
    // The start of an ELF executable.
    let bytes = b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03\x00>\x00".to_vec();
    let report = validate(bytes);
    assert_eq!(report.format, None);
    assert_single_error(&report, Code::ParseError, &["NUL byte"]);
    assert_eq!(report.diagnostics[0].position.unwrap().to_string(), "1:8");
}

#[test]
fn empty_and_blank_input_are_clear_errors() {
    for text in ["", "\n\n", "\u{feff}", "   ", "{}", "[]", "~", "null"] {
        let report = validate(text.as_bytes().to_vec());
        assert!(report.has_errors(), "{text:?}: {:#?}", report.diagnostics);
        for d in &report.diagnostics {
            assert!(!d.message.is_empty());
        }
    }
}

// ----- size --------------------------------------------------------------

const FIVE_MB: usize = 5_000_000;

#[test]
fn five_mb_description_is_too_large_for_ssm_and_still_validated() {
    let text = format!(
        "schemaVersion: '0.3'\ndescription: {}\nmainSteps:\n  - name: a\n    action: aws:sleep\n    \
         inputs: {{Duration: PT1M}}\n    nextStep: nowhere\n",
        "x".repeat(FIVE_MB)
    );
    let report = validate(text.into_bytes());
    assert!(report.document.is_some());
    let too_large = report
        .diagnostics
        .iter()
        .find(|d| d.code == Code::DocumentTooLarge)
        .expect("SSM004 is reported");
    assert_eq!(too_large.code.id(), "SSM004");
    assert_eq!(too_large.severity, Severity::Error);
    assert!(
        too_large
            .message
            .contains(&MAX_SSM_DOCUMENT_BYTES.to_string())
    );
    // The rest of the document was still checked.
    let target = report
        .diagnostics
        .iter()
        .find(|d| d.code == Code::UnknownStepTarget)
        .expect("the bad nextStep is still found");
    assert_eq!(target.path.to_string(), "mainSteps[0].nextStep");
    assert_eq!(target.position.unwrap().to_string(), "7:5");
}

/// `steps` steps in a chain, each with a description that brings the
/// document to about `bytes`.
fn many_steps(steps: usize, bytes: usize) -> String {
    let pad = "z".repeat(bytes / steps);
    let mut text = String::from("schemaVersion: '0.3'\nmainSteps:\n");
    for i in 0..steps {
        text.push_str(&format!(
            "  - name: s{i}\n    description: {pad}\n    action: aws:sleep\n    \
             inputs: {{Duration: PT1M}}\n    nextStep: s{}\n",
            i + 1
        ));
    }
    text.push_str(&format!(
        "  - name: s{steps}\n    action: aws:sleep\n    inputs: {{Duration: PT1M}}\n    nextStep: nowhere\n"
    ));
    text
}

#[test]
fn five_mb_of_steps_is_too_large_for_ssm_and_still_validated() {
    let text = many_steps(5_000, FIVE_MB);
    assert!(text.len() > FIVE_MB);
    let report = validate(text.into_bytes());
    let doc = report.document.as_ref().expect("the document is lowered");
    assert_eq!(doc.main_steps.len(), 5_001);
    assert_eq!(
        codes(&report),
        vec![Code::DocumentTooLarge, Code::UnknownStepTarget],
        "{:#?}",
        report.diagnostics
    );
    assert_eq!(
        report.diagnostics[1].path.to_string(),
        "mainSteps[5000].nextStep"
    );
}

#[test]
fn more_steps_than_the_step_limit_is_a_limit_error() {
    // 12,000 short steps: over max_steps (10,000). JSON, because the same
    // document in YAML is already over max_yaml_nodes (100,000).
    let steps: Vec<String> = (0..12_000)
        .map(|i| format!("{{\"name\":\"s{i}\",\"action\":\"aws:sleep\",\"inputs\":{{\"Duration\":\"PT1M\"}}}}"))
        .collect();
    let text = format!(
        "{{\"schemaVersion\":\"0.3\",\"mainSteps\":[{}]}}",
        steps.join(",")
    );
    let report = validate(text.into_bytes());
    let limit = report
        .diagnostics
        .iter()
        .find(|d| d.code == Code::LimitExceeded)
        .unwrap_or_else(|| panic!("{:#?}", report.diagnostics));
    assert!(limit.message.contains("max_steps"), "{}", limit.message);
}

#[test]
fn twenty_mb_is_over_this_tools_limit() {
    let text = format!(
        "schemaVersion: '0.3'\ndescription: {}\nmainSteps: []\n",
        "x".repeat(20_000_000)
    );
    let report = validate(text.into_bytes());
    assert_single_error(&report, Code::LimitExceeded, &["max_document_bytes"]);
    assert!(report.diagnostics[0].message.contains("16777216"));
}

#[test]
fn fifty_mb_is_refused_before_it_is_read() {
    // 50 MB of valid YAML, and 50 MB with invalid UTF-8 at the end: the
    // size is checked first, so neither is decoded or parsed.
    let mut text = format!(
        "schemaVersion: '0.3'\nmainSteps: []\ndescription: {}\n",
        "x".repeat(50_000_000)
    )
    .into_bytes();
    let report = validate(text.clone());
    assert_single_error(&report, Code::LimitExceeded, &["max_document_bytes"]);
    let message = &report.diagnostics[0].message;
    assert!(message.contains(&text.len().to_string()), "{message}");
    assert!(message.contains("16777216"), "{message}");
    assert_eq!(report.format, None);
    text.extend_from_slice(&[0xff, 0xfe]);
    let report = validate(text);
    assert_single_error(&report, Code::LimitExceeded, &["max_document_bytes"]);
}

// ----- expensive patterns -----------------------------------------------

#[test]
fn many_expensive_allowed_patterns_are_checked() {
    // In Unicode mode, `\w{1,1000}` compiles past the regex size limit after
    // ~80 ms: 1,000 such parameters took 83 s. (900 keep this under 64 KB.) SSM reads patterns as Java
    // regexes, where \w is ASCII, and so does the validator now.
    let mut text = String::from("schemaVersion: '0.3'\nparameters:\n");
    for i in 0..900 {
        text.push_str(&format!(
            "  P{i}: {{type: String, default: ok_{i}, allowedPattern: '^\\w{{1,{}}}$'}}\n",
            1_000 + i
        ));
    }
    text.push_str("  Bad: {type: String, default: 'no good', allowedPattern: '^\\w{1,1000}$'}\n");
    text.push_str("mainSteps:\n  - name: a\n    action: aws:sleep\n    inputs: {Duration: PT1M}\n");
    let report = validate(text.into_bytes());
    assert_eq!(
        codes(&report),
        vec![Code::DefaultNotAllowed],
        "{:#?}",
        report.diagnostics
    );
    assert_eq!(
        report.diagnostics[0].path.to_string(),
        "parameters.Bad.default"
    );
}
