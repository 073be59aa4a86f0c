import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseAllDocuments, stringify, type Document, type Node } from 'yaml';
import { z } from 'zod';
import { issueDetails, plainMessage } from '../kernel/validation-messages.ts';

/**
 * Configuration as code, read (SPEC §7.2): YAML files of documents `{apiVersion: vigil/v1, kind,
 * metadata: {name, title?, labels?}, spec}`, several per file. Every problem says where it is —
 * file, document, field path and, when the YAML still says so, line and column — so a person
 * fixes it without searching. What a kind's spec means is the kinds' business (kinds/).
 */

export const API_VERSION = 'vigil/v1';

export const Metadata = z
  .object({
    name: z.string().min(1, 'expected a name').max(200, 'expected at most 200 characters'),
    title: z.string().trim().min(1, 'expected a title').max(200, 'expected at most 200 characters').optional(),
    labels: z
      .record(z.string().min(1, 'expected a label name').max(100, 'expected label names of at most 100 characters'), z.string().max(500, 'expected label values of at most 500 characters'))
      .refine((labels) => Object.keys(labels).length <= 50, 'expected at most 50 labels')
      .optional(),
  })
  .strict();

export const Envelope = z
  .object({
    apiVersion: z.literal(API_VERSION, { error: `expected ${API_VERSION}` }),
    kind: z.string().min(1, 'expected a kind such as System'),
    metadata: Metadata,
    spec: z.record(z.string(), z.unknown()),
  })
  .strict();

export type Metadata = z.output<typeof Metadata>;

export type FieldPath = readonly (string | number)[];

export interface Position {
  line: number;
  column: number;
}

/** One document of one file, its envelope read; its spec still as written. */
export interface SourceDocument {
  file: string;
  /** Its place in its file, from 1. */
  index: number;
  kind: string;
  metadata: Metadata;
  spec: Record<string, unknown>;
  /** Where a field of the document is written: the value's line and column, or the nearest key's above it. */
  locate(path: FieldPath): Position | undefined;
}

/** Something wrong in the files, with everything a person needs to find it. */
export interface Problem {
  file: string;
  index: number;
  /** The document's kind and name, when it got far enough to have them. */
  kind: string | null;
  name: string | null;
  /** Dotted, from the document's root: `spec.healthchecks.0.ref`; '' for the document as a whole. */
  path: string;
  message: string;
  line?: number;
  column?: number;
}

export interface ReadResult {
  files: string[];
  /** Documents whose YAML and envelope are sound. */
  documents: SourceDocument[];
  /** How many documents the files hold, sound or not (empty ones aside). */
  count: number;
  problems: Problem[];
}

/** A path given to read that is not there, cannot be read or holds no YAML file: the command line's mistake. */
export class UnreadablePathError extends Error {}

const YAML_FILE = /\.ya?ml$/i;

/** Reads files and directories (recursively: every `*.yaml` and `*.yml`, sorted; dot-folders such as .git skipped). */
export async function readDocuments(paths: readonly string[]): Promise<ReadResult> {
  const files: string[] = [];
  for (const path of paths) {
    for (const file of await filesAt(path)) if (!files.includes(file)) files.push(file);
  }
  const result: ReadResult = { files, documents: [], count: 0, problems: [] };
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new UnreadablePathError(`${file}: ${(error as Error).message}`);
    }
    const parsed = parseDocuments(file, text);
    result.documents.push(...parsed.documents);
    result.count += parsed.count;
    result.problems.push(...parsed.problems);
  }
  return result;
}

async function filesAt(path: string): Promise<string[]> {
  const found = await stat(path).catch((error: Error) => {
    throw new UnreadablePathError(`${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : error.message}`);
  });
  if (!found.isDirectory()) return [join(path)];
  const files = await yamlFilesUnder(path);
  if (files.length === 0) throw new UnreadablePathError(`${path}: no .yaml or .yml file in this directory`);
  return files;
}

async function yamlFilesUnder(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true }).catch((error: Error) => {
    throw new UnreadablePathError(`${directory}: ${error.message}`);
  });
  const files: string[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const path = join(directory, entry.name);
    if (entry.isDirectory()) files.push(...(await yamlFilesUnder(path)));
    else if (YAML_FILE.test(entry.name)) files.push(path);
  }
  // Code-point order: the same on every machine, whatever its locale.
  return files.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The documents of one file's text; pure. */
export function parseDocuments(file: string, text: string): { documents: SourceDocument[]; count: number; problems: Problem[] } {
  const lineCounter = new LineCounter();
  const position = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const parsed = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const documents: SourceDocument[] = [];
  const problems: Problem[] = [];
  let count = 0;
  // A file without documents still reports what is wrong with its stream (a stray directive).
  if ('empty' in parsed) for (const error of parsed.errors) problems.push({ file, index: 1, kind: null, name: null, path: '', message: error.message, ...position(error.pos[0]) });

  parsed.forEach((document, offset) => {
    const index = offset + 1;
    // A document of comments only, or the empty one after a trailing `---`, declares nothing.
    const contents = document.contents;
    if ((contents === null || (isScalar(contents) && contents.value === null)) && document.errors.length === 0) return;
    count += 1;
    const at = (path: FieldPath) => locate(document, path, position);
    if (document.errors.length > 0) {
      for (const error of document.errors) problems.push({ file, index, kind: null, name: null, path: '', message: error.message, ...position(error.pos[0]) });
      return;
    }
    let body: unknown;
    try {
      body = document.toJS({ maxAliasCount: 1000 });
    } catch (error) {
      problems.push({ file, index, kind: null, name: null, path: '', message: (error as Error).message, ...at([]) });
      return;
    }
    const envelope = Envelope.safeParse(body, { error: plainMessage });
    if (!envelope.success) {
      const { kind, name } = identity(body);
      for (const detail of issueDetails(envelope.error.issues)) {
        const path = detail.path.map((segment) => (typeof segment === 'symbol' ? String(segment) : segment));
        problems.push({ file, index, kind, name, path: path.join('.'), message: detail.message, ...at(path) });
      }
      return;
    }
    documents.push({ file, index, kind: envelope.data.kind, metadata: envelope.data.metadata, spec: envelope.data.spec, locate: at });
  });
  return { documents, count, problems };
}

/** The kind and name a broken envelope still shows, for the problem to name its document. */
function identity(body: unknown): { kind: string | null; name: string | null } {
  const record = (value: unknown) => (value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {});
  const kind = record(body).kind;
  const name = record(record(body).metadata).name;
  return { kind: typeof kind === 'string' ? kind : null, name: typeof name === 'string' ? name : null };
}

/**
 * Follows `path` through the document's nodes. A scalar's problem points at its value; a missing
 * field's, a mapping's or a list's at the key above it (`spec:` for a field spec lacks).
 */
function locate(document: Document.Parsed, path: FieldPath, position: (offset: number) => Position): Position | undefined {
  let node: unknown = document.contents;
  let at = rangeStart(node);
  for (const segment of path) {
    node = isAlias(node) ? node.resolve(document) : node;
    if (isMap(node)) {
      const pair = node.items.find((item) => (isScalar(item.key) ? String(item.key.value) : String(item.key)) === String(segment));
      if (!pair) break;
      at = rangeStart(pair.key) ?? at;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number' && node.items[segment] !== undefined) {
      node = node.items[segment];
      at = rangeStart(node) ?? at;
    } else {
      break;
    }
    // A scalar written out (not an empty `key:`) is where its problem is.
    if (isScalar(node) && node.source !== '') at = rangeStart(node) ?? at;
  }
  return at === undefined ? undefined : position(at);
}

function rangeStart(node: unknown): number | undefined {
  return (node as Node | null | undefined)?.range?.[0];
}

/** Documents as one YAML stream (`vigil export`): `---` between them, keys in the order given, long strings unfolded. */
export function formatDocuments(documents: readonly unknown[], header?: string): string {
  const body = documents.map((document) => stringify(document, { lineWidth: 0, aliasDuplicateObjects: false })).join('---\n');
  return `${header ? `${header.replace(/^/gm, '# ')}\n` : ''}${body}`;
}

/** `checks.yaml:14:7: document 3 (Healthcheck payments-health): spec.config.url: Invalid URL` — what editors and CI annotate. */
export function formatProblem(problem: Problem): string {
  const where = problem.line === undefined ? problem.file : `${problem.file}:${problem.line}:${problem.column}`;
  const identity = [problem.kind, problem.name].filter((part) => part !== null).join(' ');
  const document = `document ${problem.index}${identity ? ` (${identity})` : ''}`;
  return `${where}: ${document}: ${problem.path ? `${problem.path}: ` : ''}${problem.message}`;
}
