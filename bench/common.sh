# Shared by bench/run.sh and bench/persist.sh (sourced after REPO is set): builds etlc in
# $BENCH_BUILD_DIR (default build-bench) unless ETLC names a binary, and makes ETLC absolute.
etl_bench_etlc() {
  if [ -z "${ETLC:-}" ]; then
    local build="${BENCH_BUILD_DIR:-$REPO/build-bench}"
    if [ ! -f "$build/build.ninja" ]; then
      cmake -S "$REPO" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    fi
    cmake --build "$build" -j"${JOBS:-2}" --target etlc
    ETLC="$build/etlc"
  fi
  ETLC="$(cd "$(dirname "$ETLC")" && pwd)/$(basename "$ETLC")"
}
