#!/usr/bin/env bash
# What etlc loads at start-up (docs/dev/build.md "Start-up"): only the shared libraries
# that have no static archive in Debian 12, no LLVM (it is in the JIT module beside etlc),
# and the module itself is there and exports its entry point.
# usage: startup_libraries.sh ETLC
set -euo pipefail
etlc=$1
module="$(dirname "$etlc")/etlc-jit.so"
allowed='^(libmimalloc\.so\.2|libfmt\.so\.9|libsimdjson\.so\.14|libdate-tz\.so\.3|libtomlplusplus\.so\.3|libstdc\+\+\.so\.6|libm\.so\.6|libgcc_s\.so\.1|libc\.so\.6|ld-linux-x86-64\.so\.2)$'
status=0
needed=$(readelf -d "$etlc" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
for lib in $needed; do
  if ! grep -Eq "$allowed" <<<"$lib"; then
    echo "etlc needs $lib at start-up: link its static archive (CMakeLists.txt ETL_STATIC_DEPS) or open it on first use"
    status=1
  fi
done
if nm --defined-only "$etlc" | grep -q ' _ZN4llvm'; then
  echo "etlc links LLVM: only etlc-jit.so should (docs/dev/jit.md \"The module\")"
  status=1
fi
if [[ ! -f $module ]]; then
  echo "no JIT module beside etlc: $module"
  status=1
elif ! nm -D --defined-only "$module" | grep -q ' etl_jit_module$'; then
  echo "$module does not export etl_jit_module"
  status=1
fi
[[ $status == 0 ]] && echo "etlc loads: $(tr '\n' ' ' <<<"$needed")"
exit $status
