import type { Command, CommanderError } from 'commander';
import { formatProblem, UnreadablePathError } from '../gitops/documents.ts';
import { validateFiles } from '../gitops/validate.ts';
import { getCollector, getStrategy, listStrategies } from '../strategies/registry.ts';

/**
 * `vigil validate -f FILE|DIR … [--json]`: configuration as code checked offline, with no server
 * and no database (SPEC §7.2). Exit 0 when every document is valid, 1 when one is not, 64 for a
 * usage mistake (no -f, a path that cannot be read), so CI can gate a merge on it.
 */

export const EXIT_CODES = { valid: 0, invalid: 1, usage: 64 } as const;

export interface ValidateIo {
  out(text: string): void;
  err(text: string): void;
  exit(code: number): void;
}

const processIo: ValidateIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  exit: (code) => process.exit(code),
};

export function registerValidateCommand(program: Command, io: ValidateIo = processIo): Command {
  const collect = (value: string, previous: string[]) => [...previous, value];
  return program
    .command('validate')
    .description('check YAML documents offline: every problem with file, line, document and field (exit 0 valid, 1 not, 64 usage error)')
    .option('-f, --file <path>', 'a YAML file, or a directory of them (read recursively); repeatable', collect, [])
    .option('--json', 'print {valid, documents, problems} as JSON')
    .configureOutput({ writeOut: (text) => io.out(text), writeErr: (text) => io.err(text) })
    .exitOverride((error: CommanderError) => {
      io.exit(error.exitCode === 0 ? 0 : EXIT_CODES.usage);
      throw error;
    })
    .action(async (flags: { file: string[]; json?: boolean }) => {
      if (flags.file.length === 0) {
        io.err('vigil validate: expected at least one -f FILE|DIR\n');
        return io.exit(EXIT_CODES.usage);
      }
      let validation;
      try {
        validation = await validateFiles(flags.file, { strategies: { getStrategy, listStrategies, getCollector } });
      } catch (error) {
        if (!(error instanceof UnreadablePathError)) throw error;
        io.err(`vigil validate: ${error.message}\n`);
        return io.exit(EXIT_CODES.usage);
      }
      const { valid, documents, problems, files } = validation;
      if (flags.json) io.out(`${JSON.stringify({ valid, documents, problems }, null, 2)}\n`);
      else io.out([...problems.map(formatProblem), summary(problems.length, documents, files.length)].map((line) => `${line}\n`).join(''));
      io.exit(valid ? EXIT_CODES.valid : EXIT_CODES.invalid);
    });
}


function summary(problems: number, documents: number, files: number): string {
  const counted = `${plural(documents, 'document')} (${plural(files, 'file')})`;
  return problems === 0 ? `${counted}: valid` : `${plural(problems, 'problem')} in ${counted}`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
