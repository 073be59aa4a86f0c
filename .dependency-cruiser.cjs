/**
 * The layer rules of DESIGN.md (Layout), checked by `npm test`: a new import that breaks one fails
 * the suite. Folders are the top-level folders under src/ (a strategy's own folder counts as part
 * of strategies/).
 */
const DOMAINS = '(catalog|checks|secrets|health|engine|queue|events|access|history|notifications|incidents|maintenance|automation|gitops|satellites|heartbeats|ai)';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Files must not import each other in a loop.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-folder-circular',
      severity: 'error',
      comment: 'Top-level folders must not import each other in a loop.',
      scope: 'folder',
      from: { path: '^src/[^/]+$' },
      to: { circular: true },
    },
    {
      name: 'kernel-imports-nothing-of-vigil',
      severity: 'error',
      from: { path: '^src/kernel/' },
      to: { path: '^src/', pathNot: '^src/kernel/' },
    },
    {
      name: 'db-knows-no-domain',
      severity: 'error',
      comment: 'db/ is pool, migrations, locks, pagination and error translation: it imports kernel/ only.',
      from: { path: '^src/db/' },
      to: { path: '^src/', pathNot: '^src/(db|kernel)/' },
    },
    {
      name: 'assertions-are-pure',
      severity: 'error',
      from: { path: '^src/assertions/' },
      to: { path: '^src/', pathNot: '^src/(assertions|kernel)/' },
    },
    {
      name: 'definitions-import-no-domain',
      severity: 'error',
      comment: 'definitions/ is pure definition code over the strategy contract.',
      from: { path: '^src/definitions/' },
      to: { path: '^src/', pathNot: '^src/(definitions|strategies|assertions|kernel)/' },
    },
    {
      name: 'strategies-are-self-contained',
      severity: 'error',
      comment: 'A strategy knows its contract, the assertion vocabulary and the kernel: never the engine or the database.',
      from: { path: '^src/strategies/' },
      to: { path: '^src/', pathNot: '^src/(strategies|assertions|kernel)/' },
    },
    {
      name: 'only-routes-use-the-http-kit',
      severity: 'error',
      comment: 'Domains reach api/ only from their routes files (routes.ts, or <part>-routes.ts beside it).',
      from: { path: `^src/${DOMAINS}/`, pathNot: '[/-]routes\\.ts$' },
      to: { path: '^src/api/' },
    },
    {
      name: 'api-is-mounting-only',
      severity: 'error',
      comment: 'The HTTP kit knows no domain: app.ts mounts the domains routes onto it.',
      from: { path: '^src/api/' },
      to: { path: `^src/${DOMAINS}/` },
    },
    {
      name: 'only-app-and-cli-wire',
      severity: 'error',
      comment: 'app.ts is the composition root; only the CLI starts it. Settings reach the parts as arguments.',
      from: { path: '^src/', pathNot: '^src/(cli/|app\\.ts$)' },
      to: { path: '^src/(app|settings)\\.ts$' },
    },
    {
      name: 'nothing-imports-the-cli',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/cli/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'tables-belong-to-their-domain',
      severity: 'error',
      comment: "Another domain's tables are read through its read.ts; only schema files refer to them (foreign keys).",
      from: { path: '^src/([^/]+)/', pathNot: '(^src/[^/]+/schema\\.ts$|^src/schema\\.ts$|\\.test\\.ts$)' },
      to: { path: '^src/[^/]+/schema\\.ts$', pathNot: '^src/$1/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.test\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
