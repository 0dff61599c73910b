#!/usr/bin/env bash
# Conformance with real clients: boto3 (boto3_flow.py) and the AWS CLI (the
# commands below) against `ssm-runbook serve`, each on a fresh server with a
# virtual clock, principals.yaml and the runbooks in runbooks/.
#
# Usage: tests/clients/run.sh            (after `cargo build -p ssm-runbook`)
# Env:   SSM_RUNBOOK_BIN   the binary (default: target/release, else target/debug)
#        CLIENTS_VENV      where the venv goes (default: target/clients-venv;
#                          rebuilt when requirements.txt changes)
# Exits 1 on any mismatch, listing them all.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"

bin="${SSM_RUNBOOK_BIN:-}"
if [ -z "$bin" ]; then
  for candidate in "$target/release/ssm-runbook" "$target/debug/ssm-runbook"; do
    if [ -x "$candidate" ]; then bin="$candidate"; break; fi
  done
fi
if [ -z "$bin" ] || [ ! -x "$bin" ]; then
  echo "error: no ssm-runbook binary; run cargo build -p ssm-runbook first" >&2
  exit 2
fi

venv="${CLIENTS_VENV:-$target/clients-venv}"
if [ ! -x "$venv/bin/python" ] || ! cmp -s "$here/requirements.txt" "$venv/requirements.txt"; then
  rm -rf "$venv"
  python3.11 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
  cp "$here/requirements.txt" "$venv/requirements.txt"
fi

work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# Start a server; sets $endpoint.
start_server() {
  local name="$1"
  "$bin" serve --port 0 --clock virtual --principals "$here/principals.yaml" \
    --documents "$here/runbooks" >"$work/$name.out" 2>"$work/$name.err" &
  pids+=("$!")
  for _ in $(seq 1 300); do
    if grep -q '^listening on ' "$work/$name.out"; then break; fi
    sleep 0.1
  done
  endpoint="$(sed -n 's/^listening on //p' "$work/$name.out" | head -n 1)"
  if [ -z "$endpoint" ]; then
    echo "error: the $name server did not start:" >&2
    cat "$work/$name.err" >&2
    exit 1
  fi
}

# Clients read nothing from the user's AWS configuration.
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
export AWS_EC2_METADATA_DISABLED=true AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=""
export AWS_ACCESS_KEY_ID=AKIABOB AWS_SECRET_ACCESS_KEY=anything
unset AWS_SESSION_TOKEN AWS_PROFILE AWS_ENDPOINT_URL 2>/dev/null || true

status=0

echo "-- boto3"
start_server boto3
"$venv/bin/python" "$here/boto3_flow.py" "$endpoint" || status=1

echo "-- AWS CLI"
start_server cli
failures=0
ssm() { "$venv/bin/aws" --endpoint-url "$endpoint" --output text ssm "$@"; }
alice() { AWS_ACCESS_KEY_ID=AKIAALICE "$@"; }
# expect WHAT WANT COMMAND...: the command succeeds and prints WANT.
expect() {
  local what="$1" want="$2" got
  shift 2
  if ! got="$("$@" 2>&1)"; then got="(failed) $got"; fi
  if [ "$got" != "$want" ]; then
    echo "  aws: $what: got '$got', expected '$want'"
    failures=$((failures + 1))
  fi
}
# expect_error WHAT CODE COMMAND...: the command fails with SSM's error CODE.
expect_error() {
  local what="$1" code="$2" got
  shift 2
  if got="$("$@" 2>&1)"; then
    echo "  aws: $what: succeeded, expected $code"
    failures=$((failures + 1))
  elif ! grep -q "($code)" <<<"$got"; then
    echo "  aws: $what: got '$got', expected $code"
    failures=$((failures + 1))
  fi
}
advance() {
  "$venv/bin/python" -c 'import sys, urllib.request; urllib.request.urlopen(urllib.request.Request(sys.argv[1] + "/_ssm-runbook/clock", data=("{\"advance\": \"%s\"}" % sys.argv[2]).encode(), method="POST")).read()' "$endpoint" "$1"
}
state() { ssm get-automation-execution --automation-execution-id "$1" --query AutomationExecution.AutomationExecutionStatus; }

expect "list-documents" "Deploy-Approval	Hold-Pause	Two-Steps" \
  ssm list-documents --query 'sort(DocumentIdentifiers[].Name)'
expect "describe-document" "Automation" ssm describe-document --name Deploy-Approval --query Document.DocumentType
expect "get-document format" "YAML" ssm get-document --name Hold-Pause --query DocumentFormat
expect_error "get-document missing" InvalidDocument ssm get-document --name Missing-Doc

id="$(ssm start-automation-execution --document-name Deploy-Approval --query AutomationExecutionId)"
expect "approval waits" "Waiting" state "$id"
expect_error "bob approves" InvalidAutomationSignalException \
  ssm send-automation-signal --automation-execution-id "$id" --signal-type Approve
expect "alice approves" "" alice ssm send-automation-signal --automation-execution-id "$id" --signal-type Approve
advance PT2M
expect "approved run" "Success" state "$id"

id="$(ssm start-automation-execution --document-name Deploy-Approval --query AutomationExecutionId)"
expect "alice rejects" "" alice ssm send-automation-signal --automation-execution-id "$id" \
  --signal-type Reject --payload Comment="not today"
expect "rejected run" "Failed" state "$id"

id="$(ssm start-automation-execution --document-name Hold-Pause --parameters Environment=prod --query AutomationExecutionId)"
expect "paused" "Waiting" state "$id"
expect "resume" "" ssm send-automation-signal --automation-execution-id "$id" --signal-type Resume --payload StepName=Hold
expect "resumed run" "Success" state "$id"

id="$(ssm start-automation-execution --document-name Two-Steps --mode Interactive --query AutomationExecutionId)"
expect "interactive waits" "Waiting" state "$id"
for step in First Second; do
  expect "start step $step" "" ssm send-automation-signal --automation-execution-id "$id" \
    --signal-type StartStep --payload StepName="$step"
done
expect "interactive steps" "Success	Success" \
  ssm describe-automation-step-executions --automation-execution-id "$id" --query 'StepExecutions[].StepStatus'
expect "interactive after the last step" "Waiting" state "$id"
expect "complete" "" ssm stop-automation-execution --automation-execution-id "$id" --type Complete
expect "completed run" "Success" state "$id"

id="$(ssm start-automation-execution --document-name Hold-Pause --query AutomationExecutionId)"
expect "stop" "" ssm stop-automation-execution --automation-execution-id "$id" --type Cancel
expect "stopped run" "Cancelled" state "$id"

expect "prefix filter" "2" ssm describe-automation-executions \
  --filters Key=DocumentNamePrefix,Values=Deploy --query 'length(AutomationExecutionMetadataList)'
expect "status filter" "3" ssm describe-automation-executions \
  --filters Key=ExecutionStatus,Values=Success --query 'length(AutomationExecutionMetadataList)'
count_ids() { ssm describe-automation-executions --page-size 2 --query 'AutomationExecutionMetadataList[].AutomationExecutionId' | wc -w | tr -d ' '; }
expect "pages of 2, followed to the end" "5" count_ids
expect_error "unknown execution" AutomationExecutionNotFoundException \
  ssm get-automation-execution --automation-execution-id 00000000-0000-4000-8000-000000000000
expect_error "unknown parameter" InvalidAutomationExecutionParametersException \
  ssm start-automation-execution --document-name Hold-Pause --parameters Nope=x
expect_error "unknown document" AutomationDefinitionNotFoundException ssm start-automation-execution --document-name Missing-Doc
expect_error "bad signal type" ValidationException \
  ssm send-automation-signal --automation-execution-id "$id" --signal-type Frobnicate

if [ "$failures" -gt 0 ]; then
  echo "aws: $failures mismatches"
  status=1
else
  echo "aws: every check passed"
fi
exit "$status"
