#!/usr/bin/env bash
# End to end: Ctrl-C on a training run. Usage: interrupt_e2e.sh TRAIN_BINARY MNIST_DIR WORK_DIR
#
# 1. One SIGINT to a running `train`: it must finish its step, exit 130, say where it stopped and
#    how to resume, and leave every output file whole: metrics.csv and steps.csv with complete rows
#    (steps.csv ending at the step it names), the plot, a model.ckpt that --resume accepts, and no
#    temporary files.
# 2. SIGTERM then SIGINT: it must exit 130 at once, and every file present must still be whole.
source "$(dirname "${BASH_SOURCE[0]}")/e2e_common.sh" interrupt_e2e "$@"

# Every line of a CSV has as many fields as its header, and the file ends with a newline.
check_csv() {
  local file="$1"
  [ -s "$file" ] || fail "$file is missing or empty"
  [ "$(tail -c 1 "$file" | od -An -c | tr -d ' ')" = '\n' ] || fail "$file does not end with a newline"
  awk -F, 'NR == 1 { n = NF; next } NF != n { print FILENAME ": line " NR " has " NF " fields, header " n; bad = 1 }
           END { exit bad }' "$file" || fail "$file has a broken row"
}

# Waits (up to 60 s) until the run has finished an epoch: then it is well inside training.
wait_for_metrics() {
  local out="$1" pid="$2"
  for _ in $(seq 600); do
    [ -s "$out/metrics.csv" ] && [ "$(wc -l < "$out/metrics.csv")" -ge 2 ] && [ -s "$out/steps.csv" ] && return 0
    kill -0 "$pid" 2>/dev/null || fail "the run ended before it could be interrupted"
    sleep 0.1
  done
  fail "no epoch finished within 60 s"
}

common=(--train-limit 6000 --test-limit 500 --batch-size 10 --epochs 500 --seed 1 --threads 1 --svg --data "$data")

# --- 1. one SIGINT ---------------------------------------------------------------------------------
out="$work/once"
"$train" "${common[@]}" --out "$out" > "$work/once.log" 2>&1 &
pid=$!
wait_for_metrics "$out" "$pid"
sleep 0.3  # somewhere inside the next epoch
kill -INT "$pid"
set +e
wait "$pid"
rc=$?
set -e
cat "$work/once.log" | tail -5
[ "$rc" -eq 130 ] || fail "exit status $rc after SIGINT, expected 130"
line="$(grep -E '^interrupted at step [0-9]+ \(epoch [0-9]+\); resume with: train --resume ' "$work/once.log")" ||
  fail "no 'interrupted at step N (epoch E); resume with: ...' line"
step="$(echo "$line" | sed -E 's/^interrupted at step ([0-9]+).*/\1/')"
epoch="$(echo "$line" | sed -E 's/.*\(epoch ([0-9]+)\).*/\1/')"
check_csv "$out/metrics.csv"
check_csv "$out/steps.csv"
last="$(tail -n 1 "$out/steps.csv" | cut -d, -f1)"
[ "$last" = "$step" ] || fail "steps.csv ends at step $last, the run said $step"
[ -s "$out/curves.svg" ] || fail "no plot"
grep -q '</svg>' "$out/curves.svg" || fail "the plot is cut short"
[ -s "$out/model.ckpt" ] || fail "no checkpoint"
if ls "$out"/*.tmp* > /dev/null 2>&1; then fail "temporary files left: $(ls "$out"/*.tmp*)"; fi
# The checkpoint is whole and resumable: the run continues from it to the end of the next epoch.
"$train" --resume "$out" --epochs $((epoch + 1)) --threads 1 > "$work/resume.log" 2>&1 ||
  { cat "$work/resume.log"; fail "--resume from the interrupted run failed"; }
grep -q "^resuming .* at step $step of " "$work/resume.log" || fail "the resumed run did not start at step $step"
check_csv "$out/metrics.csv"
[ "$(wc -l < "$out/metrics.csv")" -eq $((epoch + 2)) ] || fail "after resuming to $((epoch + 1)) epochs metrics.csv should have that many rows"

# --- 2. SIGTERM, then SIGINT: out at once --------------------------------------------------------------------
out="$work/twice"
"$train" "${common[@]}" --out "$out" > "$work/twice.log" 2>&1 &
pid=$!
wait_for_metrics "$out" "$pid"
kill -TERM "$pid"  # the first signal of either kind asks for a graceful stop ...
kill -INT "$pid"   # ... and a second one of either kind ends the process at once
set +e
wait "$pid"
rc=$?
set -e
[ "$rc" -eq 130 ] || fail "exit status $rc after two signals, expected 130"
# Killed at any moment: each file is the old version or the new one, never a mix (a temporary file
# may be left beside it).
for f in metrics.csv steps.csv; do check_csv "$out/$f"; done
echo "interrupt_e2e: ok (interrupted at step $step)"
