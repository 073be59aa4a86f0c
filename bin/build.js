#!/usr/bin/env node
// Compiles src/ into dist/ (what `vigil` runs) and copies the files the code reads beside itself.
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
    if (!newer) return;
  }
  log('vigil: compiling src/ into dist/ …');
  build();
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
