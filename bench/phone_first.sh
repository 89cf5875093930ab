#!/usr/bin/env bash
# Phone numbers first: the time from starting `inc page-ic` to the ICs' phone numbers on the
# terminal with the pager answering every request with 503, and with the pager silent (it holds
# every connection), next to the time of a whole healthy page, against the same local fake
# PagerDuty (bench/fake_pd.py) with the default [delivery] settings (timeout 10 s, retry budget
# 30 s). The on-call cache is warm (`inc oncall --ic` earlier). Target (SPEC): the numbers within
# 2 s; before this change they came only at the exit, after the whole retry budget (29 s with
# 503s, 40 s silent): the last two lines time the whole run once each, for that comparison.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q
INC="${CARGO_TARGET_DIR:-$PWD/target}/release/inc"
PORT=${PORT:-18091}
TMP=$(mktemp -d)
FAKES=()
trap 'kill "${FAKES[@]}" 2>/dev/null; rm -rf "$TMP"' EXIT
for mode in ok 503 silent; do
  python3 bench/fake_pd.py "$PORT" "$mode" & FAKES+=($!)
  printf -v "PORT_${mode}" %s "$PORT"
  PORT=$((PORT + 1))
done
for _ in $(seq 50); do curl -s "http://127.0.0.1:$PORT_ok/abilities" >/dev/null 2>&1 && break; sleep 0.1; done
for mode in ok 503 silent; do
  port_var="PORT_${mode}"
  cat > "$TMP/$mode.toml" <<TOML
[pagerduty]
api_url = "http://127.0.0.1:${!port_var}"
from = "bot@example.com"
ic_schedules = ["PPRIMRY", "PBACKUP"]
ic_service = "PICSRVC"
TOML
done
export PAGERDUTY_TOKEN=benchToken HOME="$TMP" USER=bench STATE_TEMPLATE="$TMP/state"
INC_CONFIG="$TMP/ok.toml" INC_STATE_DIR="$STATE_TEMPLATE" "$INC" oncall --ic >/dev/null
PHONE='Primary: \+1 555 0101'
echo "page-ic: start → the ICs' phone numbers, and a whole healthy page (${RUNS:-20} runs each)"
RUNS=${RUNS:-20} python3 bench/time_to_line.py \
  "healthy page (start → exit 0)==INC_CONFIG=$TMP/ok.toml $INC page-ic" \
  "pager answers 503 (start → phone numbers)=$PHONE=INC_CONFIG=$TMP/503.toml $INC page-ic" \
  "pager silent (start → phone numbers)=$PHONE=INC_CONFIG=$TMP/silent.toml $INC page-ic" \
  "pager answers 503 (start → exit 1, once)#1==INC_CONFIG=$TMP/503.toml $INC page-ic" \
  "pager silent (start → exit 1, once)#1==INC_CONFIG=$TMP/silent.toml $INC page-ic"
