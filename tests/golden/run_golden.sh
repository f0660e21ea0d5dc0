#!/usr/bin/env bash
# Runs every golden test (or rewrites the .err files with --update) outside ctest.
# usage: tests/golden/run_golden.sh [--etlc PATH] [--update] [FILE...]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
etlc=build/etlc
mode=golden
files=()
while [ $# -gt 0 ]; do
  case "$1" in
    --etlc) etlc="$2"; shift 2 ;;
    --update) mode=update; shift ;;
    *) files+=("$1"); shift ;;
  esac
done
if [ ${#files[@]} -eq 0 ]; then
  mapfile -t files < <(find tests/golden -mindepth 2 -maxdepth 2 \( -name 'ok_*.etl' -o -name 'fail_*.etl' -o -name 'warn_*.etl' \) | sort)
fi
if [ "$mode" = update ]; then
  exec python3 tests/e2e/frontend_tests.py --etlc "$etlc" update "${files[@]}"
fi
failed=0
for f in "${files[@]}"; do
  python3 tests/e2e/frontend_tests.py --etlc "$etlc" golden "$f" || failed=$((failed + 1))
done
python3 tests/e2e/frontend_tests.py coverage || failed=$((failed + 1))
echo "${#files[@]} golden files, $failed failures"
[ "$failed" -eq 0 ]
