#!/usr/bin/env node
// Compiles src/ into dist/ (what `vigil` runs) and copies the files the code reads beside itself,
// then builds the web UI (web/) into web/dist, which Vigil serves at `/`.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const ASSETS = /\.proto$/;

export function build() {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error('vigil: the TypeScript build failed (see above)');
  for (const file of walk(join(root, 'src'))) {
    if (!ASSETS.test(file)) continue;
    const target = join(root, 'dist', relative(join(root, 'src'), file));
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(file, target);
  }
  writeFileSync(join(root, 'dist', '.built'), `${new Date().toISOString()}\n`);
  buildWeb();
}

const WEB_SOURCES = ['web/src', 'web/index.html', 'web/public', 'web/vite.config.ts', 'web/tsconfig.json'];

/**
 * The UI: its API types generated from the OpenAPI document (web/scripts/openapi.ts), then Vite's
 * production build into web/dist (hashed files under web/dist/assets).
 */
export function buildWeb() {
  const require = createRequire(import.meta.url);
  let vite;
  try {
    vite = join(dirname(require.resolve('vite/package.json')), 'bin', 'vite.js');
  } catch {
    throw new Error('vigil: the web UI needs its build tools (npm install, with dev dependencies)');
  }
  const schema = spawnSync(process.execPath, [join(root, 'bin', 'run-ts.js'), join(root, 'web', 'scripts', 'openapi.ts')], { stdio: 'inherit', cwd: root });
  if (schema.status !== 0) throw new Error('vigil: generating the web UI’s API types failed (see above)');
  const result = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], { stdio: 'inherit', cwd: join(root, 'web'), env: { ...process.env, NODE_ENV: 'production' } });
  if (result.status !== 0) throw new Error('vigil: the web UI build failed (see above)');
  writeFileSync(join(root, 'web', 'dist', '.built'), `${new Date().toISOString()}\n`);
}

/** Whether web/dist is missing or older than any file of the UI's sources. */
export function webIsStale() {
  const stamp = join(root, 'web', 'dist', '.built');
  if (!existsSync(join(root, 'web', 'src'))) return false;
  if (!existsSync(stamp) || !existsSync(join(root, 'web', 'dist', 'index.html'))) return true;
  const built = statSync(stamp).mtimeMs;
  for (const source of WEB_SOURCES) {
    const path = join(root, source);
    if (!existsSync(path)) continue;
    if (statSync(path).isFile() ? statSync(path).mtimeMs > built : [...walk(path)].some((file) => statSync(file).mtimeMs > built)) return true;
  }
  return false;
}

/** Builds when dist/ is missing or older than any file in src/, so a checkout never runs stale code. */
export function buildIfStale(log = (line) => console.error(line)) {
  const stamp = join(root, 'dist', '.built');
  if (!existsSync(join(root, 'src'))) return;
  if (existsSync(stamp)) {
    const built = statSync(stamp).mtimeMs;
    const newer = (() => {
      for (const file of walk(join(root, 'src'))) if (statSync(file).mtimeMs > built) return true;
      return false;
    })();
    if (!newer) {
      buildWebIfStale(log);
      return;
    }
  }
  log('vigil: compiling src/ into dist/ …');
  build();
}

/** Builds the UI when web/dist is missing or stale; a failure is said and the API starts anyway (`/` says how to build). */
export function buildWebIfStale(log = (line) => console.error(line)) {
  if (!webIsStale()) return;
  log('vigil: building the web UI into web/dist …');
  try {
    buildWeb();
  } catch (error) {
    log(`${error.message}; the API starts without the UI`);
  }
}

export function* walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else yield path;
  }
}

/**
 * `npm install` (prepare) also keeps a freshly initialised PostgreSQL cluster that a first start
 * copies instead of running initdb. Best effort: without it a first start runs initdb.
 */
export async function prepareClusterTemplate() {
  try {
    const { prepareClusterTemplate: prepare } = await import('../dist/db/embedded.js');
    await prepare();
  } catch (error) {
    console.error(`vigil: no PostgreSQL cluster template (a first start will run initdb): ${error.message}`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  build();
  await prepareClusterTemplate();
}
