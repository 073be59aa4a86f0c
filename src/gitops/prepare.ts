import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { ApplyDocument } from './apply.ts';
import type { Problem } from './documents.ts';
import type { ValueFrom } from './kinds/secret.ts';
import type { KindContext } from './kinds/types.ts';
import { validateFiles } from './validate.ts';

/**
 * The client's half of an apply (`vigil apply`, `vigil diff`, a start-up directory): the files
 * read and validated offline, then each Secret's value read from where its valueFrom says, on
 * this machine — the server never reads a file or a variable a request names.
 */
export interface Prepared {
  documents: ApplyDocument[];
  /** What validate found (nothing is sent when there is any). */
  problems: Problem[];
  /** Secrets whose variable is not set here: the server keeps the value it has. */
  notes: string[];
  files: string[];
}

export async function prepareDocuments(paths: readonly string[], context: KindContext, environment: NodeJS.ProcessEnv = process.env): Promise<Prepared> {
  const validation = await validateFiles(paths, context);
  if (!validation.valid) return { documents: [], problems: validation.problems, notes: [], files: validation.files };
  const problems: Problem[] = [];
  const notes: string[] = [];
  const documents: ApplyDocument[] = [];
  for (const document of validation.sources) {
    const source = { file: document.file, index: document.index };
    const base = { apiVersion: 'vigil/v1', kind: document.kind, metadata: document.metadata, source };
    if (document.kind !== 'Secret') {
      documents.push({ ...base, spec: document.spec });
      continue;
    }
    const from = document.spec.valueFrom as ValueFrom;
    const problem = (message: string) => problems.push({ ...source, kind: 'Secret', name: document.metadata.name, path: 'spec.valueFrom', message, ...document.locate(['spec', 'valueFrom']) });
    let value: string | undefined;
    if (from.env !== undefined) {
      value = environment[from.env];
      if (value === undefined || value === '') {
        notes.push(`Secret ${document.metadata.name}: $${from.env} is not set here, so the server keeps the value it has (a new secret needs it)`);
        value = undefined;
      }
    } else {
      const path = resolve(dirname(document.file), from.file!);
      value = await readFile(path, 'utf8').then(
        (text) => text.replace(/\r?\n$/, ''),
        (error: NodeJS.ErrnoException) => {
          problem(`cannot read ${path}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
          return undefined;
        },
      );
    }
    documents.push({ ...base, spec: value === undefined ? {} : { value } });
  }
  return { documents: problems.length ? [] : documents, problems, notes, files: validation.files };
}
