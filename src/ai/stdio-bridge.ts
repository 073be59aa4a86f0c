import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';

/**
 * `vigil mcp`: the AI tools for hosts that spawn a process. Every request is passed on to the
 * server's /mcp with the token, so the tools, their permissions and their audit are the server's
 * own; nothing runs here.
 */
export async function bridgeToServer(options: { server: string; token: string; version: string; local: Transport }): Promise<{ close(): Promise<void> }> {
  const remote = new Client({ name: 'vigil-mcp-stdio', version: options.version });
  await remote.connect(
    new StreamableHTTPClientTransport(new URL(`${options.server.replace(/\/+$/, '')}/mcp`), { requestInit: { headers: { authorization: `Bearer ${options.token}` } } }),
  );
  const local = new Server({ name: 'vigil', version: options.version }, { capabilities: { tools: {} } });
  local.setRequestHandler(ListToolsRequestSchema, (request) => remote.listTools(request.params));
  local.setRequestHandler(CallToolRequestSchema, (request) => remote.callTool(request.params));
  await local.connect(options.local);
  return {
    close: async () => {
      await local.close();
      await remote.close();
    },
  };
}
