# Shared start of the train program's end-to-end scripts, sourced by each of them:
#   source e2e_common.sh NAME TRAIN_BINARY MNIST_DIR WORK_DIR
# sets train, data and work, empties the work folder, and defines fail (prints NAME: FAIL and exits).
set -euo pipefail
e2e_name="$1"
train="$2"
data="$3"
work="$4"
rm -rf "$work"
mkdir -p "$work"
fail() {
  echo "$e2e_name: FAIL: $*" >&2
  exit 1
}
