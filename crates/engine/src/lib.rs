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
