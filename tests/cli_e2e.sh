#!/usr/bin/env bash
# End to end: the train program's command line. Usage: cli_e2e.sh TRAIN_BINARY MNIST_DIR WORK_DIR
# Each bad command must fail before any training, with the message given here.
source "$(dirname "${BASH_SOURCE[0]}")/e2e_common.sh" cli_e2e "$@"

# expect_error "message fragment" args...: the command fails and stderr contains the fragment.
expect_error() {
  local want="$1"
  shift
  if "$train" "$@" > "$work/out.log" 2> "$work/err.log"; then fail "accepted: $*"; fi
  grep -qF -- "$want" "$work/err.log" || fail "for '$*' expected '$want', got: $(cat "$work/err.log")"
  grep -q '^epoch 1' "$work/out.log" && fail "'$*' trained before failing"
  return 0
}

tiny=(--train-limit 200 --test-limit 100 --epochs 1 --threads 1)

expect_error "--batch-size: 0 is not in [1, 65536]" --batch-size 0
expect_error "--lr: -1 is not in [1e-09, 10]" --lr -1
expect_error "--epochs: 0 is not in [1, 100000]" --epochs 0
expect_error "--dropout: 1 is not in [0, 1)" --model multilayer --dropout 1
expect_error "--threads: 65 is not in [0, 64]" --threads 65
expect_error "--min-test-acc: 90 is not a fraction in [0, 1]; for a percentage write 90%" "${tiny[@]}" --min-test-acc 90
expect_error "--min-test-acc: 'abc' is not an accuracy" "${tiny[@]}" --min-test-acc abc
expect_error "--min-test-acc: 101% is not in [0%, 100%]" "${tiny[@]}" --min-test-acc 101%
expect_error "unknown flag '--epoch' (did you mean --epochs?)" --epoch 3
expect_error "valid flags: --help --version --model" --epoch 3
expect_error "--hidden does not apply to --model simple" --model simple --hidden 50
# Paths: the OS reason, and the output folder is checked before the data is even read.
touch "$work/a_file"
expect_error "cannot create folder '$work/a_file/run': Not a directory" --out "$work/a_file/run" --data /nonexistent
mkdir -p "$work/readonly"
chmod 555 "$work/readonly"
if [ "$(id -u)" -ne 0 ]; then  # root writes anywhere
  expect_error "cannot write into the output folder '$work/readonly': Permission denied" --out "$work/readonly" --data /nonexistent
fi
chmod 755 "$work/readonly"
expect_error "MNIST train images file not found" "${tiny[@]}" --data "$work/nothing_here" --out "$work/d"
tiny+=(--data "$data")
expect_error "--val-split 200 leaves no training images (there are 200)" "${tiny[@]}" --val-split 200 --out "$work/v"
expect_error "--lr cannot change a resumed run" --resume "$work/nothing_here" --lr 0.5
expect_error "no such run" --resume "$work/nothing_here"

# Both accuracy forms are accepted and mean the same.
"$train" "${tiny[@]}" --out "$work/pct" --min-test-acc 10% > /dev/null 2>&1 || fail "--min-test-acc 10% refused"
"$train" "${tiny[@]}" --out "$work/frac" --min-test-acc 0.1 > /dev/null 2>&1 || fail "--min-test-acc 0.1 refused"
set +e
"$train" "${tiny[@]}" --out "$work/high" --min-test-acc 99.99% > /dev/null 2> "$work/err.log"
rc=$?
set -e
[ "$rc" -eq 3 ] || fail "an unreached --min-test-acc should exit 3, got $rc"
grep -q 'is below the required 99.99%' "$work/err.log" || fail "unclear: $(cat "$work/err.log")"

# --detect-anomaly: a run made to blow up (weight decay 1 at lr 10 multiplies every weight by -9 each
# step) names the first op that produced an infinity, not only the loss that became NaN.
blowup=(--train-limit 3000 --test-limit 100 --epochs 1 --threads 1 --data "$data" --lr 10 --weight-decay 1)
if "$train" "${blowup[@]}" --out "$work/anomaly" --detect-anomaly > /dev/null 2> "$work/err.log"; then
  fail "a diverging run with --detect-anomaly succeeded"
fi
grep -q "anomaly: forward op 'linear' produced -\?inf" "$work/err.log" || fail "no op named: $(tail -1 "$work/err.log")"
if "$train" "${blowup[@]}" --out "$work/no_anomaly" > /dev/null 2> "$work/err.log"; then
  fail "a diverging run succeeded"
fi
grep -q "anomaly:" "$work/err.log" && fail "anomaly mode ran without --detect-anomaly"
grep -q "training diverged at step" "$work/err.log" || fail "unclear divergence: $(tail -1 "$work/err.log")"
echo "cli_e2e: ok"
