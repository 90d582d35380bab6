#!/usr/bin/env bash
# End to end: the predict program. Usage: predict_e2e.sh PREDICT_BINARY TRAIN_BINARY MNIST_DIR WORK_DIR
#
# Trains a small MLP, cuts test digits out of the MNIST file as PGM images (light on black, and
# inverted: dark on white), and checks predict's output format (text and --json), that it
# classifies them (>= 16 of 20 dark-on-white digits), --show, --top, --no-prepare, and that bad
# input fails with a clear message while the other images are still classified.
predict="$1"
source "$(dirname "${BASH_SOURCE[0]}")/e2e_common.sh" predict_e2e "${@:2}"
export LC_ALL=C

"$train" --train-limit 10000 --epochs 2 --threads 1 --seed 3 --data "$data" --out "$work/run" > "$work/train.log" 2>&1 ||
  { cat "$work/train.log"; fail "training failed"; }

# Test digit i as a PGM: the IDX file's 784 bytes after a P5 header; label from the labels file.
images="$data/t10k-images-idx3-ubyte"
labels="$data/t10k-labels-idx1-ubyte"
# Inverting maps byte b to 255 - b: tr with all 256 bytes as octal escapes, forwards and backwards.
all_bytes="$(printf '\\%03o' $(seq 0 255))"
all_bytes_reversed="$(printf '\\%03o' $(seq 255 -1 0))"
# The 784 bytes of test image i (head, then tail: no process is cut off by a closed pipe).
digit_bytes() { head -c $((16 + 784 * ($1 + 1))) "$images" | tail -c 784; }
digit_pgm() {  # digit_pgm INDEX FILE [invert]
  { printf 'P5\n# MNIST test digit %d\n28 28\n255\n' "$1"
    if [ "${3:-}" = invert ]; then
      digit_bytes "$1" | tr "$all_bytes" "$all_bytes_reversed"
    else
      digit_bytes "$1"
    fi; } > "$2"
}
label() { od -An -tu1 -j $((8 + $1)) -N1 "$labels" | tr -d ' '; }

correct=0
files=()
for i in $(seq 0 19); do
  digit_pgm "$i" "$work/d$i.pgm" invert
  files+=("$work/d$i.pgm")
done
"$predict" "$work/run" "${files[@]}" > "$work/out.txt" 2> "$work/err.txt" || { cat "$work/err.txt"; fail "predict failed"; }
[ "$(wc -l < "$work/out.txt")" -eq 40 ] || fail "expected two lines per image: $(cat "$work/out.txt")"
for i in $(seq 0 19); do
  line="$(grep -F "$work/d$i.pgm: " "$work/out.txt")" || fail "no line for d$i.pgm"
  [[ "$line" =~ ^.*d$i\.pgm:\ ([0-9])\ \((0|1)\.[0-9]{4}\)$ ]] || fail "bad format: '$line'"
  [ "${BASH_REMATCH[1]}" = "$(label "$i")" ] && correct=$((correct + 1))
done
[ "$correct" -ge 16 ] || fail "only $correct of 20 dark-on-white digits classified correctly"
grep -qE '^  top 3: [0-9] \([01]\.[0-9]{4}\), [0-9] \([01]\.[0-9]{4}\), [0-9] \([01]\.[0-9]{4}\)$' "$work/out.txt" ||
  fail "no top-3 line: $(head -2 "$work/out.txt")"

# --json: one object per image; top classes sorted, probabilities in [0, 1] summing to <= 1; the
# answer equals the text mode's.
"$predict" "$work/run" "$work/d0.pgm" "$work/d1.pgm" --json --top 10 > "$work/out.json" || fail "--json failed"
python3 - "$work/out.json" "$(grep -F "d0.pgm: " "$work/out.txt" | cut -d' ' -f2)" <<'PY' || fail "--json output is wrong"
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 2, lines
first = json.loads(lines[0])
assert first["file"].endswith("d0.pgm") and str(first["class"]) == sys.argv[2], first
top = first["top"]
assert len(top) == 10 and sorted(t["class"] for t in top) == list(range(10)), top
probs = [t["probability"] for t in top]
assert probs == sorted(probs, reverse=True) and abs(sum(probs) - 1) < 1e-4, probs
assert top[0]["class"] == first["class"] and first["probability"] == probs[0]
assert first["inverted"] is True and 0 < first["crop"]["height"] <= 28, first
PY

# --show: the prepared 28x28 image as PNG, one per input with several; predicting on it (already
# MNIST-like) gives the same class.
png_size() { od -An -tu1 -j16 -N8 "$1" | awk '{ print $3 * 256 + $4 "x" $7 * 256 + $8 }'; }
"$predict" "$work/run" "$work/d0.pgm" --show "$work/seen.png" > /dev/null || fail "--show failed"
[ "$(head -c 4 "$work/seen.png" | od -An -c | tr -d ' ')" = '211PNG' ] || fail "--show did not write a PNG"
[ "$(png_size "$work/seen.png")" = 28x28 ] || fail "--show image is $(png_size "$work/seen.png"), not 28x28"
again="$("$predict" "$work/run" "$work/seen.png" --no-prepare | head -1 | cut -d' ' -f2)"
[ "$again" = "$(grep -F "d0.pgm: " "$work/out.txt" | cut -d' ' -f2)" ] || fail "the shown image is classified differently"
"$predict" "$work/run" "$work/d1.pgm" "$work/d2.pgm" --show "$work/many.png" > /dev/null || fail "--show with two images"
[ -s "$work/many_1.png" ] && [ -s "$work/many_2.png" ] || fail "--show with two images: no many_1.png / many_2.png"

# Bad input: the broken image is reported with its reason, the good one still classified, exit 1.
printf '\377\330\377\340JFIF' > "$work/photo.jpg"
printf 'P5 8 8 255\n' > "$work/cut.pgm"
{ printf 'P5 8 8 255\n'; head -c 64 /dev/zero; } > "$work/blank.pgm"
expect_error() {  # expect_error "message" args...
  local want="$1"
  shift
  if "$predict" "$@" > "$work/o.log" 2> "$work/e.log"; then fail "accepted: $*"; fi
  grep -qF -- "$want" "$work/e.log" || fail "for '$*' expected '$want', got: $(cat "$work/e.log")"
}
expect_error "this is a JPEG file" "$work/run" "$work/photo.jpg" "$work/d3.pgm"
grep -qF "d3.pgm: " "$work/o.log" || fail "the good image after a bad one was not classified"
expect_error "No such file or directory" "$work/run" "$work/none.png"
expect_error "truncated" "$work/run" "$work/cut.pgm"
expect_error "no digit found" "$work/run" "$work/blank.pgm"
expect_error "needs a 28x28 image, this one is 8x8" "$work/run" "$work/many_1.png" "$work/blank.pgm" --no-prepare
expect_error "does not exist" "$work/no_run" "$work/d0.pgm"
expect_error "images is required" "$work/run"
expect_error "--top: Value 0 not in range" "$work/run" "$work/d0.pgm" --top 0
printf 'not a checkpoint' > "$work/bad.ckpt"
expect_error "bad.ckpt" "$work/bad.ckpt" "$work/d0.pgm"
echo "predict_e2e: ok ($correct of 20 dark-on-white test digits correct)"
