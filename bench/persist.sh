#!/usr/bin/env bash
# `persist disk` against `persist memory` (issue 4: disk may cost at most 25% throughput),
# in one run (docs/dev/benchmarks.md, "persist disk vs memory"): builds etlc like run.sh
# (RelWithDebInfo in build-bench/; ETLC=path uses an existing binary), makes sure the 1m
# orders CSV of ../shared/bench exists in $ETLBENCH_DIR/data (SKIP_SETUP=1 only skips the
# peers' setup, which this benchmark does not need anyway), then runs bench/bench_persist.py:
# bench/tasks/persist_{filter,aggregate}.etl with --persist memory and disk alternately,
# --workers 1 and 2, checks that both modes write byte-identical files, prints the ratios.
#
#   bench/persist.sh                                   # 3 runs each, workers 1 and 2
#   bench/persist.sh --runs 5 --write-results bench/RESULTS.md
#   ETLC=build/etlc bench/persist.sh --pipelines aggregate --workers 1 --runs 1
#   bench/persist.sh --out-dir /dev/shm/persist-out    # outputs on tmpfs (fsync is free)
#
# Outputs go to $ETLBENCH_DIR/persist-out (on disk, so that the fsyncs cost what they
# cost), state directories to $ETLBENCH_DIR/persist-state, results to
# bench/results/persist-<time>.{md,json}. Nothing under ../shared is written.
set -euo pipefail
BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
INVOKED="bench/persist.sh$(printf ' %q' "$@")"
# shellcheck source=bench/common.sh
source "$BENCH_DIR/common.sh"
etl_bench_harness persist.sh gen_data.py
etl_bench_etlc

# The same data as bench/run.sh; gen_data.py is deterministic (N, seed 42).
if [ ! -f "$ETLBENCH_DIR/data/orders_1m.csv" ] || [ ! -f "$ETLBENCH_DIR/data/orders_1m.jsonl" ]; then
  python3 "$ETL_SHARED_BENCH/gen_data.py" 1000000 --name orders_1m --out "$ETLBENCH_DIR/data"
fi

# Relative paths (--write-results, --results) are the caller's; etlc runs with explicit
# --state-dir, so the working directory does not matter, but keep it out of the repository.
export ETL_BENCH_INVOKE_DIR="$PWD"
export ETL_BENCH_COMMAND="${ETL_BENCH_COMMAND:-$INVOKED}"
mkdir -p "$ETLBENCH_DIR/etlc-cwd"
cd "$ETLBENCH_DIR/etlc-cwd"
exec python3 "$BENCH_DIR/bench_persist.py" --etlc "$ETLC" --input "$ETLBENCH_DIR/data/orders_1m.csv" "$@"
