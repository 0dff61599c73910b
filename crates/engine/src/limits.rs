//! Every bound this tool enforces, in one place.
//!
//! Limits protect the process from hostile or accidental input (a YAML alias
//! bomb, a 100,000-deep nesting, a 50 MB file). SSM's own limits (the 64 KB
//! content limit, 10 approvers, 100 loop iterations) are rules of the
//! validator, not limits of the tool, and live with the rules. Each overrun is
//! reported with the limit's field name and its value.

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
