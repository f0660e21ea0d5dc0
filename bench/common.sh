# Shared by bench/run.sh, bench/persist.sh and bench/jit.sh (sourced once BENCH_DIR is set).
REPO="$(dirname "$BENCH_DIR")"
export ETL_SHARED_BENCH="${ETL_SHARED_BENCH:-$(cd "$REPO/.." && pwd)/shared/bench}"
export ETLBENCH_DIR="${ETLBENCH_DIR:-/tmp/etlbench}"

# etl_bench_harness SCRIPT FILE: exits 2 unless the shared harness's FILE is there.
etl_bench_harness() {
  if [ ! -f "$ETL_SHARED_BENCH/$2" ]; then
    echo "$1: the shared harness is not at $ETL_SHARED_BENCH (set ETL_SHARED_BENCH)" >&2
    exit 2
  fi
}

# Builds etlc in $BENCH_BUILD_DIR (default build-bench) unless ETLC names a binary, and
# makes ETLC absolute.
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
