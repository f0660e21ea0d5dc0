// Builds the extension: one CommonJS bundle dist/extension.js (vscode-languageclient
// inlined, so the .vsix needs no node_modules), Mermaid's self-contained browser build
// copied next to it for the graph webview (rendered offline), and the modules without a
// `vscode` import bundled separately into out/ for the node tests.
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node18',
  sourcemap: true,
  logLevel: 'warning',
  absWorkingDir: root,
};

const result = await build({
  ...common,
  entryPoints: ['src/extension.ts'],
  outfile: 'dist/extension.js',
  external: ['vscode'],
  metafile: true,
});
mkdirSync(join(root, 'dist'), { recursive: true });
copyFileSync(require.resolve('mermaid/dist/mermaid.min.js'), join(root, 'dist', 'mermaid.min.js'));

// The .vsix ships code of these packages (inlined in the bundle, or Mermaid's build):
// their licenses go with it in dist/THIRD_PARTY_NOTICES.txt.
const packages = new Set(['mermaid']);
for (const input of Object.keys(result.metafile.inputs)) {
  const m = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//g);
  if (m) packages.add(m[m.length - 1].replace(/^node_modules\/|\/$/g, ''));
}
const notices = [...packages].sort().map((name) => {
  const dir = join(root, 'node_modules', name);
  const meta = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const file = readdirSync(dir).find((f) => /^(licen[cs]e|copying)(\.(md|txt))?$/i.test(f));
  if (!file && !existsSync(join(dir, 'package.json'))) throw new Error(`no license for ${name}`);
  const text = file ? readFileSync(join(dir, file), 'utf8').trim() : `License: ${meta.license}`;
  return `${name} ${meta.version} (${meta.license})\n\n${text}\n`;
});
writeFileSync(join(root, 'dist', 'THIRD_PARTY_NOTICES.txt'), notices.join('\n' + '-'.repeat(78) + '\n\n'));
await build({ ...common, entryPoints: ['src/server.ts', 'src/graph.ts'], outdir: 'out' });
