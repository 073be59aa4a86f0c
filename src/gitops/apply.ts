import { randomUUID } from 'node:crypto';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type pg from 'pg';
import { currentActor, recordChange, runAs } from '../access/audit.ts';
import type { Db } from '../db/database.ts';
import { advisoryKey } from '../db/locks.ts';
import { ambientClient } from '../db/ambient.ts';
import { inAmbientTransaction } from '../db/transaction.ts';
import { DomainError, ValidationError, type ErrorDetail } from '../kernel/errors.ts';
import type { Metadata, Problem, SourceDocument } from './documents.ts';
import { nameKey } from './kinds/names.ts';
import { KINDS, kindOf } from './kinds/registry.ts';
import { Slug, type AnyKind, type ApplyContext, type KindContext, type KindStore, type Names, type SpecPath, type StoredResource } from './kinds/types.ts';
import { plan, type PlannedChange, type PlannedResource } from './plan.ts';
import { appliedResources } from './schema.ts';
import type { GitopsServices } from './services.ts';
import { validateDocuments } from './validate.ts';

/**
 * Applying configuration documents (SPEC §7.2; issue 22): validated as `vigil validate` does,
 * compared with what the server holds (plan.ts), and carried out through the domains' own
 * services in one transaction — all documents or none — under an advisory lock, so two applies
 * from two processes take turns and never interleave. Diff is the same without the last step;
 * export writes the server's state back as documents.
 */

/** One document as the API takes it: a file's, with where it came from when a client read it from a file. */
export interface ApplyDocument {
  apiVersion: string;
  kind: string;
  metadata: Metadata;
  spec: Record<string, unknown>;
  /** The file and the document's place in it, for problems to name. */
  source?: { file: string; index: number };
}

export interface ApplyOptions {
  /** Remove resources earlier applies created that the documents no longer declare. */
  prune?: boolean;
  /** … and resources created through the API or the UI too. */
  pruneAll?: boolean;
  /** Plan only (what `vigil diff` shows). */
  dryRun?: boolean;
  /** Who manages what this apply declares: `files` (default), or `dir:<path>` for a start-up directory. */
  managedBy?: string;
}

export interface ApplyOutcome {
  changes: PlannedChange[];
  summary: { create: number; update: number; delete: number; unchanged: number };
  /** Nothing was written: a dry run, or nothing to change. */
  dryRun: boolean;
  /** The audit log's id for the changes this apply made (GET /audit?changeSet=…); absent when nothing changed. */
  changeSet?: string;
}

export interface ExportedDocument {
  apiVersion: 'vigil/v1';
  kind: string;
  metadata: { name: string; title?: string };
  spec: unknown;
}

/** What a document is, once read: its kind, its resource's name, and its spec as the server compares it. */
interface Desired {
  document: ApplyDocument;
  /** Where problems point: `checks.yaml document 3`, or `document 3` of the request. */
  where: string;
  position: number;
  kind: AnyKind;
  /** Its resource's name: the API's for named kinds (the title when given), else the document's. */
  identity: string;
  spec: unknown;
}

const LOCK_KEY = 'vigil:gitops:apply';

/** Each kind's store, made once for one apply or export (a store may keep what its list read). */
type Stores = ReadonlyMap<string, KindStore<unknown>>;

export class GitopsService {
  constructor(
    private readonly pool: pg.Pool,
    private readonly db: Db,
    private readonly services: GitopsServices,
    private readonly context: KindContext,
  ) {}

  /**
   * Plans the documents against the server and, unless a dry run, carries the plan out. Throws a
   * ValidationError naming the document (and its field) for anything refused, having changed nothing.
   */
  async apply(documents: readonly ApplyDocument[], options: ApplyOptions = {}): Promise<ApplyOutcome> {
    const problems = await this.validate(documents);
    if (problems.length) throw new ValidationError(problems);
    const changeSet = randomUUID();
    const actor = { ...currentActor(), changeSet };
    const outcome = await runAs(actor, () =>
      inAmbientTransaction(this.pool, async () => {
        // Held to COMMIT: a second apply (any process) waits, then plans against what this one wrote.
        await ambientClient()!.query(`SELECT pg_advisory_xact_lock(${advisoryKey(LOCK_KEY)})`);
        return this.run(documents, options, changeSet, this.stores());
      }),
    );
    return outcome;
  }

  /** The server's state as documents, in apply order then by name; secrets as references (`valueFrom: {env}`). */
  async export(kinds: readonly string[] = KINDS.map((kind) => kind.kind)): Promise<ExportedDocument[]> {
    const unknown = kinds.filter((kind) => !kindOf(kind));
    if (unknown.length) throw new ValidationError([{ path: 'kinds', message: `Unknown kind "${unknown[0]}". Available: ${KINDS.map((kind) => kind.kind).join(', ')}.` }]);
    const stores = this.stores();
    const current = await this.current(stores);
    // Names as files write them: a slug, with the API's name as the title where it is not one.
    const documentNames = new Map<string, Map<string, { name: string; title?: string }>>();
    for (const kind of KINDS) {
      const taken = new Set<string>();
      const names = new Map<string, { name: string; title?: string }>();
      for (const resource of current.get(kind.kind) ?? []) {
        const rule = kind.name ?? Slug;
        if (rule.safeParse(resource.name).success && !taken.has(nameKey(resource.name))) {
          names.set(resource.id, { name: resource.name });
          taken.add(nameKey(resource.name));
          continue;
        }
        const name = unique(slugOf(resource.name), taken);
        taken.add(name);
        names.set(resource.id, kind.named ? { name, title: resource.name } : { name });
      }
      documentNames.set(kind.kind, names);
    }
    const names: Names = {
      id: () => {
        throw new Error('export reads ids only');
      },
      name: (kind, id) => documentNames.get(kind)?.get(id)?.name ?? id,
    };
    const secretsByValue = new Map<string, string>();
    for (const secret of current.get('Secret') ?? []) {
      const value = (secret.resource as { value?: string }).value;
      if (value !== undefined && !secretsByValue.has(value)) secretsByValue.set(value, secret.name);
    }
    const added = new Map<string, string>();
    const secretName = (value: string, suggested: string) => {
      const known = secretsByValue.get(value) ?? added.get(value);
      if (known) return known;
      const name = unique(suggested.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 90), new Set([...secretsByValue.values(), ...added.values()].map(nameKey)));
      added.set(value, name);
      return name;
    };
    const wanted = new Set(kinds);
    const documents: ExportedDocument[] = [];
    for (const kind of KINDS) {
      if (!wanted.has(kind.kind) || kind.kind === 'Secret') continue;
      const store = stores.get(kind.kind)!;
      for (const resource of current.get(kind.kind) ?? []) {
        const { name, title } = documentNames.get(kind.kind)!.get(resource.id)!;
        const spec = await store.toSpec(resource.resource, names);
        const file: { spec: unknown; title?: string } = kind.toFile ? kind.toFile(spec, { name, secretName }) : { spec };
        const shownTitle = file.title ?? title;
        documents.push({ apiVersion: 'vigil/v1', kind: kind.kind, metadata: { name, ...(shownTitle === undefined ? {} : { title: shownTitle }) }, spec: file.spec });
      }
    }
    // Secrets last in the loop, first in the output: those the server has, and those the channels' secret fields needed.
    const secretKind = kindOf('Secret')!;
    const secrets: ExportedDocument[] = [];
    if (wanted.has('Secret')) for (const secret of current.get('Secret') ?? []) secrets.push(secretDocument(secretKind, secret.name));
    for (const name of added.values()) secrets.push(secretDocument(secretKind, name));
    secrets.sort((a, b) => nameKey(a.metadata.name).localeCompare(nameKey(b.metadata.name)));
    const order = (document: ExportedDocument) => kindOf(document.kind)!.order;
    return [...secrets, ...documents].sort((a, b) => order(a) - order(b) || 0);
  }

  private async validate(documents: readonly ApplyDocument[]): Promise<ErrorDetail[]> {
    const sources: SourceDocument[] = documents.map((document, position) => ({
      file: document.source?.file ?? 'request',
      index: document.source?.index ?? position + 1,
      kind: document.kind,
      metadata: document.metadata,
      spec: document.spec,
      locate: () => undefined,
    }));
    // A reference to a resource the server has but the documents do not declare is fine here.
    const problems = await validateDocuments(sources, this.context, { wire: true, known: this.serverHas() });
    const positions = new Map(sources.map((source, position) => [`${source.file}\u0000${source.index}`, position]));
    return problems.map((problem) => ({ path: `documents.${positions.get(`${problem.file}\u0000${problem.index}`)}.${problem.path}`, message: describe(problem) }));
  }

  /** Whether the server has a resource of a kind by that name; each kind's names read once, when first asked. */
  private serverHas(): (kind: string, name: string) => Promise<boolean> {
    const names = new Map<string, Promise<Set<string>>>();
    return async (kind, name) => {
      const store = kindOf(kind)?.store(this.services);
      if (!store) return false;
      if (!names.has(kind)) names.set(kind, store.list().then((resources) => new Set(resources.map((resource) => nameKey(resource.name)))));
      return (await names.get(kind)!).has(nameKey(name));
    };
  }

  private stores(): Stores {
    return new Map(KINDS.map((kind) => [kind.kind, kind.store(this.services) as KindStore<unknown>]));
  }

  /** Every resource of every kind the server has, by kind. */
  private async current(stores: Stores): Promise<Map<string, StoredResource<unknown>[]>> {
    const current = new Map<string, StoredResource<unknown>[]>();
    for (const kind of KINDS) current.set(kind.kind, await stores.get(kind.kind)!.list());
    return current;
  }

  private async run(documents: readonly ApplyDocument[], options: ApplyOptions, changeSet: string, stores: Stores): Promise<ApplyOutcome> {
    const managedBy = options.managedBy ?? 'files';
    const prune = Boolean(options.prune || options.pruneAll);
    const current = await this.current(stores);
    const desired = documents.map((document, position): Desired => {
      const kind = kindOf(document.kind)!;
      const spec = (kind.wire ?? kind.spec).parse(document.spec);
      const where = document.source ? `${document.source.file} document ${document.source.index}` : `document ${position + 1}`;
      return { document, where, position, kind, identity: kind.named ? (document.metadata.title ?? document.metadata.name) : document.metadata.name, spec };
    });

    // Names both ways: a document's name → its resource's name → the id the server gave it.
    const identities = new Map<string, string>();
    const documentNames = new Map<string, string>();
    const ids = new Map<string, string>();
    const key = (kind: string, name: string) => `${kind}\u0000${nameKey(name)}`;
    for (const entry of desired) identities.set(key(entry.kind.kind, entry.document.metadata.name), entry.identity);
    // What the server has, by name and by id: read once, asked for every reference.
    const byIdentity = new Map<string, StoredResource<unknown>>();
    const serverNames = new Map<string, string>();
    for (const [kind, resources] of current) {
      for (const resource of resources) {
        ids.set(key(kind, resource.name), resource.id);
        byIdentity.set(key(kind, resource.name), resource);
        serverNames.set(`${kind}\u0000${resource.id}`, resource.name);
      }
    }
    for (const entry of desired) {
      const id = ids.get(key(entry.kind.kind, entry.identity));
      if (id !== undefined) documentNames.set(`${entry.kind.kind}\u0000${id}`, entry.document.metadata.name);
    }
    const names: Names = {
      id(kind, name) {
        const id = ids.get(key(kind, identities.get(key(kind, name)) ?? name));
        if (id === undefined) throw new ValidationError([{ path: kind, message: `no ${kind} named "${name}"` }]);
        return id;
      },
      name(kind, id) {
        const named = documentNames.get(`${kind}\u0000${id}`);
        if (named !== undefined) return named;
        return serverNames.get(`${kind}\u0000${id}`) ?? id;
      },
    };

    // Secrets: the documents' values first, else the server's.
    const secretValues = new Map<string, string>();
    for (const entry of desired) {
      const value = entry.kind.kind === 'Secret' ? (entry.spec as { value?: string }).value : undefined;
      if (value !== undefined) secretValues.set(nameKey(entry.identity), value);
    }
    const stored = new Map((current.get('Secret') ?? []).map((secret) => [nameKey(secret.name), (secret.resource as { value?: string }).value]));
    const secret = async (name: string) => {
      const value = secretValues.get(nameKey(name)) ?? stored.get(nameKey(name));
      if (value === undefined) throw new ValidationError([{ path: 'secrets', message: `no Secret named "${name}": declare it (valueFrom env or file) or create it first` }]);
      return value;
    };

    const applied = await this.appliedIds(managedBy);
    const currentPlanned: PlannedResource[] = [];
    for (const kind of KINDS) {
      const store = stores.get(kind.kind)!;
      for (const resource of current.get(kind.kind) ?? []) {
        currentPlanned.push({ kind: kind.kind, name: resource.name, spec: await store.toSpec(resource.resource, names), order: kind.order, fromFiles: applied.has(`${kind.kind}\u0000${resource.id}`) });
      }
    }
    const currentSpecs = new Map(currentPlanned.map((resource) => [key(resource.kind, resource.name), resource.spec]));
    const desiredPlanned: PlannedResource[] = [];
    const resolved = new Map<Desired, unknown>();
    const declaredName = new Map(desired.map((entry) => [key(entry.kind.kind, entry.identity), entry.document.metadata.name]));
    for (const entry of desired) {
      const store = stores.get(entry.kind.kind)!;
      const spec = await this.named(entry, async () => {
        const canonical = canonicalReferences(entry, (kind, name) => {
          const identity = identities.get(key(kind, name));
          return identity === undefined ? name : (declaredName.get(key(kind, identity)) ?? name);
        });
        const withSecrets = entry.kind.resolve ? await entry.kind.resolve(canonical, secret) : canonical;
        const currentSpec = currentSpecs.get(key(entry.kind.kind, entry.identity));
        return store.desired
          ? await store.desired(withSecrets, { ...(currentSpec === undefined ? {} : { current: currentSpec }), prune, name: entry.document.metadata.name, ...(entry.document.metadata.title ? { title: entry.document.metadata.title } : {}) })
          : withSecrets;
      });
      resolved.set(entry, spec);
      desiredPlanned.push({ kind: entry.kind.kind, name: entry.identity, spec, order: entry.kind.order, secretPaths: entry.kind.secretPaths?.(spec as never) ?? [] });
    }

    const changes = plan(desiredPlanned, currentPlanned, { prune: options.prune ?? false, pruneAll: options.pruneAll ?? false });
    const summary = { create: 0, update: 0, delete: 0, unchanged: 0 };
    for (const change of changes) summary[change.action] += 1;
    const nothing = summary.create + summary.update + summary.delete === 0;
    if (options.dryRun || nothing) {
      if (!options.dryRun) await this.own(desired, ids, managedBy);
      return { changes, summary, dryRun: Boolean(options.dryRun) };
    }

    const context: ApplyContext = { names, prune: options.prune ?? false, secret };
    const entries = new Map(desired.map((entry) => [key(entry.kind.kind, entry.identity), entry]));
    const entryOf = (change: PlannedChange) => entries.get(key(change.kind, change.name))!;
    const linked: { entry: Desired; id: string; current?: unknown }[] = [];
    const finishKind = async (kind: AnyKind | undefined) => {
      const store = kind && stores.get(kind.kind)!;
      if (!kind || !store?.link) return;
      for (const { entry, id, current: stored } of linked.filter((item) => item.entry.kind === kind)) {
        await this.named(entry, () => store.link!(id, { name: entry.identity, ...title(entry), spec: resolved.get(entry), ...(stored === undefined ? {} : { current: stored }) }, context));
      }
    };
    // Kind by kind in apply order: the creates together (one statement where the kind can), then the updates, then what refers to the kind itself.
    const kindsInOrder = [...new Set(changes.filter((change) => change.action === 'create' || change.action === 'update').map((change) => change.kind))];
    for (const kindName of kindsInOrder) {
      const ofKind = changes.filter((change) => change.kind === kindName && (change.action === 'create' || change.action === 'update'));
      const store = stores.get(kindName)!;
      const creates = ofKind.filter((change) => change.action === 'create').map(entryOf);
      const applied = (entry: Desired) => ({ name: entry.identity, ...title(entry), spec: resolved.get(entry) });
      const createdIds =
        store.createMany && creates.length > 1
          ? await this.namedBatch(creates, () => store.createMany!(creates.map(applied), context))
          : await this.oneByOne(creates, (entry) => this.named(entry, () => store.create(applied(entry), context)));
      creates.forEach((entry, index) => {
        const id = createdIds[index]!;
        ids.set(key(entry.kind.kind, entry.identity), id);
        documentNames.set(`${entry.kind.kind}\u0000${id}`, entry.document.metadata.name);
        linked.push({ entry, id });
      });
      for (const change of ofKind.filter((item) => item.action === 'update')) {
        const entry = entryOf(change);
        const existing = byIdentity.get(key(entry.kind.kind, entry.identity))!;
        const replaced = await this.named(entry, () => store.update(existing.id, { ...applied(entry), current: existing.resource }, context));
        const id = replaced ?? existing.id;
        ids.set(key(entry.kind.kind, entry.identity), id);
        linked.push({ entry, id, current: existing.resource });
      }
      await finishKind(kindOf(kindName));
    }
    for (const change of changes) {
      if (change.action !== 'delete') continue;
      const resource = byIdentity.get(key(change.kind, change.name))!;
      await stores
        .get(change.kind)!
        .remove(resource.id)
        .catch((error: unknown) => {
          throw refusal(`${change.kind} ${change.name} (to prune)`, error, 'documents');
        });
      await this.db.delete(appliedResources).where(and(eq(appliedResources.kind, change.kind), eq(appliedResources.resourceId, resource.id)));
    }
    await this.own(desired, ids, managedBy);
    await recordChange(this.db, { resourceType: 'apply', resourceId: changeSet, action: 'apply', after: { managedBy, prune: options.prune ?? false, pruneAll: options.pruneAll ?? false, ...summary } });
    return { changes, summary, dryRun: false, changeSet };
  }

  /** One after the other: every step shares the transaction's one connection. */
  private async oneByOne<T, R>(items: readonly T[], step: (item: T) => Promise<R>): Promise<R[]> {
    const results: R[] = [];
    for (const item of items) results.push(await step(item));
    return results;
  }

  /** Runs one kind's batch step; a problem whose path starts with an index is refused naming that document. */
  private async namedBatch<T>(entries: readonly Desired[], step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      throw new ValidationError(
        error.details.map((detail) => {
          const match = /^(\d+)(?:\.(.*))?$/.exec(detail.path);
          const entry = match ? entries[Number(match[1])] : undefined;
          if (!entry) return { path: 'documents', message: `${entries[0]!.kind.kind} documents: ${detail.path ? `${detail.path}: ` : ''}${detail.message}` };
          const where = `${entry.where} (${entry.kind.kind} ${entry.document.metadata.name})`;
          return { path: `documents.${entry.position}`, message: `${where}: ${match![2] ? `${match![2]}: ` : ''}${detail.message}` };
        }),
      );
    }
  }

  /** Runs one document's step; what it throws is refused naming the document. */
  private async named<T>(entry: Desired, step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (error) {
      throw refusal(`${entry.where} (${entry.kind.kind} ${entry.document.metadata.name})`, error, `documents.${entry.position}`);
    }
  }

  /** Remembers what the documents declared, and who manages it. */
  private async own(desired: readonly Desired[], ids: ReadonlyMap<string, string>, managedBy: string): Promise<void> {
    const rows = desired.flatMap((entry) => {
      const id = ids.get(`${entry.kind.kind}\u0000${nameKey(entry.identity)}`);
      return id === undefined ? [] : [{ kind: entry.kind.kind, resourceId: id, name: entry.document.metadata.name, managedBy, appliedAt: new Date() }];
    });
    for (let at = 0; at < rows.length; at += 1000) {
      await this.db
        .insert(appliedResources)
        .values(rows.slice(at, at + 1000))
        .onConflictDoUpdate({ target: [appliedResources.kind, appliedResources.resourceId], set: { name: sql`excluded.name`, managedBy: sql`excluded.managed_by`, appliedAt: sql`excluded.applied_at` } });
    }
  }

  /** What earlier applies of the same manager declared: what `--prune` may remove. */
  private async appliedIds(managedBy: string): Promise<Set<string>> {
    const rows = await this.db
      .select({ kind: appliedResources.kind, resourceId: appliedResources.resourceId })
      .from(appliedResources)
      .where(eq(appliedResources.managedBy, managedBy));
    return new Set(rows.map((row) => `${row.kind}\u0000${row.resourceId}`));
  }

  /** The document names earlier applies gave resources of a kind the API names not, by id. */
  async appliedNames(kind: string): Promise<Map<string, string>> {
    const rows = await this.db.select({ resourceId: appliedResources.resourceId, name: appliedResources.name }).from(appliedResources).where(eq(appliedResources.kind, kind));
    return new Map(rows.map((row) => [row.resourceId, row.name]));
  }

  /** Every resource configuration documents declared, with who manages it: what the UI warns about before an edit. */
  async managed(kind?: string): Promise<{ kind: string; resourceId: string; name: string; managedBy: string; appliedAt: string }[]> {
    const rows = await this.db
      .select()
      .from(appliedResources)
      .where(kind ? eq(appliedResources.kind, kind) : undefined)
      .orderBy(appliedResources.kind, appliedResources.name);
    return rows.map((row) => ({ ...row, appliedAt: row.appliedAt.toISOString() }));
  }

  /** Who manages each of these resources (`files`, `dir:<path>`), for the API's `managedBy`. */
  async managedBy(kind: string, ids: readonly string[]): Promise<Map<string, string>> {
    if (!ids.length) return new Map();
    const rows = await this.db
      .select({ resourceId: appliedResources.resourceId, managedBy: appliedResources.managedBy })
      .from(appliedResources)
      .where(and(eq(appliedResources.kind, kind), inArray(appliedResources.resourceId, [...ids])));
    return new Map(rows.map((row) => [row.resourceId, row.managedBy]));
  }
}

function title(entry: Desired): { title?: string } {
  return entry.document.metadata.title === undefined ? {} : { title: entry.document.metadata.title };
}

/** The spec with each name it refers to written as the document it names writes itself (names compare ignoring case). */
function canonicalReferences(entry: Desired, canonical: (kind: string, name: string) => string): unknown {
  const spec = structuredClone(entry.spec) as Record<string | number, unknown>;
  for (const reference of entry.kind.references(spec)) setAt(spec, reference.path, canonical(reference.kind, reference.name), reference.name);
  return spec;
}

function setAt(root: Record<string | number, unknown>, path: SpecPath, value: string, written: string): void {
  let node: unknown = root;
  for (const segment of path.slice(0, -1)) node = (node as Record<string | number, unknown> | undefined)?.[segment];
  const last = path.at(-1)!;
  // Only a field holding the name itself (not a template naming a secret inside a longer string).
  if (node && typeof node === 'object' && (node as Record<string | number, unknown>)[last] === written) (node as Record<string | number, unknown>)[last] = value;
}

/** What a service refused, as the document's problem: `checks.yaml document 3 (Healthcheck x): config.url: …`. */
function refusal(where: string, error: unknown, path: string): Error {
  if (error instanceof ValidationError) {
    return new ValidationError(error.details.map((detail) => ({ path, message: `${where}: ${detail.path ? `${detail.path}: ` : ''}${detail.message}` })));
  }
  if (error instanceof DomainError) return new ValidationError([{ path, message: `${where}: ${error.message}` }]);
  return error instanceof Error ? error : new Error(String(error));
}

function describe(problem: Problem): string {
  const identity = [problem.kind, problem.name].filter((part) => part !== null).join(' ');
  return `${problem.file === 'request' ? '' : `${problem.file} `}document ${problem.index}${identity ? ` (${identity})` : ''}: ${problem.path ? `${problem.path}: ` : ''}${problem.message}`;
}

function secretDocument(kind: AnyKind, name: string): ExportedDocument {
  return { apiVersion: 'vigil/v1', kind: 'Secret', metadata: { name }, spec: kind.toFile!({}, { name, secretName: () => name }).spec };
}

function slugOf(name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 55);
  return slug || 'unnamed';
}

function unique(name: string, taken: ReadonlySet<string>): string {
  if (!taken.has(nameKey(name))) return name;
  for (let n = 2; ; n += 1) if (!taken.has(nameKey(`${name}-${n}`))) return `${name}-${n}`;
}
