#!/usr/bin/env bash
# `inc declare` with PagerDuty, Slack (per-incident channel), Matrix (per-incident room) and a
# chat webhook (Teams), against each provider alone, every request answered after 300 ms by the
# same local fake (bench/fake_chat.py). Target: all together ≤ 1.2× the slowest single provider
# (SPEC "Delivery rules": the time of `inc declare` is the slowest provider's, and telling each
# place where the others are costs no extra round trip). Alone, PagerDuty is one round trip;
# Slack is create → (topic ∥ post → pin): three; Matrix is create → (topic ∥ state ∥ post →
# pin: read, then write): four; the webhook is one. Also without Matrix (Slack is then the
# slowest), and with the two other webhooks.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q
INC="$PWD/target/release/inc"
PORT=${PORT:-18090}
export RUNS=${RUNS:-20} DELAY_MS=${DELAY_MS:-300}
TMP=$(mktemp -d)
python3 bench/fake_chat.py "$PORT" & FAKE=$!
trap 'kill $FAKE 2>/dev/null; rm -rf "$TMP"' EXIT
for _ in $(seq 50); do curl -s "http://127.0.0.1:$PORT/api/auth.test" >/dev/null 2>&1 && break; sleep 0.1; done
B="http://127.0.0.1:$PORT"
export SLACK_BOT_TOKEN=xoxb-bench-token PAGERDUTY_TOKEN=bench-pd-token MATRIX_ACCESS_TOKEN=bench-matrix-token
export USER=bench HOME="$TMP"
export INC_TEAMS_WEBHOOK="$B/workflows/0123456789abcdef/triggers/manual/paths/invoke?api-version=2016-06-01&sig=benchsig"
export INC_MATTERMOST_WEBHOOK="$B/hooks/benchmattermostkey0123456"
export INC_DISCORD_WEBHOOK="$B/api/webhooks/1234567890/benchdiscordtoken"
PD="[pagerduty]
api_url = \"$B/pd\"
from = \"bench@example.com\"
incident_service = \"PBENCH1\""
SLACK="[slack]
api_url = \"$B/api\"
per_incident_channel = true"
MATRIX="[matrix]
homeserver = \"$B\"
per_incident_room = true"
printf '%s\n' "$PD" > "$TMP/pagerduty.toml"
printf '%s\n' "$SLACK" > "$TMP/slack.toml"
printf '%s\n' "$MATRIX" > "$TMP/matrix.toml"
for p in teams mattermost discord; do
  printf '[webhooks]\n%s = { url_env = "INC_%s_WEBHOOK" }\n' "$p" "${p^^}" > "$TMP/$p.toml"
done
printf '%s\n\n%s\n\n[webhooks]\nteams = { url_env = "INC_TEAMS_WEBHOOK" }\n' "$PD" "$SLACK" > "$TMP/nomatrix.toml"
printf '%s\n\n%s\n\n%s\n\n[webhooks]\nteams = { url_env = "INC_TEAMS_WEBHOOK" }\n' "$PD" "$SLACK" "$MATRIX" > "$TMP/all.toml"
printf '%s\n\n%s\n\n%s\n\n[webhooks]\nteams = { url_env = "INC_TEAMS_WEBHOOK" }\nmattermost = { url_env = "INC_MATTERMOST_WEBHOOK" }\ndiscord = { url_env = "INC_DISCORD_WEBHOOK" }\n' "$PD" "$SLACK" "$MATRIX" > "$TMP/every.toml"
cmd() { echo "INC_CONFIG=$TMP/$1.toml INC_STATE_DIR=$TMP/state-$1 $INC declare 'Checkout returns 500s' --sev 2 -q"; }
# Every configuration must deliver everything before it is timed.
for c in pagerduty slack matrix teams nomatrix all every; do
  eval "$(cmd "$c")" >/dev/null || { echo "inc declare failed with the $c config" >&2; exit 1; }
done
echo "inc declare fan-out, every request answered after ${DELAY_MS} ms by a fake on 127.0.0.1:$PORT (${RUNS} runs each)"
OUT=$(python3 bench/timeit.py \
  "pagerduty alone (1 round trip)=$(cmd pagerduty)" \
  "slack alone (3 round trips)=$(cmd slack)" \
  "matrix alone (4 round trips)=$(cmd matrix)" \
  "teams alone (1 round trip)=$(cmd teams)" \
  "pd + slack + teams=$(cmd nomatrix)" \
  "pd + slack + matrix + teams=$(cmd all)" \
  "pd + slack + matrix + 3 webhooks=$(cmd every)")
echo "$OUT"
echo "$OUT" | python3 -c '
import re, sys
ms = [float(re.search(r"([0-9.]+) ms median", l).group(1)) for l in sys.stdin if "ms median" in l]
singles, nomatrix, together, every = ms[:4], ms[4], ms[5], ms[6]
print(f"pd + slack + teams / slack alone (its slowest):        x{nomatrix / ms[1]:.2f}   (target <= 1.20)")
print(f"pd + slack + matrix + teams / slowest single provider: x{together / max(singles):.2f}   (target <= 1.20)")
print(f"with all three webhooks / slowest single provider:     x{every / max(singles):.2f}   (target <= 1.20)")
print(f"together / sequential sum ({sum(singles):.0f} ms): x{together / sum(singles):.2f}")
'
