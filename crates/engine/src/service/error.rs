//! `ServiceError`: every exception the 14 Automation and document operations
//! can answer with, named exactly as the API model names them, plus
//! `ValidationException` for constraint violations the model does not list.
//!
//! This module owns the error vocabulary and its wire rendering
//! (`__type`, `Message`, HTTP status). It must not decide *when* an error is
//! raised; the operations in [`super::documents`] and [`super::executions`] do.

use serde_json::{Value, json};

macro_rules! service_errors {
    ($($(#[$doc:meta])* $variant:ident),* $(,)?) => {
        /// An error answer of the service. Each variant carries the message.
        ///
        /// ```
        /// use ssm_runbook_engine::service::ServiceError;
        /// let e = ServiceError::InvalidDocument("Document Nope does not exist.".into());
        /// assert_eq!(e.name(), "InvalidDocument");
        /// assert_eq!(e.http_status(), 400);
        /// assert_eq!(e.to_json()["__type"], "InvalidDocument");
        /// ```
        #[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
        pub enum ServiceError {
            $(
                $(#[$doc])*
                #[error("{name}: {0}", name = stringify!($variant))]
                $variant(String),
            )*
        }

        impl ServiceError {
            /// Every exception name, in declaration order.
            pub const NAMES: &'static [&'static str] = &[$(stringify!($variant)),*];

            /// The wire name (`__type`), exactly the model's shape name.
            pub fn name(&self) -> &'static str {
                match self {
                    $(ServiceError::$variant(_) => stringify!($variant),)*
                }
            }

            /// The message (`Message`).
            pub fn message(&self) -> &str {
                match self {
                    $(ServiceError::$variant(m) => m,)*
                }
            }
        }
    };
}

service_errors! {
    /// `AssociatedInstances`: the document is still associated with managed nodes.
    AssociatedInstances,
    /// `AutomationDefinitionNotFoundException`: no runbook with that name.
    AutomationDefinitionNotFoundException,
    /// `AutomationDefinitionVersionNotFoundException`: no such runbook version.
    AutomationDefinitionVersionNotFoundException,
    /// `AutomationExecutionLimitExceededException`: too many executions in flight.
    AutomationExecutionLimitExceededException,
    /// `AutomationExecutionNotFoundException`: no execution with that id.
    AutomationExecutionNotFoundException,
    /// `AutomationStepNotFoundException`: unknown step name or step execution id.
    AutomationStepNotFoundException,
    /// `DocumentAlreadyExists`: the name is taken.
    DocumentAlreadyExists,
    /// `DocumentLimitExceeded`: the account's document quota is reached.
    DocumentLimitExceeded,
    /// `DocumentVersionLimitExceeded`: the document has too many versions.
    DocumentVersionLimitExceeded,
    /// `DuplicateDocumentContent`: the content equals the latest version's.
    DuplicateDocumentContent,
    /// `DuplicateDocumentVersionName`: the version name is already used.
    DuplicateDocumentVersionName,
    /// `IdempotentParameterMismatch`: a client token reused with other parameters.
    IdempotentParameterMismatch,
    /// `InternalServerError`: a server fault (HTTP 500).
    InternalServerError,
    /// `InvalidAutomationExecutionParametersException`: parameters do not fit the runbook.
    InvalidAutomationExecutionParametersException,
    /// `InvalidAutomationSignalException`: the signal does not fit the execution's state.
    InvalidAutomationSignalException,
    /// `InvalidAutomationStatusUpdateException`: the stop does not fit the execution's state.
    InvalidAutomationStatusUpdateException,
    /// `InvalidDocument`: the document does not exist (SSM's "not found").
    InvalidDocument,
    /// `InvalidDocumentContent`: the content is not a valid document.
    InvalidDocumentContent,
    /// `InvalidDocumentOperation`: the operation is not allowed on this document.
    InvalidDocumentOperation,
    /// `InvalidDocumentSchemaVersion`: unsupported `schemaVersion`.
    InvalidDocumentSchemaVersion,
    /// `InvalidDocumentVersion`: the version does not exist or is invalid here.
    InvalidDocumentVersion,
    /// `InvalidFilterKey`: unknown filter key.
    InvalidFilterKey,
    /// `InvalidFilterValue`: a filter value that cannot be used.
    InvalidFilterValue,
    /// `InvalidNextToken`: a pagination token the service did not issue.
    InvalidNextToken,
    /// `InvalidTarget`: an invalid target.
    InvalidTarget,
    /// `MaxDocumentSizeExceeded`: content over 64 KB.
    MaxDocumentSizeExceeded,
    /// `NoLongerSupportedException`: a retired operation.
    NoLongerSupportedException,
    /// `TooManyUpdates`: a concurrent update conflict.
    TooManyUpdates,
    /// `ValidationException`: a request member violates a model constraint
    /// (max, pattern, enum) that clients do not check.
    ValidationException,
}

impl ServiceError {
    /// The HTTP status: 500 for `InternalServerError` (the only fault), 400 otherwise.
    pub fn http_status(&self) -> u16 {
        match self {
            ServiceError::InternalServerError(_) => 500,
            _ => 400,
        }
    }

    /// The error body: `{"__type": name, "Message": message}`.
    pub fn to_json(&self) -> Value {
        json!({"__type": self.name(), "Message": self.message()})
    }

    /// A `ValidationException` in SSM's form for one violated constraint.
    ///
    /// `member` is the request member in lower camel case as SSM reports it
    /// (`maxResults`, `name`), `constraint` the text after "constraint: ".
    ///
    /// ```
    /// use ssm_runbook_engine::service::ServiceError;
    /// let e = ServiceError::validation("500", "maxResults",
    ///     "Member must have value less than or equal to 50");
    /// assert_eq!(e.message(), "1 validation error detected: Value '500' at 'maxResults' \
    ///     failed to satisfy constraint: Member must have value less than or equal to 50");
    /// ```
    pub fn validation(value: &str, member: &str, constraint: &str) -> ServiceError {
        ServiceError::ValidationException(format!(
            "1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: {constraint}"
        ))
    }

    /// A `ValidationException` for a value that does not match `pattern`.
    pub fn pattern(value: &str, member: &str, pattern: &str) -> ServiceError {
        ServiceError::validation(
            value,
            member,
            &format!("Member must satisfy regular expression pattern: {pattern}"),
        )
    }

    /// A `ValidationException` for a value outside an enum.
    pub fn enum_value(value: &str, member: &str, allowed: &[&str]) -> ServiceError {
        ServiceError::validation(
            value,
            member,
            &format!(
                "Member must satisfy enum value set: [{}]",
                allowed.join(", ")
            ),
        )
    }
}
