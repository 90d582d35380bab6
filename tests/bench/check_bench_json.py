"""Smoke run of minidl_bench at two thread counts: the JSON lines carry the per-round ratio keys.

Usage: check_bench_json.py MINIDL_BENCH MNIST_DIR

Runs a quick W1 and W3 at --threads 1,2 for 2 rounds and checks, for every workload and thread
count: one JSON line; ratio_step_over_gemm, ratio_step_over_gemm_rounds and
ratio_of_medians_step_over_gemm finite and positive, the first equal to the median of the second,
min <= median <= max, one sample per round; ratio_over_first and gemm_ratio_over_first (against
"t1") on the 2-thread line only; batch_ms_per_step positive and below the slowest round's step, and
ratio_step_without_batch_over_gemm equal to (step_ms median - batch_ms_per_step) / gemm_only_ms
median; core_round_trip_ns before and after, positive, on a machine with two CPUs or more; and the
final "W step t2 / t1: median [min, max]; GEMM-only: median [min, max]" line per workload, whose
medians are the JSON's and whose ratios lie within what the step and GEMM-only times allow.
"""

import json
import math
import os
import re
import subprocess
import sys

ROUNDS = 2


def fail(message):
    print("check_bench_json: FAIL: " + message, file=sys.stderr)
    sys.exit(1)


def positive(value, what):
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value) or value <= 0:
        fail(f"{what} is {value!r}, not a finite positive number")
    return value


def check_stats(stats, what):
    if not isinstance(stats, dict):
        fail(f"{what} is {stats!r}, not an object")
    lo, med, hi = (positive(stats.get(k), f"{what}.{k}") for k in ("min", "median", "max"))
    if not lo <= med <= hi:
        fail(f"{what}: min {lo}, median {med}, max {hi} out of order")
    if stats.get("runs") != ROUNDS:
        fail(f"{what}.runs is {stats.get('runs')!r}, expected one per round ({ROUNDS})")


def main():
    bench, data = sys.argv[1], sys.argv[2]
    cmd = [bench, "--quick", "--workloads", "W1,W3", "--threads", "1,2", "--repeats", str(ROUNDS), "--data", data]
    run = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=600)
    if run.returncode != 0:
        fail(f"{' '.join(cmd)} exited with {run.returncode}: {run.stderr.strip()}")
    lines = [json.loads(l) for l in run.stdout.splitlines() if l.startswith("{")]
    seen = {(r.get("workload"), r.get("threads")) for r in lines}
    want = {(w, t) for w in ("W1", "W3") for t in (1, 2)}
    if seen != want or len(lines) != len(want):
        fail(f"JSON lines for {sorted(seen)} ({len(lines)} lines), expected one each for {sorted(want)}")
    for r in lines:
        name = f"{r['workload']} at {r['threads']} thread(s)"
        check_stats(r.get("step_ms"), name + " step_ms")
        check_stats(r.get("gemm_only_ms"), name + " gemm_only_ms")
        check_stats(r.get("ratio_step_over_gemm_rounds"), name + " ratio_step_over_gemm_rounds")
        ratio = positive(r.get("ratio_step_over_gemm"), name + " ratio_step_over_gemm")
        if ratio != r["ratio_step_over_gemm_rounds"]["median"]:
            fail(f"{name}: ratio_step_over_gemm {ratio} is not the median of the per-round ratios")
        positive(r.get("ratio_of_medians_step_over_gemm"), name + " ratio_of_medians_step_over_gemm")
        # A mean over every timed step: at most the mean step, which is at most the slowest round's.
        batch = positive(r.get("batch_ms_per_step"), name + " batch_ms_per_step")
        if batch >= r["step_ms"]["max"]:
            fail(f"{name}: batch_ms_per_step {batch} is not below the slowest round's step {r['step_ms']['max']}")
        without = positive(r.get("ratio_step_without_batch_over_gemm"), name + " ratio_step_without_batch_over_gemm")
        expected = (r["step_ms"]["median"] - batch) / r["gemm_only_ms"]["median"]
        if not math.isclose(without, expected, rel_tol=1e-4):
            fail(f"{name}: ratio_step_without_batch_over_gemm {without} is not (step - batch) / GEMM-only = {expected}")
        if r["threads"] == 1:
            if "ratio_over_first" in r or "first_threads" in r or "gemm_ratio_over_first" in r:
                fail(f"{name}: the first thread setting has a ratio against itself")
        else:
            check_stats(r.get("ratio_over_first"), name + " ratio_over_first")
            check_stats(r.get("gemm_ratio_over_first"), name + " gemm_ratio_over_first")
            if r.get("first_threads") != "t1":
                fail(f"{name}: first_threads is {r.get('first_threads')!r}, expected 't1'")
        if len(os.sched_getaffinity(0)) >= 2:  # the probe needs two CPUs
            probe = r.get("core_round_trip_ns")
            if not isinstance(probe, dict):
                fail(f"{name}: core_round_trip_ns is {probe!r}, not an object")
            for k in ("before", "after"):
                positive(probe.get(k), f"{name} core_round_trip_ns.{k}")
    number = r"[0-9]+\.[0-9]+"
    for w in ("W1", "W3"):
        triple = rf"({number}) \[({number}), ({number})\]"
        pattern = rf"^{w} step t2 / t1: {triple}; GEMM-only: {triple} \("
        m = re.search(pattern, run.stdout, re.M)
        if not m:
            fail(f"no line matching '{pattern}' in the output")
        by_threads = {r["threads"]: r for r in lines if r["workload"] == w}
        for what, first, key, times in (("step", 1, "ratio_over_first", "step_ms"),
                                        ("GEMM-only", 4, "gemm_ratio_over_first", "gemm_only_ms")):
            med, lo, hi = (float(m.group(first + k)) for k in range(3))
            if not 0 < lo <= med <= hi:
                fail(f"{w} {what} t2 / t1: median {med} [{lo}, {hi}] out of order")
            stats = by_threads[2][key]
            if not math.isclose(med, stats["median"], abs_tol=6e-4):
                fail(f"{w} {what} t2 / t1: the line's median {med} is not {key}'s {stats['median']}")
            # Each round's ratio divides one of that setting's runs by one of t1's (the JSON prints six
            # significant digits, so each bound is good to about 1e-5).
            one, two = by_threads[1][times], by_threads[2][times]
            if stats["min"] < two["min"] / one["max"] * (1 - 2e-5) or stats["max"] > two["max"] / one["min"] * (1 + 2e-5):
                fail(f"{w} {key} [{stats['min']}, {stats['max']}] is outside what {times} at 2 and 1 thread(s) allow")
    print("check_bench_json: PASS")


if __name__ == "__main__":
    main()
