#!/usr/bin/env bash
# bandwidth_smoke.sh SUITE: runs the bandwidth suite on the small workload its environment
# sets and checks that every mode irisd can serve printed a non-zero figure (the pull
# baseline only when irisd has its HTTPS listener). Exit 1 with the suite's output otherwise.
set -uo pipefail
out=$(bash "$1" 2>&1)
rc=$?
echo "$out"
[ $rc -eq 0 ] || { echo "suite exited with $rc"; exit 1; }
grep -q '^BENCH bandwidth.delta_json_bytes [1-9]' <<< "$out" || { echo "no delta_json figure"; exit 1; }
grep -q '^BENCH bandwidth.delta_thrift_bytes [1-9]' <<< "$out" || { echo "no delta_thrift figure"; exit 1; }
if grep -q 'replay failed' <<< "$out"; then echo "a replay failed"; exit 1; fi
if ! grep -q 'pull_json: skipped' <<< "$out"; then
  grep -q '^BENCH bandwidth.pull_json_bytes [1-9]' <<< "$out" || { echo "no pull_json figure"; exit 1; }
fi
echo "ok"
