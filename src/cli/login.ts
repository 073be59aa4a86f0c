import { chmod, mkdir, rename, writeFile } from 'node:fs/promises';
import { homedir, hostname } from 'node:os';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { loadClientSettings } from '../settings.ts';
import { reach } from './server.ts';

/**
 * `vigil login --server URL`: signs in with email and password, creates an API token for this
 * machine, and keeps `{server, token}` in the credentials file (mode 0600) for the commands that
 * talk to a server; the password and the session end here. VIGIL_SERVER + VIGIL_TOKEN do the same
 * without a file.
 */

interface LoginFlags {
  server?: string;
  email?: string;
  passwordStdin?: boolean;
  role?: string;
}

interface StoredCredentials {
  server: string;
  token: string;
}

export function registerLoginCommand(program: Command): Command {
  return program
    .command('login')
    .description('sign in to a Vigil server and keep an API token for the CLI (in ~/.config/vigil/credentials, mode 0600)')
    .option('--server <url>', 'the server, e.g. https://vigil.example.test (or VIGIL_SERVER)')
    .option('--email <email>', 'your email (asked when missing)')
    .option('--password-stdin', 'read the password from standard input instead of asking')
    .option('--role <role>', 'the token’s role, at most yours (default: yours)')
    .action(async (flags: LoginFlags) => {
      try {
        console.log(await login(flags));
      } catch (error) {
        // Every message names the server or what was refused, never the password or the token.
        console.error(`vigil login: ${(error as Error).message}`);
        process.exit(1);
      }
    });
}

async function login(flags: LoginFlags): Promise<string> {
  const settings = loadClientSettings(process.env, homedir());
  const server = (flags.server ?? settings.server)?.replace(/\/+$/, '');
  if (!server) throw new Error('which server? Give --server URL (or set VIGIL_SERVER)');
  const email = flags.email ?? (await ask('Email: '));
  const password = flags.passwordStdin ? (await readAll(process.stdin)).replace(/\r?\n$/, '') : await ask('Password: ', { hidden: true });

  const signIn = await call(`${server}/api/v1/auth/login`, { method: 'POST', body: JSON.stringify({ email, password }) });
  if (signIn.status !== 200) throw new Error(`${server} refused the sign-in: ${await messageOf(signIn)}`);
  const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0]!;
  const created = await call(`${server}/api/v1/tokens`, {
    method: 'POST',
    headers: { cookie, origin: new URL(server).origin },
    body: JSON.stringify({ name: `vigil CLI on ${hostname()}`, ...(flags.role ? { role: flags.role } : {}) }),
  });
  const token = created.status === 201 ? ((await created.json()) as { token: string }).token : undefined;
  await call(`${server}/api/v1/auth/logout`, { method: 'POST', headers: { cookie, origin: new URL(server).origin } });
  if (!token) throw new Error(`${server} would not create a token: ${await messageOf(created)}`);

  await storeCredentials(settings.credentialsFile, { server, token });
  return `Signed in to ${server} as ${email}; the CLI's token is in ${settings.credentialsFile}`;
}

async function storeCredentials(file: string, credentials: StoredCredentials): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  // Written to a private file first and then moved: the token is never readable by others, even briefly.
  const temporary = `${file}.${process.pid}`;
  await writeFile(temporary, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  await chmod(temporary, 0o600);
  await rename(temporary, file);
}

function call(url: string, init: RequestInit & { headers?: Record<string, string> }): Promise<Response> {
  return reach(url, { ...init, headers: { 'content-type': 'application/json', ...init.headers } });
}

async function messageOf(response: Response): Promise<string> {
  const body = (await response.json().catch(() => undefined)) as { error?: { message?: string } } | undefined;
  return body?.error?.message ?? `HTTP ${response.status}`;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += chunk;
  return text;
}

/** Asks on the terminal; a hidden answer is not echoed. */
function ask(question: string, options: { hidden?: boolean } = {}): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  if (options.hidden) {
    const output = rl as unknown as { _writeToOutput: (text: string) => void };
    output._writeToOutput = (text: string) => {
      if (text.includes(question)) process.stdout.write(question);
    };
  }
  return new Promise((resolve) =>
    rl.question(question, (answer) => {
      rl.close();
      if (options.hidden) process.stdout.write('\n');
      resolve(answer);
    }),
  );
}
