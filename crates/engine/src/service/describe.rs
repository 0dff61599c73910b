//! DescribeAutomationExecutions and DescribeAutomationStepExecutions:
//! filtered, paginated views of the execution table.
//!
//! This module owns the filter vocabulary of the two operations and their
//! pagination. It must not change executions; it only reads the
//! `AutomationExecution` JSON that [`crate::execution::Execution::to_api`]
//! renders (for executions, the metadata item each execution caches until
//! it changes) and picks members from it. A page of executions costs the
//! executions it walks over, not the whole table.

use super::{Service, ServiceError, decode_token, encode_token, invalid_token, page_size};
use crate::clock::SimTime;
use crate::execution::Status;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// `AutomationExecutionFilterKey` values.
pub const EXECUTION_FILTER_KEYS: &[&str] = &[
    "DocumentNamePrefix",
    "ExecutionStatus",
    "ExecutionId",
    "ParentExecutionId",
    "CurrentAction",
    "StartTimeBefore",
    "StartTimeAfter",
    "AutomationType",
    "TagKey",
    "TargetResourceGroup",
    "AutomationSubtype",
    "OpsItemId",
];

/// `StepExecutionFilterKey` values.
pub const STEP_FILTER_KEYS: &[&str] = &[
    "StartTimeBefore",
    "StartTimeAfter",
    "StepExecutionStatus",
    "StepExecutionId",
    "StepName",
    "Action",
    "ParentStepExecutionId",
    "ParentStepIteration",
    "ParentStepIteratorValue",
];

/// The `AutomationExecutionMetadata` members this service can fill, taken
/// from the `AutomationExecution` of the same execution.
const METADATA_MEMBERS: &[&str] = &[
    "AutomationExecutionId",
    "DocumentName",
    "DocumentVersion",
    "AutomationExecutionStatus",
    "ExecutionStartTime",
    "ExecutionEndTime",
    "ExecutedBy",
    "Outputs",
    "Mode",
    "ParentAutomationExecutionId",
    "CurrentStepName",
    "CurrentAction",
    "FailureMessage",
    "Targets",
    "ResolvedTargets",
];

/// The `AutomationExecutionMetadata` item of an execution's API view.
pub(crate) fn metadata_of(e: &Value) -> Value {
    let mut m = Map::new();
    for member in METADATA_MEMBERS {
        if let Some(v) = e.get(*member) {
            m.insert((*member).to_string(), v.clone());
        }
    }
    m.insert("AutomationType".into(), json!("Local"));
    Value::Object(m)
}

/// `AutomationExecutionFilter` / `StepExecutionFilter`: a key and 1..10 values (ORed).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Filter {
    /// `Key`.
    pub key: String,
    /// `Values`.
    pub values: Vec<String>,
}

/// `DescribeAutomationExecutionsRequest`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeAutomationExecutionsRequest {
    /// `Filters` (1..10): different keys ANDed, values of one key ORed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filters: Option<Vec<Filter>>,
    /// `MaxResults` (1..50, default 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_results: Option<i64>,
    /// `NextToken`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// `DescribeAutomationExecutionsResult`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeAutomationExecutionsResult {
    /// `AutomationExecutionMetadataList`, newest first.
    pub automation_execution_metadata_list: Vec<Value>,
    /// `NextToken`, absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// `DescribeAutomationStepExecutionsRequest`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeAutomationStepExecutionsRequest {
    /// `AutomationExecutionId` (required).
    pub automation_execution_id: String,
    /// `Filters` (1..6).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filters: Option<Vec<Filter>>,
    /// `NextToken`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    /// `MaxResults` (1..50, default 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_results: Option<i64>,
    /// `ReverseOrder`: newest step first (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reverse_order: Option<bool>,
}

/// `DescribeAutomationStepExecutionsResult`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeAutomationStepExecutionsResult {
    /// `StepExecutions`, in start order (reversed with `ReverseOrder`).
    pub step_executions: Vec<Value>,
    /// `NextToken`, absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// A checked filter: the key and its values, with times parsed.
struct Checked {
    key: String,
    values: Vec<String>,
    times: Vec<f64>,
}

fn check_filters(
    filters: Option<Vec<Filter>>,
    keys: &[&str],
    max_filters: usize,
    status_key: &str,
) -> Result<Vec<Checked>, ServiceError> {
    let filters = filters.unwrap_or_default();
    if filters.len() > max_filters {
        return Err(ServiceError::validation(
            &format!("{} filters", filters.len()),
            "filters",
            &format!("Member must have length less than or equal to {max_filters}"),
        ));
    }
    let mut out = Vec::new();
    for f in filters {
        if !keys.contains(&f.key.as_str()) {
            return Err(ServiceError::InvalidFilterKey(format!(
                "The filter key {} is not valid.",
                f.key
            )));
        }
        if f.values.is_empty() || f.values.len() > 10 {
            return Err(ServiceError::InvalidFilterValue(format!(
                "The filter {} needs 1 to 10 values.",
                f.key
            )));
        }
        if let Some(v) = f
            .values
            .iter()
            .find(|v| v.is_empty() || v.chars().count() > 150)
        {
            return Err(ServiceError::InvalidFilterValue(format!(
                "The value '{v}' of filter {} must be 1 to 150 characters.",
                f.key
            )));
        }
        let mut times = Vec::new();
        if f.key == "StartTimeBefore" || f.key == "StartTimeAfter" {
            for v in &f.values {
                let t = SimTime::parse_rfc3339(v).map_err(|_| {
                    ServiceError::InvalidFilterValue(format!(
                        "The value '{v}' of filter {} is not a valid time.",
                        f.key
                    ))
                })?;
                times.push(t.epoch_seconds());
            }
        }
        if f.key == status_key
            && let Some(v) = f.values.iter().find(|v| Status::parse(v).is_none())
        {
            return Err(ServiceError::InvalidFilterValue(format!(
                "The value '{v}' of filter {} is not a valid status.",
                f.key
            )));
        }
        if f.key == "AutomationType"
            && let Some(v) = f
                .values
                .iter()
                .find(|v| !matches!(v.as_str(), "Local" | "CrossAccount"))
        {
            return Err(ServiceError::InvalidFilterValue(format!(
                "The value '{v}' of filter AutomationType must be Local or CrossAccount."
            )));
        }
        out.push(Checked {
            key: f.key,
            values: f.values,
            times,
        });
    }
    Ok(out)
}

fn text<'a>(v: &'a Value, member: &str) -> Option<&'a str> {
    v.get(member).and_then(Value::as_str)
}

fn start_time(v: &Value) -> Option<f64> {
    v.get("ExecutionStartTime").and_then(Value::as_f64)
}

fn time_matches(v: &Value, f: &Checked) -> bool {
    let Some(t) = start_time(v) else {
        return false;
    };
    f.times.iter().any(|limit| match f.key.as_str() {
        "StartTimeBefore" => t <= *limit,
        _ => t >= *limit,
    })
}

fn execution_matches(e: &Value, f: &Checked) -> bool {
    let any = |member: &str| {
        let got = text(e, member);
        f.values.iter().any(|v| got == Some(v.as_str()))
    };
    match f.key.as_str() {
        "DocumentNamePrefix" => f
            .values
            .iter()
            .any(|v| text(e, "DocumentName").is_some_and(|n| n.starts_with(v.as_str()))),
        "ExecutionStatus" => any("AutomationExecutionStatus"),
        "ExecutionId" => any("AutomationExecutionId"),
        "ParentExecutionId" => any("ParentAutomationExecutionId"),
        "CurrentAction" => any("CurrentAction"),
        "StartTimeBefore" | "StartTimeAfter" => time_matches(e, f),
        "AutomationType" => f.values.iter().any(|v| v == "Local"),
        // No execution here has tags, resource groups, a subtype or an OpsItem.
        _ => false,
    }
}

fn step_matches(s: &Value, f: &Checked) -> bool {
    let any = |got: Option<String>| f.values.iter().any(|v| got.as_deref() == Some(v.as_str()));
    let parent = |member: &str| {
        s.get("ParentStepDetails")
            .and_then(|p| p.get(member))
            .map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
    };
    let own = |member: &str| text(s, member).map(str::to_owned);
    match f.key.as_str() {
        "StepExecutionStatus" => any(own("StepStatus")),
        "StepExecutionId" => any(own("StepExecutionId")),
        "StepName" => any(own("StepName")),
        "Action" => any(own("Action")),
        "ParentStepExecutionId" => any(parent("StepExecutionId")),
        "ParentStepIteration" => any(parent("Iteration")),
        "ParentStepIteratorValue" => any(parent("IteratorValue")),
        _ => time_matches(s, f),
    }
}

/// One page of the matching step executions, continuing after the item the
/// token names. `items` holds every item in order (`id`, and the item when
/// it matches the filters); the token's item is found among all of them, so
/// a page still continues correctly when that item stopped matching between
/// pages (a step that finished, say).
fn paginate(
    items: Vec<(String, Option<Value>)>,
    kind: &str,
    token: Option<&str>,
    size: usize,
) -> Result<(Vec<Value>, Option<String>), ServiceError> {
    let start = match token {
        Some(t) => {
            let after = decode_token(kind, t)?;
            let at = items
                .iter()
                .position(|(id, _)| *id == after)
                .ok_or_else(invalid_token)?;
            at + 1
        }
        None => 0,
    };
    let mut page = Vec::new();
    let mut last = None;
    let mut more = false;
    for (id, item) in items.into_iter().skip(start) {
        let Some(item) = item else { continue };
        if page.len() == size {
            more = true;
            break;
        }
        page.push(item);
        last = Some(id);
    }
    let next = if more {
        last.map(|id| encode_token(kind, &id))
    } else {
        None
    };
    Ok((page, next))
}

/// One page of DescribeAutomationExecutions, borrowing the cached items.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ExecutionPage<'a> {
    automation_execution_metadata_list: Vec<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_token: Option<String>,
}

impl Service {
    /// DescribeAutomationExecutions: execution summaries, newest first.
    ///
    /// A token names the last execution returned, so executions started
    /// between pages (which are newer) do not shift later pages.
    ///
    /// ```
    /// use ssm_runbook_engine::service::{Service, ServiceConfig};
    /// use ssm_runbook_engine::service::describe::{DescribeAutomationExecutionsRequest, Filter};
    /// let svc = Service::new(ServiceConfig::default());
    /// let out = svc.describe_automation_executions(DescribeAutomationExecutionsRequest::default()).unwrap();
    /// assert!(out.automation_execution_metadata_list.is_empty());
    /// let bad = svc.describe_automation_executions(DescribeAutomationExecutionsRequest {
    ///     filters: Some(vec![Filter { key: "Color".into(), values: vec!["red".into()] }]),
    ///     ..Default::default()
    /// });
    /// assert_eq!(bad.unwrap_err().name(), "InvalidFilterKey");
    /// ```
    pub fn describe_automation_executions(
        &self,
        request: DescribeAutomationExecutionsRequest,
    ) -> Result<DescribeAutomationExecutionsResult, ServiceError> {
        let page = self.execution_page(request)?;
        Ok(DescribeAutomationExecutionsResult {
            automation_execution_metadata_list: page
                .automation_execution_metadata_list
                .into_iter()
                .cloned()
                .collect(),
            next_token: page.next_token,
        })
    }

    /// DescribeAutomationExecutions, as the JSON body of the response: the
    /// same text as serializing [`Service::describe_automation_executions`]'s
    /// result, written from the cached items without copying them.
    ///
    /// ```
    /// use ssm_runbook_engine::service::{Service, ServiceConfig};
    /// use ssm_runbook_engine::service::describe::DescribeAutomationExecutionsRequest;
    /// let svc = Service::new(ServiceConfig::default());
    /// let out = svc.describe_automation_executions_json(DescribeAutomationExecutionsRequest::default()).unwrap();
    /// assert_eq!(out, r#"{"AutomationExecutionMetadataList":[]}"#);
    /// ```
    pub fn describe_automation_executions_json(
        &self,
        request: DescribeAutomationExecutionsRequest,
    ) -> Result<String, ServiceError> {
        let page = self.execution_page(request)?;
        serde_json::to_string(&page).map_err(|e| {
            ServiceError::InternalServerError(format!("The response could not be serialised: {e}"))
        })
    }

    /// The page a DescribeAutomationExecutions request asks for.
    ///
    /// The walk goes backward through the start order from the token's
    /// execution (found among all executions, matching or not: a page still
    /// continues correctly when that execution stopped matching between
    /// pages) and stops at the first match after a full page, so a page
    /// costs the executions it passes over, not all of them.
    fn execution_page(
        &self,
        request: DescribeAutomationExecutionsRequest,
    ) -> Result<ExecutionPage<'_>, ServiceError> {
        let size = page_size(request.max_results)?;
        let filters = check_filters(
            request.filters,
            EXECUTION_FILTER_KEYS,
            10,
            "ExecutionStatus",
        )?;
        let order = &self.execution_order;
        let end = match request.next_token.as_deref() {
            None => order.len(),
            Some(token) => {
                let after = decode_token("executions", token)?;
                // Executions are never removed, so while every id in the
                // start order is distinct, an execution's index in the
                // table is its place in the start order.
                let at = if order.len() == self.executions.len() {
                    self.executions.get_index_of(after.as_str())
                } else {
                    order.iter().rposition(|id| *id == after)
                };
                at.ok_or_else(invalid_token)?
            }
        };
        let mut list = Vec::new();
        let mut last = None;
        let mut more = false;
        for id in order.iter().take(end).rev() {
            let Some(record) = self.executions.get(id) else {
                continue;
            };
            // Every filter reads a member of the metadata item.
            let item = record.metadata();
            if !filters.iter().all(|f| execution_matches(item, f)) {
                continue;
            }
            if list.len() == size {
                more = true;
                break;
            }
            list.push(item);
            last = Some(id);
        }
        let next_token = if more {
            last.map(|id| encode_token("executions", id))
        } else {
            None
        };
        Ok(ExecutionPage {
            automation_execution_metadata_list: list,
            next_token,
        })
    }

    /// DescribeAutomationStepExecutions: the step executions of one execution.
    pub fn describe_automation_step_executions(
        &self,
        request: DescribeAutomationStepExecutionsRequest,
    ) -> Result<DescribeAutomationStepExecutionsResult, ServiceError> {
        let size = page_size(request.max_results)?;
        let filters = check_filters(request.filters, STEP_FILTER_KEYS, 6, "StepExecutionStatus")?;
        let id = &request.automation_execution_id;
        let record = self.executions.get(id).ok_or_else(|| {
            ServiceError::AutomationExecutionNotFoundException(format!(
                "Execution {id} does not exist."
            ))
        })?;
        let mut api = record.execution.to_api();
        let steps = match api.get_mut("StepExecutions").map(Value::take) {
            Some(Value::Array(steps)) => steps,
            _ => Vec::new(),
        };
        let mut steps: Vec<(String, Option<Value>)> = steps
            .into_iter()
            .map(|s| {
                let id = text(&s, "StepExecutionId").unwrap_or_default().to_owned();
                let matches = filters.iter().all(|f| step_matches(&s, f));
                (id, matches.then_some(s))
            })
            .collect();
        if request.reverse_order == Some(true) {
            steps.reverse();
        }
        let (page, next_token) = paginate(steps, "steps", request.next_token.as_deref(), size)?;
        Ok(DescribeAutomationStepExecutionsResult {
            step_executions: page,
            next_token,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::ServiceConfig;
    use crate::service::documents::CreateDocumentRequest;
    use crate::service::executions::{
        StartAutomationExecutionRequest, StopAutomationExecutionRequest,
    };

    const NOW: SimTime = SimTime(1_700_000_000_000);

    /// A service with `n` executions Waiting at an approval.
    fn waiting(n: usize) -> (Service, Vec<String>) {
        let mut s = Service::new(ServiceConfig::default());
        let content = "schemaVersion: '0.3'\nmainSteps:\n  - name: Approve\n    action: aws:approve\n    inputs:\n      Approvers: ['arn:aws:iam::123456789012:user/alice']\n";
        s.create_document(
            CreateDocumentRequest {
                name: "Hold".into(),
                content: content.into(),
                document_type: Some("Automation".into()),
                document_format: Some("YAML".into()),
                ..Default::default()
            },
            NOW,
        )
        .expect("valid");
        let ids = (0..n)
            .map(|_| {
                let request = StartAutomationExecutionRequest {
                    document_name: "Hold".into(),
                    ..Default::default()
                };
                s.start_automation_execution(request, "bob", NOW)
                    .expect("started")
                    .automation_execution_id
            })
            .collect();
        (s, ids)
    }

    /// Every page of a walk, as results and as JSON text.
    fn walk(s: &Service, filters: Option<Vec<Filter>>, size: i64) -> Vec<String> {
        let mut token = None;
        let mut seen = Vec::new();
        loop {
            let request = DescribeAutomationExecutionsRequest {
                filters: filters.clone(),
                max_results: Some(size),
                next_token: token,
            };
            let page = s
                .describe_automation_executions(request.clone())
                .expect("a page");
            let json = s
                .describe_automation_executions_json(request)
                .expect("a page");
            assert_eq!(
                json,
                serde_json::to_string(&page).expect("JSON"),
                "the JSON form is the result serialised"
            );
            assert!(page.automation_execution_metadata_list.len() <= size as usize);
            seen.extend(page.automation_execution_metadata_list.iter().map(|m| {
                text(m, "AutomationExecutionId")
                    .unwrap_or_default()
                    .to_owned()
            }));
            token = page.next_token;
            if token.is_none() {
                return seen;
            }
        }
    }

    #[test]
    fn pages_walk_every_execution_newest_first() {
        let (mut s, ids) = waiting(7);
        let newest_first: Vec<String> = ids.iter().rev().cloned().collect();
        for size in [1, 2, 3, 7, 50] {
            assert_eq!(walk(&s, None, size), newest_first, "page size {size}");
        }
        // Cancel every other one: the Waiting filter skips them.
        for id in ids.iter().step_by(2) {
            let stop = StopAutomationExecutionRequest {
                automation_execution_id: id.clone(),
                r#type: None,
            };
            s.stop_automation_execution(stop, NOW).expect("stopped");
        }
        let status = |v: &str| {
            Some(vec![Filter {
                key: "ExecutionStatus".into(),
                values: vec![v.into()],
            }])
        };
        let still: Vec<String> = ids.iter().skip(1).step_by(2).rev().cloned().collect();
        for size in [1, 2, 50] {
            assert_eq!(walk(&s, status("Waiting"), size), still);
        }
        assert_eq!(walk(&s, status("Success"), 2), Vec::<String>::new());
    }

    #[test]
    fn tokens_name_an_execution() {
        let (s, _) = waiting(3);
        for token in ["executions.00", "steps.00", "executions.zz", ""] {
            let request = DescribeAutomationExecutionsRequest {
                next_token: Some(token.into()),
                ..Default::default()
            };
            let err = s.describe_automation_executions_json(request).unwrap_err();
            assert_eq!(err.name(), "InvalidNextToken", "{token}");
        }
    }
}
