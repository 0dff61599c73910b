#!/usr/bin/env bash
# Measure how the release `ssm-runbook validate` binary (and the server's
# body limit) handles hostile input: wall time and peak memory per input,
# printed as a Markdown table for docs/security.md.
#
#   fuzz/hostile-measure.sh            # builds the release binary first
#   BIN=path/to/ssm-runbook fuzz/hostile-measure.sh
#
# Needs GNU time (/usr/bin/time -v), python3 and curl. Inputs are written
# to a temporary directory and removed afterwards.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
target="${CARGO_TARGET_DIR:-$root/target}"
bin="${BIN:-$target/release/ssm-runbook}"
if [ -z "${BIN:-}" ]; then
    (cd "$root" && cargo build --release -q -p ssm-runbook)
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"; [ -n "${server:-}" ] && kill "$server" 2>/dev/null || true' EXIT

python3 - "$work" <<'PY'
import sys, os
d = sys.argv[1]
def w(name, data):
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())
# Billion laughs: 9 levels of ten aliases each (10^9 nodes expanded).
t = "schemaVersion: '0.3'\nl0: &l0 lol\n"
for i in range(1, 10):
    t += "l%d: &l%d [%s]\n" % (i, i, ", ".join(["*l%d" % (i - 1)] * 10))
w("alias-bomb.yaml", t + "mainSteps: []\n")
n = 100_000
w("deep-100k.yaml", "a: " + "[" * n + "]" * n + "\n")
w("deep-100k.json", "[" * n + "]" * n)
w("big-50mb.yaml", "schemaVersion: '0.3'\nmainSteps: []\ndescription: " + "x" * 50_000_000 + "\n")
w("invalid-utf8.yaml", b"schemaVersion: '0.3'\nmainSteps:\n  - name: caf\xc3\x28\n")
w("body-10mb.json", '{"Name": "Big", "Content": "' + "x" * 10_000_000 + '"}')
PY

echo "| input | size | exit | first diagnostic | wall time | peak RSS |"
echo "| --- | ---: | ---: | --- | ---: | ---: |"
for f in alias-bomb.yaml deep-100k.yaml deep-100k.json big-50mb.yaml invalid-utf8.yaml; do
    size=$(stat -c %s "$work/$f")
    set +e
    /usr/bin/time -v "$bin" validate --format json "$work/$f" >"$work/out.json" 2>"$work/time.txt"
    code=$?
    set -e
    wall=$(grep "Elapsed (wall clock)" "$work/time.txt" | awk '{print $NF}')
    rss=$(grep "Maximum resident set size" "$work/time.txt" | awk '{print $NF}')
    msg=$(python3 -c 'import json,sys
r=json.load(open(sys.argv[1]))
def find(v):
    if isinstance(v,dict):
        if "message" in v and "code" in v: return v["code"]+": "+v["message"]
        for x in v.values():
            m=find(x)
            if m: return m
    if isinstance(v,list):
        for x in v:
            m=find(x)
            if m: return m
print((find(r) or "")[:90])' "$work/out.json")
    echo "| $f | $size | $code | $msg | $wall | $((rss / 1024)) MiB |"
done

# The server: a 10 MB body, with the listener's own limit in front of handle.
port=$(( 20000 + RANDOM % 20000 ))
"$bin" serve --port "$port" >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 50); do
    curl -s -o /dev/null "http://127.0.0.1:$port/" && break
    sleep 0.1
done
size=$(stat -c %s "$work/body-10mb.json")
read -r status wall < <(curl -s -o "$work/answer.json" -w '%{http_code} %{time_total}\n' \
    -H 'X-Amz-Target: AmazonSSM.CreateDocument' -H 'Content-Type: application/x-amz-json-1.1' \
    --data-binary @"$work/body-10mb.json" "http://127.0.0.1:$port/")
rss=$(grep VmHWM "/proc/$server/status" | awk '{print $2}')
msg=$(head -c 150 "$work/answer.json")
echo "| body-10mb.json (HTTP) | $size | $status | \`$msg\` | ${wall}s | $((rss / 1024)) MiB (server peak) |"
