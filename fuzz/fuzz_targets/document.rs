//! Fuzz target `document`: bytes → decode → parse → lower → validate →
//! compile ([`Runbook::compile`]) → step graph ([`StepGraph`]) and its
//! Mermaid and Graphviz renderings (what `ssm-runbook graph` prints).
//!
//! Nothing may panic, overflow the stack or allocate without bound; the
//! limits of `ssm_runbook_engine::limits` must turn every hostile input
//! into a diagnostic.

#![no_main]

use libfuzzer_sys::fuzz_target;
use ssm_runbook_engine::runbook::{Runbook, StepGraph};
use ssm_runbook_engine::validate::validate_bytes;

fuzz_target!(|data: &[u8]| {
    let report = validate_bytes(data);
    for d in &report.diagnostics {
        assert!(
            !d.message.is_empty(),
            "a diagnostic without a message: {d:?}"
        );
    }
    let _ = report.ssm_error();
    let Some(doc) = report.document else {
        return;
    };
    let graph = StepGraph::build(&doc);
    let _ = graph.to_mermaid();
    let _ = graph.to_dot();
    let _ = graph.edges().count();
    if let Ok(rb) = Runbook::compile(doc, "Fuzz", "1") {
        for ix in 0..rb.steps().len() {
            let _ = rb.successor(ix);
            let _ = rb.main_position(ix);
        }
    }
});
