"""boto3 against `ssm-runbook serve`: documents, the approval flow, Reject,
Resume, Interactive StartStep, Stop, Describe filters and pagination, and
SSM's exceptions as boto3's modelled error classes.

Usage: python boto3_flow.py http://127.0.0.1:PORT

The server must run with `--clock virtual`, `--principals principals.yaml`
and `--documents runbooks/` from this directory. Exits 1 listing every
mismatch.
"""

import json
import sys
import urllib.request

import boto3
import botocore.exceptions

ENDPOINT = sys.argv[1]
FAILURES = []


def client(access_key):
    return boto3.client(
        "ssm",
        endpoint_url=ENDPOINT,
        region_name="us-east-1",
        aws_access_key_id=access_key,
        aws_secret_access_key="anything",
    )


ALICE = client("AKIAALICE")
BOB = client("AKIABOB")


def check(what, got, expected):
    if got != expected:
        FAILURES.append(f"{what}: got {got!r}, expected {expected!r}")


def advance(duration):
    request = urllib.request.Request(
        ENDPOINT + "/_ssm-runbook/clock",
        data=json.dumps({"advance": duration}).encode(),
        method="POST",
    )
    with urllib.request.urlopen(request) as answer:
        return json.load(answer)


def status(execution_id):
    out = BOB.get_automation_execution(AutomationExecutionId=execution_id)
    return out["AutomationExecution"]["AutomationExecutionStatus"]


def expect_error(what, exception, call, **kwargs):
    try:
        call(**kwargs)
    except exception as e:
        return e.response["Error"]["Code"]
    except botocore.exceptions.ClientError as e:
        FAILURES.append(f"{what}: {e.response['Error']['Code']}, expected {exception.__name__}")
    else:
        FAILURES.append(f"{what}: succeeded, expected {exception.__name__}")
    return None


def documents():
    content = "schemaVersion: '0.3'\nmainSteps:\n  - name: Nap\n    action: aws:sleep\n    inputs:\n      Duration: PT1M\n"
    created = BOB.create_document(
        Content=content, Name="Created-Sleep", DocumentType="Automation", DocumentFormat="YAML"
    )["DocumentDescription"]
    check("CreateDocument Name", created["Name"], "Created-Sleep")
    check("CreateDocument DocumentVersion", created["DocumentVersion"], "1")
    got = BOB.get_document(Name="Created-Sleep")
    check("GetDocument Content", got["Content"], content)
    check("GetDocument DocumentFormat", got["DocumentFormat"], "YAML")
    described = BOB.describe_document(Name="Deploy-Approval")["Document"]
    check("DescribeDocument DocumentType", described["DocumentType"], "Automation")
    names = [
        d["Name"]
        for page in BOB.get_paginator("list_documents").paginate(PaginationConfig={"PageSize": 1})
        for d in page["DocumentIdentifiers"]
    ]
    check("ListDocuments names", sorted(names), ["Created-Sleep", "Deploy-Approval", "Hold-Pause", "Two-Steps"])
    expect_error("GetDocument missing", BOB.exceptions.InvalidDocument, BOB.get_document, Name="Missing-Doc")
    expect_error(
        "CreateDocument twice",
        BOB.exceptions.DocumentAlreadyExists,
        BOB.create_document,
        Content=content,
        Name="Created-Sleep",
        DocumentType="Automation",
    )


def executions():
    started = []
    # Approve: bob is no approver, alice is.
    approved = BOB.start_automation_execution(DocumentName="Deploy-Approval")["AutomationExecutionId"]
    started.append(approved)
    check("approval waits", status(approved), "Waiting")
    expect_error(
        "bob approves",
        BOB.exceptions.InvalidAutomationSignalException,
        BOB.send_automation_signal,
        AutomationExecutionId=approved,
        SignalType="Approve",
    )
    ALICE.send_automation_signal(AutomationExecutionId=approved, SignalType="Approve")
    check("after approval", status(approved), "InProgress")
    advance("PT2M")
    check("after the nap", status(approved), "Success")
    executed_by = BOB.get_automation_execution(AutomationExecutionId=approved)["AutomationExecution"]["ExecutedBy"]
    check("ExecutedBy", executed_by, "arn:aws:iam::123456789012:user/bob")

    # Reject.
    rejected = BOB.start_automation_execution(DocumentName="Deploy-Approval")["AutomationExecutionId"]
    started.append(rejected)
    ALICE.send_automation_signal(
        AutomationExecutionId=rejected, SignalType="Reject", Payload={"Comment": ["not today"]}
    )
    check("rejected", status(rejected), "Failed")

    # Resume a pause.
    paused = BOB.start_automation_execution(
        DocumentName="Hold-Pause", Parameters={"Environment": ["prod"]}
    )["AutomationExecutionId"]
    started.append(paused)
    check("paused", status(paused), "Waiting")
    BOB.send_automation_signal(AutomationExecutionId=paused, SignalType="Resume", Payload={"StepName": ["Hold"]})
    check("resumed", status(paused), "Success")

    # Interactive: each step starts on StartStep.
    interactive = BOB.start_automation_execution(DocumentName="Two-Steps", Mode="Interactive")[
        "AutomationExecutionId"
    ]
    started.append(interactive)
    check("interactive waits", status(interactive), "Waiting")
    for step in ["First", "Second"]:
        BOB.send_automation_signal(
            AutomationExecutionId=interactive, SignalType="StartStep", Payload={"StepName": [step]}
        )
    steps = BOB.describe_automation_step_executions(AutomationExecutionId=interactive)["StepExecutions"]
    check("interactive steps", [(s["StepName"], s["StepStatus"]) for s in steps], [("First", "Success"), ("Second", "Success")])
    # An Interactive run waits after its last step too; Complete ends it.
    check("interactive after the last step", status(interactive), "Waiting")
    BOB.stop_automation_execution(AutomationExecutionId=interactive, Type="Complete")
    check("interactive completed", status(interactive), "Success")

    # Stop.
    stopped = BOB.start_automation_execution(DocumentName="Hold-Pause")["AutomationExecutionId"]
    started.append(stopped)
    BOB.stop_automation_execution(AutomationExecutionId=stopped, Type="Cancel")
    check("stopped", status(stopped), "Cancelled")

    # Errors.
    expect_error(
        "signal a finished execution",
        BOB.exceptions.InvalidAutomationSignalException,
        ALICE.send_automation_signal,
        AutomationExecutionId=approved,
        SignalType="Approve",
    )
    expect_error(
        "unknown execution",
        BOB.exceptions.AutomationExecutionNotFoundException,
        BOB.get_automation_execution,
        AutomationExecutionId="00000000-0000-4000-8000-000000000000",
    )
    expect_error(
        "unknown parameter",
        BOB.exceptions.InvalidAutomationExecutionParametersException,
        BOB.start_automation_execution,
        DocumentName="Hold-Pause",
        Parameters={"Nope": ["x"]},
    )
    expect_error(
        "unknown document",
        BOB.exceptions.AutomationDefinitionNotFoundException,
        BOB.start_automation_execution,
        DocumentName="Missing-Doc",
    )
    return started


def describe(started):
    pages = BOB.get_paginator("describe_automation_executions").paginate(PaginationConfig={"PageSize": 2})
    ids = [m["AutomationExecutionId"] for page in pages for m in page["AutomationExecutionMetadataList"]]
    check("DescribeAutomationExecutions pages", sorted(ids), sorted(started))
    by_prefix = BOB.describe_automation_executions(
        Filters=[{"Key": "DocumentNamePrefix", "Values": ["Deploy"]}]
    )["AutomationExecutionMetadataList"]
    check("DocumentNamePrefix filter", len(by_prefix), 2)
    succeeded = BOB.describe_automation_executions(
        Filters=[{"Key": "ExecutionStatus", "Values": ["Success"]}]
    )["AutomationExecutionMetadataList"]
    check("ExecutionStatus filter", len(succeeded), 3)
    expect_error(
        "bad token",
        BOB.exceptions.InvalidNextToken,
        BOB.describe_automation_executions,
        NextToken="not-a-token",
    )


def main():
    documents()
    started = executions()
    describe(started)
    if FAILURES:
        print("boto3: %d mismatches" % len(FAILURES))
        for f in FAILURES:
            print("  " + f)
        sys.exit(1)
    print("boto3: every check passed")


if __name__ == "__main__":
    main()
