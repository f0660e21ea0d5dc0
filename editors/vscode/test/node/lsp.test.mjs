// Drives the real `etlc lsp` (ETLC=path/to/etlc) the way the extension starts it: the
// command line comes from the extension's own src/server.ts (bundled to out/server.js),
// plus the `--stdio` that vscode-languageclient's stdio transport appends; messages go
// through vscode-jsonrpc, the JSON-RPC library under vscode-languageclient.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const rpc = require('vscode-jsonrpc/node');
const { normalizeSettings, serverCommand } = require('../../out/server.js');

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..', '..', '..');
const etlc = process.env.ETLC;
assert.ok(etlc, 'set ETLC to the etlc binary');

let proc;
let conn;
let stderr = '';
let exited;
const diagnostics = new Map(); // uri -> list of published diagnostics arrays, in order
const waiters = [];

/** Resolves with the first publishDiagnostics for `uri` after this call. */
function nextDiagnostics(uri) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no diagnostics for ${uri} within 20 s; stderr: ${stderr}`)), 20000);
    waiters.push({ uri, resolve: (d) => { clearTimeout(timer); resolve(d); } });
  });
}

before(async () => {
  const cmd = serverCommand(normalizeSettings(etlc, []));
  assert.deepEqual(cmd.args, ['lsp']);
  proc = spawn(cmd.command, [...cmd.args, '--stdio'], { cwd: repo, stdio: ['pipe', 'pipe', 'pipe'] });
  proc.stderr.on('data', (d) => { stderr += d; });
  exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  conn = rpc.createMessageConnection(new rpc.StreamMessageReader(proc.stdout), new rpc.StreamMessageWriter(proc.stdin));
  conn.onNotification('textDocument/publishDiagnostics', (params) => {
    const list = diagnostics.get(params.uri) ?? [];
    list.push(params.diagnostics);
    diagnostics.set(params.uri, list);
    const i = waiters.findIndex((w) => w.uri === params.uri);
    if (i >= 0) waiters.splice(i, 1)[0].resolve(params.diagnostics);
  });
  conn.listen();
});

after(async () => {
  if (proc.exitCode === null) proc.kill();
});

test('initialize announces the features the extension relies on', async () => {
  const result = await conn.sendRequest('initialize', {
    processId: process.pid,
    rootUri: pathToFileURL(repo).href,
    capabilities: { textDocument: { publishDiagnostics: { relatedInformation: true } } },
    workspaceFolders: [{ uri: pathToFileURL(repo).href, name: 'etl' }],
  });
  const caps = result.capabilities;
  assert.ok(caps.textDocumentSync, 'textDocumentSync');
  for (const cap of ['hoverProvider', 'completionProvider', 'definitionProvider']) {
    assert.ok(caps[cap], `${cap} in ${JSON.stringify(Object.keys(caps))}`);
  }
  await conn.sendNotification('initialized', {});
});

test('examples/orders.etl gets an empty publishDiagnostics', async () => {
  const file = join(repo, 'examples', 'orders.etl');
  const uri = pathToFileURL(file).href;
  const published = nextDiagnostics(uri);
  await conn.sendNotification('textDocument/didOpen', {
    textDocument: { uri, languageId: 'etl', version: 1, text: readFileSync(file, 'utf8') },
  });
  assert.deepEqual(await published, []);
});

test('an edit that breaks the file gets its error, with a code and a range', async () => {
  const file = join(repo, 'examples', 'orders.etl');
  const uri = pathToFileURL(file).href;
  const text = readFileSync(file, 'utf8').replace('| filter amount > min_amount', '| filter amonut > min_amount');
  const published = nextDiagnostics(uri);
  await conn.sendNotification('textDocument/didChange', {
    textDocument: { uri, version: 2 },
    contentChanges: [{ text }],
  });
  const diags = await published;
  assert.ok(diags.length >= 1, JSON.stringify(diags));
  const d = diags.find((x) => x.message.includes('amonut'));
  assert.ok(d, `an error about amonut in ${JSON.stringify(diags)}`);
  assert.equal(d.severity, 1);
  assert.ok(d.code, 'a diagnostic code');
  const line = text.split('\n').findIndex((l) => l.includes('amonut'));
  assert.equal(d.range.start.line, line);
  assert.equal(d.range.start.character, text.split('\n')[line].indexOf('amonut'));
});

test('hover on a field reference answers with its type', async () => {
  const file = join(repo, 'examples', 'orders.etl');
  const uri = pathToFileURL(file).href;
  const text = readFileSync(file, 'utf8');
  const published = nextDiagnostics(uri);
  await conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: 3 }, contentChanges: [{ text }] });
  assert.deepEqual(await published, []);
  const lines = text.split('\n');
  const line = lines.findIndex((l) => l.includes('| filter amount'));
  const hover = await conn.sendRequest('textDocument/hover', {
    textDocument: { uri },
    position: { line, character: lines[line].indexOf('amount') + 2 },
  });
  assert.ok(hover && hover.contents, 'a hover');
  assert.match(JSON.stringify(hover.contents), /float/);
});

test('shutdown and exit end the server with status 0', async () => {
  await conn.sendRequest('shutdown');
  await conn.sendNotification('exit');
  const { code } = await exited;
  assert.equal(code, 0, stderr);
});
