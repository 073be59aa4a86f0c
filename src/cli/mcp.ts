import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { bridgeToServer } from '../ai/stdio-bridge.ts';
import { serverCredentials } from './server.ts';

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
        const { server, token } = await serverCredentials(flags);
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
