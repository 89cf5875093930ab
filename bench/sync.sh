#!/usr/bin/env bash
# Team mode: `inc status` on an incident whose Slack channel holds 2,000 events from another
# responder. After the first pull, every `status` pulls incrementally: one request, whatever
# the incident's length. Prints the requests one `status` makes and its time beside a plain
# local `status` (no provider configured), measured in one run.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q
INC="$PWD/target/release/inc"
PORT=${PORT:-18091}
TMP=$(mktemp -d)
export HOME="$TMP" INC_USER=bench INC_STATE_DIR="$TMP/state" SLACK_BOT_TOKEN=xoxb-bench-token
ID=$("$INC" declare "Sync bench" --sev 2 -q)
# The journal learns the channel as an attached responder would: a linked event.
python3 - "$INC_STATE_DIR/incidents/$ID.jsonl" <<'PY'
import json, sys
with open(sys.argv[1], "a") as f:
    f.write(json.dumps({"event_id": "benchlink", "at": "2026-11-30T03:00:00Z", "event": "linked",
                        "provider": "slack", "ref": "C0BENCH"}) + "\n")
PY
python3 bench/fake_slack_history.py "$PORT" "$ID" 2000 & FAKE=$!
trap 'kill $FAKE 2>/dev/null; rm -rf "$TMP"' EXIT
for _ in $(seq 50); do curl -s "http://127.0.0.1:$PORT/count" >/dev/null 2>&1 && break; sleep 0.1; done
printf '[slack]\napi_url = "http://127.0.0.1:%s/api"\nper_incident_channel = true\n' "$PORT" > "$TMP/slack.toml"
: > "$TMP/none.toml"
count() { curl -s "http://127.0.0.1:$PORT/count" | python3 -c 'import json,sys; print(json.load(sys.stdin)["count"])'; }
c0=$(count)
INC_CONFIG="$TMP/slack.toml" "$INC" sync -q
c1=$(count)
events=$(INC_CONFIG="$TMP/none.toml" "$INC" timeline --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["timeline"]))')
INC_CONFIG="$TMP/slack.toml" "$INC" status >/dev/null
c2=$(count)
echo "first pull of 2,000 remote events: $((c1 - c0)) requests; the journal now holds $events events"
echo "one inc status after that (incremental pull): $((c2 - c1)) request(s)"
echo
RUNS=${RUNS:-20} python3 bench/timeit.py \
  "inc status (local, no provider)=INC_CONFIG=$TMP/none.toml $INC status" \
  "inc status (pull from Slack)=INC_CONFIG=$TMP/slack.toml $INC status"
