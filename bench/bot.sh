#!/usr/bin/env bash
# inc bot against a local fake Matrix homeserver and fake PagerDuty (bench/fake_bot.py), all on
# one clock. Prints, measured in one run:
#   - from a `!ic page` message leaving the homeserver for the bot to the page request reaching
#     PagerDuty: median and p99 over N commands (default 100), in all and as inc's own time (the
#     same minus the time the fakes spent on the requests on that path: the claim, its read-back,
#     the on-call lookup). Goal: inc's own time under 5 ms.
#   - `!status` from the message to the reply, beside `inc status` run as a command (spawn included).
#   - the idle bot's RSS (goal ≤ 15 MB) and its CPU ticks over IDLE seconds (default 60; goal: 0
#     beyond the long poll).
# Needs a release build and Python 3.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q
INC="$PWD/target/release/inc"
PORT=${PORT:-18291}
N=${N:-100}
IDLE=${IDLE:-60}
TMP=$(mktemp -d)
python3 bench/fake_bot.py "$PORT" & FAKE=$!
BOT=
trap 'kill $FAKE 2>/dev/null; [ -n "$BOT" ] && kill $BOT 2>/dev/null; rm -rf "$TMP"' EXIT
for _ in $(seq 50); do curl -s "http://127.0.0.1:$PORT/_bench/log" >/dev/null 2>&1 && break; sleep 0.1; done
cat > "$TMP/config.toml" <<TOML
[pagerduty]
api_url = "http://127.0.0.1:$((PORT + 1))"
from = "bot@example.com"
ic_schedules = ["PPRIMRY", "PBACKUP"]
ic_service = "PICSRVC"

[matrix]
homeserver = "http://127.0.0.1:$PORT"

[bot]
rooms = ["!bench:localhost"]
TOML
export INC_CONFIG="$TMP/config.toml" INC_STATE_DIR="$TMP/state" PAGERDUTY_TOKEN=benchToken MATRIX_ACCESS_TOKEN=benchMatrixToken
"$INC" bot 2>"$TMP/bot.log" & BOT=$!
for _ in $(seq 100); do grep -q "listening on" "$TMP/bot.log" && break; sleep 0.05; done
sleep 1
ticks() { awk '{print $14 + $15}' "/proc/$BOT/stat"; }
rss() { awk '/VmRSS/ {print $2}' "/proc/$BOT/status"; }
echo "idle: RSS $(( $(rss) / 1024 )) MB after start; CPU over ${IDLE} s idle ..."
T0=$(ticks); sleep "$IDLE"; T1=$(ticks)
echo "idle: $((T1 - T0)) CPU ticks (of $(getconf CLK_TCK)/s) in ${IDLE} s; RSS $(( $(rss) / 1024 )) MB"

python3 - "$PORT" "$N" "$INC" <<'PY'
import json, statistics, subprocess, sys, time, urllib.request
port, n, inc = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
base = f"http://127.0.0.1:{port}"
def get(p):
    return json.load(urllib.request.urlopen(base + p))
def say(text):
    req = urllib.request.Request(base + "/_bench/say", data=json.dumps({"text": text}).encode(), method="POST")
    return json.load(urllib.request.urlopen(req))["event_id"]
def answered(ev):
    deadline = time.time() + 30
    while time.time() < deadline:
        if any(r["to"] == ev for r in get("/_bench/replies")["replies"]):
            return
        time.sleep(0.002)
    sys.exit(f"no reply to {ev}")
def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]
ms = lambda ns: ns / 1e6
pages = []
for _ in range(n):
    pages.append(say("!ic page bench"))
    answered(pages[-1])
statuses = []
for _ in range(30):
    statuses.append(say("!status"))
    answered(statuses[-1])
d = get("/_bench/log")
log, said = d["log"], {s["event_id"]: s for s in d["said"]}
replies = get("/_bench/replies")["replies"]
total, own, trips = [], [], []
for ev in pages:
    t0 = said[ev]["t0"]
    t1 = min(r["t_in"] for r in log if r["server"] == "pagerduty" and r["method"] == "POST" and r["path"] == "/incidents" and r["t_in"] > t0)
    inside = [r for r in log if t0 < r["t_in"] < t1 and not r["path"].endswith("/sync")]
    total.append(t1 - t0)
    own.append(t1 - t0 - sum(r["t_out"] - r["t_in"] for r in inside))
    trips.append(len(inside))
print(f"!ic page → POST /incidents over {n} commands: median {ms(statistics.median(total)):.2f} ms, "
      f"p99 {ms(pct(total, 99)):.2f} ms; inc's own time median {ms(statistics.median(own)):.2f} ms, "
      f"p99 {ms(pct(own, 99)):.2f} ms ({statistics.median(trips):.0f} requests on the way)")
st = []
for ev in statuses:
    t0 = said[ev]["t0"]
    st.append(min(r["t"] for r in replies if r["to"] == ev) - t0)
inc_id = None
for line in open(f"{__import__('os').environ['INC_STATE_DIR']}/current"):
    inc_id = line.strip()
cli = []
for _ in range(30):
    t = time.monotonic_ns()
    subprocess.run([inc, "status", "--incident", inc_id], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    cli.append(time.monotonic_ns() - t)
print(f"!status → reply: median {ms(statistics.median(st)):.2f} ms, p99 {ms(pct(st, 99)):.2f} ms; "
      f"`inc status` (spawned): median {ms(statistics.median(cli)):.2f} ms, p99 {ms(pct(cli, 99)):.2f} ms")
PY
kill -TERM $BOT; wait $BOT && echo "inc bot: exit 0 on SIGTERM"; BOT=
