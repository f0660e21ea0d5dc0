// The command lines of "etl: Run pipeline" and "etl: Show graph" and the graph page,
// from the extension's own modules (out/server.js and out/graph.js), against the real
// etlc (ETLC=path/to/etlc).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { graphCommand, normalizeSettings, pipelineNames, runCommand } = require('../../out/server.js');
const { escapeHtml, graphHtml } = require('../../out/graph.js');

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..', '..', '..');
const etlc = process.env.ETLC;
assert.ok(etlc, 'set ETLC to the etlc binary');

test('settings fall back to etlc on PATH and drop non-string arguments', () => {
  assert.deepEqual(normalizeSettings(undefined, undefined), { path: 'etlc', extraArgs: [] });
  assert.deepEqual(normalizeSettings('  ', ['--log', 3, 'x']), { path: 'etlc', extraArgs: ['--log', 'x'] });
  assert.deepEqual(normalizeSettings('/opt/etlc', '--bad'), { path: '/opt/etlc', extraArgs: [] });
});

test('run command line names the pipeline only when asked', () => {
  const s = normalizeSettings('/x/etlc', []);
  assert.deepEqual(runCommand(s, '/w/a b.etl', undefined, ['--jit']), { command: '/x/etlc', args: ['run', '/w/a b.etl', '--jit'] });
  assert.deepEqual(runCommand(s, 'f.etl', 'orders', []).args, ['run', 'f.etl', 'orders']);
});

test('pipeline names are found outside comments and strings', () => {
  const text = '// pipeline old {\n/* pipeline older { */\nconst s = "pipeline fake {"\npipeline a {\n}\n  pipeline `b c` { }\n';
  assert.deepEqual(pipelineNames(text), ['a', '`b c`']);
  for (const f of ['orders', 'clickstream', 'customers']) {
    assert.deepEqual(pipelineNames(readFileSync(join(repo, 'examples', `${f}.etl`), 'utf8')), [f]);
  }
});

test('the graph command prints Mermaid for examples/orders.etl and the page embeds it escaped', () => {
  const cmd = graphCommand(normalizeSettings(etlc, []), join(repo, 'examples', 'orders.etl'));
  const mermaid = execFileSync(cmd.command, cmd.args, { cwd: repo, encoding: 'utf8' });
  assert.match(mermaid, /^flowchart /);
  assert.match(mermaid, /-->/);
  const html = graphHtml({
    mermaid,
    mermaidScriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/mermaid.min.js',
    cspSource: 'https://file+.vscode-resource.vscode-cdn.net',
    nonce: 'n0nce',
    title: 'orders.etl',
    theme: 'dark',
  });
  assert.ok(html.includes(`<pre id="source">${escapeHtml(mermaid)}</pre>`));
  assert.ok(!html.includes('<br/>source csv'), 'labels are escaped, not HTML');
  assert.match(html, /script-src https:\/\/file\+\.vscode-resource\.vscode-cdn\.net 'nonce-n0nce'/);
  assert.match(html, /<script nonce="n0nce" src="https:\/\/file\+\.vscode-resource[^"]*mermaid\.min\.js"><\/script>/);
  assert.doesNotMatch(html, /https?:\/\/(?!file\+\.vscode-resource)(?!mermaid\.js\.org)[a-z]/, 'no other network resource');
});

test('a graph source cannot close the page\'s elements', () => {
  const html = graphHtml({ mermaid: '</pre><script>alert(1)</script>', mermaidScriptUri: 'u', cspSource: 'c', nonce: 'n', title: '<t>', theme: 'light' });
  assert.ok(!html.includes('<script>alert(1)'));
  assert.ok(html.includes('&lt;/pre&gt;&lt;script&gt;'));
  assert.ok(html.includes('<title>&lt;t&gt;</title>'));
});

test('graph of a file with errors fails with the diagnostics on stderr', () => {
  const dir = mkdtempSync(join(tmpdir(), 'etl-graph-'));
  try {
    const file = join(dir, 'bad.etl');
    writeFileSync(file, readFileSync(join(repo, 'examples', 'orders.etl'), 'utf8').replace('| filter amount', '| filter amonut'));
    const cmd = graphCommand(normalizeSettings(etlc, []), file);
    assert.throws(() => execFileSync(cmd.command, cmd.args, { cwd: repo, stdio: 'pipe' }), (e) => e.status === 1 && /amonut/.test(String(e.stderr)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
