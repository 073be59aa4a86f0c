import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { loadClientSettings } from '../settings.ts';

/** The server and token of a command that talks to a server: the flags, else the environment, else what `vigil login` stored. */
export async function serverCredentials(flags: { server?: string; token?: string }): Promise<{ server: string; token: string }> {
  const settings = loadClientSettings(process.env, homedir());
  let server = flags.server ?? settings.server;
  let token = flags.token ?? settings.token;
  if (!server || !token) {
    const stored = await readFile(settings.credentialsFile, 'utf8').then(
      (text) => JSON.parse(text) as { server?: string; token?: string },
      () => ({}) as { server?: string; token?: string },
    );
    server ??= stored.server;
    token ??= stored.token;
  }
  if (!server) throw new Error('which server? Give --server URL (or set VIGIL_SERVER, or run vigil login)');
  if (!token) throw new Error('which token? Give --token vgl_… (or set VIGIL_TOKEN, or run vigil login)');
  return { server: server.replace(/\/+$/, ''), token };
}

/** fetch() to a Vigil server; a network failure says which server could not be reached, and why. */
export function reach(url: string, init: RequestInit = {}): Promise<Response> {
  return fetch(url, init).catch((error: Error) => {
    throw new Error(`cannot reach ${new URL(url).origin}: ${(error.cause as Error | undefined)?.message ?? error.message}`);
  });
}
