#!/usr/bin/env python3
"""Runs each shell command N times and prints the median wall time, and each ratio to the first."""
import os, statistics, subprocess, sys, time

def median_ms(cmd, runs):
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, shell=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)

def main():
    runs = int(os.environ.get("RUNS", "50"))
    pairs = [a.split("=", 1) for a in sys.argv[1:]]
    for label, cmd in pairs:  # warm up
        median_ms(cmd, 3)
    base = None
    for label, cmd in pairs:
        ms = median_ms(cmd, runs)
        base = base or ms
        print(f"{label:<34} {ms:8.2f} ms median   ×{ms / base:5.2f} of {pairs[0][0]}")

main()
