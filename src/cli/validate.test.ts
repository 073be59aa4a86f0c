import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = mkdtempSync(join(tmpdir(), 'vigil-validate-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const bin = fileURLToPath(new URL('../../bin/vigil.js', import.meta.url));
// Anything that tried to open a database would create this directory (or fail on the URL).
const env = { ...process.env, VIGIL_DATA_DIR: join(root, 'data'), DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' };

function vigilValidate(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, 'validate', ...args], { cwd: root, timeout: 15_000, env }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}

const catalog = `apiVersion: vigil/v1
kind: Environment
metadata: {name: production}
spec:
  fields: {baseUrl: "https://pay.example.com"}
---
apiVersion: vigil/v1
kind: Secret
metadata: {name: API_TOKEN}
spec:
  valueFrom: {env: PAYMENTS_API_TOKEN}
`;

const checks = `apiVersion: vigil/v1
kind: Healthcheck
metadata: {name: payments-health}
spec:
  strategy: http
  intervalSeconds: 30
  config:
    url: "{{ environment.baseUrl }}/health"
    headers: {Authorization: "Bearer {{ secrets.API_TOKEN }}"}
  assertions: ["statusCode == 200"]
---
apiVersion: vigil/v1
kind: System
metadata: {name: payments-api}
spec:
  environments: [production]
  healthchecks:
    - ref: payments-health
`;

const broken = `apiVersion: vigil/v1
kind: Healthcheck
metadata: {name: ledger-health}
spec:
  strategy: http
  intervalSeconds: 30
  config:
    url: "ledger"
---
apiVersion: vigil/v1
kind: System
metadata: {name: ledger}
spec:
  healthchecks:
    - ref: ledger-check
`;

function write(dir: string, files: Record<string, string>): string {
  mkdirSync(join(root, dir), { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(root, dir, name), text);
  return dir;
}

describe('vigil validate (bin/vigil.js)', () => {
  it('exits 0 on valid files, 1 with one line per problem, 64 on a usage mistake; never opens a database', async () => {
    const good = write('good', { 'catalog.yaml': catalog, 'checks.yml': checks });
    const bad = write('bad', { 'catalog.yaml': catalog, 'checks.yaml': checks, 'ledger.yaml': broken });
    const [valid, invalid, json, twoPaths, noFile, missing] = await Promise.all([
      vigilValidate(['-f', good]),
      vigilValidate(['-f', bad]),
      vigilValidate(['-f', bad, '--json']),
      vigilValidate(['-f', join(good, 'catalog.yaml'), '--file', join(good, 'checks.yml')]),
      vigilValidate([]),
      vigilValidate(['-f', 'nowhere']),
    ]);

    expect(valid).toEqual({ code: 0, stdout: '4 documents (2 files): valid\n', stderr: '' });
    expect(twoPaths).toMatchObject({ code: 0, stdout: '4 documents (2 files): valid\n' });

    expect(invalid.code).toBe(1);
    expect(invalid.stdout.split('\n')).toEqual([
      'bad/ledger.yaml:8:10: document 1 (Healthcheck ledger-health): spec.config.url: Invalid URL: expected an absolute http:// or https:// URL such as https://example.com/health, or a template such as {{ environment.baseUrl }}/health',
      'bad/ledger.yaml:15:12: document 2 (System ledger): spec.healthchecks.0.ref: no Healthcheck named "ledger-check" in these files',
      '2 problems in 6 documents (3 files)',
      '',
    ]);

    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({
      valid: false,
      documents: 6,
      problems: [
        expect.objectContaining({ file: 'bad/ledger.yaml', index: 1, kind: 'Healthcheck', name: 'ledger-health', path: 'spec.config.url', line: 8, column: 10 }),
        { file: 'bad/ledger.yaml', index: 2, kind: 'System', name: 'ledger', path: 'spec.healthchecks.0.ref', message: 'no Healthcheck named "ledger-check" in these files', line: 15, column: 12 },
      ],
    });

    expect(noFile).toEqual({ code: 64, stdout: '', stderr: 'vigil validate: expected at least one -f FILE|DIR\n' });
    expect(missing).toEqual({ code: 64, stdout: '', stderr: 'vigil validate: nowhere: no such file or directory\n' });
    expect(existsSync(join(root, 'data'))).toBe(false);
  }, 30_000);

  it('reports a YAML syntax error with its line and column', async () => {
    const dir = write('syntax', { 'broken.yaml': 'apiVersion: vigil/v1\nkind: Group\nmetadata: {name: a\nspec: {}\n' });
    const result = await vigilValidate(['-f', dir]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^syntax\/broken\.yaml:4:1: document 1: .*flow map/im);
  });
});
