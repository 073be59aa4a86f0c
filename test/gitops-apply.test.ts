import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatDocuments } from '../src/gitops/documents.ts';
import { prepareDocuments } from '../src/gitops/prepare.ts';
import { getCollector, getStrategy, listStrategies } from '../src/strategies/registry.ts';
import { createTestApi, type TestApi } from './support/api.ts';

/**
 * Configuration as code against a real server (issue 22): real files in test/fixtures/gitops read
 * as `vigil apply` reads them, sent to POST /api/v1/apply, on the embedded PostgreSQL or (with
 * DATABASE_URL) the local one.
 */
const context = { strategies: { getStrategy, listStrategies, getCollector } };
const environment = { GITOPS_TEST_API_TOKEN: 'tok-first' };
const root = mkdtempSync(join(tmpdir(), 'vigil-gitops-'));
let api: TestApi;

beforeAll(async () => {
  api = await createTestApi();
});
afterAll(async () => {
  await api.close();
  rmSync(root, { recursive: true, force: true });
});

/** A copy of the fixture files, to change without touching the committed ones. */
let copies = 0;
function fixture(): string {
  const dir = join(root, `copy-${++copies}`);
  cpSync(join(import.meta.dirname, 'fixtures/gitops'), dir, { recursive: true });
  return dir;
}

async function apply(target: TestApi, paths: string[], options: { prune?: boolean; pruneAll?: boolean; dryRun?: boolean } = {}, env: NodeJS.ProcessEnv = environment) {
  const prepared = await prepareDocuments(paths, context, env);
  expect(prepared.problems).toEqual([]);
  return target.call('POST', '/api/v1/apply', { documents: prepared.documents, ...options });
}

const count = async (target: TestApi, table: string) => Number((await target.database.pool.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);

describe('apply', () => {
  it('creates every resource the files declare, in one change set', async () => {
    const dir = fixture();
    const first = await apply(api, [dir]);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body.summary).toEqual({ create: 14, update: 0, delete: 0, unchanged: 0 });
    const systems = (await api.call('GET', '/api/v1/systems')).body.items;
    const payments = systems.find((system: { name: string }) => system.name === 'Payments API');
    expect(payments).toMatchObject({ public: true, tags: { tier: '1' } });
    expect(payments.dependsOn).toHaveLength(1);
    const assignments = (await api.call('GET', `/api/v1/assignments?systemId=${payments.id}`)).body.items;
    expect(assignments).toHaveLength(2);
    const audit = (await api.call('GET', `/api/v1/audit?changeSet=${first.body.changeSet}&limit=500`)).body.items;
    expect(audit.length).toBeGreaterThan(14);
    expect(audit.every((entry: { changeSet: string }) => entry.changeSet === first.body.changeSet)).toBe(true);
    expect(audit[0]).toMatchObject({ resourceType: 'apply', action: 'apply' });
    // Secrets: stored, never answered.
    expect(JSON.stringify(audit)).not.toContain('tok-first');
    expect(JSON.stringify(audit)).not.toContain('whsec-0123456789abcdef');
  });

  it('is idempotent: the same files again change nothing and say so', async () => {
    const again = await apply(api, [fixture()]);
    expect(again.status).toBe(200);
    expect(again.body.changes.filter((change: { action: string }) => change.action !== 'unchanged')).toEqual([]);
    expect(again.body.summary.unchanged).toBe(14);
    expect(again.body.changeSet).toBeUndefined();
  });
});

describe('diff', () => {
  it('shows drift after a change through the API, field by field, and apply puts it back', async () => {
    const systems = (await api.call('GET', '/api/v1/systems?name=ledger')).body.items;
    const ledger = systems.find((system: { name: string }) => system.name === 'ledger');
    expect((await api.call('PATCH', `/api/v1/systems/${ledger.id}`, { description: 'changed in the UI' })).status).toBe(200);
    const diff = await apply(api, [fixture()], { dryRun: true });
    expect(diff.body.dryRun).toBe(true);
    const changed = diff.body.changes.filter((change: { action: string }) => change.action !== 'unchanged');
    expect(changed).toEqual([{ kind: 'System', name: 'ledger', action: 'update', fields: [{ path: 'description', before: 'changed in the UI', after: 'Books every payment' }] }]);
    // A dry run wrote nothing.
    expect((await api.call('GET', `/api/v1/systems/${ledger.id}`)).body.description).toBe('changed in the UI');
    expect((await apply(api, [fixture()])).body.summary.update).toBe(1);
    expect((await api.call('GET', `/api/v1/systems/${ledger.id}`)).body.description).toBe('Books every payment');
  });

  it('says a secret changed without showing either value', async () => {
    const diff = await apply(api, [fixture()], { dryRun: true }, { GITOPS_TEST_API_TOKEN: 'tok-second' });
    const changed = diff.body.changes.filter((change: { action: string }) => change.action !== 'unchanged');
    expect(changed).toEqual([{ kind: 'Secret', name: 'API_TOKEN', action: 'update', fields: [{ path: 'value', secret: true }] }]);
    expect(JSON.stringify(diff.body)).not.toContain('tok-');
  });

  it('keeps a secret whose variable is not set where the files are applied', async () => {
    const prepared = await prepareDocuments([fixture()], context, {});
    expect(prepared.notes).toEqual([expect.stringContaining('Secret API_TOKEN: $GITOPS_TEST_API_TOKEN is not set here')]);
    const diff = await api.call('POST', '/api/v1/apply', { documents: prepared.documents, dryRun: true });
    expect(diff.body.summary).toMatchObject({ create: 0, update: 0, delete: 0 });
  });
});

describe('a document the server refuses', () => {
  it('rolls back everything and names the document and its field', async () => {
    const dir = fixture();
    // Valid offline; the server has no user with that address.
    writeFileSync(
      join(dir, 'zz-more.yaml'),
      `apiVersion: vigil/v1\nkind: System\nmetadata: {name: brand-new}\nspec: {}\n---\napiVersion: vigil/v1\nkind: Subscription\nmetadata: {name: to-nobody}\nspec:\n  system: brand-new\n  user: nobody@vigil.test\n  on: [any]\n`,
    );
    const systems = await count(api, 'systems');
    const audit = await count(api, 'audit_log');
    const response = await apply(api, [dir]);
    expect(response.status).toBe(400);
    expect(response.body.error.details).toEqual([
      { path: 'documents.15', message: expect.stringMatching(/zz-more\.yaml document 2 \(Subscription to-nobody\): user: expected the email address of a Vigil user/) },
    ]);
    expect(await count(api, 'systems')).toBe(systems);
    expect(await count(api, 'audit_log')).toBe(audit);
  });

  it('refuses a document that is not valid before asking the server anything', async () => {
    const response = await api.call('POST', '/api/v1/apply', {
      documents: [{ apiVersion: 'vigil/v1', kind: 'Healthcheck', metadata: { name: 'broken' }, spec: { strategy: 'http', intervalSeconds: 30, config: { url: 'not a url' } }, source: { file: 'checks.yaml', index: 3 } }],
    });
    expect(response.status).toBe(400);
    expect(response.body.error.details[0].message).toMatch(/^checks\.yaml document 3 \(Healthcheck broken\): spec\.config\.url: /);
  });

  it('is refused to a caller who is not an admin', async () => {
    const editor = await api.services.access.createUser({ email: 'editor@vigil.test', name: 'Editor', password: 'correct horse battery', role: 'editor', grants: [] });
    const { token } = await api.services.access.createToken({ kind: 'user', userId: editor.id, email: editor.email, role: 'editor', grants: [] }, { name: 'ci' });
    const response = await api.call('POST', '/api/v1/apply', { documents: [] }, { authorization: `Bearer ${token}` });
    expect(response.status).toBe(403);
  });
});

describe('prune', () => {
  it('removes what the files no longer declare, never what was made in the UI unless --prune-all', async () => {
    const ui = (await api.call('POST', '/api/v1/systems', { name: 'made-in-the-ui' })).body;
    const dir = fixture();
    // The ledger system goes, and payments-api no longer lists ledger-port.
    const catalog = (await import('node:fs')).readFileSync(join(dir, 'catalog.yaml'), 'utf8');
    const trimmed = catalog
      .replace(/---\napiVersion: vigil\/v1\nkind: System\nmetadata: \{name: ledger\}[\s\S]*?---\n/, '---\n')
      .replace(/\n {4}- ref: ledger-port\n?$/, '\n')
      .replace('dependsOn: [ledger]', 'dependsOn: []');
    writeFileSync(join(dir, 'catalog.yaml'), trimmed);

    const without = await apply(api, [dir]);
    expect(without.status, JSON.stringify(without.body)).toBe(200);
    expect(without.body.summary.delete).toBe(0);
    // Without --prune the assignment the list dropped stays.
    const payments = (await api.call('GET', '/api/v1/systems?name=Payments')).body.items[0];
    expect((await api.call('GET', `/api/v1/assignments?systemId=${payments.id}`)).body.items).toHaveLength(2);

    const pruned = await apply(api, [dir], { prune: true });
    expect(pruned.status, JSON.stringify(pruned.body)).toBe(200);
    expect(pruned.body.changes.filter((change: { action: string }) => change.action === 'delete')).toEqual([{ kind: 'System', name: 'ledger', action: 'delete', fields: [] }]);
    expect((await api.call('GET', `/api/v1/assignments?systemId=${payments.id}`)).body.items).toHaveLength(1);
    expect((await api.call('GET', `/api/v1/systems/${ui.id}`)).status).toBe(200);

    const all = await apply(api, [dir], { pruneAll: true, dryRun: true });
    expect(all.body.changes.filter((change: { action: string }) => change.action === 'delete')).toEqual([{ kind: 'System', name: 'made-in-the-ui', action: 'delete', fields: [] }]);
    // Back to the whole fixture for the tests after this one.
    expect((await apply(api, [fixture()])).status).toBe(200);
    await api.call('DELETE', `/api/v1/systems/${ui.id}`);
  });
});

describe('export', () => {
  it('writes documents that apply back to the same server as no change', async () => {
    const exported = await api.call('GET', '/api/v1/export');
    expect(exported.status).toBe(200);
    const documents = exported.body.documents;
    expect(documents.map((document: { kind: string }) => document.kind)).toEqual([
      'Environment', 'Environment', 'Secret', 'Secret', 'Group', 'Healthcheck', 'Healthcheck', 'System', 'System', 'NotificationChannel', 'Subscription', 'MaintenanceWindow', 'Automation', 'Slo',
    ]);
    expect(JSON.stringify(documents)).not.toContain('tok-first');
    expect(JSON.stringify(documents)).not.toContain('whsec-');
    const channel = documents.find((document: { kind: string }) => document.kind === 'NotificationChannel');
    expect(channel.spec.config.secret).toBe('{{ secrets.hook-secret }}');
    // As `vigil export > all.yaml` then `vigil apply -f all.yaml` on a machine without the secrets' variables.
    const file = join(root, 'export.yaml');
    writeFileSync(file, formatDocuments(documents));
    const prepared = await prepareDocuments([file], context, {});
    expect(prepared.problems).toEqual([]);
    const again = await api.call('POST', '/api/v1/apply', { documents: prepared.documents });
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(again.body.changes.filter((change: { action: string }) => change.action !== 'unchanged')).toEqual([]);
  });

  it('recreates the same monitoring on an empty server', async () => {
    const documents = (await api.call('GET', '/api/v1/export')).body.documents;
    const empty = await createTestApi();
    try {
      // The secrets come from the environment of whoever applies, as the export says.
      const withValues = documents.map((document: { kind: string; metadata: { name: string }; spec: Record<string, unknown> }) =>
        document.kind === 'Secret' ? { ...document, spec: { value: document.metadata.name === 'API_TOKEN' ? 'tok-first' : 'whsec-0123456789abcdef' } } : document,
      );
      const created = await empty.call('POST', '/api/v1/apply', { documents: withValues });
      expect(created.status, JSON.stringify(created.body)).toBe(200);
      expect(created.body.summary).toMatchObject({ create: 14, update: 0, delete: 0 });
      const second = (await empty.call('GET', '/api/v1/export')).body.documents;
      expect(second).toEqual(documents);
    } finally {
      await empty.close();
    }
  });
});

describe('concurrent applies', () => {
  it('take turns: the second plans against what the first wrote', async () => {
    const documents = (name: string) => [{ apiVersion: 'vigil/v1', kind: 'Group', metadata: { name }, spec: {} }, { apiVersion: 'vigil/v1', kind: 'Environment', metadata: { name: 'shared-env' }, spec: { description: 'both' } }];
    const [a, b] = await Promise.all([api.call('POST', '/api/v1/apply', { documents: documents('group-a') }), api.call('POST', '/api/v1/apply', { documents: documents('group-b') })]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const actions = [a.body, b.body].map((outcome) => outcome.changes.find((change: { name: string }) => change.name === 'shared-env').action).sort();
    // Interleaved, both would have tried to create it (and one failed on the unique name).
    expect(actions).toEqual(['create', 'unchanged']);
  });
});
