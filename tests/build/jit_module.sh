#!/usr/bin/env bash
# etlc's JIT module (docs/dev/jit.md "The module"): the module beside etlc compiles a run's
# steps; a missing module, a file that is not one, and a module of another build are each
# refused with a warning that names the file and why, and the run is interpreted with the
# same output; `etlc compile --dump llvm` gives the same reason for each step.
# usage: jit_module.sh ETLC FAKE_MODULE
set -uo pipefail
etlc=$(realpath "$1")
fake=$(realpath "$2")
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
status=0
fail() { echo "FAIL: $*"; status=1; }

cat >"$dir/in.csv" <<'CSV'
id,name,amount
1,ann,12.5
2,bob,-3
3,cy,40
CSV
pipeline=$dir/p.etl
cat >"$pipeline" <<ETL
schema Row { id: int, name: string, amount: float }
param out: string = "$dir/out.csv"
pipeline p {
  from csv("$dir/in.csv", schema: Row)
    | filter amount > 0.0
    | derive twice = amount * 2.0, tag = upper(name)
    | into csv(out)
}
ETL
run() {  # run NAME [env...]: etlc run --jit=on into $dir/NAME.csv, stderr in $dir/NAME.err
  local name=$1; shift
  env "$@" "$etlc" run "$pipeline" --jit=on --workers 1 --state-dir "$dir/state-$name" --param out="$dir/$name.csv" \
    >/dev/null 2>"$dir/$name.err"
}

run module || fail "the run with the module failed: $(cat "$dir/module.err")"
grep -q '"event":"jit_compiled"' "$dir/state-module"/runs/*/log.jsonl || fail "no step was compiled by the module"

printf 'not an ELF file\n' >"$dir/garbage.so"
for case in "missing:$dir/none.so:could not be loaded" "garbage:$dir/garbage.so:could not be loaded" \
            "other:$fake:comes from another build"; do
  IFS=: read -r name module why <<<"$case"
  if ! run "$name" ETL_JIT_MODULE="$module"; then
    fail "$name: the run failed instead of being interpreted: $(cat "$dir/$name.err")"
    continue
  fi
  grep -q "the JIT is not available" "$dir/$name.err" || fail "$name: no warning: $(cat "$dir/$name.err")"
  grep -qF "$module" "$dir/$name.err" || fail "$name: the warning does not name $module: $(cat "$dir/$name.err")"
  grep -qF "$why" "$dir/$name.err" || fail "$name: the warning does not say '$why': $(cat "$dir/$name.err")"
  grep -q '"event":"jit_compiled"' "$dir/state-$name"/runs/*/log.jsonl && fail "$name: a step was compiled"
  cmp -s "$dir/module.csv" "$dir/$name.csv" || fail "$name: the output differs from the compiled run's"
done

# compile --dump llvm prints each step's reason for not being compiled.
ETL_JIT_MODULE="$fake" "$etlc" compile "$pipeline" --dump llvm >"$dir/dump.out" 2>&1
grep -q "not compiled, interpreted: the JIT module $fake comes from another build" "$dir/dump.out" ||
  fail "compile --dump llvm with a module of another build: $(cat "$dir/dump.out")"
"$etlc" compile "$pipeline" --dump llvm >"$dir/dump.out" 2>&1 || fail "compile --dump llvm with the module: $(cat "$dir/dump.out")"
grep -q "^define" "$dir/dump.out" || fail "compile --dump llvm printed no function: $(cat "$dir/dump.out")"
grep -q "not compiled" "$dir/dump.out" && fail "compile --dump llvm with the module left a step out: $(cat "$dir/dump.out")"

[[ $status == 0 ]] && echo "jit module: compiled with it; missing, garbage and other-build modules refused"
exit $status
