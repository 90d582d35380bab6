#!/usr/bin/env bash
# Builds the .deb from minidl's build folder with cpack and checks what it declares and holds.
# Usage: check_deb.sh BUILD_DIR WORK_DIR   (prints the path of the package as its last line)
set -euo pipefail
build="$1" work="$2"
rm -rf "$work"
mkdir -p "$work"
cpack -G DEB --config "$build/CPackConfig.cmake" -B "$work" > "$work/cpack.log" ||
  { cat "$work/cpack.log" >&2; exit 1; }
deb="$(ls "$work"/minidl-dev_*.deb)"
depends="$(dpkg-deb -f "$deb" Depends)"
echo "Depends: $depends"
for pkg in libxtensor-dev libxsimd-dev xtl-dev nlohmann-json3-dev libopenblas-dev zlib1g-dev libpng-dev; do
  [[ ", $depends," == *", $pkg"[\ ,]* ]] || { echo "check_deb: Depends lacks $pkg" >&2; exit 1; }
done
# Every package named in Depends must be a real Debian package: this machine built minidl, so each
# one is installed here (a misspelt name would make apt refuse the .deb).
IFS=',' read -ra deps <<< "$depends"
for dep in "${deps[@]}"; do
  name="$(awk '{ print $1 }' <<< "$dep")"
  dpkg-query -W -f='${Status}' "$name" 2>/dev/null | grep -q "install ok installed" ||
    { echo "check_deb: Depends names '$name', which is not an installed Debian package" >&2; exit 1; }
done
files="$(dpkg-deb -c "$deb")"
for f in ./usr/include/minidl/minidl.hpp ./usr/include/minidl/models/mlp.hpp \
         ./usr/include/minidl/detail/build_config.hpp ./usr/lib/cmake/minidl/minidlConfig.cmake \
         ./usr/lib/pkgconfig/minidl.pc; do
  grep -q " $f\$" <<< "$files" || { echo "check_deb: the package lacks $f" >&2; exit 1; }
done
grep -qE " ./usr/lib/libminidl\.(a|so)" <<< "$files" || { echo "check_deb: the package lacks libminidl" >&2; exit 1; }
echo "$deb"
