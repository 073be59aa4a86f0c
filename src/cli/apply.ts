import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { ApplyOutcome } from '../gitops/apply.ts';
import { formatDocuments, formatProblem, UnreadablePathError } from '../gitops/documents.ts';
import { prepareDocuments } from '../gitops/prepare.ts';
import { getCollector, getStrategy, listStrategies } from '../strategies/registry.ts';
import { reach, serverCredentials } from './server.ts';

/**
 * `vigil apply`, `vigil diff` and `vigil export` (SPEC §7.2; issue 22): files read and validated
 * here, secrets read from this machine's environment or files, then sent to the server's
 * POST /api/v1/apply — so a CI job with a token applies remotely. `diff` exits 0 when nothing
 * would change and 2 when something would: a drift check.
 */

export const EXIT = { ok: 0, refused: 1, drift: 2, usage: 64 } as const;

interface ServerFlags {
  server?: string;
  token?: string;
}

interface ApplyFlags extends ServerFlags {
  file: string[];
  prune?: boolean;
  pruneAll?: boolean;
  dryRun?: boolean;
  json?: boolean;
}

const context = { strategies: { getStrategy, listStrategies, getCollector } };
const collect = (value: string, previous: string[]) => [...previous, value];

export function registerApplyCommands(program: Command): void {
  const withServer = (command: Command) =>
    command
      .option('--server <url>', 'the server (or VIGIL_SERVER, or `vigil login`’s)')
      .option('--token <token>', 'an admin’s API token, vgl_… (or VIGIL_TOKEN)');
  const withFiles = (command: Command) =>
    withServer(command)
      .option('-f, --file <path>', 'a YAML file, or a directory of them (read recursively); repeatable', collect, [])
      .option('--prune', 'also delete what earlier applies created and these files no longer declare')
      .option('--prune-all', 'also delete everything these files do not declare, including what was made in the UI')
      .option('--json', 'print the server’s answer as JSON');

  withFiles(program.command('apply').description('apply YAML documents to a server in one transaction: all or none (exit 0 applied, 1 refused, 64 usage)'))
    .option('--dry-run', 'say what would change; change nothing')
    .action((flags: ApplyFlags) => run('apply', flags, flags.dryRun ?? false));

  withFiles(program.command('diff').description('what apply would change, resource by resource and field by field (exit 0 nothing, 2 something, 1 refused)')).action((flags: ApplyFlags) =>
    run('diff', flags, true),
  );

  withServer(program.command('export').description('the server’s configuration as YAML documents, secrets as references; applying it back changes nothing'))
    .option('--kinds <kinds>', 'comma-separated kinds (default: all)')
    .option('-o, --output <file>', 'write to this file instead of standard output')
    .action(async (flags: ServerFlags & { kinds?: string; output?: string }) => {
      try {
        const { server, token } = await serverCredentials(flags);
        const query = flags.kinds ? `?kinds=${encodeURIComponent(flags.kinds)}` : '';
        const answer = (await call(server, token, 'GET', `/api/v1/export${query}`)) as { documents: unknown[] };
        const text = formatDocuments(answer.documents, `Exported from ${server} on ${new Date().toISOString()}.\nSecrets are references: set each valueFrom variable where you apply.`);
        if (flags.output) await writeFile(flags.output, text);
        else process.stdout.write(text);
      } catch (error) {
        console.error(`vigil export: ${(error as Error).message}`);
        process.exitCode = EXIT.refused;
      }
    });
}

async function run(command: 'apply' | 'diff', flags: ApplyFlags, dryRun: boolean): Promise<void> {
  if (flags.file.length === 0) {
    console.error(`vigil ${command}: expected at least one -f FILE|DIR`);
    process.exitCode = EXIT.usage;
    return;
  }
  try {
    const prepared = await prepareDocuments(flags.file, context);
    if (prepared.problems.length) {
      for (const problem of prepared.problems) console.error(formatProblem(problem));
      console.error(`vigil ${command}: nothing was sent; fix the ${prepared.problems.length === 1 ? 'problem' : `${prepared.problems.length} problems`} above`);
      process.exitCode = EXIT.refused;
      return;
    }
    for (const note of prepared.notes) console.error(note);
    const { server, token } = await serverCredentials(flags);
    const outcome = (await call(server, token, 'POST', '/api/v1/apply', {
      documents: prepared.documents,
      prune: flags.prune ?? false,
      pruneAll: flags.pruneAll ?? false,
      dryRun,
    })) as ApplyOutcome;
    process.stdout.write(flags.json ? `${JSON.stringify(outcome, null, 2)}\n` : formatOutcome(outcome, command));
    const changes = outcome.summary.create + outcome.summary.update + outcome.summary.delete;
    process.exitCode = command === 'diff' && changes > 0 ? EXIT.drift : EXIT.ok;
  } catch (error) {
    console.error(`vigil ${command}: ${(error as Error).message}`);
    process.exitCode = error instanceof UnreadablePathError ? EXIT.usage : EXIT.refused;
  }
}

/** What changed, one resource a line, its fields below it; secrets as changed, never their values. */
export function formatOutcome(outcome: ApplyOutcome, command: 'apply' | 'diff'): string {
  const lines: string[] = [];
  const sign = { create: '+', update: '~', delete: '-' } as const;
  for (const change of outcome.changes) {
    if (change.action === 'unchanged') continue;
    lines.push(`${sign[change.action]} ${change.action} ${change.kind} ${change.name}`);
    for (const field of change.fields) {
      if (field.secret) lines.push(`    ${field.path}: (secret changed)`);
      else lines.push(`    ${field.path}: ${show(field.before)} → ${show(field.after)}`);
    }
  }
  const { create, update, delete: deleted, unchanged } = outcome.summary;
  const counts = `${create} to create, ${update} to update, ${deleted} to delete, ${unchanged} unchanged`;
  if (create + update + deleted === 0) lines.push(`No changes: ${unchanged} resources as the files say.`);
  else if (command === 'diff' || outcome.dryRun) lines.push(`Would change: ${counts}.`);
  else lines.push(`Applied: ${create} created, ${update} updated, ${deleted} deleted, ${unchanged} unchanged (audit change set ${outcome.changeSet}).`);
  return `${lines.join('\n')}\n`;
}

function show(value: unknown): string {
  return value === undefined ? '(none)' : JSON.stringify(value);
}

async function call(server: string, token: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await reach(`${server}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const answer = (await response.json().catch(() => undefined)) as { error?: { message: string; details?: { message: string }[] } } | undefined;
  if (response.ok) return answer;
  const details = answer?.error?.details?.map((detail) => `  ${detail.message}`) ?? [];
  throw new Error(`${server} refused (${response.status}): ${details.length ? `\n${details.join('\n')}` : (answer?.error?.message ?? response.statusText)}`);
}
