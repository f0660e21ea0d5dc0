// How the extension starts etlc: the language server's command line and the command
// lines of "etl: Run pipeline" and "etl: Show graph". No `vscode` import, so the node
// tests start the server with exactly this code.

/** The extension's settings that decide how etlc is started. */
export interface EtlcSettings {
  /** `etl.server.path`: the etlc binary (a bare name is looked up on PATH). */
  path: string;
  /** `etl.server.extraArgs`: extra arguments for `etlc lsp`. */
  extraArgs: string[];
}

/** A program and its arguments (never passed through a shell). */
export interface CommandLine {
  command: string;
  args: string[];
}

/** Settings as read from the configuration, with defaults for missing or wrong values. */
export function normalizeSettings(path: unknown, extraArgs: unknown): EtlcSettings {
  const p = typeof path === 'string' && path.trim() !== '' ? path.trim() : 'etlc';
  const args = Array.isArray(extraArgs) ? extraArgs.filter((a): a is string => typeof a === 'string') : [];
  return { path: p, extraArgs: args };
}

/**
 * The language server: `etlc lsp [extraArgs]`. vscode-languageclient's stdio transport
 * appends `--stdio`, which `etlc lsp` accepts (stdio is its only transport).
 */
export function serverCommand(settings: EtlcSettings): CommandLine {
  return { command: settings.path, args: ['lsp', ...settings.extraArgs] };
}

/** `etlc run FILE [PIPELINE] [runArgs]`. */
export function runCommand(settings: EtlcSettings, file: string, pipeline: string | undefined, runArgs: string[]): CommandLine {
  const args = ['run', file];
  if (pipeline !== undefined) args.push(pipeline);
  return { command: settings.path, args: [...args, ...runArgs] };
}

/** `etlc graph FILE --format mermaid [--pipeline NAME] --color never`. */
export function graphCommand(settings: EtlcSettings, file: string, pipeline?: string): CommandLine {
  const args = ['graph', file, '--format', 'mermaid'];
  if (pipeline !== undefined) args.push('--pipeline', pipeline);
  return { command: settings.path, args: [...args, '--color', 'never'] };
}

/**
 * The names of the pipelines declared in `text`, in order. `etlc run` needs one when a
 * file declares several; a text scan is enough (the compiler reports a wrong name) and
 * works while the server is still starting. Comments and strings are skipped.
 */
export function pipelineNames(text: string): string[] {
  const names: string[] = [];
  const code = text
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/"(?:[^"\\\n]|\\.)*"/g, '""')
    .replace(/\/\/[^\n]*/g, '');
  const re = /(?:^|[\s;}])pipeline\s+([A-Za-z_][A-Za-z0-9_]*|`[^`\n]+`)\s*\{/g;
  for (let m = re.exec(code); m !== null; m = re.exec(code)) names.push(m[1]);
  return names;
}
