//! Corpus tests: every public runbook under `../shared/corpus` is read
//! without a panic; the valid ones validate with no error; the broken ones
//! get an error naming their real fault; Command documents get the
//! not-Automation error. Skipped, loudly, when the corpus is absent.

use ssm_runbook_engine::diagnostic::{Code, Severity};
use ssm_runbook_engine::validate::{Report, validate_bytes};
use std::path::{Path, PathBuf};

fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("SKIPPED: ../shared/corpus is absent; corpus tests did not run");
        None
    }
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("corpus directory is readable") {
            let path = entry.expect("corpus entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("json" | "yaml" | "yml")
            ) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn check(path: &Path) -> Report {
    validate_bytes(&std::fs::read(path).expect("corpus file is readable"))
}

fn errors(report: &Report) -> Vec<String> {
    report
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| format!("{} {} {}", d.code.id(), d.path, d.message))
        .collect()
}

/// Published AWS runbooks that use actions absent from the public action
/// reference (the validator warns, and names them).
const AWS_INTERNAL: &[(&str, &str)] = &[
    (
        "AWS-InstallDistributorPackageOnAzure.json",
        "aws:installDistributorPackageOnAzure",
    ),
    (
        "AWSEC2-CloneInstanceAndUpgradeSQLServer.json",
        "aws:putServerUpgradeMetrics",
    ),
    (
        "AWSEC2-CloneInstanceAndUpgradeWindows.json",
        "aws:putServerUpgradeMetrics",
    ),
];

#[test]
fn every_file_is_read_without_panic() {
    let Some(dir) = corpus() else { return };
    let all = files(&dir);
    assert!(
        all.len() >= 418,
        "expected the whole corpus, found {}",
        all.len()
    );
    for path in &all {
        let report = check(path);
        for d in &report.diagnostics {
            assert!(!d.message.is_empty(), "{}: empty message", path.display());
        }
    }
}

#[test]
fn public_aws_runbooks_validate_without_errors() {
    let Some(dir) = corpus() else { return };
    let all = files(&dir.join("runbooks/ssm-public-documents"));
    assert_eq!(all.len(), 178);
    for path in &all {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let report = check(path);
        if let Some((_, action)) = AWS_INTERNAL.iter().find(|(f, _)| *f == name) {
            assert!(
                report
                    .diagnostics
                    .iter()
                    .any(|d| d.code == Code::InternalAction && d.message.contains(action)),
                "{name}: expected an internal-action warning for {action}"
            );
            continue;
        }
        assert!(errors(&report).is_empty(), "{name}: {:#?}", errors(&report));
    }
}

/// The corpus README's list of documents that look invalid, with the code
/// that must name the real fault. One README entry (an embedded CloudFormation
/// template inside `aws:createStack`'s TemplateBody) is valid as a runbook.
const INVALID: &[(&str, Code)] = &[
    ("asr/tstest-runbook.yaml", Code::UnknownAction),
    (
        "awslabs-aws-systems-manager/Documents/Automation/ASGChangeStandbyState/Design/schema.json",
        Code::MissingMainSteps,
    ),
    (
        "awslabs-aws-systems-manager/Documents/Automation/RestartInstanceWithApproval/Design/schema.json",
        Code::MissingMainSteps,
    ),
    (
        "summitroute-ssm-documents/AWSEC2-CloneInstanceAndUpgradeSQLServer.json",
        Code::InternalAction,
    ),
    (
        "summitroute-ssm-documents/AWSEC2-CloneInstanceAndUpgradeWindows.json",
        Code::InternalAction,
    ),
    (
        "digito-gameday/AutomationDocumentForSop.yml",
        Code::ParseError,
    ),
    (
        "digito-gameday/AutomationDocumentForTest.yml",
        Code::UnknownStepTarget,
    ),
    (
        "digito-gameday/AutomationDocumentForTest.yml",
        Code::MissingAction,
    ),
    (
        "digito-gameday/AutomationDocumentForTestNoRollback.yml",
        Code::MissingAction,
    ),
    (
        "awsdocs-ssm-user-guide/automation-authoring-runbooks-parent-child-example.block1.yaml",
        Code::MissingMainSteps,
    ),
    (
        "awsdocs-ssm-user-guide/automation-authoring-runbooks-parent-child-example.block2.json",
        Code::ParseError,
    ),
    (
        "awsdocs-ssm-user-guide/automation-authoring-runbooks-parent-child-example.block11.yaml",
        Code::ParseError,
    ),
    (
        "awsdocs-ssm-user-guide/automation-authoring-runbooks-parent-child-example.block12.json",
        Code::ParseError,
    ),
    (
        "awsdocs-ssm-user-guide/automation-authoring-runbooks-scripted-example.block1.yaml",
        Code::MissingMainSteps,
    ),
    (
        "awsdocs-ssm-user-guide/automation-authoring-runbooks-scripted-example.block2.json",
        Code::ParseError,
    ),
    (
        "awsdocs-ssm-user-guide/automation-document-architecture-deployment-example.block2.json",
        Code::ParseError,
    ),
    (
        "awsdocs-ssm-user-guide/change-templates-custom-editor.block2.json",
        Code::ParseError,
    ),
    (
        "awsdocs-ssm-user-guide/documents-schemas-features.block17.json",
        Code::UnknownAction,
    ),
    (
        "wa-labs/runbook_scale_ecs_service.ScaleECSWithApproval.yaml",
        Code::ParseError,
    ),
    (
        "wa-labs/playbook_investigate_application.PlaybookInvestigateAlarm.yaml",
        Code::ParseError,
    ),
    (
        "mgmt-governance-samples/opsmgmt-operations-central-account.AutomationDocumentMamrRunPatchBaseline.yaml",
        Code::ParseError,
    ),
];

/// Faults this tool finds beyond the README's list, each confirmed by SSM's
/// own wording or the schema (see docs/rules.md).
const ALSO_INVALID: &[(&str, Code)] = &[
    // `Or` with one operand: SSM answers "Expect at lease two expressions for operator: Or".
    (
        "awsdocs-ssm-user-guide/automation-authoring-runbooks-parent-child-example.block9.yaml",
        Code::BranchChoice,
    ),
    (
        "awsdocs-ssm-user-guide/automation-authoring-runbooks-parent-child-example.block10.json",
        Code::BranchChoice,
    ),
    // `And` given a single mapping beside `Not`, instead of a list of conditions.
    (
        "aws-ssm-automation-scripts/cloudfront_distribution_management.yaml",
        Code::BranchChoice,
    ),
    (
        "aws-ssm-automation-scripts/lambda_function_management.yaml",
        Code::BranchChoice,
    ),
];

#[test]
fn invalid_documents_get_an_error_naming_their_fault() {
    let Some(dir) = corpus() else { return };
    for (file, code) in INVALID.iter().chain(ALSO_INVALID) {
        let report = check(&dir.join("runbooks").join(file));
        assert!(
            report.diagnostics.iter().any(|d| d.code == *code),
            "{file}: expected {} ({}), got {:#?}",
            code.id(),
            code.name(),
            report.diagnostics
        );
    }
}

#[test]
fn all_other_runbooks_validate_without_errors() {
    let Some(dir) = corpus() else { return };
    let runbooks = dir.join("runbooks");
    for path in files(&runbooks) {
        let rel = path
            .strip_prefix(&runbooks)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        let listed = INVALID.iter().chain(ALSO_INVALID).any(|(f, _)| *f == rel)
            || AWS_INTERNAL
                .iter()
                .any(|(f, _)| rel.ends_with(f) && rel.starts_with("ssm-public-documents"));
        if listed {
            continue;
        }
        let report = check(&path);
        assert!(errors(&report).is_empty(), "{rel}: {:#?}", errors(&report));
    }
}

#[test]
fn command_documents_get_the_not_automation_error() {
    let Some(dir) = corpus() else { return };
    let all = files(&dir.join("not-automation"));
    assert_eq!(all.len(), 17);
    for path in &all {
        let report = check(path);
        let found: Vec<Code> = report.diagnostics.iter().map(|d| d.code).collect();
        // One file is malformed JSON: it never gets as far as its schemaVersion.
        let expected = if found == [Code::ParseError] {
            Code::ParseError
        } else {
            Code::NotAutomation
        };
        assert_eq!(found, vec![expected], "{}", path.display());
    }
}
