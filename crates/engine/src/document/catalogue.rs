//! The catalogue of the 23 Automation actions: names, inputs, built-in
//! outputs, time-out limits and where `onCancel` may be used.
//!
//! This is data, not behaviour: the lowering and the validator read it, the
//! engine reads it to know which actions it runs itself (control flow) and
//! which it hands to the driver (external). Facts come from the action
//! reference; choices where the reference is silent are in docs/semantics.md.

use crate::value::ValueType;

/// The kind of an Automation action, without its inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ActionKind {
    /// `aws:approve`
    Approve,
    /// `aws:assertAwsResourceProperty`
    AssertAwsResourceProperty,
    /// `aws:branch`
    Branch,
    /// `aws:changeInstanceState`
    ChangeInstanceState,
    /// `aws:copyImage`
    CopyImage,
    /// `aws:createImage`
    CreateImage,
    /// `aws:createStack`
    CreateStack,
    /// `aws:createTags`
    CreateTags,
    /// `aws:deleteImage`
    DeleteImage,
    /// `aws:deleteStack`
    DeleteStack,
    /// `aws:executeAutomation`
    ExecuteAutomation,
    /// `aws:executeAwsApi`
    ExecuteAwsApi,
    /// `aws:executeScript`
    ExecuteScript,
    /// `aws:executeStateMachine`
    ExecuteStateMachine,
    /// `aws:invokeLambdaFunction`
    InvokeLambdaFunction,
    /// `aws:invokeWebhook`
    InvokeWebhook,
    /// `aws:loop`
    Loop,
    /// `aws:pause`
    Pause,
    /// `aws:runCommand`
    RunCommand,
    /// `aws:runInstances`
    RunInstances,
    /// `aws:sleep`
    Sleep,
    /// `aws:updateVariable`
    UpdateVariable,
    /// `aws:waitForAwsResourceProperty`
    WaitForAwsResourceProperty,
}

/// How an input must be written when it is a literal (not a `{{ }}` reference).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputType {
    /// One of the Automation value types.
    Typed(ValueType),
    /// A string from a fixed set.
    OneOf(&'static [&'static str]),
    /// Anything (maps passed through to an API, payloads).
    Any,
}

/// One input an action accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InputSpec {
    /// The key, as written in `inputs`.
    pub name: &'static str,
    /// What a literal value must look like.
    pub ty: InputType,
    /// Whether the action needs it.
    pub required: bool,
}

macro_rules! req {
    ($name:literal, $ty:expr $(,)?) => {
        InputSpec {
            name: $name,
            ty: $ty,
            required: true,
        }
    };
}
macro_rules! opt {
    ($name:literal, $ty:expr $(,)?) => {
        InputSpec {
            name: $name,
            ty: $ty,
            required: false,
        }
    };
}

const S: InputType = InputType::Typed(ValueType::String);
const SL: InputType = InputType::Typed(ValueType::StringList);
const I: InputType = InputType::Typed(ValueType::Integer);
const B: InputType = InputType::Typed(ValueType::Boolean);
const SM: InputType = InputType::Typed(ValueType::StringMap);
const ML: InputType = InputType::Typed(ValueType::MapList);
const ANY: InputType = InputType::Any;

const API: &[InputSpec] = &[req!("Service", S), req!("Api", S)];
const API_PROPERTY: &[InputSpec] = &[
    req!("Service", S),
    req!("Api", S),
    req!("PropertySelector", S),
    req!("DesiredValues", SL),
];

/// Seven days, the default time-out of approvals and pauses.
pub const SEVEN_DAYS_SECONDS: u64 = 604_800;
/// Thirty days, the longest time-out of approvals and pauses.
pub const THIRTY_DAYS_SECONDS: u64 = 2_592_000;

impl ActionKind {
    /// Every action, in name order.
    pub const ALL: &'static [ActionKind] = &[
        ActionKind::Approve,
        ActionKind::AssertAwsResourceProperty,
        ActionKind::Branch,
        ActionKind::ChangeInstanceState,
        ActionKind::CopyImage,
        ActionKind::CreateImage,
        ActionKind::CreateStack,
        ActionKind::CreateTags,
        ActionKind::DeleteImage,
        ActionKind::DeleteStack,
        ActionKind::ExecuteAutomation,
        ActionKind::ExecuteAwsApi,
        ActionKind::ExecuteScript,
        ActionKind::ExecuteStateMachine,
        ActionKind::InvokeLambdaFunction,
        ActionKind::InvokeWebhook,
        ActionKind::Loop,
        ActionKind::Pause,
        ActionKind::RunCommand,
        ActionKind::RunInstances,
        ActionKind::Sleep,
        ActionKind::UpdateVariable,
        ActionKind::WaitForAwsResourceProperty,
    ];

    /// The action's name, e.g. `aws:approve`.
    pub fn name(self) -> &'static str {
        match self {
            ActionKind::Approve => "aws:approve",
            ActionKind::AssertAwsResourceProperty => "aws:assertAwsResourceProperty",
            ActionKind::Branch => "aws:branch",
            ActionKind::ChangeInstanceState => "aws:changeInstanceState",
            ActionKind::CopyImage => "aws:copyImage",
            ActionKind::CreateImage => "aws:createImage",
            ActionKind::CreateStack => "aws:createStack",
            ActionKind::CreateTags => "aws:createTags",
            ActionKind::DeleteImage => "aws:deleteImage",
            ActionKind::DeleteStack => "aws:deleteStack",
            ActionKind::ExecuteAutomation => "aws:executeAutomation",
            ActionKind::ExecuteAwsApi => "aws:executeAwsApi",
            ActionKind::ExecuteScript => "aws:executeScript",
            ActionKind::ExecuteStateMachine => "aws:executeStateMachine",
            ActionKind::InvokeLambdaFunction => "aws:invokeLambdaFunction",
            ActionKind::InvokeWebhook => "aws:invokeWebhook",
            ActionKind::Loop => "aws:loop",
            ActionKind::Pause => "aws:pause",
            ActionKind::RunCommand => "aws:runCommand",
            ActionKind::RunInstances => "aws:runInstances",
            ActionKind::Sleep => "aws:sleep",
            ActionKind::UpdateVariable => "aws:updateVariable",
            ActionKind::WaitForAwsResourceProperty => "aws:waitForAwsResourceProperty",
        }
    }

    /// Look an action up by name.
    ///
    /// ```
    /// use ssm_runbook_engine::document::ActionKind;
    /// assert_eq!(ActionKind::from_name("aws:approve"), Some(ActionKind::Approve));
    /// assert_eq!(ActionKind::from_name("aws:executeAPI"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<ActionKind> {
        ActionKind::ALL.iter().copied().find(|a| a.name() == name)
    }

    /// Whether the engine runs the action itself (control flow) rather than
    /// asking the driver to perform it.
    pub fn is_control_flow(self) -> bool {
        matches!(
            self,
            ActionKind::Approve
                | ActionKind::Branch
                | ActionKind::ExecuteAutomation
                | ActionKind::Loop
                | ActionKind::Pause
                | ActionKind::Sleep
                | ActionKind::UpdateVariable
        )
    }

    /// The named inputs the action accepts.
    pub fn inputs(self) -> &'static [InputSpec] {
        match self {
            ActionKind::Approve => &[
                req!("Approvers", SL),
                opt!("MinRequiredApprovals", I),
                opt!("NotificationArn", S),
                opt!("Message", S),
                opt!("EnhancedApprovals", SM),
            ],
            ActionKind::AssertAwsResourceProperty | ActionKind::WaitForAwsResourceProperty => {
                API_PROPERTY
            }
            ActionKind::ExecuteAwsApi => API,
            ActionKind::Branch => &[req!("Choices", ML), opt!("Default", S)],
            ActionKind::ChangeInstanceState => &[
                req!("InstanceIds", SL),
                req!(
                    "DesiredState",
                    InputType::OneOf(&["running", "stopped", "terminated"])
                ),
                opt!("CheckStateOnly", B),
                opt!("Force", B),
                opt!("AdditionalInfo", S),
                opt!("FailOnUnexpectedStopped", B),
            ],
            ActionKind::CopyImage => &[
                req!("SourceRegion", S),
                req!("SourceImageId", S),
                req!("ImageName", S),
                opt!("ImageDescription", S),
                opt!("Encrypted", B),
                opt!("KmsKeyId", S),
                opt!("ClientToken", S),
            ],
            ActionKind::CreateImage => &[
                req!("InstanceId", S),
                req!("ImageName", S),
                opt!("ImageDescription", S),
                opt!("NoReboot", B),
                opt!("BlockDeviceMappings", ANY),
            ],
            ActionKind::CreateStack => &[
                req!("StackName", S),
                opt!("TemplateBody", S),
                opt!("TemplateURL", S),
                opt!("Parameters", ML),
                opt!("Capabilities", SL),
                opt!("ClientRequestToken", S),
                opt!("NotificationARNs", SL),
                opt!(
                    "OnFailure",
                    InputType::OneOf(&["DO_NOTHING", "ROLLBACK", "DELETE"])
                ),
                opt!("ResourceTypes", SL),
                opt!("RoleARN", S),
                opt!("StackPolicyBody", S),
                opt!("StackPolicyURL", S),
                opt!("Tags", ML),
                opt!("TerminationProtection", B),
                opt!("TimeoutInMinutes", I),
            ],
            ActionKind::CreateTags => &[
                req!("ResourceIds", SL),
                req!("Tags", ML),
                opt!(
                    "ResourceType",
                    InputType::OneOf(&["EC2", "ManagedInstance", "MaintenanceWindow", "Parameter"]),
                ),
            ],
            ActionKind::DeleteImage => &[req!("ImageId", S)],
            ActionKind::DeleteStack => &[
                req!("StackName", S),
                opt!("ClientRequestToken", S),
                opt!("RetainResources", SL),
                opt!("RoleARN", S),
            ],
            ActionKind::ExecuteAutomation => &[
                req!("DocumentName", S),
                opt!("DocumentVersion", S),
                opt!("RuntimeParameters", ANY),
                opt!("Tags", ML),
                opt!("TargetParameterName", S),
                opt!("Targets", ML),
                opt!("TargetMaps", ANY),
                opt!("TargetLocations", ANY),
                opt!("MaxConcurrency", S),
                opt!("MaxErrors", S),
            ],
            ActionKind::ExecuteScript => &[
                req!("Runtime", S),
                opt!("Handler", S),
                opt!("InputPayload", ANY),
                opt!("Script", S),
                opt!("Attachment", S),
            ],
            ActionKind::ExecuteStateMachine => &[
                req!("stateMachineArn", S),
                opt!("name", S),
                opt!("input", S),
            ],
            ActionKind::InvokeLambdaFunction => &[
                req!("FunctionName", S),
                opt!("Qualifier", S),
                opt!(
                    "InvocationType",
                    InputType::OneOf(&["Event", "RequestResponse", "DryRun"])
                ),
                opt!("LogType", InputType::OneOf(&["None", "Tail"])),
                opt!("ClientContext", S),
                opt!("InputPayload", ANY),
                opt!("Payload", ANY),
            ],
            ActionKind::InvokeWebhook => &[req!("IntegrationName", S), opt!("Body", S)],
            ActionKind::Loop => &[
                req!("Steps", ANY),
                opt!("Iterators", SL),
                opt!(
                    "IteratorDataType",
                    InputType::OneOf(&["Boolean", "Integer", "String", "StringMap"]),
                ),
                opt!("LoopCondition", ANY),
                opt!("MaxIterations", I),
            ],
            ActionKind::Pause => &[opt!("Message", S)],
            ActionKind::RunCommand => &[
                req!("DocumentName", S),
                opt!("InstanceIds", SL),
                opt!("Targets", ML),
                opt!("Parameters", ANY),
                opt!("CloudWatchOutputConfig", ANY),
                opt!("Comment", S),
                opt!("DocumentHash", S),
                opt!("DocumentHashType", InputType::OneOf(&["Sha256", "Sha1"])),
                opt!("DocumentVersion", S),
                opt!("MaxConcurrency", S),
                opt!("MaxErrors", S),
                opt!("NotificationConfig", ANY),
                opt!("OutputS3BucketName", S),
                opt!("OutputS3KeyPrefix", S),
                opt!("ServiceRoleArn", S),
                opt!("TimeoutSeconds", I),
            ],
            ActionKind::RunInstances => &[
                req!("ImageId", S),
                opt!("InstanceType", S),
                opt!("MinInstanceCount", I),
                opt!("MaxInstanceCount", I),
                opt!("AdditionalInfo", S),
                opt!("BlockDeviceMappings", ANY),
                opt!("ClientToken", S),
                opt!("DisableApiTermination", B),
                opt!("EbsOptimized", B),
                opt!("IamInstanceProfileArn", S),
                opt!("IamInstanceProfileName", S),
                opt!("InstanceInitiatedShutdownBehavior", S),
                opt!("KernelId", S),
                opt!("KeyName", S),
                opt!("MetadataOptions", ANY),
                opt!("Monitoring", B),
                opt!("NetworkInterfaces", ANY),
                opt!("Placement", ANY),
                opt!("PrivateIpAddress", S),
                opt!("RamdiskId", S),
                opt!("SecurityGroupIds", SL),
                opt!("SecurityGroups", SL),
                opt!("SubnetId", S),
                opt!("TagSpecifications", ANY),
                opt!("UserData", S),
            ],
            ActionKind::Sleep => &[
                opt!("Duration", S),
                opt!("Timestamp", S),
                opt!("TimeStamp", S),
            ],
            ActionKind::UpdateVariable => &[req!("Name", S), req!("Value", ANY)],
        }
    }

    /// Whether inputs beyond [`ActionKind::inputs`] are passed to an AWS API.
    pub fn accepts_api_parameters(self) -> bool {
        matches!(
            self,
            ActionKind::ExecuteAwsApi
                | ActionKind::AssertAwsResourceProperty
                | ActionKind::WaitForAwsResourceProperty
        )
    }

    /// The outputs the action always produces, with their types.
    pub fn builtin_outputs(self) -> &'static [(&'static str, ValueType)] {
        use ValueType::*;
        match self {
            ActionKind::Approve => &[("ApprovalStatus", String), ("ApproverDecisions", MapList)],
            ActionKind::Branch => &[("NextStep", String), ("OutputPayload", String)],
            ActionKind::ChangeInstanceState => &[("InstanceStates", StringList)],
            ActionKind::CopyImage | ActionKind::CreateImage => {
                &[("ImageId", String), ("ImageState", String)]
            }
            ActionKind::CreateStack => &[
                ("StackId", String),
                ("StackStatus", String),
                ("StackStatusReason", String),
            ],
            ActionKind::ExecuteAutomation => &[
                ("Output", StringList),
                ("ExecutionId", String),
                ("Status", String),
            ],
            ActionKind::ExecuteScript => &[("Payload", StringMap)],
            ActionKind::ExecuteStateMachine => &[
                ("executionArn", String),
                ("status", String),
                ("output", String),
                ("input", String),
                ("name", String),
                ("startDate", String),
                ("stopDate", String),
                ("stateMachineArn", String),
            ],
            ActionKind::InvokeLambdaFunction => &[
                ("StatusCode", Integer),
                ("FunctionError", String),
                ("LogResult", String),
                ("Payload", String),
            ],
            ActionKind::InvokeWebhook => &[("Response", String), ("ResponseCode", Integer)],
            ActionKind::Loop => &[
                ("CurrentIteration", Integer),
                ("CurrentIteratorValue", String),
            ],
            ActionKind::RunCommand => &[
                ("CommandId", String),
                ("Status", String),
                ("ResponseCode", Integer),
                ("Output", String),
                ("OutputPayload", String),
            ],
            ActionKind::RunInstances => {
                &[("InstanceIds", StringList), ("InstanceStates", StringList)]
            }
            ActionKind::AssertAwsResourceProperty
            | ActionKind::CreateTags
            | ActionKind::DeleteImage
            | ActionKind::DeleteStack
            | ActionKind::ExecuteAwsApi
            | ActionKind::Pause
            | ActionKind::Sleep
            | ActionKind::UpdateVariable
            | ActionKind::WaitForAwsResourceProperty => &[],
        }
    }

    /// The largest `timeoutSeconds` SSM accepts for the action, where documented.
    pub fn max_timeout_seconds(self) -> Option<u64> {
        match self {
            ActionKind::Approve | ActionKind::Pause => Some(THIRTY_DAYS_SECONDS),
            ActionKind::ExecuteScript => Some(600),
            ActionKind::InvokeLambdaFunction => Some(300),
            _ => None,
        }
    }

    /// The time-out that applies when the step sets none, where documented.
    pub fn default_timeout_seconds(self) -> Option<u64> {
        match self {
            ActionKind::Approve | ActionKind::Pause => Some(SEVEN_DAYS_SECONDS),
            ActionKind::ChangeInstanceState | ActionKind::WaitForAwsResourceProperty => Some(3600),
            ActionKind::ExecuteScript => Some(600),
            ActionKind::InvokeLambdaFunction => Some(300),
            _ => None,
        }
    }

    /// Whether a step of this action may set `onCancel`.
    pub fn allows_on_cancel(self) -> bool {
        !matches!(self, ActionKind::Loop | ActionKind::UpdateVariable)
    }

    /// Whether an `onCancel: step:X` may name a step of this action.
    pub fn may_run_on_cancel(self) -> bool {
        !matches!(
            self,
            ActionKind::Approve
                | ActionKind::CopyImage
                | ActionKind::CreateImage
                | ActionKind::CreateStack
                | ActionKind::CreateTags
                | ActionKind::Pause
                | ActionKind::RunInstances
                | ActionKind::Sleep
        )
    }
}

/// Actions that AWS-owned runbooks use but the public action reference does
/// not list. They are accepted with a warning.
pub const INTERNAL_ACTIONS: &[&str] = &[
    "aws:putServerUpgradeMetrics",
    "aws:shareSQLMedia",
    "aws:installDistributorPackageOnAzure",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twenty_three_actions_with_unique_names() {
        assert_eq!(ActionKind::ALL.len(), 23);
        for a in ActionKind::ALL {
            assert_eq!(ActionKind::from_name(a.name()), Some(*a));
            let mut names: Vec<_> = a.inputs().iter().map(|i| i.name).collect();
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), a.inputs().len(), "{}", a.name());
        }
    }
}
