// The etl extension: starts `etlc lsp` for .etl files (restarting it when its settings
// change) and adds "etl: Run pipeline" and "etl: Show graph".
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LanguageClient, LanguageClientOptions, ServerOptions, TransportKind } from 'vscode-languageclient/node';
import { graphHtml } from './graph';
import { EtlcSettings, graphCommand, normalizeSettings, pipelineNames, runCommand, serverCommand } from './server';

let client: LanguageClient | undefined;
let output: vscode.OutputChannel;
const graphPanels = new Map<string, vscode.WebviewPanel>();

/** The current etlc settings. */
function settings(): EtlcSettings {
  const config = vscode.workspace.getConfiguration('etl');
  return normalizeSettings(config.get('server.path'), config.get('server.extraArgs'));
}

/** Starts the language client (the server is started by the client). */
async function startClient(): Promise<void> {
  const cmd = serverCommand(settings());
  const serverOptions: ServerOptions = {
    command: cmd.command,
    args: cmd.args,
    transport: TransportKind.stdio,
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'etl' },
      { scheme: 'untitled', language: 'etl' },
    ],
    outputChannel: output,
  };
  client = new LanguageClient('etl', 'etl language server', serverOptions, clientOptions);
  try {
    await client.start();
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    void vscode.window
      .showErrorMessage(`etl: could not start \`${cmd.command} lsp\`: ${message}. Set etl.server.path to the etlc binary.`, 'Open settings')
      .then((choice) => {
        if (choice) void vscode.commands.executeCommand('workbench.action.openSettings', 'etl.server');
      });
  }
}

/** Stops the client (and so the server) and starts a new one with the current settings. */
async function restartClient(): Promise<void> {
  const old = client;
  client = undefined;
  if (old) {
    try {
      await old.stop();
    } catch {
      // A server that already died cannot be stopped; the new one starts regardless.
    }
  }
  await startClient();
}

/** The .etl document of the active editor, saved; undefined (with a message) if none. */
async function activeEtlDocument(): Promise<vscode.TextDocument | undefined> {
  const doc = vscode.window.activeTextEditor?.document;
  if (!doc || doc.languageId !== 'etl') {
    void vscode.window.showWarningMessage('etl: open an .etl file first.');
    return undefined;
  }
  if (doc.isUntitled) {
    void vscode.window.showWarningMessage('etl: save the file first (etlc reads it from disk).');
    return undefined;
  }
  if (doc.isDirty && !(await doc.save())) return undefined;
  return doc;
}

/** The directory etlc runs in: the workspace folder of the file (paths in examples are relative to it), else the file's directory. */
function workingDirectory(doc: vscode.TextDocument): string {
  return vscode.workspace.getWorkspaceFolder(doc.uri)?.uri.fsPath ?? path.dirname(doc.uri.fsPath);
}

/** Asks which pipeline to use when the file declares several. */
async function choosePipeline(doc: vscode.TextDocument): Promise<{ ok: boolean; name?: string }> {
  const names = pipelineNames(doc.getText());
  if (names.length <= 1) return { ok: true };
  const name = await vscode.window.showQuickPick(names, { placeHolder: 'Which pipeline?' });
  return name === undefined ? { ok: false } : { ok: true, name };
}

/** "etl: Run pipeline": `etlc run FILE [PIPELINE]` in a terminal. */
async function runPipeline(): Promise<void> {
  const doc = await activeEtlDocument();
  if (!doc) return;
  const choice = await choosePipeline(doc);
  if (!choice.ok) return;
  const runArgs = vscode.workspace.getConfiguration('etl').get<unknown[]>('run.extraArgs', []).filter((a): a is string => typeof a === 'string');
  const cmd = runCommand(settings(), doc.uri.fsPath, choice.name, runArgs);
  // The terminal runs etlc itself (no shell, so no quoting) and stays open after it exits.
  const terminal = vscode.window.createTerminal({
    name: `etl run ${choice.name ?? path.basename(doc.uri.fsPath)}`,
    shellPath: cmd.command,
    shellArgs: cmd.args,
    cwd: workingDirectory(doc),
  });
  terminal.show();
}

/** Runs `etlc graph` and resolves with its Mermaid output, or rejects with its diagnostics. */
function mermaidOf(doc: vscode.TextDocument, pipeline?: string): Promise<string> {
  const cmd = graphCommand(settings(), doc.uri.fsPath, pipeline);
  return new Promise((resolve, reject) => {
    execFile(cmd.command, cmd.args, { cwd: workingDirectory(doc), maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(stderr.trim() || error.message));
      else resolve(stdout);
    });
  });
}

/** Renders the graph of `doc` into its panel. */
async function renderGraph(panel: vscode.WebviewPanel, context: vscode.ExtensionContext, doc: vscode.TextDocument, pipeline?: string): Promise<void> {
  let mermaid: string;
  try {
    mermaid = await mermaidOf(doc, pipeline);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    output.appendLine(message);
    void vscode.window.showErrorMessage(`etl: \`etlc graph\` failed (the file has errors?): ${message.split('\n')[0]}`);
    return;
  }
  const dark = [vscode.ColorThemeKind.Dark, vscode.ColorThemeKind.HighContrast].includes(vscode.window.activeColorTheme.kind);
  panel.webview.html = graphHtml({
    mermaid,
    mermaidScriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(context.extensionUri, 'dist', 'mermaid.min.js')).toString(),
    cspSource: panel.webview.cspSource,
    nonce: randomBytes(16).toString('base64'),
    title: path.basename(doc.uri.fsPath) + (pipeline ? ` — ${pipeline}` : ''),
    theme: dark ? 'dark' : 'light',
  });
}

/** "etl: Show graph": the file's DAG in a webview beside the editor, updated on save. */
async function showGraph(context: vscode.ExtensionContext): Promise<void> {
  const doc = await activeEtlDocument();
  if (!doc) return;
  const choice = await choosePipeline(doc);
  if (!choice.ok) return;
  const key = `${doc.uri.toString()}#${choice.name ?? ''}`;
  let panel = graphPanels.get(key);
  if (panel) {
    panel.reveal(vscode.ViewColumn.Beside, true);
  } else {
    panel = vscode.window.createWebviewPanel('etl.graph', `Graph: ${path.basename(doc.uri.fsPath)}`, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, 'dist')],
    });
    graphPanels.set(key, panel);
    panel.onDidDispose(() => graphPanels.delete(key));
  }
  await renderGraph(panel, context, doc, choice.name);
}

/** Called by VS Code when an .etl file is opened (activation on the language). */
export async function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel('etl');
  context.subscriptions.push(
    output,
    vscode.commands.registerCommand('etl.runPipeline', runPipeline),
    vscode.commands.registerCommand('etl.showGraph', () => showGraph(context)),
    vscode.commands.registerCommand('etl.restartServer', () => restartClient()),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('etl.server')) void restartClient();
    }),
    { dispose: () => void client?.stop() },
    vscode.workspace.onDidSaveTextDocument((doc) => {
      for (const [key, panel] of graphPanels) {
        const [uri, name] = [key.slice(0, key.lastIndexOf('#')), key.slice(key.lastIndexOf('#') + 1)];
        if (uri === doc.uri.toString()) void renderGraph(panel, context, doc, name === '' ? undefined : name);
      }
    }),
  );
  await startClient();
}

/** Called by VS Code on shutdown: stops the server. */
export async function deactivate(): Promise<void> {
  if (client) await client.stop();
}
