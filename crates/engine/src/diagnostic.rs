//! Diagnostics: what validation reports, with a stable code, a severity, a
//! path and (once located) a line and column.
//!
//! Every rule the validator knows has one [`Code`] here, with its stable
//! identifier (`SSM203`), its kebab-case name (`unknown-action`), its default
//! [`Severity`] and the SSM error that CreateDocument answers with when the
//! service itself rejects the mistake ([`SsmError`]). Rules that SSM only finds
//! at run time (or never) map to no service error. This module owns the
//! vocabulary; it does not decide when a rule fires.

use crate::path::Path;
use serde::Serialize;
use std::fmt;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; never fails a run of `validate`.
    Info,
    /// Probably a mistake; fails `validate` only with `--deny-warnings`.
    Warning,
    /// SSM rejects the document, or the runbook fails at run time.
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// The SSM CreateDocument error a rule corresponds to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum SsmError {
    /// `InvalidDocumentContent`.
    InvalidDocumentContent,
    /// `InvalidDocumentSchemaVersion`.
    InvalidDocumentSchemaVersion,
    /// `MaxDocumentSizeExceeded`.
    MaxDocumentSizeExceeded,
}

impl SsmError {
    /// The exception name as SSM spells it.
    pub fn name(self) -> &'static str {
        match self {
            SsmError::InvalidDocumentContent => "InvalidDocumentContent",
            SsmError::InvalidDocumentSchemaVersion => "InvalidDocumentSchemaVersion",
            SsmError::MaxDocumentSizeExceeded => "MaxDocumentSizeExceeded",
        }
    }
}

macro_rules! codes {
    ($( $(#[$doc:meta])* $variant:ident = ($id:literal, $name:literal, $sev:ident, $ssm:expr, $summary:literal); )*) => {
        /// Every rule the validator knows, each with a stable identifier.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $( $(#[$doc])* $variant, )*
        }

        impl Code {
            /// Every code, in identifier order.
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// The stable identifier, e.g. `SSM203`.
            pub fn id(self) -> &'static str {
                match self { $(Code::$variant => $id,)* }
            }

            /// The kebab-case name, e.g. `unknown-action`.
            pub fn name(self) -> &'static str {
                match self { $(Code::$variant => $name,)* }
            }

            /// The severity a finding of this rule has.
            pub fn severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$sev,)* }
            }

            /// The CreateDocument error SSM answers with, if SSM itself rejects it.
            pub fn ssm_error(self) -> Option<SsmError> {
                match self { $(Code::$variant => $ssm,)* }
            }

            /// A one-line description of the rule.
            pub fn summary(self) -> &'static str {
                match self { $(Code::$variant => $summary,)* }
            }
        }
    };
}

const IDC: Option<SsmError> = Some(SsmError::InvalidDocumentContent);
const ISV: Option<SsmError> = Some(SsmError::InvalidDocumentSchemaVersion);
const MDS: Option<SsmError> = Some(SsmError::MaxDocumentSizeExceeded);
const RUN: Option<SsmError> = None;

codes! {
    /// The text is not well-formed YAML or JSON (or not text at all).
    ParseError = ("SSM001", "parse-error", Error, IDC, "the document is not well-formed YAML or JSON");
    /// A Command or Session document (schemaVersion 1.2, 2.0, 2.2).
    NotAutomation = ("SSM002", "not-automation", Error, ISV, "the document is not an Automation runbook (schemaVersion 0.3)");
    /// `schemaVersion` missing or not `0.3`.
    SchemaVersion = ("SSM003", "schema-version", Error, ISV, "schemaVersion is missing or not '0.3'");
    /// The document is larger than SSM's 64 KB limit.
    DocumentTooLarge = ("SSM004", "document-too-large", Error, MDS, "the document exceeds SSM's 64 KB content limit");
    /// A key that the schema does not define.
    UnknownField = ("SSM005", "unknown-field", Error, IDC, "a key the Automation schema does not define");
    /// A field whose value has the wrong type.
    WrongType = ("SSM006", "wrong-type", Error, IDC, "a field holds a value of the wrong type");
    /// No `mainSteps`, or an empty one.
    MissingMainSteps = ("SSM007", "missing-main-steps", Error, IDC, "mainSteps is missing or empty");
    /// A limit of this tool (nesting, size) was exceeded.
    LimitExceeded = ("SSM008", "limit-exceeded", Error, IDC, "the document exceeds a structural limit");

    /// Parameter names must be alphanumeric.
    ParameterName = ("SSM101", "parameter-name", Error, IDC, "a parameter name is not alphanumeric");
    /// A parameter's `type` is missing or not a known type.
    ParameterType = ("SSM102", "parameter-type", Error, IDC, "a parameter type is missing or unknown");
    /// A parameter default does not fit the parameter's own rules.
    ParameterDefault = ("SSM103", "parameter-default", Error, IDC, "a parameter default does not match its type, allowedValues, allowedPattern or limits");
    /// An `allowedPattern` this tool cannot compile.
    ParameterPattern = ("SSM104", "parameter-pattern", Warning, RUN, "an allowedPattern is not a regular expression this tool can check");
    /// A parameter attribute with a bad value (minItems > maxItems, ...).
    ParameterAttribute = ("SSM105", "parameter-attribute", Error, IDC, "a parameter attribute has an invalid value");
    /// A variable definition with a bad type or default.
    VariableDefinition = ("SSM106", "variable-definition", Error, IDC, "a variable has a missing or unknown type, or a default that does not match it");
    /// A default outside its parameter's allowedValues or allowedPattern.
    DefaultNotAllowed = ("SSM107", "default-not-allowed", Warning, RUN, "a parameter default is outside its own allowedValues or allowedPattern: a start that relies on it fails");

    /// A step has no name, or a name SSM rejects.
    StepName = ("SSM201", "step-name", Error, IDC, "a step name is missing or not [A-Za-z0-9_]+");
    /// Two steps share a name.
    DuplicateStepName = ("SSM202", "duplicate-step-name", Error, IDC, "two steps have the same name");
    /// A step has no `action`.
    MissingAction = ("SSM203", "missing-action", Error, IDC, "a step has no action");
    /// An action that is not an Automation action.
    UnknownAction = ("SSM204", "unknown-action", Error, IDC, "the action is not an Automation action");
    /// An action used by AWS-owned runbooks but absent from the public reference.
    InternalAction = ("SSM205", "internal-action", Warning, RUN, "the action is AWS-internal: only AWS-owned runbooks may use it");
    /// `maxAttempts` below 1.
    MaxAttempts = ("SSM206", "max-attempts", Error, IDC, "maxAttempts must be a whole number of at least 1");
    /// `timeoutSeconds` not positive or above the action's maximum.
    TimeoutSeconds = ("SSM207", "timeout-seconds", Error, IDC, "timeoutSeconds must be positive and within the action's maximum");
    /// `onFailure` not `Abort`, `Continue` or `step:<name>`.
    OnFailureSyntax = ("SSM208", "on-failure", Error, IDC, "onFailure must be Abort, Continue or step:<name>");
    /// `onCancel` malformed, set where not allowed, or aimed at a forbidden action.
    OnCancel = ("SSM209", "on-cancel", Error, IDC, "onCancel is malformed, not allowed on this action, or targets an action that cannot run on cancel");
    /// `isEnd: true` together with `nextStep`.
    IsEndWithNextStep = ("SSM210", "is-end-with-next-step", Error, IDC, "a step sets both isEnd: true and nextStep");
    /// A step output declaration with a missing or bad Name, Selector or Type.
    StepOutput = ("SSM211", "step-output", Error, IDC, "a step output needs a Name, a $-rooted Selector and a known Type");
    /// A step has no `inputs`.
    MissingInputs = ("SSM212", "missing-inputs", Error, IDC, "a step has no inputs");
    /// `onCancel` on an action where the docs say it is not allowed (SSM accepts it).
    OnCancelIgnored = ("SSM213", "on-cancel-ignored", Warning, RUN, "onCancel on aws:loop or aws:updateVariable: the docs say it is not allowed there");
    /// `timeoutSeconds` above the longest run the action supports.
    TimeoutAboveActionLimit = ("SSM214", "timeout-above-action-limit", Warning, RUN, "timeoutSeconds is above the longest the action itself can run");

    /// A required input is missing.
    MissingInput = ("SSM301", "missing-input", Error, IDC, "a required input of the action is missing");
    /// An input the action does not take.
    UnknownInput = ("SSM302", "unknown-input", Error, IDC, "an input the action does not accept");
    /// A literal input of the wrong type or outside its allowed values.
    InputValue = ("SSM303", "input-value", Error, IDC, "a literal input has the wrong type or a value the action does not accept");
    /// Approver list and MinRequiredApprovals limits.
    Approvers = ("SSM304", "approvers", Error, IDC, "aws:approve needs 1 to 10 approvers and 1 <= MinRequiredApprovals <= len(Approvers)");
    /// Shape of `aws:loop`.
    LoopShape = ("SSM305", "loop-shape", Error, IDC, "aws:loop needs exactly one of Iterators and LoopCondition, MaxIterations 1-100, and inner Steps");
    /// Shape of `aws:sleep`.
    SleepShape = ("SSM306", "sleep-shape", Error, IDC, "aws:sleep needs a valid Duration or Timestamp within 7 days");
    /// A branch choice or condition that SSM rejects.
    BranchChoice = ("SSM307", "branch-choice", Error, IDC, "an aws:branch choice has no NextStep, no operator, an unknown operator or a bad operand");
    /// `aws:updateVariable` naming an undeclared variable or a value of the wrong type.
    UpdateVariable = ("SSM308", "update-variable", Error, IDC, "aws:updateVariable must name a declared variable and give a value of its type");
    /// `{{ssm:...}}` used directly in step inputs.
    SsmParameterInInput = ("SSM309", "ssm-parameter-in-input", Error, IDC, "{{ssm:...}} is only allowed in parameter defaults");
    /// `aws:executeScript` inputs that do not fit together.
    ScriptShape = ("SSM310", "script-shape", Error, IDC, "aws:executeScript needs a Runtime, a Handler for Python, and Script or an Attachment listed in files");

    /// `nextStep`, `onFailure`, `onCancel` or a branch target naming no step.
    UnknownStepTarget = ("SSM401", "unknown-step-target", Error, IDC, "a step reference names no step of the runbook");
    /// `{{ X }}` where X is not a declared parameter.
    UndeclaredParameter = ("SSM402", "undeclared-parameter", Error, IDC, "a {{ }} reference names no declared parameter");
    /// `{{ step.Output }}` where the step has no such output.
    UnknownStepOutput = ("SSM403", "unknown-step-output", Error, RUN, "a {{ step.Output }} reference names an output the step does not produce");
    /// `{{ global:X }}` or `{{ automation:X }}` that is not a system variable.
    UnknownSystemVariable = ("SSM404", "unknown-system-variable", Error, RUN, "an automation: or global: name that SSM does not define");
    /// `{{ variable:X }}` with X not declared in `variables`.
    UndeclaredVariable = ("SSM405", "undeclared-variable", Error, IDC, "a {{ variable:X }} reference names no declared variable");
    /// A top-level output naming an unknown step or output.
    UnknownOutput = ("SSM406", "unknown-output", Error, IDC, "a top-level output names an unknown step or step output");
    /// `CurrentIteratorValue` read from a loop that has no `Iterators`.
    LoopContext = ("SSM407", "loop-context", Error, RUN, "CurrentIteratorValue is read from an aws:loop that loops on a LoopCondition, not on Iterators");
    /// A malformed `{{ }}` placeholder.
    TemplateSyntax = ("SSM408", "template-syntax", Error, IDC, "a {{ }} placeholder is malformed or nested");
    /// A step output read where some path has not run the producing step.
    MaybeUnset = ("SSM409", "maybe-unset-output", Warning, RUN, "a step output is read on a path where the producing step has not run");

    /// A step no path from the first step reaches.
    UnreachableStep = ("SSM501", "unreachable-step", Warning, RUN, "no path from the first step reaches this step");
    /// A cycle that no step can leave.
    CycleWithoutExit = ("SSM502", "cycle-without-exit", Error, IDC, "the steps form a cycle with no way out");
    /// A cycle with a way out (allowed, reported).
    CycleWithExit = ("SSM503", "cycle-with-exit", Info, RUN, "the steps form a cycle that a branch or failure can leave");
    /// A branch with neither `Default` nor `isEnd`.
    BranchWithoutDefault = ("SSM504", "branch-without-default", Warning, RUN, "an aws:branch has neither Default nor isEnd: the docs disagree on what happens when no choice matches");
}

impl Code {
    /// Look a code up by identifier (`SSM203`) or name (`unknown-action`), case-insensitively.
    ///
    /// ```
    /// use ssm_runbook_engine::diagnostic::Code;
    /// assert_eq!(Code::lookup("ssm204"), Some(Code::UnknownAction));
    /// assert_eq!(Code::lookup("unknown-action"), Some(Code::UnknownAction));
    /// assert_eq!(Code::lookup("nope"), None);
    /// ```
    pub fn lookup(text: &str) -> Option<Code> {
        Code::ALL
            .iter()
            .copied()
            .find(|c| c.id().eq_ignore_ascii_case(text) || c.name().eq_ignore_ascii_case(text))
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// A 1-based line and column (columns count characters, not bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Position {
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// One finding of validation.
///
/// ```
/// use ssm_runbook_engine::diagnostic::{Code, Diagnostic, Severity};
/// use ssm_runbook_engine::path::Path;
/// let d = Diagnostic::new(Code::UnknownAction, Path::root().key("mainSteps").index(0).key("action"),
///     "Unknown action: aws:nope");
/// assert_eq!(d.severity, Severity::Error);
/// assert_eq!(d.path.to_string(), "mainSteps[0].action");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Diagnostic {
    /// Which rule fired.
    pub code: Code,
    /// How serious it is (the rule's default severity).
    pub severity: Severity,
    /// Where in the document tree.
    pub path: Path,
    /// One line, lowercase start where it is ours, SSM's own wording where SSM has one.
    pub message: String,
    /// Where in the source text, once located.
    pub position: Option<Position>,
}

impl Diagnostic {
    /// A diagnostic of `code` at `path`, not yet located in the source.
    pub fn new(code: Code, path: Path, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: code.severity(),
            path,
            message: message.into(),
            position: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_well_formed() {
        let mut ids = std::collections::BTreeSet::new();
        let mut names = std::collections::BTreeSet::new();
        for c in Code::ALL {
            assert!(ids.insert(c.id()), "duplicate id {}", c.id());
            assert!(names.insert(c.name()), "duplicate name {}", c.name());
            assert!(c.id().starts_with("SSM") && c.id().len() == 6);
            assert!(!c.summary().ends_with('.'));
        }
        let ids: Vec<&str> = Code::ALL.iter().map(|c| c.id()).collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        assert_eq!(ids, sorted, "Code::ALL is in id order");
    }
}
