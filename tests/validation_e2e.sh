#!/usr/bin/env bash
# End to end: --val-split and --keep best. Usage: validation_e2e.sh TRAIN_BINARY MNIST_DIR WORK_DIR
#
# A short run with a validation split must report validation accuracy every epoch (a val_acc
# column), save best.ckpt at the epoch with the highest validation accuracy (recomputed here from
# metrics.csv: the test column never decides), and report that epoch's test accuracy as final.
source "$(dirname "${BASH_SOURCE[0]}")/e2e_common.sh" validation_e2e "$@"

"$train" --train-limit 3000 --val-split 500 --test-limit 1000 --epochs 4 --batch-size 50 --lr 0.3 --seed 2 \
  --threads 1 --keep best --svg --data "$data" --out "$work/run" > "$work/run.log" 2>&1 ||
  { cat "$work/run.log"; fail "the run failed"; }
cat "$work/run.log" | tail -4
head -1 "$work/run/metrics.csv" | grep -qx 'epoch,step,lr,train_loss,train_acc,val_acc,test_loss,test_acc,elapsed_s' ||
  fail "metrics.csv header: $(head -1 "$work/run/metrics.csv")"
grep -q '2500 train / 500 validation / 1000 test images' "$work/run.log" || fail "the split is not 2500 / 500"
[ "$(grep -c 'val acc' "$work/run.log")" -eq 4 ] || fail "validation accuracy is not reported every epoch"
[ -s "$work/run/best.ckpt" ] || fail "no best.ckpt"
# The best epoch by validation accuracy (the first of equals), and its test accuracy.
best="$(awk -F, 'NR > 1 && (best == "" || $6 > bv) { best = $1; bv = $6; bt = $8 } END { print best, bt }' "$work/run/metrics.csv")"
epoch="${best% *}"
test_acc="${best#* }"
grep -q "^best on validation: epoch $epoch," "$work/run.log" || fail "the log does not name epoch $epoch as best"
want="$(awk -v a="$test_acc" 'BEGIN { printf "%.2f", 100 * a }')"
grep -q "^final: test accuracy $want%" "$work/run.log" || fail "final test accuracy is not the best epoch's ($want%)"

# --keep best without a validation split is refused before any work.
if "$train" --keep best --epochs 1 --data "$data" --out "$work/refused" > "$work/refused.log" 2>&1; then
  fail "--keep best without --val-split was accepted"
fi
grep -q -- '--keep best chooses by validation accuracy: it needs --val-split N' "$work/refused.log" ||
  fail "unclear message: $(cat "$work/refused.log")"
echo "validation_e2e: ok (best epoch $epoch, test accuracy $want%)"
