#!/bin/sh
# Every plugin exports exactly one symbol, the versioned entry; the core exports only vajra_*.
# Usage: check-exports.sh CORE_SO PLUGIN_SO...
set -eu
command -v nm >/dev/null || exit 77
core=$1; shift
bad=$(nm -D --defined-only "$core" | awk '{print $3}' | grep -v '^vajra_' | grep -v '^_' || true)
if [ -n "$bad" ]; then echo "core exports non-API symbols: $bad"; exit 1; fi
for so in "$@"; do
  syms=$(nm -D --defined-only "$so" | awk '{print $3}' | grep -v '^_' | tr '\n' ' ')
  if [ "$syms" != "vajra_plugin_entry_v1 " ]; then echo "$so exports: $syms"; exit 1; fi
done
echo "core and $# plugins export only their API"
