#!/usr/bin/env python3
"""Times how long a command takes to print a line matching a pattern (read as it comes; the
command is then stopped), or to exit when the pattern is empty. Each argument is
LABEL=PATTERN=COMMAND; a LABEL ending in `#N` runs N times (no warm-up) instead of $RUNS. Each
run gets a fresh copy of $STATE_TEMPLATE as its INC_STATE_DIR. Prints the median of the runs
and each ratio to the first."""
import os, re, shutil, statistics, subprocess, sys, tempfile, time

def once(cmd, pattern):
    state = tempfile.mkdtemp()
    shutil.rmtree(state)
    shutil.copytree(os.environ["STATE_TEMPLATE"], state)
    env = dict(os.environ, INC_STATE_DIR=state)
    t = time.perf_counter()
    p = subprocess.Popen(cmd, shell=True, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    took = None
    try:
        for line in p.stdout:
            if pattern and re.search(pattern, line):
                took = time.perf_counter() - t
                break
        if took is None:
            p.wait()
            took = time.perf_counter() - t
            if pattern:
                sys.exit(f"never printed {pattern!r}: {cmd}")
    finally:
        if p.poll() is None:
            p.kill()
        p.wait()
        shutil.rmtree(state, ignore_errors=True)
    return took * 1000

def main():
    runs = int(os.environ.get("RUNS", "20"))
    cases = []
    for a in sys.argv[1:]:
        label, pattern, cmd = a.split("=", 2)
        label, _, n = label.partition("#")
        cases.append((label.strip(), pattern, cmd, int(n) if n else None))
    for label, pattern, cmd, n in cases:  # warm up
        if n is None:
            once(cmd, pattern)
    base = None
    for label, pattern, cmd, n in cases:
        ms = statistics.median(once(cmd, pattern) for _ in range(n or runs))
        base = base or ms
        print(f"{label:<44} {ms:9.1f} ms median   ×{ms / base:7.2f} of {cases[0][0]}")

main()
