#!/bin/sh
# Build the NEON kernel with the AArch64 cross compiler and run its parity test under qemu-user.
#   tests/kernel/neon-qemu.sh [source-root] [work-dir]
# The compiler and the wrapper come from cross/aarch64-linux-gnu.txt (one place to change them).
# Exit 0 = pass, 1 = fail, 77 = skipped (no cross compiler, no AArch64 libc, or no qemu-aarch64);
# Meson reports 77 as SKIP. Debian: apt-get install -y gcc-aarch64-linux-gnu
# libc6-dev-arm64-cross qemu-user
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=${1:-$(cd "$here/../.." && pwd)}
work=${2:-}
cross="$root/cross/aarch64-linux-gnu.txt"

cross_cc=$(sed -n "s/^c *= *'\([^']*\)'.*/\1/p" "$cross")
# exe_wrapper = ['qemu-aarch64', '-L', '/usr/aarch64-linux-gnu'] -> qemu-aarch64 -L /usr/...
wrapper=$(sed -n "s/^exe_wrapper *= *\[\(.*\)\].*/\1/p" "$cross" | tr -d "',")
[ -n "$cross_cc" ] && [ -n "$wrapper" ] || { echo "cannot read c/exe_wrapper from $cross"; exit 1; }

if ! command -v "$cross_cc" >/dev/null 2>&1; then
    echo "SKIP: $cross_cc not found (apt-get install gcc-aarch64-linux-gnu libc6-dev-arm64-cross)"
    exit 77
fi
qemu=${wrapper%% *}
if ! command -v "$qemu" >/dev/null 2>&1; then
    echo "SKIP: $qemu not found (apt-get install qemu-user)"
    exit 77
fi

if [ -n "$work" ]; then
    mkdir -p "$work"
else
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
fi

# A toolchain without an AArch64 libc cannot link anything: that is a missing package, not a bug.
printf 'int main(void) { return 0; }\n' > "$work/probe.c"
if ! "$cross_cc" "$work/probe.c" -o "$work/probe" 2>"$work/probe.log"; then
    echo "SKIP: $cross_cc cannot link a program (libc6-dev-arm64-cross missing?):"
    cat "$work/probe.log"
    exit 77
fi
if ! $wrapper "$work/probe"; then
    echo "SKIP: '$wrapper' cannot run an AArch64 program"
    exit 77
fi

"$cross_cc" -std=c11 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -fvisibility=hidden \
    -I"$root/include" -I"$root/plugins/kernel" -I"$root/tests/kernel" \
    "$root/plugins/kernel/kernel_neon.c" \
    "$root/core/distance_reference.c" \
    "$root/core/distance_reference_quant.c" \
    "$root/core/half.c" \
    "$root/tests/kernel/kernel_parity.c" \
    "$root/tests/kernel/neon_qemu_main.c" \
    -lm -o "$work/neon-parity"
echo "built $work/neon-parity with $("$cross_cc" -dumpversion | sed 's/^/gcc /')"
exec $wrapper "$work/neon-parity"
