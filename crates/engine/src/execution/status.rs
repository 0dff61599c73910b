//! The vocabulary of executions: statuses, modes, signals, stop types and
//! failure classifications, each an enum with SSM's own spelling.
//!
//! Pure data; no transition logic lives here.

use std::fmt;

macro_rules! named_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vdoc])* $variant,)*
        }

        impl $name {
            /// Every value, in the model's order.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// SSM's spelling.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)* }
            }

            /// Parse SSM's spelling (exact, case-sensitive).
            pub fn parse(text: &str) -> Option<$name> {
                match text { $($text => Some($name::$variant),)* _ => None }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

named_enum! {
    /// `AutomationExecutionStatus`: the status of an execution and of a step.
    ///
    /// ```
    /// use ssm_runbook_engine::execution::Status;
    /// assert_eq!(Status::parse("TimedOut"), Some(Status::TimedOut));
    /// assert!(Status::Cancelled.is_terminal());
    /// assert!(!Status::Waiting.is_terminal());
    /// ```
    Status {
        /// Not started.
        Pending = "Pending",
        /// Running.
        InProgress = "InProgress",
        /// Waiting for a signal (approval, pause, interactive mode).
        Waiting = "Waiting",
        /// Ended successfully.
        Success = "Success",
        /// Ended by a time-out.
        TimedOut = "TimedOut",
        /// Being cancelled.
        Cancelling = "Cancelling",
        /// Ended by cancellation.
        Cancelled = "Cancelled",
        /// Ended by a failure.
        Failed = "Failed",
        /// Change Manager: waiting for approval.
        PendingApproval = "PendingApproval",
        /// Change Manager: approved.
        Approved = "Approved",
        /// Change Manager: rejected.
        Rejected = "Rejected",
        /// Change Manager: scheduled.
        Scheduled = "Scheduled",
        /// Change Manager: runbook running.
        RunbookInProgress = "RunbookInProgress",
        /// Change Manager: waiting for a calendar override.
        PendingChangeCalendarOverride = "PendingChangeCalendarOverride",
        /// Change Manager: calendar override approved.
        ChangeCalendarOverrideApproved = "ChangeCalendarOverrideApproved",
        /// Change Manager: calendar override rejected.
        ChangeCalendarOverrideRejected = "ChangeCalendarOverrideRejected",
        /// Change Manager: completed successfully.
        CompletedWithSuccess = "CompletedWithSuccess",
        /// Change Manager: completed with a failure.
        CompletedWithFailure = "CompletedWithFailure",
        /// `aws:loop` only: an inner step jumped out of the loop.
        Exited = "Exited",
    }
}

impl Status {
    /// Whether the status is final.
    pub fn is_terminal(self) -> bool {
        match self {
            Status::Success
            | Status::TimedOut
            | Status::Cancelled
            | Status::Failed
            | Status::Rejected
            | Status::CompletedWithSuccess
            | Status::CompletedWithFailure
            | Status::ChangeCalendarOverrideRejected
            | Status::Exited => true,
            Status::Pending
            | Status::InProgress
            | Status::Waiting
            | Status::Cancelling
            | Status::PendingApproval
            | Status::Approved
            | Status::Scheduled
            | Status::RunbookInProgress
            | Status::PendingChangeCalendarOverride
            | Status::ChangeCalendarOverrideApproved => false,
        }
    }
}

named_enum! {
    /// `ExecutionMode`.
    Mode {
        /// Steps run one after another.
        Auto = "Auto",
        /// Each step is started by a `StartStep` signal.
        Interactive = "Interactive",
    }
}

named_enum! {
    /// `SignalType` of SendAutomationSignal.
    SignalType {
        /// Approve a waiting `aws:approve` step.
        Approve = "Approve",
        /// Reject a waiting `aws:approve` step.
        Reject = "Reject",
        /// Start a step (Interactive mode).
        StartStep = "StartStep",
        /// Stop a running step.
        StopStep = "StopStep",
        /// Resume a waiting `aws:pause` step.
        Resume = "Resume",
        /// Revoke (access requests; not used by runbooks).
        Revoke = "Revoke",
    }
}

named_enum! {
    /// `StopType` of StopAutomationExecution.
    StopType {
        /// End an Interactive execution.
        Complete = "Complete",
        /// Cancel the execution.
        Cancel = "Cancel",
    }
}

named_enum! {
    /// `FailureDetails.FailureStage`.
    FailureStage {
        /// Input resolution or checking failed.
        InputValidation = "InputValidation",
        /// A check before the call failed.
        PreVerification = "PreVerification",
        /// The call itself failed.
        Invocation = "Invocation",
        /// A check after the call failed.
        PostVerification = "PostVerification",
    }
}

named_enum! {
    /// `FailureDetails.FailureType`.
    FailureType {
        /// A generic action or API error.
        Action = "Action",
        /// Access denied.
        Permission = "Permission",
        /// Throttling after the retry budget was used up.
        Throttling = "Throttling",
        /// A verification mismatch.
        Verification = "Verification",
        /// A service-internal error.
        Internal = "Internal",
    }
}
