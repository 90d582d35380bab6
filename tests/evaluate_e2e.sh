#!/usr/bin/env bash
# End to end: the evaluate program. Usage: evaluate_e2e.sh EVALUATE_BINARY TRAIN_BINARY MNIST_DIR WORK_DIR
#
# Its accuracy must be the one train reported for the same model and test set; the per-class
# report and the confusion matrix must add up; the heat map and the mistakes grid must be PNGs of
# the expected size; --filters draws a CNN's first convolution and refuses a dense model.
evaluate="$1"
source "$(dirname "${BASH_SOURCE[0]}")/e2e_common.sh" evaluate_e2e "${@:2}"

"$train" --train-limit 10000 --epochs 2 --threads 1 --seed 4 --data "$data" --out "$work/mlp" > "$work/train.log" 2>&1 ||
  { cat "$work/train.log"; fail "training the MLP failed"; }
"$evaluate" "$work/mlp" --data "$data" > "$work/eval.log" 2> "$work/eval.err" || { cat "$work/eval.err"; fail "evaluate failed"; }
cat "$work/eval.log"

# The same accuracy as train's final report (same weights, same 10,000 test images).
want="$(grep -o '^final: test accuracy [0-9.]*%' "$work/train.log" | awk '{ print $4 }')"
grep -q "^accuracy: $want (" "$work/eval.log" || fail "evaluate's accuracy differs from train's $want"
grep -q '^test images: 10000 of 10000' "$work/eval.log" || fail "not all test images evaluated"

# The matrix: 10 rows of 10 counts, summing to 10000, its diagonal to the number correct; each
# row's sum is that class's support in the report.
awk '/^confusion matrix/ { on = 1; next } on && NF == 11 && /^[ 0-9]+$/ { print }' "$work/eval.log" > "$work/matrix.txt"
[ "$(wc -l < "$work/matrix.txt")" -eq 10 ] || fail "the confusion matrix does not have 10 rows"
read -r total diagonal <<< "$(awk '{ for (i = 2; i <= NF; ++i) { t += $i; if (i == $1 + 2) d += $i } } END { print t, d }' "$work/matrix.txt")"
[ "$total" -eq 10000 ] || fail "the matrix sums to $total"
correct="$(grep -o '^accuracy: [0-9.]*% ([0-9]* of' "$work/eval.log" | awk '{ print $3 }' | tr -d '(')"
[ "$diagonal" -eq "$correct" ] || fail "the diagonal ($diagonal) is not the number correct ($correct)"
while read -r cls row; do
  support="$(awk -v c="$cls" '$1 == c && NF == 4 { print $2 }' "$work/eval.log" | head -1)"
  sum="$(awk '{ s = 0; for (i = 1; i <= NF; ++i) s += $i; print s }' <<< "$row")"
  [ "$support" = "$sum" ] || fail "class $cls: support $support but its matrix row sums to $sum"
done < "$work/matrix.txt"
grep -qE '^ +[0-9] +[0-9]+ +[0-9.]+% +[0-9.]+%$' "$work/eval.log" || fail "no per-class precision/recall lines"

# The pictures, in the run folder by default: PNG signature and size from the IHDR chunk.
png_size() { od -An -tu1 -j16 -N8 "$1" | awk '{ print $3 * 256 + $4 "x" $7 * 256 + $8 }'; }
is_png() { [ "$(head -c 4 "$1" | od -An -c | tr -d ' ')" = '211PNG' ]; }
is_png "$work/mlp/confusion.png" || fail "no confusion.png in the run folder"
is_png "$work/mlp/errors.png" || fail "no errors.png in the run folder"
# 10 cells of 28 px plus labels and margins.
size="$(png_size "$work/mlp/confusion.png")"
[ "${size%x*}" -ge 300 ] && [ "${size#*x}" -ge 300 ] || fail "confusion.png is only $size"
# 32 mistakes in rows of 8: 8 cells of 84 px (+ 6 px gaps) across.
[ "$(png_size "$work/mlp/errors.png" | cut -dx -f1)" -eq $((6 + 8 * (84 + 6))) ] ||
  fail "errors.png is $(png_size "$work/mlp/errors.png"), not 8 tiles wide"
grep -q "wrote $work/mlp/confusion.png, $work/mlp/errors.png (32 most confident mistakes)" "$work/eval.log" ||
  fail "the written files are not reported"

# --limit, explicit picture paths, --error-count.
"$evaluate" "$work/mlp/model.ckpt" --data "$data" --limit 500 --confusion "$work/c.png" --errors "$work/e.png" \
  --error-count 3 > "$work/limit.log" || fail "evaluate --limit failed"
grep -q '^test images: 500 of 10000' "$work/limit.log" || fail "--limit 500 not applied"
is_png "$work/c.png" && is_png "$work/e.png" || fail "--confusion / --errors paths not used"
[ "$(png_size "$work/e.png" | cut -dx -f1)" -eq $((6 + 3 * (84 + 6))) ] || fail "--error-count 3 not applied"

# --filters: SimpleConvNet's 30 filters of 5x5, drawn 40 px each, 10 a row.
"$train" --model simple --train-limit 1000 --test-limit 200 --epochs 1 --batch-size 50 --threads 1 --data "$data" \
  --out "$work/cnn" > "$work/cnn.log" 2>&1 || { cat "$work/cnn.log"; fail "training the CNN failed"; }
"$evaluate" "$work/cnn" --data "$data" --limit 200 --filters "$work/filters.png" > "$work/cnn_eval.log" ||
  fail "evaluate --filters failed"
[ "$(png_size "$work/filters.png")" = "$((6 + 10 * 46))x$((6 + 3 * 46))" ] ||
  fail "filters.png is $(png_size "$work/filters.png")"
grep -q 'filters.png (conv1.W: 30 filters of 5x5)' "$work/cnn_eval.log" || fail "the filters are not reported"

# Errors, before any work where possible.
expect_error() {  # expect_error "message" args...
  local want="$1"
  shift
  if "$evaluate" "$@" > "$work/o.log" 2> "$work/e.log"; then fail "accepted: $*"; fi
  grep -qF -- "$want" "$work/e.log" || fail "for '$*' expected '$want', got: $(cat "$work/e.log")"
}
expect_error "has no convolution layer" "$work/mlp" --data "$data" --filters "$work/f.png"
expect_error "MNIST" "$work/mlp" --data "$work/nothing_here"
expect_error "No such file or directory" "$work/mlp" --data "$data" --limit 100 --confusion "$work/no/dir/c.png"
expect_error "does not exist" "$work/no_run"
expect_error "holds neither best.ckpt nor model.ckpt" "$work"
echo "evaluate_e2e: ok (accuracy $want as train reported)"
