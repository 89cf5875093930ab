#!/usr/bin/env bash
# A provider that is down costs one wait: with Slack answering every write with 500 and the
# default [delivery] settings (timeout 10 s, retry budget 30 s), the wall time and the number of
# Slack writes of `inc note`, `inc sev 1`, another `inc note` and a second `inc declare`, run one
# after the other. The first command spends the whole budget and marks Slack down; the next
# ones try it once (within 2 s), queue and say "Slack failing since". Before this change every
# one of them spent the whole budget (note 25 s, sev 29 s, declare 25 s, 8 writes each).
# INC=path/to/inc uses that binary instead of building the release one.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${INC:-}" ]; then
  cargo build --release -q
  INC="${CARGO_TARGET_DIR:-$PWD/target}/release/inc"
fi
PORT=${PORT:-18191}
TMP=$(mktemp -d)
python3 bench/fake_down.py "$PORT" & FAKE=$!
trap 'kill $FAKE 2>/dev/null; rm -rf "$TMP"' EXIT
for _ in $(seq 50); do curl -s "http://127.0.0.1:$PORT/count" >/dev/null 2>&1 && break; sleep 0.1; done
cat > "$TMP/config.toml" <<TOML
[slack]
api_url = "http://127.0.0.1:$PORT/api"
channel = "#incidents"
per_incident_channel = false
TOML
export INC_CONFIG="$TMP/config.toml" INC_STATE_DIR="$TMP/state" HOME="$TMP" USER=bench SLACK_BOT_TOKEN=xoxb-bench
# The incident exists before Slack fails (declared with no chat provider configured).
: > "$TMP/none.toml"
INC_CONFIG="$TMP/none.toml" "$INC" declare "Checkout is down" --sev 2 -q >/dev/null
writes() { curl -s "http://127.0.0.1:$PORT/count" | python3 -c 'import json,sys; print(json.load(sys.stdin)["writes"])'; }
printf '%-36s %9s %13s %5s\n' "command (Slack down)" "wall" "Slack writes" "exit"
for cmd in "note first" "sev 1" "note second" "declare Search-is-slow --sev 3"; do
  before=$(writes)
  start=$(date +%s.%N)
  set +e
  # shellcheck disable=SC2086
  "$INC" $cmd >/dev/null 2>&1
  code=$?
  set -e
  end=$(date +%s.%N)
  printf '%-36s %8.2fs %13s %5s\n' "inc $cmd" "$(echo "$end - $start" | bc)" "$(( $(writes) - before ))" "$code"
done
