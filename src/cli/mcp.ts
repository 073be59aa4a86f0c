import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import type { Command } from 'commander';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { bridgeToServer } from '../ai/stdio-bridge.ts';
import { loadClientSettings } from '../settings.ts';

/**
 * `vigil mcp --server URL --token T`: Vigil's AI tools on standard input and output, for MCP hosts
 * that spawn a process. Standard output carries the protocol only; messages go to standard error.
 */
export function registerMcpCommand(program: Command): Command {
  return program
    .command('mcp')
    .description('serve the AI tools (MCP) over stdio, as the token’s user (or VIGIL_SERVER/VIGIL_TOKEN, or `vigil login`’s credentials)')
    .option('--server <url>', 'the server, e.g. https://vigil.example.test (or VIGIL_SERVER)')
    .option('--token <token>', 'an API token, vgl_… (or VIGIL_TOKEN)')
    .action(async (flags: { server?: string; token?: string }) => {
      try {
        const { server, token } = await credentials(flags);
        const version = (JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
        const bridge = await bridgeToServer({ server, token, version, local: new StdioServerTransport() }).catch((error: Error) => {
          throw new Error(`could not open the AI tools at ${server}/mcp: ${error.message}`);
        });
        process.stdin.on('end', () => void bridge.close().then(() => process.exit(0)));
      } catch (error) {
        console.error(`vigil mcp: ${(error as Error).message}`);
        process.exit(1);
      }
    });
}

/** The flags, else the environment, else what `vigil login` stored. */
async function credentials(flags: { server?: string; token?: string }): Promise<{ server: string; token: string }> {
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
  return { server, token };
}
