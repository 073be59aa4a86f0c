#!/usr/bin/env node
// Runs the compiled JavaScript in dist/. `npm install` builds it (the prepare script); a checkout
// whose dist/ is missing or older than src/ is built here first, so a change is never run stale.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, walk } from './build.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const stamp = join(root, 'dist', '.built');

function stale() {
  if (!existsSync(stamp)) return true;
  const built = statSync(stamp).mtimeMs;
  for (const file of walk(join(root, 'src'))) if (statSync(file).mtimeMs > built) return true;
  return false;
}

if (existsSync(join(root, 'src')) && stale()) {
  console.error('vigil: compiling src/ into dist/ …');
  build();
}
await import('../dist/cli/main.js');
