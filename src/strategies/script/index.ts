import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { elapsedMs, environmentVariableName, secretEnvField, timeoutField } from '../common.ts';
import { CollectorError, defineCollector, defineStrategy } from '../types.ts';
import { BUBBLEWRAP_INSTALL } from './bubblewrap.ts';
import { launchCommand, type ScriptConfinement } from './confinement.ts';
import { runContextEnv } from './run-context-env.ts';

const scriptConfigSchema = z.strictObject({
  /** Run through `sh -c` when `args` is empty, else executed directly with `args`. */
  command: z.string().min(1),
  args: z.array(z.string()).default([]),
  env: z.record(environmentVariableName, z.string()).default({}),
  secretEnv: secretEnvField,
  /** Default: a fresh temporary directory per run, removed afterwards. */
  workingDirectory: z.string().min(1).optional(),
  maxOutputBytes: z.number().int().min(1024).max(10 * 1024 * 1024).default(64 * 1024),
  /** Allow this script to use the network; a confined script has none otherwise (SPEC §7.6). */
  network: z.boolean().default(false),
  timeout: timeoutField,
});
type ScriptConfig = z.infer<typeof scriptConfigSchema>;

interface ScriptClient {
  config: ScriptConfig;
  workingDirectory: string;
  ownsDirectory: boolean;
}

const scriptRunConfigSchema = z.strictObject({ secretEnv: secretEnvField });

function scriptRunCollector(confinement: ScriptConfinement) {
  return defineCollector<z.infer<typeof scriptRunConfigSchema>, ScriptClient>({
    id: 'script.run',
    title: 'Script',
    config: { version: 1, schema: scriptRunConfigSchema, migrations: [] },
    templatable: [],
    fields: {
      exitCode: { type: 'number', description: 'Exit code of the script' },
      stdout: { type: 'string', description: 'Standard output, capped at maxOutputBytes' },
      stderr: { type: 'string', description: 'Standard error, capped at maxOutputBytes' },
      durationMs: { type: 'number', description: 'How long the script ran' },
      json: { type: 'json', description: 'Standard output parsed as JSON, when it is JSON' },
    },
    async collect(client, _config, ctx) {
      const { config } = client;
      const [file, args] = config.args.length > 0 ? [config.command, config.args] : ['/bin/sh', ['-c', config.command]];
      // Precedence (SPEC §2.6): run context < the configured env < resolved secrets. Vigil's own
      // environment (database URLs, keys) is deliberately not inherited (and, confined, not
      // readable through /proc either).
      const env = {
        PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
        HOME: client.workingDirectory,
        LANG: 'C.UTF-8',
        ...runContextEnv(ctx.run),
        ...config.env,
        ...ctx.env,
      };
      const launch = await launchCommand(confinement, { workDir: client.workingDirectory, allowNetwork: config.network, file, args });
      const startedAt = performance.now();
      const outcome = await run(launch.file, launch.args, env, client.workingDirectory, config.maxOutputBytes, ctx.signal);
      const fields: Record<string, unknown> = {
        exitCode: outcome.exitCode,
        stdout: outcome.stdout,
        stderr: outcome.stderr,
        durationMs: elapsedMs(startedAt),
      };
      const json = parseJson(outcome.stdout);
      if (json !== undefined) fields.json = json;
      if (outcome.spawnError) throw new CollectorError(`Script could not start: ${outcome.spawnError}`, fields);
      if (outcome.killed) throw new CollectorError('Script execution timed out', fields);
      if (outcome.exitCode !== 0) throw new CollectorError(`Shell script exited with code ${outcome.exitCode}`, fields);
      return fields;
    },
  });
}

interface ScriptOutcome {
  exitCode: number;
  stdout: string;
  stderr: string;
  killed: boolean;
  spawnError?: string;
}

function run(
  file: string,
  args: string[],
  env: Record<string, string>,
  cwd: string,
  maxBytes: number,
  signal: AbortSignal,
): Promise<ScriptOutcome> {
  return new Promise((resolve) => {
    // A process group of its own, so a timeout kills the script's children too.
    const child = spawn(file, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout = cappedText(maxBytes);
    const stderr = cappedText(maxBytes);
    let killed = false;
    let spawnError: string | undefined;
    const kill = () => {
      killed = true;
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    };
    signal.addEventListener('abort', kill, { once: true });
    // The run may have timed out while the launch was being prepared.
    if (signal.aborted) kill();
    child.stdout.on('data', (chunk: Buffer) => stdout.add(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.add(chunk));
    child.on('error', (error) => (spawnError = error.message));
    child.on('close', (code) => {
      signal.removeEventListener('abort', kill);
      const outcome: ScriptOutcome = { exitCode: code ?? -1, stdout: stdout.text(), stderr: stderr.text(), killed };
      if (spawnError !== undefined) outcome.spawnError = spawnError;
      resolve(outcome);
    });
  });
}

function cappedText(maxBytes: number) {
  const chunks: Buffer[] = [];
  let size = 0;
  return {
    add(chunk: Buffer) {
      if (size < maxBytes) chunks.push(chunk.subarray(0, maxBytes - size));
      size += chunk.length;
    },
    text: () => Buffer.concat(chunks).toString('utf8'),
  };
}

function parseJson(text: string): unknown {
  if (!/^\s*[[{]/.test(text)) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The script strategy under this Vigil's confinement settings (see confinement.ts). */
export function createScriptStrategy(confinement: ScriptConfinement) {
  return defineStrategy<ScriptConfig, ScriptClient>({
    id: 'script',
    title: 'Script',
    config: { version: 1, schema: scriptConfigSchema, migrations: [] },
    templatable: ['command', 'args.*', 'env.*'],
    secret: [],
    runsOnHost: true,
    // Refusing to run unconfined makes bwrap a program the strategy cannot run without.
    ...(confinement.mode === 'required' ? { requires: { command: confinement.bwrapPath, install: BUBBLEWRAP_INSTALL } } : {}),
    target: {
      example: '"test -s /var/backups/last.ok"',
      fromConfig: (config) => config.command,
      toConfig: (target) => ({ command: target }),
    },
    async connect(config) {
      if (config.workingDirectory !== undefined) {
        return { config, workingDirectory: config.workingDirectory, ownsDirectory: false };
      }
      return { config, workingDirectory: await mkdtemp(join(tmpdir(), 'vigil-script-')), ownsDirectory: true };
    },
    async close(client) {
      if (client.ownsDirectory) await rm(client.workingDirectory, { recursive: true, force: true });
    },
    defaultCollector: 'script.run',
    collectors: [scriptRunCollector(confinement)],
  });
}
