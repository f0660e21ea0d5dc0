#!/usr/bin/env bash
# The one entry point of the etlc benchmark (docs/dev/benchmarks.md): builds etlc
# (RelWithDebInfo, -O2) in build-bench/, makes sure the peers and the data exist (the
# shared harness's setup.sh and gen_data.py), then times etlc beside the peers on
# ../shared/bench/TASKS.md T1..T4 in one run, checks every output against the reference,
# and prints the throughput ratios against issue 3's targets.
#
#   bench/run.sh                                # 1m rows, 3 runs, the default peer set
#   bench/run.sh --sizes 1m,5m --write-results bench/RESULTS.md
#   bench/run.sh --sizes 1m --tasks T1 --tools etlc-w1,miller --runs 1
#   ETLC=build/etlc SKIP_SETUP=1 bench/run.sh   # an existing binary; no setup
#
# Options are those of bench/bench_etlc.py and ../shared/bench/lib/bench.py. Data and
# peers live in $ETLBENCH_DIR (default /tmp/etlbench), outputs in /dev/shm/etlbench-out,
# results in bench/results/<label>.{md,json}. Nothing under ../shared is written.
set -euo pipefail
BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
INVOKED="bench/run.sh$(printf ' %q' "$@")"
# shellcheck source=bench/common.sh
source "$BENCH_DIR/common.sh"
etl_bench_harness run.sh lib/bench.py
etl_bench_etlc

if [ "${SKIP_SETUP:-0}" != "1" ]; then
  bash "$ETL_SHARED_BENCH/setup.sh"
fi
# Only the sizes asked for (default 1m); gen_data.py skips files that are up to date.
sizes="1m"
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[$i]}" in
    --sizes) sizes="${args[$((i + 1))]}" ;;
    --sizes=*) sizes="${args[$i]#--sizes=}" ;;
  esac
done
for s in ${sizes//,/ }; do
  case "$s" in
    1m) n=1000000 ;; 5m) n=5000000 ;;
    *) echo "run.sh: unknown size $s (1m or 5m)" >&2; exit 2 ;;
  esac
  if [ ! -f "$ETLBENCH_DIR/data/orders_$s.csv" ] || [ ! -f "$ETLBENCH_DIR/data/orders_$s.jsonl" ]; then
    python3 "$ETL_SHARED_BENCH/gen_data.py" "$n" --name "orders_$s" --out "$ETLBENCH_DIR/data"
  fi
done

# etlc runs in a scratch directory, so that anything it writes next to the working
# directory (run store, error file) stays out of the repository.
export ETL_BENCH_INVOKE_DIR="$PWD"
mkdir -p "$ETLBENCH_DIR/etlc-cwd"
cd "$ETLBENCH_DIR/etlc-cwd"
export ETL_BENCH_COMMAND="${ETL_BENCH_COMMAND:-$INVOKED}"
has_sizes=0
for a in "$@"; do case "$a" in --sizes|--sizes=*) has_sizes=1 ;; esac; done
extra=()
[ "$has_sizes" = 1 ] || extra+=(--sizes 1m)
# The machine is shared: wait at most 60 s for quiet before each run (the harness's
# default is 600 s); the background load of every run is recorded either way.
has_wait=0
for a in "$@"; do case "$a" in --quiet-wait|--quiet-wait=*|--no-gate) has_wait=1 ;; esac; done
[ "$has_wait" = 1 ] || extra+=(--quiet-wait 60)
exec python3 "$BENCH_DIR/bench_etlc.py" --etlc "$ETLC" --data "$ETLBENCH_DIR/data" "${extra[@]}" "$@"
