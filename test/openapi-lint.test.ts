import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appWithSingleSignOn, createTestApi, type TestApi } from './support/api.ts';

/** The OpenAPI document is for real clients: it passes Redocly's lint with the recommended rules. */
let api: TestApi;
beforeAll(async () => {
  api = await createTestApi();
});
afterAll(() => api.close());

describe('the OpenAPI document', () => {
  it('passes `redocly lint` (recommended rules) with no error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-openapi-'));
    try {
      const file = join(dir, 'openapi.json');
      // With single sign-on on: its routes are only mounted then.
      const document = (await (await appWithSingleSignOn(api).request('/api/openapi.json')).json()) as { paths: Record<string, Record<string, { responses: object }>> };
      writeFileSync(file, JSON.stringify(document));
      const cli = createRequire(import.meta.url).resolve('@redocly/cli/bin/cli.js');
      const lint = spawnSync(process.execPath, [cli, 'lint', '--extends=recommended', '--format=json', file], { encoding: 'utf8', env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' } });
      const report = JSON.parse(lint.stdout) as { totals: { errors: number; warnings: number }; problems: { ruleId: string; message: string; location: { pointer: string }[] }[] };
      // A browser's way to the OpenID provider and back only ever redirects: it has no 2xx answer to give.
      const redirectsOnly = (problem: { location: { pointer: string }[] }) => {
        const [, path, method] = /^#\/paths\/([^/]+)\/(\w+)\/responses$/.exec(problem.location[0]?.pointer ?? '') ?? [];
        return path !== undefined && '302' in (document.paths[path.replaceAll('~1', '/').replaceAll('~0', '~')]?.[method!]?.responses ?? {});
      };
      const problems = report.problems.filter((problem) => problem.ruleId !== 'info-license' && !(problem.ruleId === 'operation-2xx-response' && redirectsOnly(problem)));
      expect(problems).toEqual([]);
      expect(lint.status, lint.stderr).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
