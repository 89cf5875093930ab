#!/usr/bin/env bash
# inc page-ic against its physical limit, in one run against the same local fake PagerDuty
# (bench/fake_pd.py) holding every answer DELAY_MS (default 100 ms, as across a network):
#   - one `POST /incidents` by curl: the limit of a page (one round trip);
#   - curl sending what `ic_page = "service"` sends: the page and the on-call read, at once;
#   - inc page-ic with ic_page = "service" (goal: at most 1.2x one POST);
#   - curl doing lookup-then-assign: the on-call read, then the page (two round trips);
#   - inc page-ic with ic_page = "assign" (the default; goal: at most 1.3x that curl).
# The on-call cache is warm (`inc oncall --ic` first), as on any machine that paged before.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q
INC="${CARGO_TARGET_DIR:-$PWD/target}/release/inc"
PORT=${PORT:-18089}
export DELAY_MS=${DELAY_MS:-100} RUNS=${RUNS:-20}
TMP=$(mktemp -d)
python3 bench/fake_pd.py "$PORT" & FAKE=$!
trap 'kill $FAKE 2>/dev/null; rm -rf "$TMP"' EXIT
for _ in $(seq 50); do curl -s "http://127.0.0.1:$PORT/abilities" >/dev/null 2>&1 && break; sleep 0.1; done
for mode in service assign; do
  cat > "$TMP/$mode.toml" <<TOML
[pagerduty]
api_url = "http://127.0.0.1:$PORT"
from = "bot@example.com"
ic_schedules = ["PPRIMRY", "PBACKUP"]
ic_service = "PICSRVC"
ic_page = "$mode"
TOML
done
export INC_STATE_DIR="$TMP/state" PAGERDUTY_TOKEN=benchToken HOME="$TMP" USER=bench
INC_CONFIG="$TMP/assign.toml" "$INC" oncall --ic >/dev/null
H=(-H "Authorization: Token token=benchToken" -H "Accept: application/vnd.pagerduty+json;version=2" -H "Content-Type: application/json")
GET="curl -s ${H[*]@Q} 'http://127.0.0.1:$PORT/oncalls?schedule_ids%5B%5D=PPRIMRY&schedule_ids%5B%5D=PBACKUP&include%5B%5D=users&limit=100&offset=0' >/dev/null"
page() { echo "curl -s ${H[*]@Q} -H 'From: bot@example.com' -X POST -d '{\"incident\":{\"type\":\"incident\",\"title\":\"IC needed\",\"service\":{\"id\":\"PICSRVC\",\"type\":\"service_reference\"},\"urgency\":\"high\",\"incident_key\":\"k\"$1}}' 'http://127.0.0.1:$PORT/incidents' >/dev/null"; }
POST=$(page "")
ASSIGN=$(page ",\"assignments\":[{\"assignee\":{\"id\":\"PU1\",\"type\":\"user_reference\"}},{\"assignee\":{\"id\":\"PU2\",\"type\":\"user_reference\"}}]")
echo "page-ic against one POST /incidents, fake PagerDuty on 127.0.0.1:$PORT answering after ${DELAY_MS} ms ($RUNS runs each)"
OUT=$(python3 bench/timeit.py \
  "curl: one POST /incidents=$POST" \
  "curl: GET /oncalls ∥ POST=$GET & $POST; wait" \
  "inc page-ic, ic_page service=INC_CONFIG=$TMP/service.toml $INC page-ic" \
  "curl: GET /oncalls, then POST=$GET && $ASSIGN" \
  "inc page-ic, ic_page assign=INC_CONFIG=$TMP/assign.toml $INC page-ic")
echo "$OUT"
# The ratios that matter, from the medians above.
echo "$OUT" | awk '{ for (i = 1; i <= NF; i++) if ($i == "ms") { v[NR] = $(i - 1) } }
  END {
    printf "page-ic (service) / one POST:              %.2fx (goal <= 1.2x)\n", v[3] / v[1]
    printf "page-ic (service) / curl GET ∥ POST:       %.2fx\n", v[3] / v[2]
    printf "page-ic (assign)  / curl GET, then POST:   %.2fx\n", v[5] / v[4]
  }'
