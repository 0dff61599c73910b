//! Every bound this tool enforces, in one place.
//!
//! Limits protect the process from hostile or accidental input (a YAML alias
//! bomb, a 100,000-deep nesting, a 50 MB file). SSM's own limits (the 64 KB
//! content limit, 10 approvers, 100 loop iterations) are rules of the
//! validator, not limits of the tool, and live with the rules. Each overrun is
//! reported with the limit's field name and its value.
//!
//! [`Limits`] bounds parsing and validation. The other bounds sit with the
//! state they protect, and `docs/security.md` lists them all with their
//! defaults and errors:
//!
//! | bound | where | default |
//! | --- | --- | --- |
//! | steps started per execution | [`crate::execution::ExecutionLimits::max_steps_executed`] | 10,000 |
//! | signals per execution | [`crate::execution::ExecutionLimits::max_signals`] | 10,000 |
//! | nesting of child executions | [`crate::execution::ExecutionLimits::max_child_depth`] | 5 |
//! | `aws:loop` iterations | `MaxIterations`, SSM's own rule (1–100) | 100 |
//! | executions in flight / held | [`crate::service::ServiceConfig`] `max_concurrent_executions` / `max_executions` | 100 / 100,000 |
//! | documents / versions | [`crate::service::ServiceConfig`] `max_documents` / `max_document_versions` | 500 / 1,000 |
//! | start parameters and signal payloads | [`crate::service::executions::MAX_PARAMETER_ENTRIES`] and its siblings | 200 × 50 × 512 |
//! | simulated transitions | [`crate::simulate::SimulationOptions::max_transitions`] | 1,000,000 |
//! | request body | `ssm_runbook_server::MAX_BODY_BYTES` | 1 MiB |

/// Bounds on what the parser and validator accept.
///
/// ```
/// use ssm_runbook_engine::limits::Limits;
/// let limits = Limits { max_nesting_depth: 32, ..Limits::default() };
/// assert_eq!(limits.max_document_bytes, 16 * 1024 * 1024);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest document text read at all (default 16 MiB). SSM itself stops at 64 KB.
    pub max_document_bytes: usize,
    /// Deepest nesting of mappings and sequences (default 32; the deepest
    /// published runbook nests 11 levels, and 32 keeps even unoptimised
    /// builds on a 2 MiB thread stack clear of overflow).
    pub max_nesting_depth: usize,
    /// Most YAML nodes after alias expansion (default 100,000; the largest
    /// published runbook has under 3,000).
    pub max_yaml_nodes: usize,
    /// Most YAML alias uses (default 10,000).
    pub max_yaml_aliases: usize,
    /// Most steps, counting steps nested in loops (default 10,000).
    pub max_steps: usize,
    /// Most diagnostics kept per document (default 1,000).
    pub max_diagnostics: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_document_bytes: 16 * 1024 * 1024,
            max_nesting_depth: 32,
            max_yaml_nodes: 100_000,
            max_yaml_aliases: 10_000,
            max_steps: 10_000,
            max_diagnostics: 1_000,
        }
    }
}
