import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from './support/cluster.ts';
import { redisMissing } from './support/redis.ts';
import { waitFor } from './support/wait.ts';

/**
 * Issue 22: applies sent at the same moment to two real API processes on one database take turns
 * (the advisory lock is held to COMMIT) and never interleave: every resource both declare is
 * created once, by one of them, and the other finds it unchanged.
 */
const noRedis = await redisMissing('concurrent applies on two API processes (Redis)');

describe.skipIf(noRedis)('applies on two API processes at once', () => {
  let cluster: Cluster;
  let urls: string[];

  beforeAll(async () => {
    cluster = await startCluster();
    const processes = [cluster.start('api', { PORT: '0' }), cluster.start('api', { PORT: '0' })];
    urls = [];
    for (const run of processes) {
      await waitFor(() => /Vigil listening on (http:\/\/\S+)/.test(run.output()), 30_000, 'an API process listening');
      urls.push(/Vigil listening on (http:\/\/\S+)/.exec(run.output())![1]!);
    }
  }, 60_000);
  afterAll(() => cluster?.close());

  it('takes turns: what both declare is created once, the other apply finds it unchanged', async () => {
    const document = (kind: string, name: string, spec: Record<string, unknown> = {}) => ({ apiVersion: 'vigil/v1', kind, metadata: { name }, spec });
    for (let round = 0; round < 5; round++) {
      // Both declare the same environment, healthcheck and system; each has a group of its own.
      const shared = [
        document('Environment', `env-${round}`),
        document('Healthcheck', `check-${round}`, { strategy: 'tcp', intervalSeconds: 60, config: { host: '127.0.0.1', port: 9 } }),
        document('System', `system-${round}`, { environments: [`env-${round}`], healthchecks: [{ ref: `check-${round}` }] }),
      ];
      const answers = await Promise.all(
        urls.map((url, index) =>
          fetch(`${url}/api/v1/apply`, {
            method: 'POST',
            headers: { ...cluster.api.authHeaders, 'content-type': 'application/json' },
            body: JSON.stringify({ documents: [...shared, document('Group', `group-${round}-${index}`)] }),
          }).then(async (response) => ({ status: response.status, body: (await response.json()) as { changes: { kind: string; name: string; action: string }[] } })),
        ),
      );
      expect(answers.map((answer) => answer.status), JSON.stringify(answers)).toEqual([200, 200]);
      for (const { kind, metadata } of shared) {
        const actions = answers.map((answer) => answer.body.changes.find((change) => change.kind === kind && change.name === metadata.name)!.action).sort();
        expect(actions, `${kind} ${metadata.name}`).toEqual(['create', 'unchanged']);
      }
    }
    const { rows } = await cluster.api.database.pool.query(`SELECT count(*)::int AS n FROM assignments`);
    expect(rows[0].n).toBe(5);
  });
});
