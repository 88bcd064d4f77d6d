#!/usr/bin/env bash
# Install the Debian packages Vajra builds, tests and benchmarks with. Idempotent: does nothing
# when everything is present. Needs root (or sudo) only when something is missing.
set -euo pipefail

PACKAGES=(
  meson ninja-build pkg-config gcc g++          # build
  libglib2.0-dev libstemmer-dev libjansson-dev libxxhash-dev check   # library + tests
  liblapacke-dev libblas-dev                    # embedder-lsa (randomised SVD)
  valgrind clang libclang-rt-14-dev             # memcheck, fuzzing
  gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user   # NEON kernel under qemu
  libxapian-dev libsqlite3-dev libhnswlib-dev   # peers, for bench/compare
  libopenmpi-dev openmpi-bin                    # tools/vajra-mpi and tests/mpi
  gnuplot-nox                                   # bench/plot.sh
  python3-dev python3-numpy python3-pytest python3-mesonpy python3-pip python3-venv patchelf  # python/
  python3-hnswlib python3-faiss                 # peers, for bench/python
  liblucene8-java default-jdk-headless           # Lucene 8 peer (scripts/bench-all.sh; Node + npm optional)
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing: ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
