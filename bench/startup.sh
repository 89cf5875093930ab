#!/usr/bin/env bash
# Start-up and status figures beside a baseline in the same run, and the watch loop's memory and
# idle CPU. Targets: `inc --version` and a local `inc status --json` within 1.0 ms of /bin/true
# (median of the runs, each process spawned directly, no shell, the commands interleaved so that
# a busy machine slows them alike), shown beside a Rust hello world; status on 10,000 entries
# ≤ 50 ms; status --watch ≤ 12 MB RSS and no CPU between checks. For instructions rather than
# time (steady on a loaded machine): valgrind --tool=callgrind target/release/inc --version
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q
INC="$PWD/target/release/inc"
TMP=$(mktemp -d); trap 'rm -rf "$TMP"; kill $WATCH 2>/dev/null || true' EXIT; WATCH=
printf 'fn main() { println!("hello"); }\n' > "$TMP/hello.rs"
rustc -O -o "$TMP/hello" "$TMP/hello.rs"
export INC_STATE_DIR="$TMP/small" HOME="$TMP" USER=bench
"$INC" declare "Bench incident" --sev 2 -q >/dev/null
"$INC" note "one note" >/dev/null
BIG="$TMP/big"; mkdir -p "$BIG/incidents"
python3 - "$INC_STATE_DIR" "$BIG" <<'PY'
import json, os, sys
src, dst = sys.argv[1], sys.argv[2]
iid = open(os.path.join(src, "current")).read().strip()
lines = open(os.path.join(src, "incidents", iid + ".jsonl")).read().splitlines()
with open(os.path.join(dst, "incidents", iid + ".jsonl"), "w") as f:
    f.write(lines[0] + "\n")
    for i in range(10_000):
        kind = {"event": "todo", "text": f"follow-up {i}"} if i % 50 == 0 else {"event": "note", "text": f"timeline entry {i}: checked the dashboards again", "type": "status"}
        f.write(json.dumps({"at": "2026-11-26T03:04:05Z", "by": "scribe", **kind}) + "\n")
open(os.path.join(dst, "current"), "w").write(iid + "\n")
PY
echo "start-up (${RUNS:-200} runs each, spawned directly, interleaved)"
python3 - "$TMP/hello" "$INC" "${RUNS:-200}" <<'PY'
import statistics, subprocess, sys, time
hello, inc, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
cmds = [("/bin/true", ["/bin/true"]), ("Rust hello world", [hello]),
        ("inc --version", [inc, "--version"]), ("inc status --json (local)", [inc, "status", "--json"])]
def once(argv):
    t = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return (time.perf_counter() - t) * 1000
for _, argv in cmds:
    once(argv)
times = {label: [] for label, _ in cmds}
for _ in range(runs):
    for label, argv in cmds:
        times[label].append(once(argv))
base = statistics.median(times["/bin/true"])
for label, _ in cmds:
    m = statistics.median(times[label])
    print(f"{label:<30} {m:7.2f} ms median   {m - base:+6.2f} ms vs /bin/true   (target for inc: within +1.00)")
PY
echo
echo "status on an incident with 10,000 timeline entries"
python3 bench/timeit.py "inc status (2 entries)=$INC status" "inc status (10,001 entries)=INC_STATE_DIR=$BIG $INC status"
echo
"$INC" status --watch --interval 1s >/dev/null 2>&1 & WATCH=$!
sleep 1.5
t0=$(awk '{print $14+$15}' /proc/$WATCH/stat)
sleep 3
t1=$(awk '{print $14+$15}' /proc/$WATCH/stat)
rss=$(awk '/VmRSS/{print $2}' /proc/$WATCH/status)
echo "status --watch: RSS $((rss / 1024)).$(( (rss % 1024) * 10 / 1024 )) MB; CPU over 3 s of watching (3 checks): $((t1 - t0)) clock ticks ($(getconf CLK_TCK)/s)"
