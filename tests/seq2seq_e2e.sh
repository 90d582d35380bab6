#!/usr/bin/env bash
# End to end: the seq2seq program. Usage: seq2seq_e2e.sh TRAIN_SEQ2SEQ_BINARY WORK_DIR
#
# Seconds, not minutes: small generated datasets, one thread.
#  1. learning: peeky + reversed on 2-digit addition climbs above 40% exact-match test accuracy in
#     8 short epochs (measured: 74.5% in Release, 83.8% in the sanitizer build, whose rounding
#     differs);
#  2. --resume: a run stopped by Ctrl-C inside an epoch and resumed equals the run in one go, step
#     for step (steps.csv) and epoch for epoch (metrics.csv without the wall-time column);
#  3. --heatmap writes a PNG for an attention model and is refused, before training, for another.
source "$(dirname "${BASH_SOURCE[0]}")/e2e_common.sh" seq2seq_e2e "$1" unused "$2"
prog="$train"

small=(--data addition --digits 2 --examples 4000 --test 400 --model peeky --reverse --hidden 64
       --batch-size 32 --lr 0.01 --seed 1 --threads 1 --svg)

"$prog" "${small[@]}" --epochs 8 --min-test-acc 40% --out "$work/learn" > "$work/learn.log" 2>&1 ||
  { cat "$work/learn.log"; fail "peeky + reversed did not reach 40% test accuracy"; }
grep -q "test_acc" "$work/learn/metrics.csv" || fail "metrics.csv has no test_acc column"
echo "seq2seq_e2e: learning ok ($(tail -1 "$work/learn.log"))"

# 3,800 training pairs in batches of 2: 1,900 steps (about a second) an epoch, so that the interrupt
# lands inside one.
tiny=(--data addition --digits 2 --examples 4000 --test 100 --val-split 100 --model attention --hidden 16
      --batch-size 2 --seed 2 --threads 1 --svg --epochs 3)
"$prog" "${tiny[@]}" --out "$work/whole" > "$work/whole.log" 2>&1 || { cat "$work/whole.log"; fail "the whole run failed"; }
"$prog" "${tiny[@]}" --out "$work/parts" > "$work/first.log" 2>&1 &
pid=$!
for _ in $(seq 600); do  # wait (up to 60 s) for the first epoch's row, then stop inside the second
  [ -s "$work/parts/metrics.csv" ] && [ "$(wc -l < "$work/parts/metrics.csv")" -ge 2 ] && break
  kill -0 "$pid" 2> /dev/null || break
  sleep 0.1
done
sleep 0.2
kill -INT "$pid" 2> /dev/null || true
set +e
wait "$pid"
rc=$?
set -e
if [ "$rc" -eq 130 ]; then
  step="$(sed -nE 's/^interrupted at step ([0-9]+).*/\1/p' "$work/first.log")"
  [ -n "$step" ] || { cat "$work/first.log"; fail "no 'interrupted at step N' line"; }
  echo "seq2seq_e2e: interrupted at step $step (an epoch is 1900)"
else
  [ "$rc" -eq 0 ] || { cat "$work/first.log"; fail "the interrupted run exited $rc"; }
  echo "seq2seq_e2e: note: the run finished before the interrupt arrived (a busy machine); resume is then a no-op"
fi
"$prog" --resume "$work/parts" --epochs 3 --threads 1 > "$work/second.log" 2>&1 ||
  { cat "$work/second.log"; fail "the resumed part failed"; }
cmp "$work/whole/steps.csv" "$work/parts/steps.csv" || fail "steps.csv differs after a mid-epoch resume"
diff <(sed -E 's/,[^,]*$//' "$work/whole/metrics.csv") <(sed -E 's/,[^,]*$//' "$work/parts/metrics.csv") ||
  fail "metrics.csv differs after a mid-epoch resume"
[ "$(wc -l < "$work/parts/metrics.csv")" -eq 4 ] || fail "expected 3 epochs in metrics.csv"
echo "seq2seq_e2e: mid-epoch resume ok"

"$prog" --data dates --examples 600 --test 50 --model attention --hidden 16 --epochs 1 --threads 1 --svg \
  --heatmap "$work/attention.png" --out "$work/dates" > "$work/dates.log" 2>&1 ||
  { cat "$work/dates.log"; fail "the attention run with --heatmap failed"; }
[ "$(head -c 8 "$work/attention.png" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] ||
  fail "--heatmap did not write a PNG"
if "$prog" --model baseline --heatmap "$work/no.png" --out "$work/refused" > "$work/refused.log" 2>&1; then
  fail "--heatmap was accepted for a model without attention"
fi
grep -q "attention" "$work/refused.log" || { cat "$work/refused.log"; fail "the --heatmap refusal does not say why"; }
[ ! -e "$work/refused/steps.csv" ] || fail "--heatmap was refused only after training"
echo "seq2seq_e2e: heatmap ok"
echo "seq2seq_e2e: ok"
