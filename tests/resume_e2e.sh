#!/usr/bin/env bash
# End to end: --resume. Usage: resume_e2e.sh TRAIN_BINARY MNIST_DIR WORK_DIR
#
# For MLP+SGD, SimpleConvNet+Adam and a MultiLayerNet with dropout, at --threads 1 on a small
# subset: 2 epochs, then --resume to 3, must give the same steps.csv (every step's loss and lr, in
# full precision) and the same metrics.csv except the wall-time column as 3 epochs in one go.
source "$(dirname "${BASH_SOURCE[0]}")/e2e_common.sh" resume_e2e "$@"

check() {
  local name="$1"
  shift
  local common=(--train-limit 1500 --test-limit 300 --batch-size 50 --seed 3 --threads 1 --svg --data "$data" "$@")
  "$train" "${common[@]}" --epochs 3 --out "$work/$name.whole" > "$work/$name.whole.log" 2>&1 ||
    { cat "$work/$name.whole.log"; fail "$name: the whole run failed"; }
  "$train" "${common[@]}" --epochs 2 --out "$work/$name.parts" > "$work/$name.first.log" 2>&1 ||
    { cat "$work/$name.first.log"; fail "$name: the first part failed"; }
  "$train" --resume "$work/$name.parts" --epochs 3 --threads 1 > "$work/$name.second.log" 2>&1 ||
    { cat "$work/$name.second.log"; fail "$name: the resumed part failed"; }
  cmp "$work/$name.whole/steps.csv" "$work/$name.parts/steps.csv" || fail "$name: steps.csv differs"
  # metrics.csv without its last column (elapsed seconds).
  diff <(sed -E 's/,[^,]*$//' "$work/$name.whole/metrics.csv") <(sed -E 's/,[^,]*$//' "$work/$name.parts/metrics.csv") ||
    fail "$name: metrics.csv differs"
  [ "$(wc -l < "$work/$name.parts/metrics.csv")" -eq 4 ] || fail "$name: expected 3 epochs"
  echo "resume_e2e: $name ok"
}

check mlp_sgd --model mlp --optimizer sgd
check simple_adam --model simple --optimizer adam
check dropout --model multilayer --hidden 50 50 --dropout 0.3 --optimizer momentum
echo "resume_e2e: ok"
