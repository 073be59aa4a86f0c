#!/usr/bin/env node
// Runs the compiled JavaScript in dist/. `npm install` builds it (the prepare script); a checkout
// whose dist/ is missing or older than src/ is built here first, so a change is never run stale.
import { buildIfStale } from './build.js';

buildIfStale();
await import('../dist/cli/main.js');
