//! The typed model of a schema 0.3 runbook.
//!
//! Values that may hold `{{ }}` placeholders stay [`serde_json::Value`]s;
//! everything with a fixed vocabulary (actions, operators, `onFailure`,
//! types) is an enum. A [`Document`] is what lowering produced from the raw
//! tree: it may still break rules (the validator reports those), but every
//! field has its meaning attached. Built by [`crate::document::lower`] only.

use super::catalogue::ActionKind;
use crate::value::ValueType;
use indexmap::IndexMap;
use serde_json::Value;

/// A schema 0.3 Automation runbook.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Document {
    /// `description` (Markdown).
    pub description: Option<String>,
    /// `schemaVersion` as written.
    pub schema_version: String,
    /// `assumeRole`: an ARN or a `{{ }}` reference.
    pub assume_role: Option<String>,
    /// `parameters`, in document order.
    pub parameters: IndexMap<String, Parameter>,
    /// `variables`, in document order.
    pub variables: IndexMap<String, Variable>,
    /// `outputs`: `step.Output` names reported by the execution.
    pub outputs: Vec<String>,
    /// `files`: attachments for `aws:executeScript`.
    pub files: IndexMap<String, FileSpec>,
    /// `mainSteps`, in order.
    pub main_steps: Vec<Step>,
    /// Change Manager template keys (`templateInformation`, ...), kept verbatim.
    pub change_template: IndexMap<String, Value>,
}

/// A parameter's declared type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParameterType {
    /// One of the six value types.
    Value(ValueType),
    /// `AWS::EC2::Instance::Id` and friends: a String matching a pattern.
    Resource(ResourceType),
    /// `List<AWS::...>`: a StringList whose items match a pattern.
    ResourceList(ResourceType),
}

/// The AWS resource types a parameter may declare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResourceType {
    /// `AWS::EC2::Instance::Id`
    Ec2InstanceId,
    /// `AWS::S3::Bucket::Name`
    S3BucketName,
    /// `AWS::IAM::Role::Arn`
    IamRoleArn,
}

impl ResourceType {
    /// Every resource type.
    pub const ALL: &'static [ResourceType] = &[
        ResourceType::Ec2InstanceId,
        ResourceType::S3BucketName,
        ResourceType::IamRoleArn,
    ];

    /// The type's name, e.g. `AWS::EC2::Instance::Id`.
    pub fn name(self) -> &'static str {
        match self {
            ResourceType::Ec2InstanceId => "AWS::EC2::Instance::Id",
            ResourceType::S3BucketName => "AWS::S3::Bucket::Name",
            ResourceType::IamRoleArn => "AWS::IAM::Role::Arn",
        }
    }

    /// The pattern SSM uses to find matching resources.
    pub fn pattern(self) -> &'static str {
        match self {
            ResourceType::Ec2InstanceId => r"^m?i-([a-z0-9]{8}|[a-z0-9]{17})$",
            ResourceType::S3BucketName => r"^[0-9a-z][a-z0-9\-\.]{3,63}$",
            ResourceType::IamRoleArn => {
                r"^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b):iam::[0-9]{12}:role/.*$"
            }
        }
    }
}

impl ParameterType {
    /// Parse a type name as runbooks write it.
    ///
    /// ```
    /// use ssm_runbook_engine::document::{ParameterType, ResourceType};
    /// use ssm_runbook_engine::value::ValueType;
    /// assert_eq!(ParameterType::from_name("Integer"), Some(ParameterType::Value(ValueType::Integer)));
    /// assert_eq!(ParameterType::from_name("List<AWS::EC2::Instance::Id>"),
    ///            Some(ParameterType::ResourceList(ResourceType::Ec2InstanceId)));
    /// ```
    pub fn from_name(name: &str) -> Option<ParameterType> {
        if let Some(t) = ValueType::from_name(name) {
            return Some(ParameterType::Value(t));
        }
        let find = |n: &str| ResourceType::ALL.iter().copied().find(|r| r.name() == n);
        match name.strip_prefix("List<").and_then(|r| r.strip_suffix('>')) {
            Some(inner) => find(inner).map(ParameterType::ResourceList),
            None => find(name).map(ParameterType::Resource),
        }
    }

    /// The value type values of this parameter have.
    pub fn value_type(self) -> ValueType {
        match self {
            ParameterType::Value(t) => t,
            ParameterType::Resource(_) => ValueType::String,
            ParameterType::ResourceList(_) => ValueType::StringList,
        }
    }

    /// The type's name as written.
    pub fn name(self) -> String {
        match self {
            ParameterType::Value(t) => t.name().to_owned(),
            ParameterType::Resource(r) => r.name().to_owned(),
            ParameterType::ResourceList(r) => format!("List<{}>", r.name()),
        }
    }
}

/// A parameter definition.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Parameter {
    /// `type`; `None` when missing or unknown (already reported).
    pub ty: Option<ParameterType>,
    /// `description`.
    pub description: Option<String>,
    /// `default`.
    pub default: Option<Value>,
    /// `allowedValues`.
    pub allowed_values: Option<Vec<Value>>,
    /// `allowedPattern`.
    pub allowed_pattern: Option<String>,
    /// `displayType`: `textfield` or `textarea`.
    pub display_type: Option<String>,
    /// `minItems`.
    pub min_items: Option<u64>,
    /// `maxItems`.
    pub max_items: Option<u64>,
    /// `minChars`.
    pub min_chars: Option<u64>,
    /// `maxChars`.
    pub max_chars: Option<u64>,
    /// `minValue` (Integer parameters).
    pub min_value: Option<i64>,
    /// `maxValue` (Integer parameters).
    pub max_value: Option<i64>,
}

/// A variable definition (`variables:`).
#[derive(Debug, Clone, PartialEq)]
pub struct Variable {
    /// `type`; `None` when missing or unknown.
    pub ty: Option<ValueType>,
    /// `default`.
    pub default: Option<Value>,
    /// `description`.
    pub description: Option<String>,
}

/// An attachment listed under `files`.
#[derive(Debug, Clone, PartialEq)]
pub struct FileSpec {
    /// `checksums.sha256`.
    pub sha256: Option<String>,
    /// `size` in bytes.
    pub size: Option<u64>,
}

/// What happens when a step fails (`onFailure`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum OnFailure {
    /// Stop the execution (the default).
    #[default]
    Abort,
    /// Go on as if the step had succeeded.
    Continue,
    /// Jump to the named step.
    Step(String),
}

impl OnFailure {
    /// As written in a runbook and echoed by `StepExecution.OnFailure`.
    pub fn as_written(&self) -> String {
        match self {
            OnFailure::Abort => "Abort".into(),
            OnFailure::Continue => "Continue".into(),
            OnFailure::Step(s) => format!("step:{s}"),
        }
    }
}

/// What happens when the execution is cancelled during a step (`onCancel`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum OnCancel {
    /// Stop (the default).
    #[default]
    Abort,
    /// Run the named step as the cancel workflow.
    Step(String),
}

/// A user-defined step output.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StepOutput {
    /// `Name`.
    pub name: String,
    /// `Selector`: JSONPath into the action's response.
    pub selector: String,
    /// `Type`; `None` when missing or unknown.
    pub ty: Option<ValueType>,
}

/// A step of `mainSteps` (or of an `aws:loop` body).
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// `name`.
    pub name: String,
    /// `action` with its typed inputs.
    pub action: Action,
    /// `description`.
    pub description: Option<String>,
    /// `maxAttempts` as declared.
    pub max_attempts: Option<u64>,
    /// `timeoutSeconds` as declared.
    pub timeout_seconds: Option<u64>,
    /// `onFailure` as declared.
    pub on_failure: Option<OnFailure>,
    /// `onCancel` as declared.
    pub on_cancel: Option<OnCancel>,
    /// `isEnd` as declared.
    pub is_end: Option<bool>,
    /// `nextStep` as declared.
    pub next_step: Option<String>,
    /// `isCritical` as declared.
    pub is_critical: Option<bool>,
    /// `outputs`.
    pub outputs: Vec<StepOutput>,
    /// `inputs` exactly as written (for an `aws:loop`, without `Steps`);
    /// the execution resolves placeholders in these.
    pub raw_inputs: serde_json::Map<String, Value>,
}

impl Step {
    /// `onFailure`, defaulting to Abort.
    pub fn on_failure(&self) -> OnFailure {
        self.on_failure.clone().unwrap_or_default()
    }

    /// Whether the step is critical: as declared, else false with
    /// `onFailure: Continue`, else true.
    pub fn is_critical(&self) -> bool {
        self.is_critical
            .unwrap_or(!matches!(self.on_failure, Some(OnFailure::Continue)))
    }

    /// `maxAttempts`, defaulting to 1.
    pub fn max_attempts(&self) -> u64 {
        self.max_attempts.unwrap_or(1).max(1)
    }

    /// `isEnd`, defaulting to false.
    pub fn is_end(&self) -> bool {
        self.is_end.unwrap_or(false)
    }

    /// For an API-calling step ([`Action::Api`]), the inputs that are the
    /// API's own parameters: every input the catalogue does not name.
    /// Empty for other actions.
    ///
    /// ```
    /// use ssm_runbook_engine::validate::validate_text;
    /// let doc = validate_text("schemaVersion: '0.3'\nmainSteps:\n- name: d\n  action: aws:executeAwsApi\n  inputs: {Service: ec2, Api: DescribeInstances, InstanceIds: [i-1]}\n").document.unwrap();
    /// let names: Vec<&str> = doc.main_steps[0].api_parameters().map(|(k, _)| k).collect();
    /// assert_eq!(names, ["InstanceIds"]);
    /// ```
    pub fn api_parameters(&self) -> impl Iterator<Item = (&str, &Value)> {
        let named = match &self.action {
            Action::Api(kind, _) => Some(kind.inputs()),
            _ => None,
        };
        self.raw_inputs.iter().filter_map(move |(k, v)| {
            let named = named?;
            (!named.iter().any(|s| s.name == k.as_str())).then_some((k.as_str(), v))
        })
    }
}

/// A branch operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operator {
    /// `StringEquals`
    StringEquals,
    /// `EqualsIgnoreCase`
    EqualsIgnoreCase,
    /// `StartsWith`
    StartsWith,
    /// `EndsWith`
    EndsWith,
    /// `Contains`
    Contains,
    /// `NumericEquals`
    NumericEquals,
    /// `NumericGreater`
    NumericGreater,
    /// `NumericLesser`
    NumericLesser,
    /// `NumericGreaterOrEquals`
    NumericGreaterOrEquals,
    /// `NumericLesserOrEquals`
    NumericLesserOrEquals,
    /// `BooleanEquals`
    BooleanEquals,
}

impl Operator {
    /// Every comparison operator.
    pub const ALL: &'static [Operator] = &[
        Operator::StringEquals,
        Operator::EqualsIgnoreCase,
        Operator::StartsWith,
        Operator::EndsWith,
        Operator::Contains,
        Operator::NumericEquals,
        Operator::NumericGreater,
        Operator::NumericLesser,
        Operator::NumericGreaterOrEquals,
        Operator::NumericLesserOrEquals,
        Operator::BooleanEquals,
    ];

    /// The operator's name as written.
    pub fn name(self) -> &'static str {
        match self {
            Operator::StringEquals => "StringEquals",
            Operator::EqualsIgnoreCase => "EqualsIgnoreCase",
            Operator::StartsWith => "StartsWith",
            Operator::EndsWith => "EndsWith",
            Operator::Contains => "Contains",
            Operator::NumericEquals => "NumericEquals",
            Operator::NumericGreater => "NumericGreater",
            Operator::NumericLesser => "NumericLesser",
            Operator::NumericGreaterOrEquals => "NumericGreaterOrEquals",
            Operator::NumericLesserOrEquals => "NumericLesserOrEquals",
            Operator::BooleanEquals => "BooleanEquals",
        }
    }

    /// Look an operator up by name.
    pub fn from_name(name: &str) -> Option<Operator> {
        Operator::ALL.iter().copied().find(|o| o.name() == name)
    }

    /// Whether the operand must be a number, a boolean or a string.
    pub fn operand_type(self) -> ValueType {
        match self {
            Operator::NumericEquals
            | Operator::NumericGreater
            | Operator::NumericLesser
            | Operator::NumericGreaterOrEquals
            | Operator::NumericLesserOrEquals => ValueType::Integer,
            Operator::BooleanEquals => ValueType::Boolean,
            Operator::StringEquals
            | Operator::EqualsIgnoreCase
            | Operator::StartsWith
            | Operator::EndsWith
            | Operator::Contains => ValueType::String,
        }
    }
}

/// A condition of `aws:branch` or of an `aws:loop` `LoopCondition`.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// `{Variable, <Operator>: operand}`.
    Compare {
        /// `Variable`: usually one `{{ }}` placeholder.
        variable: Value,
        /// The operator.
        operator: Operator,
        /// The operand (a literal or a placeholder).
        operand: Value,
    },
    /// `And: [...]`.
    And(Vec<Condition>),
    /// `Or: [...]`.
    Or(Vec<Condition>),
    /// `Not: ...`.
    Not(Box<Condition>),
}

/// One entry of `Choices`.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    /// `NextStep`.
    pub next_step: String,
    /// The condition.
    pub condition: Condition,
}

/// Inputs of `aws:branch`.
#[derive(Debug, Clone, PartialEq)]
pub struct Branch {
    /// `Choices`, in order.
    pub choices: Vec<Choice>,
    /// `Default`.
    pub default: Option<String>,
}

/// Inputs of `aws:loop`.
#[derive(Debug, Clone, PartialEq)]
pub struct Loop {
    /// `Iterators` (for-each loops): a list or one placeholder.
    pub iterators: Option<Value>,
    /// `IteratorDataType`, default String.
    pub iterator_data_type: Option<String>,
    /// `LoopCondition` (do-while loops).
    pub loop_condition: Option<Condition>,
    /// `MaxIterations`: an integer or a placeholder.
    pub max_iterations: Option<Value>,
    /// `Steps`: the body.
    pub steps: Vec<Step>,
}

/// Inputs of `aws:sleep`.
#[derive(Debug, Clone, PartialEq)]
pub enum Sleep {
    /// `Duration`: an ISO-8601 duration or a placeholder.
    Duration(Value),
    /// `Timestamp`: an ISO-8601 instant or a placeholder.
    Timestamp(Value),
    /// Neither given (already reported).
    Missing,
}

/// Inputs of `aws:updateVariable`.
#[derive(Debug, Clone, PartialEq)]
pub struct UpdateVariable {
    /// The variable's name, without the `variable:` prefix.
    pub name: String,
    /// `Value`.
    pub value: Value,
}

/// Inputs of `aws:approve`.
#[derive(Debug, Clone, PartialEq)]
pub struct Approve {
    /// `Approvers`: a list or one placeholder.
    pub approvers: Value,
    /// `MinRequiredApprovals` (default 1).
    pub min_required_approvals: Option<Value>,
    /// `NotificationArn`.
    pub notification_arn: Option<Value>,
    /// `Message`.
    pub message: Option<Value>,
}

/// Inputs of `aws:executeAutomation`. Every other input (targets, rate
/// control, tags) is in the step's [`Step::raw_inputs`] only.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecuteAutomation {
    /// `DocumentName`.
    pub document_name: Value,
    /// `DocumentVersion`.
    pub document_version: Option<Value>,
    /// `RuntimeParameters`.
    pub runtime_parameters: Option<Value>,
}

/// Inputs of the API-calling actions (`aws:executeAwsApi`,
/// `aws:assertAwsResourceProperty`, `aws:waitForAwsResourceProperty`). The
/// API's own parameters are the step's other inputs
/// ([`Step::api_parameters`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ApiCall {
    /// `Service`: the boto3 namespace, e.g. `ec2`.
    pub service: Value,
    /// `Api`: the operation, e.g. `DescribeInstances`.
    pub api: Value,
    /// `PropertySelector` (assert and wait only).
    pub property_selector: Option<Value>,
    /// `DesiredValues` (assert and wait only).
    pub desired_values: Option<Value>,
}

/// An action with its typed inputs.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// `aws:approve`.
    Approve(Approve),
    /// `aws:pause`.
    Pause {
        /// `Message` shown while paused.
        message: Option<Value>,
    },
    /// `aws:sleep`.
    Sleep(Sleep),
    /// `aws:branch`.
    Branch(Branch),
    /// `aws:loop`.
    Loop(Loop),
    /// `aws:updateVariable`.
    UpdateVariable(UpdateVariable),
    /// `aws:executeAutomation`.
    ExecuteAutomation(ExecuteAutomation),
    /// `aws:executeAwsApi`, `aws:assertAwsResourceProperty`, `aws:waitForAwsResourceProperty`.
    Api(ActionKind, ApiCall),
    /// Every other documented action: `aws:executeScript`, `aws:runCommand`,
    /// `aws:createStack`, ... with inputs checked against the catalogue. The
    /// engine hands the step's [`Step::raw_inputs`] to the driver.
    External(ActionKind),
    /// An AWS-internal action absent from the public reference (its inputs
    /// are the step's [`Step::raw_inputs`]).
    Internal {
        /// The action name.
        name: String,
    },
    /// An action that could not be read (reported already).
    Invalid {
        /// The action name as written, if any.
        name: Option<String>,
    },
}

impl Action {
    /// The catalogue kind, for documented actions.
    pub fn kind(&self) -> Option<ActionKind> {
        match self {
            Action::Approve(_) => Some(ActionKind::Approve),
            Action::Pause { .. } => Some(ActionKind::Pause),
            Action::Sleep(_) => Some(ActionKind::Sleep),
            Action::Branch(_) => Some(ActionKind::Branch),
            Action::Loop(_) => Some(ActionKind::Loop),
            Action::UpdateVariable(_) => Some(ActionKind::UpdateVariable),
            Action::ExecuteAutomation(_) => Some(ActionKind::ExecuteAutomation),
            Action::Api(k, _) | Action::External(k) => Some(*k),
            Action::Internal { .. } | Action::Invalid { .. } => None,
        }
    }

    /// The action's name as written.
    pub fn name(&self) -> &str {
        match self {
            Action::Internal { name } => name,
            Action::Invalid { name } => name.as_deref().unwrap_or(""),
            other => other.kind().map_or("", ActionKind::name),
        }
    }
}
