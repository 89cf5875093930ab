#!/usr/bin/env bash
# `inc declare` with Slack (per-incident channel) and three chat webhooks (Teams, Mattermost,
# Discord) against each provider alone, every request answered after 300 ms by the same local
# fake (bench/fake_chat.py). Target: all four together ≤ 1.2× the slowest single provider (SPEC:
# "the time of inc declare is the slowest provider's, not the sum"). Slack alone is
# create → (topic ∥ post → pin): three sequential round trips; each webhook is one.
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
export SLACK_BOT_TOKEN=xoxb-bench-token USER=bench HOME="$TMP"
export INC_TEAMS_WEBHOOK="$B/workflows/0123456789abcdef/triggers/manual/paths/invoke?api-version=2016-06-01&sig=benchsig"
export INC_MATTERMOST_WEBHOOK="$B/hooks/benchmattermostkey0123456"
export INC_DISCORD_WEBHOOK="$B/api/webhooks/1234567890/benchdiscordtoken"
SLACK="[slack]
api_url = \"$B/api\"
per_incident_channel = true"
printf '%s\n' "$SLACK" > "$TMP/slack.toml"
for p in teams mattermost discord; do
  printf '[webhooks]\n%s = { url_env = "INC_%s_WEBHOOK" }\n' "$p" "${p^^}" > "$TMP/$p.toml"
done
printf '%s\n\n[webhooks]\nteams = { url_env = "INC_TEAMS_WEBHOOK" }\nmattermost = { url_env = "INC_MATTERMOST_WEBHOOK" }\ndiscord = { url_env = "INC_DISCORD_WEBHOOK" }\n' "$SLACK" > "$TMP/all.toml"
cmd() { echo "INC_CONFIG=$TMP/$1.toml INC_STATE_DIR=$TMP/state-$1 $INC declare 'Checkout returns 500s' --sev 2 -q"; }
# Every configuration must deliver everything before it is timed.
for c in slack teams mattermost discord all; do
  eval "$(cmd "$c")" >/dev/null || { echo "inc declare failed with the $c config" >&2; exit 1; }
done
echo "inc declare fan-out, every request answered after ${DELAY_MS} ms by a fake on 127.0.0.1:$PORT (${RUNS} runs each)"
OUT=$(python3 bench/timeit.py \
  "slack alone (3 round trips)=$(cmd slack)" \
  "teams alone=$(cmd teams)" \
  "mattermost alone=$(cmd mattermost)" \
  "discord alone=$(cmd discord)" \
  "slack + 3 webhooks together=$(cmd all)")
echo "$OUT"
echo "$OUT" | python3 -c '
import re, sys
ms = [float(re.search(r"([0-9.]+) ms median", l).group(1)) for l in sys.stdin if "ms median" in l]
singles, together = ms[:-1], ms[-1]
print(f"together / slowest single provider: x{together / max(singles):.2f}   (target <= 1.20)")
print(f"together / sequential sum ({sum(singles):.0f} ms): x{together / sum(singles):.2f}")
'
