#!/usr/bin/env bash
# Sets everything up (packages, MNIST), builds, and trains the default network on MNIST.
# Extra arguments go to the train program (see `build/train --help`).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
bash scripts/fetch_mnist.sh
bash scripts/build.sh "$root/build"
exec "$root/build/train" "$@"
