import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/vigil.js', import.meta.url));

/** The admin every Vigil started by the tests has (VIGIL_ADMIN_EMAIL / VIGIL_ADMIN_PASSWORD). */
export const TEST_ADMIN = { email: 'admin@vigil.test', password: 'correct horse battery staple' };

const sessions = new Map<string, string>();

/** fetch() against a running Vigil as its admin: signs in once per address and sends the session cookie. */
export async function apiFetch(base: string, path: string, init: RequestInit = {}): Promise<Response> {
  let cookie = sessions.get(base);
  if (!cookie) {
    const login = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(TEST_ADMIN) });
    if (login.status !== 200) throw new Error(`could not sign in to ${base}: ${login.status} ${await login.text()}`);
    cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    sessions.set(base, cookie);
  }
  return fetch(`${base}${path}`, { ...init, headers: { ...(init.headers as Record<string, string>), cookie } });
}

/** POST `body` as JSON to a running Vigil as its admin; the created resource, or an error naming the answer. */
export async function apiCreate(base: string, path: string, body: unknown): Promise<{ id: string }> {
  const response = await apiFetch(base, path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (response.status !== 201) throw new Error(`POST ${path} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as { id: string };
}

export interface VigilProcess {
  child: ChildProcess;
  url: string;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  /** Sends `signal` and resolves with the exit code (or the signal's name). */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/** Runs `vigil <args>` as a real process, as a user would, with a clean environment for Vigil's settings. */
export function runVigil(
  args: string[],
  env: Record<string, string | undefined> = {},
  options: { processGroup?: boolean; input?: string } = {},
): { child: ChildProcess; output(): string; exited: Promise<number | string> } {
  const { DATABASE_URL: _db, REDIS_URL: _redis, VIGIL_DATA_DIR: _dir, PORT: _port, ...inherited } = process.env;
  const admin = { VIGIL_ADMIN_EMAIL: TEST_ADMIN.email, VIGIL_ADMIN_PASSWORD: TEST_ADMIN.password };
  const child = spawn(process.execPath, [bin, ...args], { env: { ...inherited, LOG_LEVEL: 'info', ...admin, ...env }, stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], detached: options.processGroup ?? false });
  if (options.input !== undefined) child.stdin?.end(options.input);
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  return { child, output: () => output, exited };
}

/** Starts `vigil start` and waits for it to print where it listens. */
export async function startVigil(
  args: string[],
  env: Record<string, string | undefined> = {},
  timeoutMs = 30_000,
  options: { processGroup?: boolean } = {},
): Promise<VigilProcess> {
  const run = runVigil(['start', '--port', '0', ...args], env, options);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`vigil did not start in ${timeoutMs} ms:\n${run.output()}`)), timeoutMs);
    const check = () => {
      const match = /Vigil listening on (http:\/\/\S+)/.exec(run.output());
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    run.child.stdout?.on('data', check);
    run.exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`vigil exited (${code}) before listening:\n${run.output()}`));
    });
  });
  return {
    child: run.child,
    url,
    output: run.output,
    async stop(signal = 'SIGTERM') {
      run.child.kill(signal);
      return run.exited;
    },
  };
}

/** SIGTERM, and SIGKILL when it has not stopped within 10 s: no process a test started outlives its file. */
export async function stopProcess(run: ReturnType<typeof runVigil>): Promise<void> {
  if (run.child.exitCode !== null || run.child.signalCode !== null) return;
  run.child.kill('SIGTERM');
  const timer = setTimeout(() => run.child.kill('SIGKILL'), 10_000);
  await run.exited;
  clearTimeout(timer);
}
