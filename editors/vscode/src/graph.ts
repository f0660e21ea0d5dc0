// The HTML of the "etl: Show graph" webview: `etlc graph --format mermaid` rendered by the
// Mermaid build that ships inside the extension (dist/mermaid.min.js), so it renders
// without a network. No `vscode` import, so the node tests check the page.

/** What the page needs from the webview. */
export interface GraphPage {
  /** The Mermaid source printed by `etlc graph --format mermaid`. */
  mermaid: string;
  /** The webview URI of dist/mermaid.min.js. */
  mermaidScriptUri: string;
  /** The webview's `cspSource` (the origin its local resources are served from). */
  cspSource: string;
  /** A fresh random nonce for the page's own inline script. */
  nonce: string;
  /** The title shown above the graph (the file name). */
  title: string;
  /** `dark` or `light`: Mermaid's theme, after the editor's. */
  theme: 'dark' | 'light';
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Escapes text for a double-quoted attribute value (keeps the CSP's single quotes readable). */
export function escapeAttribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
}

/**
 * The page. The graph source travels as escaped text in a <pre> (never as HTML or script),
 * the inline script reads it from there and runs mermaid.render; a parse or render error
 * is shown on the page with the source below it.
 */
export function graphHtml(page: GraphPage): string {
  const csp = [
    "default-src 'none'",
    `script-src ${page.cspSource} 'nonce-${page.nonce}'`,
    `style-src ${page.cspSource} 'unsafe-inline'`,
    `img-src ${page.cspSource} data:`,
    `font-src ${page.cspSource}`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttribute(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeHtml(page.title)}</title>
<style>
  body { font-family: var(--vscode-font-family); color: var(--vscode-foreground); }
  #graph svg { max-width: 100%; height: auto; }
  #error { color: var(--vscode-errorForeground); white-space: pre-wrap; }
  details { margin-top: 1em; }
  pre { font-family: var(--vscode-editor-font-family); }
</style>
</head>
<body>
<h3>${escapeHtml(page.title)}</h3>
<div id="graph">Rendering…</div>
<div id="error"></div>
<details><summary>Mermaid source</summary><pre id="source">${escapeHtml(page.mermaid)}</pre></details>
<script nonce="${page.nonce}" src="${escapeAttribute(page.mermaidScriptUri)}"></script>
<script nonce="${page.nonce}">
(async () => {
  const graph = document.getElementById('graph');
  const error = document.getElementById('error');
  try {
    const source = document.getElementById('source').textContent;
    mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', theme: '${page.theme === 'dark' ? 'dark' : 'default'}' });
    const { svg } = await mermaid.render('etl-graph', source);
    graph.innerHTML = svg;
  } catch (e) {
    graph.textContent = '';
    error.textContent = 'Mermaid could not render the graph: ' + (e && e.message ? e.message : String(e));
    document.querySelector('details').open = true;
  }
})();
</script>
</body>
</html>
`;
}
