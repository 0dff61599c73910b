//! The official Rust SDK (`aws-sdk-ssm`) against the server: documents,
//! the approval flow, Reject, Resume, Interactive StartStep, Stop, Describe
//! filters and pagination, and SSM's exceptions as the SDK's typed error
//! variants. The server runs in-process on 127.0.0.1, port 0, with a virtual
//! clock; the SDK signs every request (SigV4), and the access key picks the
//! principal.

use aws_sdk_ssm::Client;
use aws_sdk_ssm::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_ssm::operation::get_automation_execution::GetAutomationExecutionError;
use aws_sdk_ssm::operation::get_document::GetDocumentError;
use aws_sdk_ssm::operation::send_automation_signal::SendAutomationSignalError;
use aws_sdk_ssm::operation::start_automation_execution::StartAutomationExecutionError;
use aws_sdk_ssm::types::{
    AutomationExecutionFilter, AutomationExecutionFilterKey, AutomationExecutionStatus,
    DocumentFormat, DocumentType, ExecutionMode, SignalType, StopType,
};
use ssm_runbook_server::http::CLOCK_PATH;
use ssm_runbook_server::{
    Clock, ServerConfig, ServerState, Service, ServiceConfig, SimTime, serve,
};
use std::collections::BTreeMap;
use std::io::{Read as _, Write as _};
use std::net::SocketAddr;

const ALICE: &str = "arn:aws:iam::123456789012:user/alice";
const BOB: &str = "arn:aws:iam::123456789012:user/bob";
/// 2024-01-01T00:00:00Z.
const T0: i64 = 1_704_067_200_000;

const APPROVAL: &str = "\
schemaVersion: '0.3'
mainSteps:
  - name: Approve
    action: aws:approve
    inputs:
      Approvers: ['arn:aws:iam::123456789012:user/alice']
  - name: Nap
    action: aws:sleep
    inputs:
      Duration: PT1M
";

const PAUSE: &str = "\
schemaVersion: '0.3'
parameters:
  Environment:
    type: String
    default: test
mainSteps:
  - name: Hold
    action: aws:pause
    inputs: {}
  - name: Done
    action: aws:sleep
    inputs:
      Duration: PT0S
";

async fn start_server() -> SocketAddr {
    let config = ServerConfig {
        clock: Clock::Virtual(SimTime(T0)),
        principals: BTreeMap::from([
            ("AKIAALICE".to_string(), ALICE.to_string()),
            ("AKIABOB".to_string(), BOB.to_string()),
        ]),
        ..ServerConfig::default()
    };
    let state = ServerState::new(Service::new(ServiceConfig::default()), config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("local addr");
    tokio::spawn(serve(listener, state));
    addr
}

/// A client signing with `access_key`, over plain HTTP (no TLS stack).
fn client(addr: SocketAddr, access_key: &str) -> Client {
    let config = aws_sdk_ssm::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(format!("http://{addr}"))
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(
            access_key,
            "anything",
            None,
            None,
            "ssm-runbook-test",
        ))
        .http_client(aws_smithy_http_client::Builder::new().build_http())
        .build();
    Client::from_conf(config)
}

/// Move the virtual clock forward.
async fn advance(addr: SocketAddr, duration: &str) {
    let body = format!(r#"{{"advance":"{duration}"}}"#);
    let answer = tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(addr).expect("connect");
        let request = format!(
            "POST {CLOCK_PATH} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(request.as_bytes()).expect("write");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("read");
        answer
    })
    .await
    .expect("clock task");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

async fn status(ssm: &Client, id: &str) -> AutomationExecutionStatus {
    let out = ssm
        .get_automation_execution()
        .automation_execution_id(id)
        .send()
        .await
        .expect("GetAutomationExecution");
    out.automation_execution()
        .and_then(|e| e.automation_execution_status())
        .cloned()
        .expect("a status")
}

async fn create(ssm: &Client, name: &str, content: &str) {
    let out = ssm
        .create_document()
        .name(name)
        .content(content)
        .document_type(DocumentType::Automation)
        .document_format(DocumentFormat::Yaml)
        .send()
        .await
        .expect("CreateDocument");
    let description = out.document_description().expect("a description");
    assert_eq!(description.name(), Some(name));
    assert_eq!(description.document_version(), Some("1"));
}

async fn start(ssm: &Client, document: &str) -> String {
    ssm.start_automation_execution()
        .document_name(document)
        .send()
        .await
        .expect("StartAutomationExecution")
        .automation_execution_id()
        .expect("an id")
        .to_string()
}

#[tokio::test]
async fn documents() {
    let addr = start_server().await;
    let bob = client(addr, "AKIABOB");
    create(&bob, "Deploy", APPROVAL).await;
    create(&bob, "Hold", PAUSE).await;

    let got = bob
        .get_document()
        .name("Deploy")
        .send()
        .await
        .expect("GetDocument");
    assert_eq!(got.content(), Some(APPROVAL));
    assert_eq!(got.document_format(), Some(&DocumentFormat::Yaml));
    assert_eq!(got.document_type(), Some(&DocumentType::Automation));

    let described = bob
        .describe_document()
        .name("Hold")
        .send()
        .await
        .expect("DescribeDocument");
    let document = described.document().expect("a document");
    assert_eq!(document.name(), Some("Hold"));
    assert_eq!(document.parameters().len(), 1);

    // One per page, following NextToken.
    let mut names = Vec::new();
    let mut token = None;
    loop {
        let page = bob
            .list_documents()
            .max_results(1)
            .set_next_token(token)
            .send()
            .await
            .expect("ListDocuments");
        names.extend(
            page.document_identifiers()
                .iter()
                .filter_map(|d| d.name().map(str::to_owned)),
        );
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(names, ["Deploy", "Hold"]);

    let e = bob
        .get_document()
        .name("Missing")
        .send()
        .await
        .expect_err("no such document");
    assert!(
        matches!(e.into_service_error(), GetDocumentError::InvalidDocument(_)),
        "GetDocument of a missing document"
    );
}

#[tokio::test]
async fn executions_and_signals() {
    let addr = start_server().await;
    let (alice, bob) = (client(addr, "AKIAALICE"), client(addr, "AKIABOB"));
    create(&bob, "Deploy", APPROVAL).await;
    create(&bob, "Hold", PAUSE).await;

    // Approve: bob is no approver, alice is; then the nap.
    let approved = start(&bob, "Deploy").await;
    assert_eq!(
        status(&bob, &approved).await,
        AutomationExecutionStatus::Waiting
    );
    let e = bob
        .send_automation_signal()
        .automation_execution_id(&approved)
        .signal_type(SignalType::Approve)
        .send()
        .await
        .expect_err("bob is no approver");
    assert!(matches!(
        e.into_service_error(),
        SendAutomationSignalError::InvalidAutomationSignalException(_)
    ));
    alice
        .send_automation_signal()
        .automation_execution_id(&approved)
        .signal_type(SignalType::Approve)
        .send()
        .await
        .expect("alice approves");
    advance(addr, "PT2M").await;
    assert_eq!(
        status(&bob, &approved).await,
        AutomationExecutionStatus::Success
    );
    let out = bob
        .get_automation_execution()
        .automation_execution_id(&approved)
        .send()
        .await
        .expect("GetAutomationExecution");
    let execution = out.automation_execution().expect("an execution");
    assert_eq!(execution.executed_by(), Some(BOB));
    assert_eq!(execution.step_executions().len(), 2);
    assert!(execution.execution_end_time().is_some());

    // Reject.
    let rejected = start(&bob, "Deploy").await;
    alice
        .send_automation_signal()
        .automation_execution_id(&rejected)
        .signal_type(SignalType::Reject)
        .payload("Comment", vec!["not today".into()])
        .send()
        .await
        .expect("alice rejects");
    assert_eq!(
        status(&bob, &rejected).await,
        AutomationExecutionStatus::Failed
    );

    // Resume a pause.
    let paused = bob
        .start_automation_execution()
        .document_name("Hold")
        .parameters("Environment", vec!["prod".into()])
        .send()
        .await
        .expect("start Hold")
        .automation_execution_id()
        .expect("an id")
        .to_string();
    assert_eq!(
        status(&bob, &paused).await,
        AutomationExecutionStatus::Waiting
    );
    bob.send_automation_signal()
        .automation_execution_id(&paused)
        .signal_type(SignalType::Resume)
        .payload("StepName", vec!["Hold".into()])
        .send()
        .await
        .expect("Resume");
    assert_eq!(
        status(&bob, &paused).await,
        AutomationExecutionStatus::Success
    );

    // Interactive: StartStep, then Complete.
    let interactive = bob
        .start_automation_execution()
        .document_name("Hold")
        .mode(ExecutionMode::Interactive)
        .send()
        .await
        .expect("start Interactive")
        .automation_execution_id()
        .expect("an id")
        .to_string();
    bob.send_automation_signal()
        .automation_execution_id(&interactive)
        .signal_type(SignalType::StartStep)
        .payload("StepName", vec!["Done".into()])
        .send()
        .await
        .expect("StartStep");
    let steps = bob
        .describe_automation_step_executions()
        .automation_execution_id(&interactive)
        .send()
        .await
        .expect("DescribeAutomationStepExecutions");
    let done: Vec<_> = steps
        .step_executions()
        .iter()
        .map(|s| (s.step_name(), s.step_status().map(|s| s.as_str())))
        .collect();
    // Hold never started; Done ran on its own.
    assert_eq!(
        done,
        [
            (Some("Hold"), Some("Pending")),
            (Some("Done"), Some("Success"))
        ]
    );
    bob.stop_automation_execution()
        .automation_execution_id(&interactive)
        .r#type(StopType::Complete)
        .send()
        .await
        .expect("Complete");
    assert_eq!(
        status(&bob, &interactive).await,
        AutomationExecutionStatus::Success
    );

    // Stop.
    let stopped = start(&bob, "Hold").await;
    bob.stop_automation_execution()
        .automation_execution_id(&stopped)
        .r#type(StopType::Cancel)
        .send()
        .await
        .expect("Cancel");
    assert_eq!(
        status(&bob, &stopped).await,
        AutomationExecutionStatus::Cancelled
    );

    // Describe: filters, and pages of two.
    let filter = |key, value: &str| {
        AutomationExecutionFilter::builder()
            .key(key)
            .values(value)
            .build()
            .expect("a filter")
    };
    let by_prefix = bob
        .describe_automation_executions()
        .filters(filter(
            AutomationExecutionFilterKey::DocumentNamePrefix,
            "Dep",
        ))
        .send()
        .await
        .expect("DescribeAutomationExecutions");
    assert_eq!(by_prefix.automation_execution_metadata_list().len(), 2);
    let succeeded = bob
        .describe_automation_executions()
        .filters(filter(
            AutomationExecutionFilterKey::ExecutionStatus,
            "Success",
        ))
        .send()
        .await
        .expect("DescribeAutomationExecutions");
    assert_eq!(succeeded.automation_execution_metadata_list().len(), 3);
    let mut ids = Vec::new();
    let mut token = None;
    let mut pages = 0;
    loop {
        let page = bob
            .describe_automation_executions()
            .max_results(2)
            .set_next_token(token)
            .send()
            .await
            .expect("a page");
        pages += 1;
        ids.extend(
            page.automation_execution_metadata_list()
                .iter()
                .filter_map(|m| m.automation_execution_id().map(str::to_owned)),
        );
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    let mut expected = vec![approved.clone(), rejected, paused, interactive, stopped];
    expected.sort();
    ids.sort();
    assert_eq!((ids, pages), (expected, 3));

    // Errors as the SDK's typed variants.
    let e = bob
        .get_automation_execution()
        .automation_execution_id("00000000-0000-4000-8000-000000000000")
        .send()
        .await
        .expect_err("no such execution");
    assert!(matches!(
        e.into_service_error(),
        GetAutomationExecutionError::AutomationExecutionNotFoundException(_)
    ));
    let e = alice
        .send_automation_signal()
        .automation_execution_id(&approved)
        .signal_type(SignalType::Approve)
        .send()
        .await
        .expect_err("the execution has ended");
    assert!(matches!(
        e.into_service_error(),
        SendAutomationSignalError::InvalidAutomationSignalException(_)
    ));
    let e = bob
        .start_automation_execution()
        .document_name("Hold")
        .parameters("Nope", vec!["x".into()])
        .send()
        .await
        .expect_err("an unknown parameter");
    assert!(matches!(
        e.into_service_error(),
        StartAutomationExecutionError::InvalidAutomationExecutionParametersException(_)
    ));
    let e = bob
        .start_automation_execution()
        .document_name("Missing")
        .send()
        .await
        .expect_err("no such document");
    assert!(matches!(
        e.into_service_error(),
        StartAutomationExecutionError::AutomationDefinitionNotFoundException(_)
    ));
}
