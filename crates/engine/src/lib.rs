//! # ssm-runbook-engine
//!
//! A pure library for AWS Systems Manager Automation runbooks
//! (`schemaVersion: '0.3'`): parse YAML or JSON with source positions, lower
//! into a typed model of all 23 actions, validate every rule SSM's
//! CreateDocument applies (and the run-time mistakes SSM only finds later),
//! and compile the step graph.
//!
//! The engine does no I/O, reads no clock, spawns no threads and iterates no
//! `HashMap` into output: callers hand it text and time, and it hands back
//! data. See `docs/architecture.md`.
//!
//! ```
//! use ssm_runbook_engine::validate::validate_text;
//! let report = validate_text(r#"
//! schemaVersion: '0.3'
//! parameters:
//!   Approver: { type: String }
//! mainSteps:
//!   - name: Approve
//!     action: aws:approve
//!     inputs:
//!       Approvers: ['{{ Approver }}']
//!   - name: Deploy
//!     action: aws:executeAwsApi
//!     inputs: { Service: ec2, Api: RebootInstances, InstanceIds: ['{{ InstanceId }}'] }
//! "#);
//! let d = &report.diagnostics[0];
//! assert_eq!(d.message, "Parameter \"InstanceId\" is not declared.");
//! assert_eq!(d.path.to_string(), "mainSteps[1].inputs.InstanceIds[0]");
//! assert_eq!(d.position.unwrap().to_string(), "12:65");
//! ```
//!
//! ## Embedding the SSM service
//!
//! [`service::Service`] answers the Automation part of the SSM API with
//! SSM's shapes and exception names; time is passed in.
//!
//! ```
//! use ssm_runbook_engine::clock::SimTime;
//! use ssm_runbook_engine::service::{Service, ServiceConfig};
//! use ssm_runbook_engine::service::documents::CreateDocumentRequest;
//! use ssm_runbook_engine::service::executions::{
//!     GetAutomationExecutionRequest, SendAutomationSignalRequest, StartAutomationExecutionRequest,
//! };
//! let mut ssm = Service::new(ServiceConfig::default());
//! let now = SimTime(1_700_000_000_000);
//! let runbook = "schemaVersion: '0.3'\nmainSteps:\n  - name: Approve\n    action: aws:approve\n    inputs: {Approvers: ['arn:aws:iam::123456789012:user/alice']}\n";
//! ssm.create_document(CreateDocumentRequest { name: "Gate".into(), content: runbook.into(),
//!     document_type: Some("Automation".into()), document_format: Some("YAML".into()), ..Default::default() }, now)?;
//! let id = ssm.start_automation_execution(StartAutomationExecutionRequest {
//!     document_name: "Gate".into(), ..Default::default() }, "arn:aws:iam::123456789012:user/bob", now)?
//!     .automation_execution_id;
//! let status = |ssm: &Service| ssm.get_automation_execution(GetAutomationExecutionRequest {
//!     automation_execution_id: id.clone() }).map(|r| r.automation_execution["AutomationExecutionStatus"].clone());
//! assert_eq!(status(&ssm)?, "Waiting");
//! ssm.send_automation_signal(SendAutomationSignalRequest { automation_execution_id: id.clone(),
//!     signal_type: "Approve".into(), payload: None }, "arn:aws:iam::123456789012:user/alice", now)?;
//! assert_eq!(status(&ssm)?, "Success");
//! # Ok::<(), ssm_runbook_engine::service::ServiceError>(())
//! ```

pub mod clock;
pub mod diagnostic;
pub mod document;
pub mod execution;
pub mod interpolate;
pub mod limits;
pub mod path;
pub mod runbook;
pub mod scenario;
pub mod schema;
pub mod selector;
pub mod service;
pub mod simulate;
pub mod source;
pub mod start_parameters;
pub mod template;
pub mod validate;
pub mod value;
