#!/usr/bin/env bash
# The VS Code extension (editors/vscode) in CI: installs its pinned build tools (npm ci),
# type-checks and bundles it, tests the TextMate grammar (vscode-tmgrammar-test assertions
# in test/grammar/*.etl, and every token of the examples and golden files scoped), packages
# the .vsix with vsce and checks its contents, and drives the real `etlc lsp` with the
# extension's own server command line (node --test test/node/).
#
# usage: vscode_test.sh --etlc PATH/TO/etlc
# Needs node >= 20 with npm (vsce 3 needs node 20; Debian 12 ships 18: NodeSource's nodejs
# package has both) and the npm registry (for npm ci).
set -euo pipefail

etlc=
while [ $# -gt 0 ]; do
  case "$1" in
    --etlc) etlc=$2; shift 2 ;;
    *) echo "usage: $0 --etlc PATH/TO/etlc" >&2; exit 2 ;;
  esac
done
[ -n "$etlc" ] || { echo "usage: $0 --etlc PATH/TO/etlc" >&2; exit 2; }
etlc=$(cd "$(dirname "$etlc")" && pwd)/$(basename "$etlc")
[ -x "$etlc" ] || { echo "vscode_test: $etlc is not executable" >&2; exit 2; }

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ext=$repo/editors/vscode
for tool in node npm python3; do
  command -v "$tool" >/dev/null || { echo "vscode_test: $tool not found (scripts/install-deps.sh installs it)" >&2; exit 1; }
done
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 20 ] || { echo "vscode_test: node $(node --version) is too old: @vscode/vsce 3 needs node 20 or later" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$ext"

step() { echo "== $*"; }

step "npm ci"
npm ci --no-audit --no-fund --loglevel=error

step "grammar source: syntaxes/etl.tmLanguage.json is what scripts/grammar.py writes"
python3 scripts/grammar.py --check

step "tsc --noEmit"
npx --no-install tsc --noEmit -p .

step "build (esbuild)"
npm run --silent build
for f in dist/extension.js dist/mermaid.min.js dist/THIRD_PARTY_NOTICES.txt out/server.js out/graph.js; do
  [ -s "$f" ] || { echo "vscode_test: build did not write $f" >&2; exit 1; }
done

step "vscode-tmgrammar-test test/grammar/*.etl"
npx --no-install vscode-tmgrammar-test "test/grammar/*.etl"

step "every token of the examples, the golden files and the grammar tests is scoped"
shopt -s globstar nullglob
node test/grammar/check-coverage.mjs "$repo"/examples/**/*.etl "$repo"/tests/golden/**/*.etl test/grammar/*.etl

step "vsce package"
npx --no-install vsce package --no-dependencies --allow-missing-repository --out "$tmp/etl.vsix" </dev/null
[ -s "$tmp/etl.vsix" ] || { echo "vscode_test: vsce wrote no .vsix" >&2; exit 1; }
zip_names() { python3 -c 'import sys, zipfile; print("\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))' "$1"; }
zip_names "$tmp/etl.vsix" > "$tmp/vsix.txt"
for f in extension/package.json extension/readme.md extension/language-configuration.json \
         extension/syntaxes/etl.tmLanguage.json extension/snippets/etl.json \
         extension/dist/extension.js extension/dist/mermaid.min.js extension/dist/THIRD_PARTY_NOTICES.txt; do
  grep -qx "$f" "$tmp/vsix.txt" || { echo "vscode_test: $f missing from the .vsix:" >&2; cat "$tmp/vsix.txt" >&2; exit 1; }
done
if grep -qE "^extension/(node_modules|src|test|out|scripts)/|\.map\$" "$tmp/vsix.txt"; then
  echo "vscode_test: the .vsix holds files it should not:" >&2; cat "$tmp/vsix.txt" >&2; exit 1
fi
# The packaged manifest is the one VS Code reads: the language, grammar and commands.
python3 -c 'import sys, zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read("extension/package.json"))' "$tmp/etl.vsix" > "$tmp/package.json"
node -e '
  const m = require(process.argv[1]);
  const c = m.contributes;
  const need = (ok, what) => { if (!ok) { console.error("vscode_test: packaged package.json lacks " + what); process.exit(1); } };
  need(m.main === "./dist/extension.js", "main ./dist/extension.js");
  need(c.languages.some((l) => l.id === "etl" && l.extensions.includes(".etl")), "the etl language for .etl");
  need(c.grammars.some((g) => g.scopeName === "source.etl"), "the source.etl grammar");
  for (const cmd of ["etl.runPipeline", "etl.showGraph"]) need(c.commands.some((x) => x.command === cmd), cmd);
  for (const s of ["etl.server.path", "etl.server.extraArgs"]) need(c.configuration.properties[s], s);
' "$tmp/package.json"

step "node --test test/node/ (etlc lsp, etlc graph)"
ETLC=$etlc node --test test/node/

echo "vscode_test: ok"
