//! The document operations: CreateDocument, GetDocument, DescribeDocument,
//! UpdateDocument, DeleteDocument, ListDocuments, ListDocumentVersions and
//! UpdateDocumentDefaultVersion, with their request and response shapes.
//!
//! This module owns the document store (names, numbered versions, default
//! version, hashes, compiled runbooks) and the rules the API applies to it.
//! It must not run executions; [`super::executions`] reads compiled
//! runbooks from here through `Service::resolve_runbook`.

use super::{
    Service, ServiceError, decode_token, encode_token, epoch_seconds, hex, invalid_token, page_size,
};
use crate::clock::SimTime;
use crate::runbook::Runbook;
use crate::source::Format;
use crate::validate::{MAX_SSM_DOCUMENT_BYTES, validate_text};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::sync::Arc;

/// `DocumentType` values of the model.
pub const DOCUMENT_TYPES: &[&str] = &[
    "Command",
    "Policy",
    "Automation",
    "Session",
    "Package",
    "ApplicationConfiguration",
    "ApplicationConfigurationSchema",
    "DeploymentStrategy",
    "ChangeCalendar",
    "Automation.ChangeTemplate",
    "ProblemAnalysis",
    "ProblemAnalysisTemplate",
    "CloudFormation",
    "ConformancePackTemplate",
    "QuickSetup",
    "ManualApprovalPolicy",
    "AutoApprovalPolicy",
];

/// `DocumentFormat` values of the model.
pub const DOCUMENT_FORMATS: &[&str] = &["YAML", "JSON", "TEXT"];

/// Name prefixes reserved for AWS (compared case-insensitively).
pub const RESERVED_PREFIXES: &[&str] = &[
    "aws",
    "amazon",
    "amzn",
    "AWSEC2",
    "AWSConfigRemediation",
    "AWSSupport",
];

const NAME_PATTERN: &str = "^[a-zA-Z0-9_\\-.]{3,128}$";
const ARN_PATTERN: &str = "^[a-zA-Z0-9_\\-.:/]{3,128}$";
const VERSION_PATTERN: &str = "([$]LATEST|[$]DEFAULT|^[1-9][0-9]*$)";
const VERSION_NUMBER_PATTERN: &str = "(^[1-9][0-9]*$)";
const VERSION_NAME_PATTERN: &str = "^[a-zA-Z0-9_\\-.]{1,128}$";

/// A `Tag`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tag {
    /// `Key`.
    pub key: String,
    /// `Value`.
    pub value: String,
}

/// `CreateDocumentRequest` (the members this service uses; others are ignored).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateDocumentRequest {
    /// `Content` (required): the JSON or YAML text.
    pub content: String,
    /// `Name` (required).
    pub name: String,
    /// `DisplayName`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// `VersionName`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_name: Option<String>,
    /// `DocumentType` (default `Command`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_type: Option<String>,
    /// `DocumentFormat` (default `JSON`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_format: Option<String>,
    /// `TargetType`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_type: Option<String>,
    /// `Tags`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<Tag>>,
    /// `Requires` (accepted; not used by this service).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requires: Option<Vec<serde_json::Value>>,
    /// `Attachments` (accepted; not used by this service).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachments: Option<Vec<serde_json::Value>>,
    /// `CloudProviders` (accepted; not used by this service).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud_providers: Option<Vec<String>>,
}

/// `DocumentParameter`: one declared parameter, as DescribeDocument shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DocumentParameter {
    /// `Name`.
    pub name: String,
    /// `Type` (the runbook's type name, e.g. `String`, `Integer`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#type: Option<String>,
    /// `Description`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `DefaultValue`: the default as text (JSON text for lists and maps).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_value: Option<String>,
}

/// `DocumentDescription`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DocumentDescription {
    /// `Hash`: SHA-256 of the content, lowercase hex.
    pub hash: String,
    /// `HashType`: always `Sha256`.
    pub hash_type: String,
    /// `Name`.
    pub name: String,
    /// `DisplayName`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// `VersionName`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_name: Option<String>,
    /// `Owner`: the account id.
    pub owner: String,
    /// `CreatedDate`: epoch seconds.
    pub created_date: f64,
    /// `Status`: always `Active`.
    pub status: String,
    /// `DocumentVersion`.
    pub document_version: String,
    /// `Description`: the runbook's `description`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `Parameters`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<Vec<DocumentParameter>>,
    /// `DocumentType`.
    pub document_type: String,
    /// `SchemaVersion`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_version: Option<String>,
    /// `LatestVersion`.
    pub latest_version: String,
    /// `DefaultVersion`.
    pub default_version: String,
    /// `DocumentFormat`.
    pub document_format: String,
    /// `TargetType`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_type: Option<String>,
    /// `Tags`.
    pub tags: Vec<Tag>,
}

/// `CreateDocumentResult`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateDocumentResult {
    /// `DocumentDescription`.
    pub document_description: DocumentDescription,
}

/// `GetDocumentRequest`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetDocumentRequest {
    /// `Name` (required): a name or document ARN.
    pub name: String,
    /// `VersionName`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_name: Option<String>,
    /// `DocumentVersion`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_version: Option<String>,
    /// `DocumentFormat`: only the stored format is served.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_format: Option<String>,
}

/// `GetDocumentResult`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetDocumentResult {
    /// `Name`.
    pub name: String,
    /// `CreatedDate`.
    pub created_date: f64,
    /// `DisplayName`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// `VersionName`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_name: Option<String>,
    /// `DocumentVersion`.
    pub document_version: String,
    /// `Status`.
    pub status: String,
    /// `Content`.
    pub content: String,
    /// `DocumentType`.
    pub document_type: String,
    /// `DocumentFormat`.
    pub document_format: String,
    /// `StatusInformation` (never set by this service).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_information: Option<String>,
    /// `Requires` (never set by this service).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requires: Option<Vec<serde_json::Value>>,
    /// `AttachmentsContent` (never set by this service).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachments_content: Option<Vec<serde_json::Value>>,
    /// `ReviewStatus` (never set by this service).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_status: Option<String>,
}

/// `DescribeDocumentRequest`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeDocumentRequest {
    /// `Name` (required): a name or document ARN.
    pub name: String,
    /// `DocumentVersion`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_version: Option<String>,
    /// `VersionName`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_name: Option<String>,
}

/// `DescribeDocumentResult`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeDocumentResult {
    /// `Document`.
    pub document: DocumentDescription,
}

/// `UpdateDocumentRequest`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateDocumentRequest {
    /// `Content` (required).
    pub content: String,
    /// `Name` (required).
    pub name: String,
    /// `DisplayName`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// `VersionName`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_name: Option<String>,
    /// `DocumentVersion`: must be the latest version (or `$LATEST`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_version: Option<String>,
    /// `DocumentFormat` (default `JSON`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_format: Option<String>,
    /// `TargetType`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_type: Option<String>,
    /// `Attachments` (accepted; not used by this service).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachments: Option<Vec<serde_json::Value>>,
    /// `CloudProviders` (accepted; not used by this service).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud_providers: Option<Vec<String>>,
}

/// `UpdateDocumentResult`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateDocumentResult {
    /// `DocumentDescription`.
    pub document_description: DocumentDescription,
}

/// `DeleteDocumentRequest`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteDocumentRequest {
    /// `Name` (required).
    pub name: String,
    /// `DocumentVersion`: delete only this version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_version: Option<String>,
    /// `VersionName`: delete only this version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_name: Option<String>,
    /// `Force` (accepted, no effect: there are no associations).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub force: Option<bool>,
}

/// `DeleteDocumentResult` (empty: `{}`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteDocumentResult {}

/// `DocumentKeyValuesFilter`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DocumentKeyValuesFilter {
    /// `Key`: `Name`, `Owner`, `DocumentType`, `TargetType`,
    /// `SearchKeyword` or `tag:<key>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// `Values` (ORed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<String>>,
}

/// `DocumentFilter` (deprecated, lowercase members).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentFilter {
    /// `key`: `Name`, `Owner`, `PlatformTypes` or `DocumentType`.
    pub key: String,
    /// `value`.
    pub value: String,
}

/// `ListDocumentsRequest`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListDocumentsRequest {
    /// `DocumentFilterList` (deprecated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_filter_list: Option<Vec<DocumentFilter>>,
    /// `Filters`: different keys ANDed, values of one key ORed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filters: Option<Vec<DocumentKeyValuesFilter>>,
    /// `MaxResults` (1..50, default 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_results: Option<i64>,
    /// `NextToken`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// `DocumentIdentifier`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DocumentIdentifier {
    /// `Name`.
    pub name: String,
    /// `CreatedDate`: when the document (version 1) was created.
    pub created_date: f64,
    /// `DisplayName`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// `Owner`.
    pub owner: String,
    /// `VersionName` of the default version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_name: Option<String>,
    /// `DocumentVersion`: the default version.
    pub document_version: String,
    /// `DocumentType`.
    pub document_type: String,
    /// `SchemaVersion`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_version: Option<String>,
    /// `DocumentFormat`.
    pub document_format: String,
    /// `TargetType`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_type: Option<String>,
    /// `Tags`.
    pub tags: Vec<Tag>,
}

/// `ListDocumentsResult`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListDocumentsResult {
    /// `DocumentIdentifiers`, ordered by name.
    pub document_identifiers: Vec<DocumentIdentifier>,
    /// `NextToken`, absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// `ListDocumentVersionsRequest`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListDocumentVersionsRequest {
    /// `Name` (required).
    pub name: String,
    /// `MaxResults` (1..50, default 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_results: Option<i64>,
    /// `NextToken`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// `DocumentVersionInfo`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DocumentVersionInfo {
    /// `Name`.
    pub name: String,
    /// `DisplayName`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// `DocumentVersion`.
    pub document_version: String,
    /// `VersionName`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_name: Option<String>,
    /// `CreatedDate`.
    pub created_date: f64,
    /// `IsDefaultVersion`.
    pub is_default_version: bool,
    /// `DocumentFormat`.
    pub document_format: String,
    /// `Status`.
    pub status: String,
}

/// `ListDocumentVersionsResult`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListDocumentVersionsResult {
    /// `DocumentVersions`, oldest first.
    pub document_versions: Vec<DocumentVersionInfo>,
    /// `NextToken`, absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// `UpdateDocumentDefaultVersionRequest`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateDocumentDefaultVersionRequest {
    /// `Name` (required).
    pub name: String,
    /// `DocumentVersion` (required, digits only).
    pub document_version: String,
}

/// `DocumentDefaultVersionDescription`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DocumentDefaultVersionDescription {
    /// `Name`.
    pub name: String,
    /// `DefaultVersion`.
    pub default_version: String,
    /// `DefaultVersionName`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_version_name: Option<String>,
}

/// `UpdateDocumentDefaultVersionResult`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateDocumentDefaultVersionResult {
    /// `Description`.
    pub description: DocumentDefaultVersionDescription,
}

/// One stored version.
#[derive(Debug, Clone)]
pub(crate) struct StoredVersion {
    pub(crate) content: String,
    pub(crate) format: &'static str,
    pub(crate) hash: String,
    pub(crate) created: SimTime,
    pub(crate) version_name: Option<String>,
    pub(crate) display_name: Option<String>,
    pub(crate) target_type: Option<String>,
    pub(crate) schema_version: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) parameters: Vec<DocumentParameter>,
    /// The compiled runbook, for Automation documents.
    pub(crate) runbook: Option<Arc<Runbook>>,
}

/// One stored document.
#[derive(Debug, Clone)]
pub(crate) struct StoredDocument {
    pub(crate) name: String,
    pub(crate) document_type: String,
    pub(crate) tags: Vec<Tag>,
    pub(crate) versions: BTreeMap<u64, StoredVersion>,
    pub(crate) default_version: u64,
    pub(crate) next_version: u64,
}

impl StoredDocument {
    fn latest(&self) -> u64 {
        self.versions.keys().next_back().copied().unwrap_or(0)
    }
}

/// Whether a document type can be executed.
fn runnable(document_type: &str) -> bool {
    matches!(document_type, "Automation" | "Automation.ChangeTemplate")
}

fn check_name(name: &str) -> Result<(), ServiceError> {
    let ok = (3..=128).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if ok {
        Ok(())
    } else {
        Err(ServiceError::pattern(name, "name", NAME_PATTERN))
    }
}

/// Accept a `DocumentARN` and give the document name it names.
fn arn_name(name: &str) -> Result<&str, ServiceError> {
    let ok = (3..=128).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':' | '/'));
    if !ok {
        return Err(ServiceError::pattern(name, "name", ARN_PATTERN));
    }
    Ok(name.rsplit('/').next().unwrap_or(name))
}

fn check_version_name(name: &str) -> Result<(), ServiceError> {
    let ok = (1..=128).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if ok {
        Ok(())
    } else {
        Err(ServiceError::pattern(
            name,
            "versionName",
            VERSION_NAME_PATTERN,
        ))
    }
}

/// A version selector: `None` (default), `$DEFAULT`, `$LATEST` or a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VersionSel {
    Default,
    Latest,
    Number(u64),
}

pub(crate) fn parse_version(v: Option<&str>) -> Result<VersionSel, ServiceError> {
    match v {
        None | Some("$DEFAULT") => Ok(VersionSel::Default),
        Some("$LATEST") => Ok(VersionSel::Latest),
        Some(s) => parse_number(s)
            .map(VersionSel::Number)
            .ok_or_else(|| ServiceError::pattern(s, "documentVersion", VERSION_PATTERN)),
    }
}

fn parse_number(s: &str) -> Option<u64> {
    if s.starts_with('0') || s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Out-of-range numbers name no version that exists.
    Some(s.parse::<u64>().unwrap_or(u64::MAX))
}

fn document_format(f: Option<&str>) -> Result<&'static str, ServiceError> {
    match f {
        None | Some("JSON") => Ok("JSON"),
        Some("YAML") => Ok("YAML"),
        Some("TEXT") => Ok("TEXT"),
        Some(other) => Err(ServiceError::enum_value(
            other,
            "documentFormat",
            DOCUMENT_FORMATS,
        )),
    }
}

fn version(doc: &StoredDocument, n: u64) -> Result<&StoredVersion, ServiceError> {
    doc.versions.get(&n).ok_or_else(|| {
        ServiceError::InvalidDocumentVersion(format!(
            "Document {} does not have version {n}.",
            doc.name
        ))
    })
}

fn not_found(name: &str) -> ServiceError {
    ServiceError::InvalidDocument(format!("Document with name {name} does not exist."))
}

fn sha256_hex(content: &str) -> String {
    hex(&Sha256::digest(content.as_bytes()))
}

/// Validate content for `document_type` and build the stored version.
fn build_version(
    name: &str,
    version: u64,
    content: String,
    format: &'static str,
    document_type: &str,
    now: SimTime,
) -> Result<StoredVersion, ServiceError> {
    if content.is_empty() {
        return Err(ServiceError::validation(
            "",
            "content",
            "Member must have length greater than or equal to 1",
        ));
    }
    if content.len() > MAX_SSM_DOCUMENT_BYTES {
        return Err(ServiceError::MaxDocumentSizeExceeded(format!(
            "Document content size {} exceeds the maximum of {MAX_SSM_DOCUMENT_BYTES} bytes.",
            content.len()
        )));
    }
    let mut stored = StoredVersion {
        hash: sha256_hex(&content),
        content,
        format,
        created: now,
        version_name: None,
        display_name: None,
        target_type: None,
        schema_version: None,
        description: None,
        parameters: Vec::new(),
        runbook: None,
    };
    if !runnable(document_type) {
        return Ok(stored);
    }
    if format == "TEXT" {
        return Err(ServiceError::InvalidDocumentContent(
            "Automation documents must be JSON or YAML.".into(),
        ));
    }
    let report = validate_text(&stored.content);
    if format == "JSON" && report.format == Some(Format::Yaml) {
        return Err(ServiceError::InvalidDocumentContent(
            "Document content is not valid JSON; set DocumentFormat to YAML for YAML content."
                .into(),
        ));
    }
    if report.has_errors() {
        let messages: Vec<String> = report
            .diagnostics
            .iter()
            .filter(|d| d.severity == crate::diagnostic::Severity::Error)
            .map(|d| d.message.clone())
            .collect();
        let message = messages.join(" ");
        return Err(match report.ssm_error() {
            Some(crate::diagnostic::SsmError::InvalidDocumentSchemaVersion) => {
                ServiceError::InvalidDocumentSchemaVersion(message)
            }
            Some(crate::diagnostic::SsmError::MaxDocumentSizeExceeded) => {
                ServiceError::MaxDocumentSizeExceeded(message)
            }
            _ => ServiceError::InvalidDocumentContent(message),
        });
    }
    let Some(doc) = report.document else {
        return Err(ServiceError::InvalidDocumentContent(
            "Document content is not a runbook.".into(),
        ));
    };
    stored.schema_version = Some(doc.schema_version.clone());
    stored.description = doc.description.clone();
    stored.parameters = doc
        .parameters
        .iter()
        .map(|(pname, p)| DocumentParameter {
            name: pname.clone(),
            r#type: p.ty.as_ref().map(parameter_type_name),
            description: p.description.clone(),
            default_value: p.default.as_ref().map(|v| match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            }),
        })
        .collect();
    let runbook = Runbook::compile(doc, name, version.to_string())
        .map_err(|e| ServiceError::InvalidDocumentContent(e.message))?;
    stored.runbook = Some(Arc::new(runbook));
    Ok(stored)
}

fn parameter_type_name(t: &crate::document::ParameterType) -> String {
    use crate::document::ParameterType;
    match t {
        ParameterType::Value(v) => v.name().to_string(),
        ParameterType::Resource(r) => r.name().to_string(),
        ParameterType::ResourceList(r) => format!("List<{}>", r.name()),
    }
}

impl Service {
    fn stored(&self, name: &str) -> Result<&StoredDocument, ServiceError> {
        self.documents.get(name).ok_or_else(|| not_found(name))
    }

    fn version_of(
        doc: &StoredDocument,
        document_version: Option<&str>,
        version_name: Option<&str>,
    ) -> Result<u64, ServiceError> {
        let sel = parse_version(document_version)?;
        if let Some(vn) = version_name {
            check_version_name(vn)?;
            let found = doc
                .versions
                .iter()
                .find(|(_, v)| v.version_name.as_deref() == Some(vn))
                .map(|(n, _)| *n)
                .ok_or_else(|| {
                    ServiceError::InvalidDocumentVersion(format!(
                        "Document {} has no version named {vn}.",
                        doc.name
                    ))
                })?;
            if let VersionSel::Number(n) = sel
                && n != found
            {
                return Err(ServiceError::InvalidDocumentVersion(format!(
                    "Version {n} of document {} is not named {vn}.",
                    doc.name
                )));
            }
            return Ok(found);
        }
        match sel {
            VersionSel::Default => Ok(doc.default_version),
            VersionSel::Latest => Ok(doc.latest()),
            VersionSel::Number(n) if doc.versions.contains_key(&n) => Ok(n),
            VersionSel::Number(n) => Err(ServiceError::InvalidDocumentVersion(format!(
                "Document {} does not have version {n}.",
                doc.name
            ))),
        }
    }

    fn description(
        &self,
        doc: &StoredDocument,
        n: u64,
    ) -> Result<DocumentDescription, ServiceError> {
        let v = version(doc, n)?;
        Ok(DocumentDescription {
            hash: v.hash.clone(),
            hash_type: "Sha256".into(),
            name: doc.name.clone(),
            display_name: v.display_name.clone(),
            version_name: v.version_name.clone(),
            owner: self.config.account_id.clone(),
            created_date: epoch_seconds(v.created),
            status: "Active".into(),
            document_version: n.to_string(),
            description: v.description.clone(),
            parameters: (!v.parameters.is_empty()).then(|| v.parameters.clone()),
            document_type: doc.document_type.clone(),
            schema_version: v.schema_version.clone(),
            latest_version: doc.latest().to_string(),
            default_version: doc.default_version.to_string(),
            document_format: v.format.into(),
            target_type: v.target_type.clone(),
            tags: doc.tags.clone(),
        })
    }

    /// The compiled runbook for StartAutomationExecution (and child
    /// executions): `Err` carries the Automation exceptions for a missing
    /// runbook or version.
    pub(crate) fn resolve_runbook(
        &self,
        name: &str,
        version: Option<&str>,
    ) -> Result<Arc<Runbook>, ServiceError> {
        let missing = || {
            ServiceError::AutomationDefinitionNotFoundException(format!(
                "No automation document with name {name} was found."
            ))
        };
        let plain = arn_name(name).map_err(|_| missing())?;
        let doc = self.documents.get(plain).ok_or_else(missing)?;
        if !runnable(&doc.document_type) {
            return Err(missing());
        }
        let n = match parse_version(version) {
            Ok(VersionSel::Default) => doc.default_version,
            Ok(VersionSel::Latest) => doc.latest(),
            Ok(VersionSel::Number(n)) => n,
            Err(e) => return Err(e),
        };
        doc.versions
            .get(&n)
            .and_then(|v| v.runbook.clone())
            .ok_or_else(|| {
                ServiceError::AutomationDefinitionVersionNotFoundException(format!(
                    "Version {} of automation document {plain} was not found.",
                    version.unwrap_or("$DEFAULT")
                ))
            })
    }

    /// CreateDocument: store version 1 of a new document.
    ///
    /// Automation documents are validated (and compiled) like SSM does;
    /// other types are stored as given and cannot be executed.
    ///
    /// ```
    /// use ssm_runbook_engine::clock::SimTime;
    /// use ssm_runbook_engine::service::{Service, ServiceConfig};
    /// use ssm_runbook_engine::service::documents::CreateDocumentRequest;
    /// let mut svc = Service::new(ServiceConfig::default());
    /// let out = svc.create_document(CreateDocumentRequest {
    ///     name: "Hello".into(),
    ///     content: r#"{"schemaVersion":"0.3","mainSteps":[{"name":"p","action":"aws:pause","inputs":{}}]}"#.into(),
    ///     document_type: Some("Automation".into()),
    ///     ..Default::default()
    /// }, SimTime(1_700_000_000_000)).unwrap();
    /// assert_eq!(out.document_description.document_version, "1");
    /// assert_eq!(out.document_description.hash.len(), 64);
    /// assert_eq!(out.document_description.created_date, 1_700_000_000.0);
    ///
    /// let again = svc.create_document(CreateDocumentRequest {
    ///     name: "Hello".into(), content: "{}".into(), ..Default::default()
    /// }, SimTime(0));
    /// assert_eq!(again.unwrap_err().name(), "DocumentAlreadyExists");
    /// ```
    pub fn create_document(
        &mut self,
        request: CreateDocumentRequest,
        now: SimTime,
    ) -> Result<CreateDocumentResult, ServiceError> {
        check_name(&request.name)?;
        let lower = request.name.to_ascii_lowercase();
        if let Some(prefix) = RESERVED_PREFIXES
            .iter()
            .find(|p| lower.starts_with(&p.to_ascii_lowercase()))
        {
            return Err(ServiceError::ValidationException(format!(
                "Document name {} is invalid: the prefix {prefix} is reserved for AWS documents.",
                request.name
            )));
        }
        let document_type = request.document_type.as_deref().unwrap_or("Command");
        if !DOCUMENT_TYPES.contains(&document_type) {
            return Err(ServiceError::enum_value(
                document_type,
                "documentType",
                DOCUMENT_TYPES,
            ));
        }
        let format = document_format(request.document_format.as_deref())?;
        if let Some(vn) = &request.version_name {
            check_version_name(vn)?;
        }
        if self.documents.contains_key(&request.name) {
            return Err(ServiceError::DocumentAlreadyExists(
                "Document with same name already exists.".into(),
            ));
        }
        if self.documents.len() >= self.config.max_documents {
            return Err(ServiceError::DocumentLimitExceeded(format!(
                "The account has reached its limit of {} documents.",
                self.config.max_documents
            )));
        }
        let mut version = build_version(
            &request.name,
            1,
            request.content,
            format,
            document_type,
            now,
        )?;
        version.version_name = request.version_name;
        version.display_name = request.display_name;
        version.target_type = request.target_type;
        let doc = StoredDocument {
            name: request.name.clone(),
            document_type: document_type.to_string(),
            tags: request.tags.unwrap_or_default(),
            versions: BTreeMap::from([(1, version)]),
            default_version: 1,
            next_version: 2,
        };
        let description = self.description(&doc, 1)?;
        self.documents.insert(request.name, doc);
        Ok(CreateDocumentResult {
            document_description: description,
        })
    }

    /// GetDocument: one version's content (default version unless named).
    pub fn get_document(
        &self,
        request: GetDocumentRequest,
    ) -> Result<GetDocumentResult, ServiceError> {
        let name = arn_name(&request.name)?;
        document_format(request.document_format.as_deref())?;
        let doc = self.stored(name)?;
        let n = Self::version_of(
            doc,
            request.document_version.as_deref(),
            request.version_name.as_deref(),
        )?;
        let v = version(doc, n)?;
        Ok(GetDocumentResult {
            name: doc.name.clone(),
            created_date: epoch_seconds(v.created),
            display_name: v.display_name.clone(),
            version_name: v.version_name.clone(),
            document_version: n.to_string(),
            status: "Active".into(),
            content: v.content.clone(),
            document_type: doc.document_type.clone(),
            document_format: v.format.into(),
            status_information: None,
            requires: None,
            attachments_content: None,
            review_status: None,
        })
    }

    /// DescribeDocument: one version's description (default unless named).
    pub fn describe_document(
        &self,
        request: DescribeDocumentRequest,
    ) -> Result<DescribeDocumentResult, ServiceError> {
        let name = arn_name(&request.name)?;
        let doc = self.stored(name)?;
        let n = Self::version_of(
            doc,
            request.document_version.as_deref(),
            request.version_name.as_deref(),
        )?;
        Ok(DescribeDocumentResult {
            document: self.description(doc, n)?,
        })
    }

    /// UpdateDocument: add version N+1 (the default version is unchanged).
    pub fn update_document(
        &mut self,
        request: UpdateDocumentRequest,
        now: SimTime,
    ) -> Result<UpdateDocumentResult, ServiceError> {
        check_name(&request.name)?;
        let format = document_format(request.document_format.as_deref())?;
        if let Some(vn) = &request.version_name {
            check_version_name(vn)?;
        }
        let max_versions = self.config.max_document_versions;
        let doc = self.stored(&request.name)?;
        match parse_version(request.document_version.as_deref())? {
            VersionSel::Latest => {}
            VersionSel::Number(n) if n == doc.latest() => {}
            VersionSel::Default if request.document_version.is_none() => {}
            _ => {
                return Err(ServiceError::InvalidDocumentVersion(
                    "The document version is not valid or does not exist; updates must be based on the latest version.".into(),
                ));
            }
        }
        let hash = sha256_hex(&request.content);
        if doc.versions.get(&doc.latest()).map(|v| &v.hash) == Some(&hash) {
            return Err(ServiceError::DuplicateDocumentContent(
                "The content of the association document matches another document. Change the content of the document and try again.".into(),
            ));
        }
        if let Some(vn) = &request.version_name
            && doc
                .versions
                .values()
                .any(|v| v.version_name.as_deref() == Some(vn))
        {
            return Err(ServiceError::DuplicateDocumentVersionName(format!(
                "The specified version name {vn} is a duplicate."
            )));
        }
        if doc.versions.len() >= max_versions {
            return Err(ServiceError::DocumentVersionLimitExceeded(format!(
                "Document {} has reached its limit of {max_versions} versions.",
                request.name
            )));
        }
        let n = doc.next_version;
        let mut version = build_version(
            &request.name,
            n,
            request.content,
            format,
            &doc.document_type,
            now,
        )?;
        version.version_name = request.version_name;
        version.display_name = request.display_name;
        version.target_type = request.target_type;
        let Some(doc) = self.documents.get_mut(&request.name) else {
            return Err(not_found(&request.name));
        };
        doc.versions.insert(n, version);
        doc.next_version = n.saturating_add(1);
        let doc = self.stored(&request.name)?;
        Ok(UpdateDocumentResult {
            document_description: self.description(doc, n)?,
        })
    }

    /// DeleteDocument: the whole document, or only the named version (not
    /// the default one). Executions already started keep their runbook.
    pub fn delete_document(
        &mut self,
        request: DeleteDocumentRequest,
    ) -> Result<DeleteDocumentResult, ServiceError> {
        check_name(&request.name)?;
        let doc = self.stored(&request.name)?;
        if request.document_version.is_none() && request.version_name.is_none() {
            self.documents.remove(&request.name);
            return Ok(DeleteDocumentResult {});
        }
        // The model lists no InvalidDocumentVersion for DeleteDocument: a
        // version that does not exist is an InvalidDocument.
        let n = Self::version_of(
            doc,
            request.document_version.as_deref(),
            request.version_name.as_deref(),
        )
        .map_err(|e| match e {
            ServiceError::InvalidDocumentVersion(message) => ServiceError::InvalidDocument(message),
            other => other,
        })?;
        if n == doc.default_version {
            return Err(ServiceError::InvalidDocumentOperation(
                "The default version of a document cannot be deleted; delete the document or change its default version first.".into(),
            ));
        }
        if let Some(doc) = self.documents.get_mut(&request.name) {
            doc.versions.remove(&n);
        }
        Ok(DeleteDocumentResult {})
    }

    /// ListDocuments: documents ordered by name, filtered and paginated.
    ///
    /// ```
    /// use ssm_runbook_engine::clock::SimTime;
    /// use ssm_runbook_engine::service::{Service, ServiceConfig};
    /// use ssm_runbook_engine::service::documents::{CreateDocumentRequest, ListDocumentsRequest};
    /// let mut svc = Service::new(ServiceConfig::default());
    /// for name in ["Alpha", "Beta", "Gamma"] {
    ///     svc.create_document(CreateDocumentRequest {
    ///         name: name.into(), content: "{}".into(), ..Default::default()
    ///     }, SimTime(0)).unwrap();
    /// }
    /// let page = svc.list_documents(ListDocumentsRequest {
    ///     max_results: Some(2), ..Default::default()
    /// }).unwrap();
    /// assert_eq!(page.document_identifiers.len(), 2);
    /// let rest = svc.list_documents(ListDocumentsRequest {
    ///     next_token: page.next_token, ..Default::default()
    /// }).unwrap();
    /// assert_eq!(rest.document_identifiers[0].name, "Gamma");
    /// assert_eq!(rest.next_token, None);
    /// ```
    pub fn list_documents(
        &self,
        request: ListDocumentsRequest,
    ) -> Result<ListDocumentsResult, ServiceError> {
        let size = page_size(request.max_results)?;
        let mut filters: Vec<(String, Vec<String>)> = Vec::new();
        for f in request.filters.unwrap_or_default() {
            let key = f.key.unwrap_or_default();
            let known = matches!(
                key.as_str(),
                "Name" | "Owner" | "DocumentType" | "TargetType" | "SearchKeyword"
            ) || key.starts_with("tag:");
            if !known {
                return Err(ServiceError::InvalidFilterKey(format!(
                    "The filter key {key} is not valid."
                )));
            }
            filters.push((key, f.values.unwrap_or_default()));
        }
        for f in request.document_filter_list.unwrap_or_default() {
            match f.key.as_str() {
                "Name" | "Owner" | "DocumentType" => filters.push((f.key, vec![f.value])),
                // Stored documents declare no platform types.
                "PlatformTypes" => {}
                other => {
                    return Err(ServiceError::InvalidFilterKey(format!(
                        "The filter key {other} is not valid."
                    )));
                }
            }
        }
        let after = match &request.next_token {
            Some(t) => Some(decode_token("docs", t)?),
            None => None,
        };
        let range = match &after {
            Some(a) => self
                .documents
                .range::<String, _>((std::ops::Bound::Excluded(a), std::ops::Bound::Unbounded)),
            None => self.documents.range::<String, _>(..),
        };
        let mut out = Vec::new();
        let mut next_token = None;
        for (_, doc) in range {
            if !filters.iter().all(|(k, vs)| self.matches(doc, k, vs)) {
                continue;
            }
            if out.len() == size {
                next_token = out
                    .last()
                    .map(|d: &DocumentIdentifier| encode_token("docs", &d.name));
                break;
            }
            out.push(self.identifier(doc));
        }
        Ok(ListDocumentsResult {
            document_identifiers: out,
            next_token,
        })
    }

    fn matches(&self, doc: &StoredDocument, key: &str, values: &[String]) -> bool {
        let default = doc.versions.get(&doc.default_version);
        values.iter().any(|value| match key {
            "Name" => doc.name.starts_with(value.as_str()),
            "Owner" => {
                matches!(value.as_str(), "Self" | "Private") || *value == self.config.account_id
            }
            "DocumentType" => doc.document_type == *value,
            "TargetType" => default.and_then(|v| v.target_type.as_deref()) == Some(value.as_str()),
            "SearchKeyword" => doc
                .name
                .to_ascii_lowercase()
                .contains(&value.to_ascii_lowercase()),
            _ => key
                .strip_prefix("tag:")
                .is_some_and(|tag| doc.tags.iter().any(|t| t.key == tag && t.value == *value)),
        })
    }

    fn identifier(&self, doc: &StoredDocument) -> DocumentIdentifier {
        let default = doc.versions.get(&doc.default_version);
        let created = doc
            .versions
            .values()
            .next()
            .map(|v| v.created)
            .unwrap_or_default();
        DocumentIdentifier {
            name: doc.name.clone(),
            created_date: epoch_seconds(created),
            display_name: default.and_then(|v| v.display_name.clone()),
            owner: self.config.account_id.clone(),
            version_name: default.and_then(|v| v.version_name.clone()),
            document_version: doc.default_version.to_string(),
            document_type: doc.document_type.clone(),
            schema_version: default.and_then(|v| v.schema_version.clone()),
            document_format: default.map(|v| v.format).unwrap_or("JSON").into(),
            target_type: default.and_then(|v| v.target_type.clone()),
            tags: doc.tags.clone(),
        }
    }

    /// ListDocumentVersions: every version of one document, oldest first.
    pub fn list_document_versions(
        &self,
        request: ListDocumentVersionsRequest,
    ) -> Result<ListDocumentVersionsResult, ServiceError> {
        let size = page_size(request.max_results)?;
        let name = arn_name(&request.name)?;
        let doc = self.stored(name)?;
        let after = match &request.next_token {
            Some(t) => {
                let key = decode_token("versions", t)?;
                let (doc_name, n) = key.rsplit_once('#').ok_or_else(invalid_token)?;
                let n = n
                    .parse::<u64>()
                    .ok()
                    .filter(|_| doc_name == doc.name)
                    .ok_or_else(invalid_token)?;
                Some(n)
            }
            None => None,
        };
        let mut out = Vec::new();
        let mut next_token = None;
        for (n, v) in doc
            .versions
            .range(after.map_or(0, |a| a.saturating_add(1))..)
        {
            if out.len() == size {
                // The token names the last version returned.
                next_token = out.last().map(|last: &DocumentVersionInfo| {
                    encode_token(
                        "versions",
                        &format!("{}#{}", doc.name, last.document_version),
                    )
                });
                break;
            }
            out.push(DocumentVersionInfo {
                name: doc.name.clone(),
                display_name: v.display_name.clone(),
                document_version: n.to_string(),
                version_name: v.version_name.clone(),
                created_date: epoch_seconds(v.created),
                is_default_version: *n == doc.default_version,
                document_format: v.format.into(),
                status: "Active".into(),
            });
        }
        Ok(ListDocumentVersionsResult {
            document_versions: out,
            next_token,
        })
    }

    /// UpdateDocumentDefaultVersion: make a numbered version the default.
    pub fn update_document_default_version(
        &mut self,
        request: UpdateDocumentDefaultVersionRequest,
    ) -> Result<UpdateDocumentDefaultVersionResult, ServiceError> {
        check_name(&request.name)?;
        let n = parse_number(&request.document_version).ok_or_else(|| {
            ServiceError::pattern(
                &request.document_version,
                "documentVersion",
                VERSION_NUMBER_PATTERN,
            )
        })?;
        let Some(doc) = self.documents.get_mut(&request.name) else {
            return Err(not_found(&request.name));
        };
        let Some(v) = doc.versions.get(&n) else {
            return Err(ServiceError::InvalidDocumentVersion(format!(
                "Document {} does not have version {n}.",
                request.name
            )));
        };
        let default_version_name = v.version_name.clone();
        doc.default_version = n;
        Ok(UpdateDocumentDefaultVersionResult {
            description: DocumentDefaultVersionDescription {
                name: request.name,
                default_version: n.to_string(),
                default_version_name,
            },
        })
    }
}
