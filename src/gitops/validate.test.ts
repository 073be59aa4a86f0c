import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { getCollector, getStrategy, listStrategies } from '../strategies/registry.ts';
import { readDocuments } from './documents.ts';
import { kindOf } from './kinds/registry.ts';
import { validateFiles } from './validate.ts';

const context = { strategies: { getStrategy, listStrategies, getCollector } };
const root = mkdtempSync(join(tmpdir(), 'vigil-validate-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A realistic set of files: what a team would commit for one service. */
const VALID_FILES: Record<string, string> = {
  'catalog.yaml': `
apiVersion: vigil/v1
kind: Environment
metadata: {name: production}
spec:
  fields: {baseUrl: "https://pay.example.com"}
---
apiVersion: vigil/v1
kind: Environment
metadata: {name: staging}
spec:
  description: Where releases soak
  fields: {baseUrl: "https://staging.pay.example.com"}
---
apiVersion: vigil/v1
kind: Group
metadata: {name: payments, title: Payments}
spec:
  description: Everything that takes money
---
apiVersion: vigil/v1
kind: Secret
metadata: {name: API_TOKEN}
spec:
  valueFrom: {env: PAYMENTS_API_TOKEN}
`,
  'checks/payments.yaml': `
apiVersion: vigil/v1
kind: Healthcheck
metadata: {name: payments-health, labels: {team: payments}}
spec:
  strategy: http
  intervalSeconds: 30
  config:
    url: "{{ environment.baseUrl }}/health"
    headers:
      Authorization: "Bearer {{ secrets.API_TOKEN }}"
  assertions: ["statusCode == 200", "latencyMs < 500ms (degraded)", 'json $.status == "UP"']
---
apiVersion: vigil/v1
kind: System
metadata: {name: ledger}
spec: {}
---
apiVersion: vigil/v1
kind: System
metadata: {name: payments-api, title: Payments API}
spec:
  public: true
  groups: [payments]
  environments: [production, staging]
  dependsOn: [ledger]
  healthchecks:
    - ref: payments-health
      environments: [production]
      stateThresholds: {mode: consecutive}
      notificationPolicy: {renotifyMinutes: 60}
`,
  'notifications.yaml': `
apiVersion: vigil/v1
kind: NotificationChannel
metadata: {name: ops-webhook}
spec:
  type: webhook
  config:
    url: https://hooks.example.com/vigil
    secret: "{{ secrets.API_TOKEN }}"
---
apiVersion: vigil/v1
kind: Subscription
metadata: {name: payments-to-ops}
spec:
  group: payments
  channel: ops-webhook
  on: [unhealthy, recovered]
---
apiVersion: vigil/v1
kind: MaintenanceWindow
metadata: {name: sunday-patching, title: Sunday patching}
spec:
  systems: [payments-api]
  startsAt: "2026-03-01T02:00:00+01:00"
  endsAt: "2026-03-01T03:00:00+01:00"
  rrule: FREQ=WEEKLY;BYDAY=SU
  timeZone: Europe/Berlin
---
apiVersion: vigil/v1
kind: Automation
metadata: {name: tell-ops}
spec:
  trigger: healthcheck.system_health_changed
  filter: trigger.payload.newStatus == "unhealthy"
  for: 2m
  actions:
    - type: notify
      input: {channel: ops-webhook, title: "{{ trigger.payload.systemName }} is down", severity: critical}
---
apiVersion: vigil/v1
kind: Slo
metadata: {name: payments-availability}
spec:
  system: payments-api
  healthcheck: payments-health
  environment: production
  objective: 99.9
`,
};

let directories = 0;
function writeFiles(files: Record<string, string>): string {
  const dir = join(root, `set-${++directories}`);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

const document = (kind: string, name: string, spec: string) => `apiVersion: vigil/v1\nkind: ${kind}\nmetadata: {name: ${name}}\nspec:\n${spec.replace(/^/gm, '  ')}\n`;

describe('validate: a realistic set of files', () => {
  it('is valid: every kind, references by name, templates, a secret from the environment', async () => {
    const dir = writeFiles(VALID_FILES);
    const validation = await validateFiles([dir], context);
    expect(validation.problems).toEqual([]);
    expect(validation).toMatchObject({ valid: true, documents: 12 });
    expect(validation.files).toEqual([join(dir, 'catalog.yaml'), join(dir, 'checks', 'payments.yaml'), join(dir, 'notifications.yaml')]);
  });

  it('refers from each kind only to kinds applied before it, or to its own', async () => {
    const { documents } = await readDocuments([writeFiles(VALID_FILES)]);
    const references = documents.flatMap((source) => {
      const kind = kindOf(source.kind)!;
      return kind.references(kind.spec.parse(source.spec)).map((reference) => ({ from: kind, to: kindOf(reference.kind)! }));
    });
    expect(references.length).toBeGreaterThan(10);
    for (const { from, to } of references) expect(to.order, `${from.kind} → ${to.kind}`).toBeLessThanOrEqual(from.order);
  });
});

interface ExpectedProblem {
  file: string;
  index: number;
  kind?: string | null;
  name?: string | null;
  path: string;
  message: RegExp;
  line?: number;
  column?: number;
}

describe('validate: every problem with file, document, field path and line', () => {
  const rows: { name: string; files: Record<string, string>; problems: ExpectedProblem[] }[] = [
    {
      name: 'a spec that does not fit its kind: zod issues as dotted paths under spec',
      files: { 'extra.yaml': document('System', 'web', 'public: "yes"\nhealthchecks:\n  - ref: payments-health\n    retention: {rawDays: 0}') },
      problems: [
        { file: 'extra.yaml', index: 1, kind: 'System', name: 'web', path: 'spec.public', message: /^expected true or false, got a string$/, line: 5, column: 11 },
        { file: 'extra.yaml', index: 1, path: 'spec.healthchecks.0.retention.rawDays', message: /^expected at least 1 day$/, line: 8, column: 28 },
      ],
    },
    {
      name: 'an unknown kind',
      files: { 'extra.yaml': document('StatusPage', 'public', 'systems: []') },
      problems: [{ file: 'extra.yaml', index: 1, kind: 'StatusPage', path: 'kind', message: /^Unknown kind "StatusPage"\. Available: Environment, Secret, Group, Healthcheck, System, NotificationChannel, Subscription, MaintenanceWindow, Automation, Slo\.$/, line: 2, column: 7 }],
    },
    {
      name: 'a name that is not a slug (a Secret follows the secrets API: API_TOKEN is fine)',
      files: { 'extra.yaml': document('Group', 'Payments_Team', 'description: x') },
      problems: [{ file: 'extra.yaml', index: 1, path: 'metadata.name', message: /^expected 1–63 lower-case letters, digits and "-"/, line: 3, column: 18 }],
    },
    {
      name: 'two documents with the same kind and name, ignoring case, across files',
      files: { 'z.yaml': `${document('Environment', 'staging', '{}')}---\n${document('Group', 'staging', '{}')}---\n${document('Secret', 'api_token', 'valueFrom: {file: ./token}')}` },
      problems: [
        { file: 'z.yaml', index: 1, kind: 'Environment', name: 'staging', path: 'metadata.name', message: /^Environment "staging" is already defined in .*catalog\.yaml \(document 2\)$/, line: 3, column: 18 },
        { file: 'z.yaml', index: 3, kind: 'Secret', name: 'api_token', path: 'metadata.name', message: /^Secret "API_TOKEN" is already defined in .*catalog\.yaml \(document 4\)$/ },
      ],
    },
    {
      name: 'a reference to a name defined nowhere in the files',
      files: { 'extra.yaml': document('System', 'web', 'groups: [payments, web-team]\nhealthchecks:\n  - ref: web-health\n    environments: [production, qa]') },
      problems: [
        { file: 'extra.yaml', index: 1, path: 'spec.groups.1', message: /^no Group named "web-team" in these files$/, line: 5, column: 22 },
        { file: 'extra.yaml', index: 1, path: 'spec.healthchecks.0.ref', message: /^no Healthcheck named "web-health" in these files$/, line: 7, column: 12 },
        { file: 'extra.yaml', index: 1, path: 'spec.healthchecks.0.environments.1', message: /^no Environment named "qa" in these files$/, line: 8, column: 34 },
      ],
    },
    {
      name: 'a dependency cycle among systems',
      files: { 'extra.yaml': `${document('System', 'a', 'dependsOn: [b]')}---\n${document('System', 'b', 'dependsOn: [a]')}` },
      problems: [
        { file: 'extra.yaml', index: 1, path: 'spec.dependsOn', message: /^expected no dependency cycle, but a → b → a is one$/ },
        { file: 'extra.yaml', index: 2, path: 'spec.dependsOn', message: /^expected no dependency cycle, but b → a → b is one$/ },
      ],
    },
    {
      name: 'a Healthcheck with an unknown strategy stops there (SPEC §7.3)',
      files: { 'extra.yaml': document('Healthcheck', 'gopher', 'strategy: gopher\nintervalSeconds: 30\nconfig: {whatever: 1}') },
      problems: [{ file: 'extra.yaml', index: 1, path: 'spec.strategy', message: /^Unknown health-check strategy "gopher"\. Available: http, tcp, dns/, line: 5, column: 13 }],
    },
    {
      name: 'a Healthcheck validated as the API validates it: config migrated then strict, collectors, assertions, templates',
      files: {
        'extra.yaml': document(
          'Healthcheck',
          'web-health',
          [
            'strategy: http',
            'intervalSeconds: 30',
            'config:',
            '  url: "not a url"',
            '  insecure: true',
            '  bogus: 1',
            '  body: "{{ enviroment.token }}"',
            'assertions: ["nosuch == 1"]',
            'collectors:',
            '  - collector: dns.lookup',
          ].join('\n'),
        ),
      },
      problems: [
        { file: 'extra.yaml', index: 1, path: 'spec.config.url', message: /^Invalid URL: expected an absolute http:\/\/ or https:\/\/ URL/, line: 8, column: 10 },
        { file: 'extra.yaml', index: 1, path: 'spec.config.bogus', message: /^Unknown field "bogus"$/, line: 10, column: 12 },
        { file: 'extra.yaml', index: 1, path: 'spec.config.body', message: /^Unknown template variable "enviroment\.token"\. Available: environment\.<field>/, line: 11, column: 11 },
        { file: 'extra.yaml', index: 1, path: 'spec.assertions.0', message: /^Unknown field "nosuch"\. Valid fields: body/, line: 12, column: 16 },
        { file: 'extra.yaml', index: 1, path: 'spec.collectors.0.collector', message: /^Unknown collector "dns\.lookup"\. Available: http\.request\.$/, line: 14, column: 18 },
      ],
    },
    {
      name: 'a version 2 http config is not migrated: a v1 field in it is unknown',
      files: { 'extra.yaml': document('Healthcheck', 'web-health', 'strategy: http\nintervalSeconds: 30\nconfig: {version: 2, url: "https://x.example", insecure: true}') },
      problems: [{ file: 'extra.yaml', index: 1, path: 'spec.config.insecure', message: /^Unknown field "insecure"$/ }],
    },
    {
      name: 'a secret a Healthcheck names must be declared; a strategy secret field takes a reference, never the secret',
      files: {
        'extra.yaml': document(
          'Healthcheck',
          'ledger-db',
          'strategy: postgres\nintervalSeconds: 60\nconfig:\n  host: "{{ environment.dbHost }}"\n  user: "{{ secrets.DB_USER }}"\n  password: hunter2',
        ),
      },
      problems: [
        { file: 'extra.yaml', index: 1, path: 'spec.config.user', message: /^no Secret named "DB_USER" in these files$/, line: 9, column: 11 },
        { file: 'extra.yaml', index: 1, path: 'spec.config.password', message: /^a secret does not belong in a file that gets committed: write \{\{ secrets\.NAME \}\}/, line: 10, column: 15 },
      ],
    },
    {
      name: 'a Secret with its value inline is refused, saying why',
      files: { 'extra.yaml': document('Secret', 'DB_PASSWORD', 'value: hunter2') },
      problems: [
        { file: 'extra.yaml', index: 1, path: 'spec.valueFrom', message: /^required/, line: 4, column: 1 },
        { file: 'extra.yaml', index: 1, path: 'spec.value', message: /^a secret value does not belong in a file that gets committed: write valueFrom: \{env: NAME\} or valueFrom: \{file: PATH\} instead$/, line: 5, column: 10 },
      ],
    },
    {
      name: 'a NotificationChannel config against its type; its secret fields by reference only',
      files: {
        'extra.yaml': `${document('NotificationChannel', 'slack', 'type: slack\nconfig: {webhookUrl: "https://hooks.slack.com/services/T/B/x"}')}---\n${document('NotificationChannel', 'hook', 'type: webhook\nconfig: {url: "ftp://x", secret: "{{ secrets.HOOK_SECRET }}"}')}---\n${document('NotificationChannel', 'pigeon', 'type: pigeon\nconfig: {}')}`,
      },
      problems: [
        { file: 'extra.yaml', index: 1, path: 'spec.config.webhookUrl', message: /^a secret does not belong in a file that gets committed/ },
        { file: 'extra.yaml', index: 2, path: 'spec.config.url', message: /^expected an http:\/\/ or https:\/\/ URL$/ },
        { file: 'extra.yaml', index: 3, path: 'spec.type', message: /^Unknown channel type "pigeon"\. Available: webhook, email, slack/ },
      ],
    },
    {
      name: 'a channel secret reference to a Secret the files do not declare',
      files: { 'extra.yaml': document('NotificationChannel', 'hook', 'type: webhook\nconfig: {url: "https://x.example", secret: "{{ secrets.HOOK_SECRET }}"}') },
      problems: [{ file: 'extra.yaml', index: 1, path: 'spec.config.secret', message: /^no Secret named "HOOK_SECRET" in these files$/ }],
    },
    {
      name: 'an Automation checked like the API checks a rule: filter, for, actions, templates; its names resolved in the files',
      files: {
        'extra.yaml': document(
          'Automation',
          'page',
          [
            'trigger: healthcheck.system_health_changed',
            'filter: trigger.payload.severity == "high"',
            'for: 3 days',
            'actions:',
            '  - type: notify',
            '    input: {channel: pager, title: "{{ trigger.payload.nope }}"}',
            '  - type: notify',
            '    input: {channelId: 3f0c2a5e-0000-4000-8000-000000000001, title: x}',
            '  - type: sms',
          ].join('\n'),
        ),
      },
      problems: [
        { file: 'extra.yaml', index: 1, path: 'spec.filter', message: /unknown field trigger\.payload\.severity/, line: 6, column: 11 },
        { file: 'extra.yaml', index: 1, path: 'spec.for', message: /^expected a duration such as 90s, 5m or 1h30m, at most 24h$/, line: 7, column: 8 },
        { file: 'extra.yaml', index: 1, path: 'spec.actions.0.input.title', message: /^unknown variable \{\{ trigger\.payload\.nope \}\}/ },
        { file: 'extra.yaml', index: 1, path: 'spec.actions.1.input.channelId', message: /^ids differ from one Vigil to the next: write channel: <NotificationChannel name>/ },
        { file: 'extra.yaml', index: 1, path: 'spec.actions.2.type', message: /^unknown action type "sms"; expected one of notify, webhook/ },
      ],
    },
    {
      name: 'an Automation action naming a channel that no file defines',
      files: { 'extra.yaml': document('Automation', 'page', 'trigger: healthcheck.check_failed\nactions:\n  - type: notify\n    input: {channel: pager, title: down}') },
      problems: [{ file: 'extra.yaml', index: 1, path: 'spec.actions.0.input.channel', message: /^no NotificationChannel named "pager" in these files$/, line: 8, column: 24 }],
    },
    {
      name: 'an action missing its target is told in the file’s words (channel, not channelId)',
      files: { 'extra.yaml': document('Automation', 'page', 'trigger: healthcheck.check_failed\nactions:\n  - type: notify\n    input: {title: down}') },
      problems: [{ file: 'extra.yaml', index: 1, path: 'spec.actions.0.input.channel', message: /^expected exactly one of channel and system$/ }],
    },
    {
      name: 'a MaintenanceWindow with no systems or groups, that ends before it starts, with a rule it cannot read',
      files: { 'extra.yaml': document('MaintenanceWindow', 'oops', 'startsAt: "2026-03-01T02:00:00Z"\nendsAt: "2026-03-01T01:00:00Z"\nrrule: FREQ=SECONDLY') },
      problems: [
        { file: 'extra.yaml', index: 1, path: 'spec.systems', message: /^expected at least one system or group \(systems or groups\)$/, line: 4, column: 1 },
        { file: 'extra.yaml', index: 1, path: 'spec.endsAt', message: /^expected a time after startsAt \(2026-03-01T02:00:00Z\)$/, line: 6, column: 11 },
        { file: 'extra.yaml', index: 1, path: 'spec.rrule', message: /^expected an RFC 5545 recurrence rule .*not SECONDLY/, line: 7, column: 10 },
      ],
    },
    {
      name: 'a Subscription to a system and a group at once, by email to someone who is not an address',
      files: { 'extra.yaml': document('Subscription', 'both', 'system: payments-api\ngroup: payments\nuser: nobody\non: [any]') },
      problems: [
        { file: 'extra.yaml', index: 1, path: 'spec.system', message: /^expected exactly one of system and group$/, line: 5, column: 11 },
        { file: 'extra.yaml', index: 1, path: 'spec.user', message: /^expected the email address of a Vigil user$/, line: 7, column: 9 },
      ],
    },
    {
      name: 'an Slo of a system the files do not define, with no error budget',
      files: { 'extra.yaml': document('Slo', 'perfect', 'system: checkout\nobjective: 99.99') + '---\n' + document('Slo', 'greedy', 'system: payments-api\nobjective: 100') },
      problems: [
        { file: 'extra.yaml', index: 1, path: 'spec.system', message: /^no System named "checkout" in these files$/ },
        { file: 'extra.yaml', index: 2, path: 'spec.objective', message: /^expected less than 100/ },
      ],
    },
    {
      name: 'YAML problems come through with their line and column',
      files: { 'broken.yaml': 'apiVersion: vigil/v1\nkind: Group\nkind: Group\nmetadata: {name: x}\nspec: {}\n' },
      problems: [{ file: 'broken.yaml', index: 1, kind: null, name: null, path: '', message: /^Map keys must be unique$/, line: 3, column: 1 }],
    },
  ];

  for (const row of rows) {
    it(row.name, async () => {
      const dir = writeFiles({ ...VALID_FILES, ...row.files });
      const validation = await validateFiles([dir], context);
      expect(validation.valid).toBe(false);
      expect(validation.problems).toEqual(
        row.problems.map(({ file, message, ...rest }) => expect.objectContaining({ ...rest, file: join(dir, file), message: expect.stringMatching(message) })),
      );
    });
  }
});
