#!/usr/bin/env bash
# End to end: a language model trained by train_lm on a slice of the fortunes corpus. Usage:
#   lm_e2e.sh TRAIN_LM_BINARY WORK_DIR
#
# 1. A small LSTM LM (500-word vocabulary, 3 epochs, a few seconds) must bring the validation
#    perplexity below a fixed bound far under the vocabulary size, and below 80% of its first
#    epoch's (train_lm --max-val-ppl, then the metrics.csv rows).
# 2. Resuming inside an epoch continues bit for bit: a run stopped after 1.5 epochs (--iters) and
#    resumed to 2 epochs equals 2 epochs in one go (steps.csv exactly, metrics.csv but its wall-time
#    column), which needs the carried recurrent state and the dropout generator restored.
# Exits 77 (a skip for CTest) with a message when the Debian package fortunes is not installed.
set -euo pipefail
train_lm="$1"
work="$2"
fail() {
  echo "lm_e2e: FAIL: $*" >&2
  exit 1
}
if ! ls /usr/share/games/fortunes/*.dat > /dev/null 2>&1; then
  echo "lm_e2e: skipped: the Debian package 'fortunes' (the corpus) is not installed; scripts/setup.sh installs it"
  exit 77
fi
rm -rf "$work"
mkdir -p "$work"

tiny=(--lines 6000 --vocab 500 --hidden 48 --batch-size 10 --bptt 12 --eval-batch 5 --seed 5 --threads 1 --svg)

# 1. Perplexity falls below a bound.
"$train_lm" --model lstm --embedding 48 "${tiny[@]}" --epochs 3 --max-val-ppl 120 --generate 12 --seed-word the \
  --out "$work/lstm" > "$work/lstm.log" 2>&1 || { cat "$work/lstm.log"; fail "training did not reach the bound"; }
grep -q "^final: validation perplexity" "$work/lstm.log" || fail "no final line"
grep -q "^sample (12 words after 'the'" "$work/lstm.log" || fail "no generated sample"
# metrics.csv: epoch,step,lr,train_loss,train_ppl,val_ppl,test_ppl,elapsed_s
head -1 "$work/lstm/metrics.csv" | grep -q "train_ppl,val_ppl,test_ppl" || fail "metrics.csv columns: $(head -1 "$work/lstm/metrics.csv")"
first=$(sed -n 2p "$work/lstm/metrics.csv" | cut -d, -f6)
last=$(sed -n 4p "$work/lstm/metrics.csv" | cut -d, -f6)
awk -v a="$first" -v b="$last" 'BEGIN { exit !(b < 0.8 * a) }' ||
  fail "validation perplexity fell only from $first to $last"
echo "lm_e2e: validation perplexity $first -> $last (vocabulary 500)"

# 2. Interrupted inside an epoch, resumed, equal to the run in one go (with dropout: BetterRnnlm).
better=(--model better --dropout 0.3 "${tiny[@]}")
"$train_lm" "${better[@]}" --epochs 2 --out "$work/whole" > "$work/whole.log" 2>&1 ||
  { cat "$work/whole.log"; fail "the whole run failed"; }
per_epoch=$(( ($(wc -l < "$work/whole/steps.csv") - 1) / 2 ))  # steps.csv: a header, then a row per step
"$train_lm" "${better[@]}" --iters $(( per_epoch * 3 / 2 )) --out "$work/parts" > "$work/first.log" 2>&1 ||
  { cat "$work/first.log"; fail "the first part failed"; }
"$train_lm" --resume "$work/parts" --epochs 2 --threads 1 > "$work/second.log" 2>&1 ||
  { cat "$work/second.log"; fail "the resumed part failed"; }
cmp "$work/whole/steps.csv" "$work/parts/steps.csv" || fail "steps.csv differs after resuming inside an epoch"
diff <(sed -E 's/,[^,]*$//' "$work/whole/metrics.csv") <(sed -E 's/,[^,]*$//' "$work/parts/metrics.csv") ||
  fail "metrics.csv differs after resuming inside an epoch"
echo "lm_e2e: ok"
