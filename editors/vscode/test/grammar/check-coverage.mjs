// Tokenizes .etl files with the extension's TextMate grammar (the same vscode-textmate and
// vscode-oniguruma that VS Code and vscode-tmgrammar-test use) and fails when a character
// of code outside comments and whitespace gets no scope beyond `source.etl` and `meta.*`
// regions: such a character would show in the editor's default colour, which means the
// grammar does not know the construct. `--dump FILE` prints every token with its scopes.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const textmate = require('vscode-textmate');
const oniguruma = require('vscode-oniguruma');

const here = dirname(fileURLToPath(import.meta.url));
const grammarPath = join(here, '..', '..', 'syntaxes', 'etl.tmLanguage.json');

async function loadGrammar() {
  const wasm = readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new textmate.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scopeName) =>
      scopeName === 'source.etl'
        ? textmate.parseRawGrammar(readFileSync(grammarPath, 'utf8'), grammarPath)
        : null,
  });
  return registry.loadGrammar('source.etl');
}

/** Yields [lineNumber, line, tokens] for every line of `text`. */
function* tokenize(grammar, text) {
  let state = textmate.INITIAL;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const result = grammar.tokenizeLine(lines[i], state);
    state = result.ruleStack;
    yield [i + 1, lines[i], result.tokens];
  }
}

/** A scope that says what a token is (not just where it is). */
function isSpecific(scope) {
  return scope !== 'source.etl' && !scope.startsWith('meta.');
}

const args = process.argv.slice(2);
const grammar = await loadGrammar();
if (args[0] === '--dump') {
  for (const [n, line, tokens] of tokenize(grammar, readFileSync(args[1], 'utf8'))) {
    for (const t of tokens) {
      const text = line.substring(t.startIndex, t.endIndex);
      if (text.trim() !== '') console.log(`${n}:${t.startIndex + 1} ${JSON.stringify(text)} ${t.scopes.slice(1).join(' ')}`);
    }
  }
  process.exit(0);
}
if (args.length === 0) {
  console.error('usage: check-coverage.mjs FILE.etl... | --dump FILE.etl');
  process.exit(2);
}
let failures = 0;
let checked = 0;
for (const file of args) {
  for (const [n, line, tokens] of tokenize(grammar, readFileSync(file, 'utf8'))) {
    for (const t of tokens) {
      const text = line.substring(t.startIndex, t.endIndex);
      if (text.trim() === '') continue;
      checked++;
      if (!t.scopes.some(isSpecific)) {
        failures++;
        console.error(`${file}:${n}:${t.startIndex + 1}: unscoped ${JSON.stringify(text)} (scopes: ${t.scopes.join(' ')})`);
      }
    }
  }
}
if (failures > 0) {
  console.error(`check-coverage: ${failures} unscoped token(s)`);
  process.exit(1);
}
console.log(`check-coverage: ${args.length} file(s), ${checked} tokens, every one scoped`);
