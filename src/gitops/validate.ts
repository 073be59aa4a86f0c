import { issueDetails, plainMessage } from '../kernel/validation-messages.ts';
import { readDocuments, type FieldPath, type Problem, type SourceDocument } from './documents.ts';
import { nameKey } from './kinds/names.ts';
import { KINDS, kindOf } from './kinds/registry.ts';
import { Slug, type AnyKind, type KindContext } from './kinds/types.ts';

/**
 * `vigil validate`: everything that can be known wrong about a set of documents without a server
 * or a database (SPEC §7.2, §7.3) — envelopes and specs, names defined twice, names referred to
 * but defined nowhere in the files, and what the API would refuse on save (strategy configs,
 * assertions, templates, channel configs, rule filters and actions).
 */

export interface Validation {
  valid: boolean;
  files: string[];
  /** How many documents the files hold. */
  documents: number;
  problems: Problem[];
  /** The documents read (those whose YAML and envelope are sound). */
  sources: SourceDocument[];
}

/** Reads the files and directories and validates their documents; throws UnreadablePathError for a path it cannot read. */
export async function validateFiles(paths: readonly string[], context: KindContext): Promise<Validation> {
  const read = await readDocuments(paths);
  const problems = [...read.problems, ...(await validateDocuments(read.documents, context))];
  const order = new Map(read.files.map((file, position) => [file, position]));
  problems.sort(
    (a, b) => (order.get(a.file) ?? 0) - (order.get(b.file) ?? 0) || a.index - b.index || (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0),
  );
  return { valid: problems.length === 0, files: read.files, documents: read.count, problems, sources: read.documents };
}

interface Read {
  document: SourceDocument;
  kind: AnyKind;
  /** The spec parsed, defaults filled in; absent when it does not fit its kind. */
  spec?: unknown;
}

/**
 * With `wire`, specs are read as the API takes them (a Secret carries its value, read by the
 * client); `known` answers for names the documents do not define (a server's own resources).
 */
export async function validateDocuments(
  documents: readonly SourceDocument[],
  context: KindContext,
  options: { wire?: boolean; known?: (kind: string, name: string) => Promise<boolean> } = {},
): Promise<Problem[]> {
  const problems: Problem[] = [];
  const report = (document: SourceDocument, path: FieldPath, message: string) =>
    problems.push({ file: document.file, index: document.index, kind: document.kind, name: document.metadata.name, path: path.join('.'), message, ...document.locate(path) });

  const read: Read[] = [];
  for (const document of documents) {
    const kind = kindOf(document.kind);
    if (!kind) {
      report(document, ['kind'], `Unknown kind "${document.kind}". Available: ${KINDS.map((known) => known.kind).join(', ')}.`);
      continue;
    }
    const name = (kind.name ?? Slug).safeParse(document.metadata.name, { error: plainMessage });
    if (!name.success) for (const issue of name.error.issues) report(document, ['metadata', 'name'], issue.message);
    const spec = ((options.wire ? kind.wire : undefined) ?? kind.spec).safeParse(document.spec, { error: plainMessage });
    if (!spec.success) for (const detail of issueDetails(spec.error.issues)) report(document, ['spec', ...pathOf(detail.path)], detail.message);
    read.push({ document, kind, ...(spec.success ? { spec: spec.data } : {}) });
  }

  // Names are unique per kind ignoring case, as in the API (SPEC §1); the first one defines it.
  const defined = new Map<string, Read>();
  for (const entry of read) {
    const key = definitionKey(entry.kind.kind, entry.document.metadata.name);
    const first = defined.get(key);
    if (first) report(entry.document, ['metadata', 'name'], `${entry.kind.kind} "${first.document.metadata.name}" is already defined in ${first.document.file} (document ${first.document.index})`);
    else defined.set(key, entry);
  }

  const sound = read.filter((entry) => entry.spec !== undefined);
  for (const { document, kind, spec } of sound) {
    for (const reference of kind.references(spec)) {
      if (defined.has(definitionKey(reference.kind, reference.name)) || (await options.known?.(reference.kind, reference.name))) continue;
      report(document, ['spec', ...reference.path], `no ${reference.kind} named "${reference.name}" in these files`);
    }
    for (const problem of (await kind.check?.(spec, context)) ?? []) report(document, ['spec', ...problem.path], problem.message);
  }

  for (const kind of KINDS) {
    if (!kind.checkAll) continue;
    const ofKind = sound.filter((entry) => entry.kind === kind && defined.get(definitionKey(kind.kind, entry.document.metadata.name)) === entry);
    for (const problem of kind.checkAll(ofKind.map((entry) => ({ name: entry.document.metadata.name, spec: entry.spec })))) {
      const entry = ofKind.find((candidate) => candidate.document.metadata.name === problem.name);
      if (entry) report(entry.document, ['spec', ...problem.path], problem.message);
    }
  }
  return problems;
}

function definitionKey(kind: string, name: string): string {
  return `${kind}/${nameKey(name)}`;
}

function pathOf(path: readonly PropertyKey[]): (string | number)[] {
  return path.map((segment) => (typeof segment === 'symbol' ? String(segment) : segment));
}
