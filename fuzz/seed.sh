#!/usr/bin/env bash
# Populate the (git-ignored) fuzz corpora from the shared runbook corpus and
# the project's own fixtures. Run from anywhere; idempotent (files are named
# by content hash, so re-running adds nothing twice).
#
#   document: every runbook of ../shared/corpus (Automation and Command),
#             every rule fixture (crates/engine/tests/rules/*/*.yaml), every
#             run fixture (runbook.yaml and scenario.yaml) and the fuzz
#             regressions (crates/engine/tests/fuzz-regressions/document);
#   request:  the JSON runbooks again (raw bytes reach request bodies);
#   run, service: structured (Arbitrary) inputs; they start from their
#             regressions only and grow their own corpora.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
shared="${SHARED_CORPUS:-$root/../shared/corpus}"
regressions="$root/crates/engine/tests/fuzz-regressions"

add() { # add TARGET FILE...
    local dir="$here/corpus/$1"; shift
    mkdir -p "$dir"
    for f in "$@"; do
        [ -f "$f" ] || continue
        cp "$f" "$dir/$(sha1sum "$f" | cut -c1-40)"
    done
}

for t in document run service request; do mkdir -p "$here/corpus/$t"; done
if [ -d "$shared" ]; then
    while IFS= read -r -d '' f; do add document "$f"; done \
        < <(find "$shared/runbooks" "$shared/not-automation" -type f \
            \( -name '*.json' -o -name '*.yaml' -o -name '*.yml' -o ! -name '*.*' \) -print0)
    while IFS= read -r -d '' f; do add request "$f"; done \
        < <(find "$shared/runbooks" -type f -name '*.json' -size -64k -print0)
else
    echo "seed.sh: $shared not found; seeding from the project's fixtures only" >&2
fi
add document "$root"/crates/engine/tests/rules/*/*.yaml
add document "$root"/crates/engine/tests/run/*/runbook.yaml "$root"/crates/engine/tests/run/*/scenario.yaml
for t in document run service request; do
    [ -d "$regressions/$t" ] && add "$t" "$regressions/$t"/*
done
for t in document run service request; do
    echo "$t: $(find "$here/corpus/$t" -type f | wc -l) inputs"
done
