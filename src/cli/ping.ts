import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import type { Command } from 'commander';

/** As much of a command's output as a ping keeps (SPEC §2.11: the first 10 KB of its body). */
const TAIL_BYTES = 10 * 1024;
const REQUEST_TIMEOUT_MS = 10_000;

/**
 * `vigil ping <url> [-- command…]`: report to a heartbeat check (SPEC §2.11). Without a command, one
 * ping. With one, it wraps a cron job: `<url>/start`, run the command (its output passes through and
 * its tail is kept), then the tail to `<url>/<exit-code>`; exits with the command's own code. Vigil
 * being unreachable never stops the job: it is said on stderr.
 */
export function registerPingCommand(program: Command): Command {
  return program
    .command('ping')
    .description('report to a heartbeat check; with a command after --, wrap it: start, run, report its exit code and the tail of its output')
    .argument('<url>', "the check's pingUrl")
    .argument('[command...]', 'the job to run (after --)')
    .action(async (url: string, command: string[]) => {
      process.exitCode = await ping(url, command, (line) => console.error(`vigil ping: ${line}`));
    });
}

export async function ping(url: string, command: string[], warn: (line: string) => void): Promise<number> {
  const base = url.replace(/\/+$/, '');
  if (command.length === 0) return (await report(base, undefined, warn)) ? 0 : 1;
  await report(`${base}/start`, undefined, warn);
  const { code, tail } = await run(command);
  await report(`${base}/${code}`, tail, warn);
  return code;
}

/** Whether Vigil took the report. */
async function report(url: string, body: string | undefined, warn: (line: string) => void): Promise<boolean> {
  try {
    const response = await fetch(url, {
      method: body === undefined ? 'GET' : 'POST',
      ...(body === undefined ? {} : { body, headers: { 'content-type': 'text/plain; charset=utf-8' } }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    if (response.ok) return true;
    warn(`${redact(url)} answered ${response.status}: ${(await response.text()).trim()}`);
  } catch (error) {
    warn(`could not reach ${redact(url)}: ${(error as Error).message}`);
  }
  return false;
}

/** The command's exit code (128 + signal number when killed, 127 when it cannot start) and the last 10 KB of its output. */
function run(command: string[]): Promise<{ code: number; tail: string }> {
  const [file, ...args] = command as [string, ...string[]];
  return new Promise((resolve) => {
    let tail = Buffer.alloc(0);
    const keep = (chunk: Buffer) => {
      tail = Buffer.concat([tail, chunk]);
      if (tail.length > TAIL_BYTES) tail = tail.subarray(tail.length - TAIL_BYTES);
    };
    const child = spawn(file, args, { stdio: ['inherit', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk);
      keep(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk);
      keep(chunk);
    });
    child.once('error', (error) => resolve({ code: 127, tail: `${file}: ${error.message}` }));
    child.once('close', (code, signal) => {
      resolve({ code: code ?? 128 + (signal ? constants.signals[signal] : 0), tail: tail.toString('utf8') });
    });
  });
}

/** The token is the credential: never printed in full. */
function redact(url: string): string {
  return url.replace(/(\/ping\/[A-Za-z0-9_-]{4})[A-Za-z0-9_-]+/, '$1…');
}
