#!/usr/bin/env bash
# inc page-ic against curl sending the same two critical-path requests (on-call lookup, then the
# page) to the same local fake PagerDuty. Prints medians and the ratio. Target: ≤ 1.3× curl.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q
INC="$PWD/target/release/inc"
PORT=${PORT:-18089}
TMP=$(mktemp -d)
python3 bench/fake_pd.py "$PORT" & FAKE=$!
trap 'kill $FAKE 2>/dev/null; rm -rf "$TMP"' EXIT
for _ in $(seq 50); do curl -s "http://127.0.0.1:$PORT/abilities" >/dev/null 2>&1 && break; sleep 0.1; done
cat > "$TMP/config.toml" <<TOML
[pagerduty]
api_url = "http://127.0.0.1:$PORT"
from = "bot@example.com"
ic_schedules = ["PPRIMRY", "PBACKUP"]
ic_service = "PICSRVC"
TOML
export INC_CONFIG="$TMP/config.toml" INC_STATE_DIR="$TMP/state" PAGERDUTY_TOKEN=benchToken
H=(-H "Authorization: Token token=benchToken" -H "Accept: application/vnd.pagerduty+json;version=2" -H "Content-Type: application/json")
CURL="curl -s ${H[*]@Q} 'http://127.0.0.1:$PORT/oncalls?schedule_ids%5B%5D=PPRIMRY&schedule_ids%5B%5D=PBACKUP&include%5B%5D=users&limit=100&offset=0' >/dev/null && curl -s ${H[*]@Q} -H 'From: bot@example.com' -X POST -d '{\"incident\":{\"type\":\"incident\",\"title\":\"IC needed\",\"service\":{\"id\":\"PICSRVC\",\"type\":\"service_reference\"},\"urgency\":\"high\",\"incident_key\":\"k\",\"assignments\":[{\"assignee\":{\"id\":\"PU1\",\"type\":\"user_reference\"}},{\"assignee\":{\"id\":\"PU2\",\"type\":\"user_reference\"}}]}}' 'http://127.0.0.1:$PORT/incidents' >/dev/null"
echo "page-ic vs curl, same fake PagerDuty on 127.0.0.1:$PORT (${RUNS:-50} runs each)"
python3 bench/timeit.py "curl (on-call GET + page POST)=$CURL" "inc page-ic=$INC page-ic"
