#!/usr/bin/env node
// Runs one TypeScript file given on the command line (benchmarks, scripts).
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { register } from 'tsx/esm/api';

const file = process.argv[2];
if (!file) {
  console.error('usage: run-ts.js FILE.ts [args…]');
  process.exit(64);
}
process.argv.splice(2, 1);
register();
await import(pathToFileURL(resolve(file)).href);
