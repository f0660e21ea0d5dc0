#!/usr/bin/env bash
# The JIT benchmark of issue 5 (docs/dev/benchmarks.md, "JIT"): `etlc run --jit=on` against
# `--jit=off` (the interpreter) and against peers, in one run. Builds etlc like run.sh
# (RelWithDebInfo in build-bench/; ETLC=path uses an existing binary), runs the shared
# harness's setup (DuckDB, Miller, Polars in $ETLBENCH_DIR; SKIP_SETUP=1 skips it), makes
# sure the 1m orders CSV exists, then bench/bench_jit.py:
#   1. bench/tasks/jit_{derive,filter}.etl (in-memory `generate`, expression-bound) with
#      --jit=off and --jit=on beside DuckDB SQL of the same expressions (bench/jit_duckdb.py),
#      outputs checked (interpreter = JIT byte for byte, DuckDB on the same values = etlc);
#   2. compile time per step from `jit_compiled` events (fresh --state-dir, then cached);
#   3. T1, T2 of ../shared/bench/TASKS.md by the shared harness with etlc-jit-w1/w2 added.
#
#   bench/jit.sh                                          # 5M rows, 5 runs, workers 1
#   bench/jit.sh --max-load 1.5 --write-results bench/RESULTS.md   # what RESULTS.md holds
#   ETLC=build/etlc SKIP_SETUP=1 bench/jit.sh --rows 1000000 --runs 1 --peers none
#
# Outputs and state directories go to /dev/shm/etlbench-jit (--out-dir), results to
# bench/results/<label>.{md,json} (and <label>-peers.*). Nothing under ../shared is written.
set -euo pipefail
BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
INVOKED="bench/jit.sh$(printf ' %q' "$@")"
# shellcheck source=bench/common.sh
source "$BENCH_DIR/common.sh"
etl_bench_harness jit.sh lib/bench.py
etl_bench_etlc

if [ "${SKIP_SETUP:-0}" != "1" ]; then
  bash "$ETL_SHARED_BENCH/setup.sh"
fi
# Part 3 and the compile times of T1/T2 read the 1m orders (gen_data.py is deterministic).
if [ ! -f "$ETLBENCH_DIR/data/orders_1m.csv" ] || [ ! -f "$ETLBENCH_DIR/data/orders_1m.jsonl" ]; then
  python3 "$ETL_SHARED_BENCH/gen_data.py" 1000000 --name orders_1m --out "$ETLBENCH_DIR/data"
fi

# Relative paths (--write-results, --results) are the caller's; etlc runs with explicit
# --state-dir, but the shared harness's peers write next to the working directory.
export ETL_BENCH_INVOKE_DIR="$PWD"
export ETL_BENCH_COMMAND="${ETL_BENCH_COMMAND:-$INVOKED}"
mkdir -p "$ETLBENCH_DIR/etlc-cwd"
cd "$ETLBENCH_DIR/etlc-cwd"
exec python3 "$BENCH_DIR/bench_jit.py" --etlc "$ETLC" "$@"
