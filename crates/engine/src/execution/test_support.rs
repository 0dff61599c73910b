//! Helpers for the execution module's unit tests: a runbook text compiled
//! and started, as most tests begin.

use super::{Execution, ExecutionConfig, Input, Mode};
use crate::clock::SimTime;
use crate::runbook::Runbook;
use crate::validate::validate_text;
use std::sync::Arc;

/// The principal the test executions run as.
pub(crate) const ALICE: &str = "arn:aws:iam::111122223333:user/alice";

/// `text` compiled and started in Auto mode at time 0, run by [`ALICE`].
pub(crate) fn started(text: &str) -> Execution {
    let doc = validate_text(text).document.expect("document");
    let rb = Arc::new(Runbook::compile(doc, "T", "1").expect("compiles"));
    let mut ex = Execution::new(
        rb,
        ExecutionConfig::new("00000000-0000-4000-8000-000000000001", ALICE),
    );
    ex.apply(
        Input::Start {
            parameters: Default::default(),
            mode: Mode::Auto,
        },
        SimTime(0),
    )
    .expect("starts");
    ex
}
