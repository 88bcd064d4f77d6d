#!/usr/bin/env bash
# Install Vajra into a private prefix and use it as a newcomer would, with no environment
# variables: the installed `vajra` starts (RUNPATH to its libdir) and finds its plugins (install
# dir compiled in); `pkg-config vajra` builds the installed example against the shared library
# and, through Requires.private/Libs.private, statically; the scorer template from the installed
# docs builds into a plugin the registry loads; the docs are there. A release build, so it also
# catches warnings only -O3 shows (-Werror).
# Usage: tests/install/check-install.sh [BUILD_DIR]    (default build-install; env BUILDTYPE,
#        CC and MESON_ARGS pick the build, e.g. BUILDTYPE=debug CC=clang; CFLAGS go to the
#        example builds)
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$src/build-install}
case $build in /*) ;; *) build=$PWD/$build ;; esac
prefix=$build/prefix
if [ ! -f "$build/build.ninja" ]; then
  # shellcheck disable=SC2086
  meson setup --wipe "$build" "$src" --buildtype="${BUILDTYPE:-release}" --prefix="$prefix" \
    -Dcompare=disabled ${MESON_ARGS:-} > /dev/null 2>&1 ||
    meson setup "$build" "$src" --buildtype="${BUILDTYPE:-release}" --prefix="$prefix" \
      -Dcompare=disabled ${MESON_ARGS:-} | tail -n 5
fi
ninja -C "$build" | tail -n 3
rm -rf "$prefix"
meson install -C "$build" --quiet >/dev/null

fail() { echo "check-install: FAIL: $*" >&2; exit 1; }
libdir=$(meson introspect "$build" --buildoptions |
  python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"]=="libdir"))')
case $libdir in /*) ;; *) libdir=$prefix/$libdir ;; esac
clean_env=(env -i PATH=/usr/bin:/bin HOME="${HOME:-/tmp}")
work=$(mktemp -d /tmp/vajra-install-check.XXXXXX)
trap 'rm -rf "$work"' EXIT

echo "== installed vajra runs and finds its plugins (no LD_LIBRARY_PATH, no VAJRA_PLUGIN_PATH)"
vajra=$prefix/bin/vajra
readelf -d "$vajra" | grep -q 'R.*PATH.*\$ORIGIN' || fail "vajra has no \$ORIGIN RUNPATH"
"${clean_env[@]}" "$vajra" plugins --json > "$work/plugins.json" || fail "installed vajra does not start"
python3 - "$work/plugins.json" "$libdir/vajra/plugins" <<'PY' || fail "plugins not found in the install dir"
import json, sys
j = json.load(open(sys.argv[1]))
names = {p["name"]: p["file"] for p in j["plugins"]}
for n in ["lexical-bm25", "scorer-bm25", "vector-hnsw", "storage-file", "storage-mmap"]:
    assert n in names, n
    assert names[n].startswith(sys.argv[2]), names[n]
PY
"${clean_env[@]}" "$vajra" index "$src/data/demo/corpus.jsonl" --vectors "$src/data/demo/lsa128.docs.npy" \
  -o "$work/demo.vjr" --quiet || fail "installed vajra cannot index"
"${clean_env[@]}" "$vajra" search "$work/demo.vjr" "heat transfer" --query-vector \
  "$src/data/demo/lsa128.queries.npy:0" -k 3 | grep -q '^  1\.' || fail "installed vajra cannot search"

echo "== pkg-config vajra: the installed example, shared and static"
export PKG_CONFIG_PATH=$libdir/pkgconfig
pkg-config --exists vajra || fail "pkg-config does not find vajra.pc"
[ "$(pkg-config --variable=plugindir vajra)" = "$libdir/vajra/plugins" ] || fail "plugindir"
docdir=$prefix/share/doc/vajra
example=$docdir/examples/hello-vajra.c
# shellcheck disable=SC2046
${CC:-cc} ${CFLAGS:-} -std=c11 -Wall -Wextra -Werror "$example" -o "$work/hello" $(pkg-config --cflags --libs vajra) \
  -Wl,-rpath,"$libdir" || fail "the example does not build with pkg-config"
"${clean_env[@]}" "$work/hello" > "$work/hello.out" || fail "the example does not run"
grep -q '^1\. rrf ' "$work/hello.out" || fail "unexpected ranking: $(cat "$work/hello.out")"
# Static: libvajra-core.a needs what Requires.private (glib, jansson) and Libs.private list.
# shellcheck disable=SC2046
${CC:-cc} ${CFLAGS:-} -std=c11 "$example" -o "$work/hello-static" $(pkg-config --cflags vajra) "$libdir/libvajra-core.a" \
  $(pkg-config --static --libs vajra | sed 's/-lvajra-core//') || fail "static link with pkg-config --static"
"${clean_env[@]}" "$work/hello-static" > /dev/null || fail "the static example does not run"

echo "== the scorer template from the installed docs builds into a loadable plugin"
mkdir "$work/plugins"
# shellcheck disable=SC2046
${CC:-cc} ${CFLAGS:-} -std=c11 -O2 -fPIC -shared -fvisibility=hidden $(pkg-config --cflags vajra) \
  -o "$work/plugins/scorer-tfidf.so" "$docdir/examples/scorer-tfidf.c" $(pkg-config --libs vajra) -lm \
  || fail "the scorer template does not build"
[ "$(nm -D --defined-only "$work/plugins/scorer-tfidf.so" | awk '$2 == "T" {print $3}')" = \
  vajra_plugin_entry_v1 ] || fail "the template exports more than its entry"
"${clean_env[@]}" VAJRA_PLUGIN_PATH="$work/plugins" "$vajra" plugins --json |
  grep -q "\"$work/plugins/scorer-tfidf.so\"" || fail "the built template is not loaded first"

echo "== documentation"
for f in README.md architecture.md writing-a-scorer.md benchmarks.md examples/hello-vajra.c \
         examples/scorer-tfidf.c; do
  [ -s "$docdir/$f" ] || fail "$docdir/$f not installed"
done
echo "== install check passed ($prefix)"
