#!/usr/bin/env bash
# `inc status` with every change source configured (GitHub deployments and releases, PagerDuty
# change events, a Slack deploy channel), every request answered after 300 ms, against the same
# `inc status` without change sources (it still pulls Slack and PagerDuty and reads the
# PagerDuty incident). The reads run beside the sync, so the target is: within one round trip
# (300 ms) of the status without sources. The per-incident cache (a minute) is removed before
# each run, so every run reads every source.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q
INC="$PWD/target/release/inc"
PORT=${PORT:-18092}
export DELAY_MS=${DELAY_MS:-300} RUNS=${RUNS:-10}
TMP=$(mktemp -d)
export HOME="$TMP" INC_USER=bench INC_STATE_DIR="$TMP/state" SLACK_BOT_TOKEN=xoxb-bench-token \
  PAGERDUTY_TOKEN=bench-pd-token GITHUB_TOKEN=ghp_bench_token INC_NOW=2026-11-30T03:10:00Z
python3 bench/fake_changes.py "$PORT" & FAKE=$!
trap 'kill $FAKE 2>/dev/null; rm -rf "$TMP"' EXIT
B="http://127.0.0.1:$PORT"
for _ in $(seq 50); do curl -s "$B/api/auth.test" >/dev/null 2>&1 && break; sleep 0.1; done
BASE="[slack]
api_url = \"$B/api\"
per_incident_channel = true

[pagerduty]
api_url = \"$B\"
events_url = \"$B\""
printf '%s\n' "$BASE" > "$TMP/none.toml"
printf '%s\n\n[changes]\ngithub = { api_url = "%s" }\nannouncements = ["#deploys"]\n\n[changes.services]\ncheckout = { pagerduty = "PCHKOUT", github = ["acme/checkout"] }\n' \
  "$BASE" "$B" > "$TMP/all.toml"
: > "$TMP/local.toml"
ID=$(INC_CONFIG="$TMP/local.toml" INC_NOW=2026-11-30T03:04:00Z "$INC" declare "Changes bench" --sev 2 -q)
# The journal learns the places as an attached responder would, and the affected service.
python3 - "$INC_STATE_DIR/incidents/$ID.jsonl" <<'PY'
import json, sys
with open(sys.argv[1], "a") as f:
    for i, (p, r) in enumerate([("slack", "C0BENCH"), ("pagerduty", "PBENCH")]):
        f.write(json.dumps({"event_id": f"benchlink{i}", "at": "2026-11-30T03:04:01Z",
                            "event": "linked", "provider": p, "ref": r}) + "\n")
    f.write(json.dumps({"event_id": "benchsvc", "at": "2026-11-30T03:04:02Z",
                        "event": "service", "name": "checkout"}) + "\n")
PY
got=$(INC_CONFIG="$TMP/all.toml" "$INC" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["changes"]["total"])')
[ "$got" = 3 ] || { echo "expected 3 changes from the sources, got $got" >&2; exit 1; }
echo "inc status, every request answered after ${DELAY_MS} ms by a fake on 127.0.0.1:$PORT (${RUNS} runs each)"
OUT=$(python3 bench/timeit.py \
  "status without change sources=INC_CONFIG=$TMP/none.toml $INC status" \
  "status with every source=rm -f $INC_STATE_DIR/changes/$ID.json; INC_CONFIG=$TMP/all.toml $INC status")
echo "$OUT"
echo "$OUT" | DELAY_MS=$DELAY_MS python3 -c '
import os, re, sys
ms = [float(re.search(r"([0-9.]+) ms median", l).group(1)) for l in sys.stdin if "ms median" in l]
rt = float(os.environ["DELAY_MS"])
print(f"with / without: x{ms[1] / ms[0]:.2f}; extra {ms[1] - ms[0]:.0f} ms (target: within one round trip, {rt:.0f} ms; x{(ms[0] + rt) / ms[0]:.2f})")
'
