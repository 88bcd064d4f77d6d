#!/usr/bin/env bash
# Build the libFuzzer targets (fuzz/) in a clang ASan+UBSan build directory and run each one for
# a bounded time. Prints the executions per target; exits non-zero if any target found a crash,
# a leak or a timeout (the input is saved under <build dir>/fuzz-artifacts/).
#
#   scripts/fuzz.sh                     every target, $FUZZ_SECONDS (default 60) seconds each
#   scripts/fuzz.sh jsonl npy           only these targets
#   FUZZ_SECONDS=20 scripts/fuzz.sh     what CI runs (scripts/test.sh)
#   FUZZ_BUILD_DIR=build-x scripts/fuzz.sh   another build directory (default build-fuzz)
#   VAJRA_FUZZ_STRICT=1 scripts/fuzz.sh  also stop on consistency findings (docs/reliability.md)
#
# On a shared machine run it as `flock /tmp/vajra-heavy.lock scripts/fuzz.sh` (it does not lock
# by itself, so that it can be called from inside such a lock).
# Before fuzzing, every file under fuzz/regressions/<target>/ (crashes found earlier) is run once.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
seconds=${FUZZ_SECONDS:-60}
dir=${FUZZ_BUILD_DIR:-build-fuzz}
data="$root/../shared/data"
test -d "$data" || { echo "fuzz.sh: $data is missing" >&2; exit 1; }

if [ ! -d "$dir" ]; then
  CC=clang meson setup "$dir" -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false \
    -Dc_args=-fsanitize=fuzzer-no-link -Dbuildtype=debugoptimized >/dev/null
fi
ninja -C "$dir" >/dev/null

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export VAJRA_NO_DLCLOSE=1   # keep plugins mapped so reports name their functions

seeds="$dir/fuzz-seeds"
corpus="$dir/fuzz-corpus"
artifacts="$dir/fuzz-artifacts"
rm -rf "$seeds"
mkdir -p "$corpus" "$artifacts"
ASAN_OPTIONS=detect_leaks=0 "$dir/fuzz/fuzz-make-seeds" "$data" "$seeds"

if [ $# -gt 0 ]; then targets=("$@"); else mapfile -t targets < "$dir/fuzz/fuzz-targets.txt"; fi

failed=0
summary="$dir/fuzz-summary.txt"
printf '%-14s %12s %10s  %s\n' target executions exec/s result > "$summary"
for t in "${targets[@]}"; do
  exe="$dir/fuzz/fuzz-$t"
  [ -x "$exe" ] || { echo "fuzz.sh: no target $t" >&2; failed=1; continue; }
  # Earlier crashes first: each must now pass.
  if [ -d "fuzz/regressions/$t" ] && [ -n "$(ls -A "fuzz/regressions/$t")" ]; then
    if ! "$exe" -runs=1 fuzz/regressions/"$t"/* > "$artifacts/$t.regressions.log" 2>&1; then
      echo "fuzz.sh: $t: a saved regression input fails again, see $artifacts/$t.regressions.log" >&2
      failed=1
    fi
  fi
  mkdir -p "$corpus/$t" "$seeds/$t"
  log="$artifacts/$t.log"
  result=ok
  if ! "$exe" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 -print_final_stats=1 \
       -artifact_prefix="$artifacts/$t-" "$corpus/$t" "$seeds/$t" > "$log" 2>&1; then
    result="FAILED (see $log)"
    failed=1
    grep -E "^==[0-9]+==ERROR|^SUMMARY|^fuzz:|Test unit written" "$log" | head -5 >&2 || true
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  printf '%-14s %12s %10s  %s\n' "$t" "${execs:-?}" "${rate:-?}" "$result" | tee -a "$summary"
done
echo "fuzz.sh: ${seconds}s per target; summary in $summary"
exit $failed
