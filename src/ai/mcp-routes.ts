import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Context, Handler } from 'hono';
import { actorOf, runAs } from '../access/audit.ts';
import type { Caller } from '../access/authorize.ts';
import { VIA_KEY, clientAddress, mayRequest } from '../access/middleware.ts';
import type { ScopeFacts } from '../access/scope.ts';
import type { AccessService } from '../access/service.ts';
import { UnauthorizedError } from '../kernel/errors.ts';
import type { Logger } from '../kernel/log.ts';
import { ToolError, type Query, type Tool, type ToolDoors } from './tool.ts';
import { tools } from './tools.ts';

export interface McpDeps {
  access: AccessService;
  scopeFacts: ScopeFacts;
  checks: ToolDoors['checks'];
  notifications: ToolDoors['notifications'];
  log: Logger;
  version: string;
  trustProxy?: boolean;
  /** The API's gate on configurations that run commands on the host (access/host-commands.ts). */
  hostCommands: (caller: Caller, strategyId: string) => void;
}

/** The app the tools call back into: the whole HTTP surface, so /api/v1's middleware runs. */
export interface InProcessApi {
  fetch(request: Request, env?: unknown): Response | Promise<Response>;
}

/**
 * POST /mcp: the streamable-HTTP MCP transport (stateless: one server per request), for callers
 * with an API token. Each tool runs as the token's caller.
 */
export function mcpHandler(deps: McpDeps, api: InProcessApi): Handler {
  return async (c) => {
    const authorization = c.req.header('authorization') ?? '';
    const token = /^Bearer\s+(\S+)$/i.exec(authorization)?.[1];
    if (token === undefined) throw new UnauthorizedError('Send an API token (Authorization: Bearer vgl_…): the AI tools run with its role and groups');
    const caller: Caller | undefined = await deps.access.callerOfToken(token);
    // The API's words for a token that does not work.
    if (!caller) throw new UnauthorizedError('The API token is not valid (unknown, expired, revoked, or its user is disabled)');
    const server = new McpServer({ name: 'vigil', version: deps.version });
    const doors = doorsFor(c, caller, authorization, deps, api);
    for (const tool of tools) register(server, tool, doors, deps.log);
    const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    await server.connect(transport);
    try {
      return await transport.handleRequest(c.req.raw);
    } finally {
      await server.close();
    }
  };
}

function register(server: McpServer, tool: Tool, doors: ToolDoors, log: Logger): void {
  server.registerTool(
    tool.name,
    { description: tool.description, inputSchema: tool.input, annotations: { readOnlyHint: !tool.changes, destructiveHint: tool.name === 'healthcheck.delete' } },
    async (input: unknown): Promise<CallToolResult> => {
      try {
        const result = await tool.run(input as never, doors);
        return { content: [{ type: 'text', text: JSON.stringify(result, null, 2) }] };
      } catch (error) {
        if (error instanceof ToolError) return { isError: true, content: [{ type: 'text', text: error.message }] };
        log.error({ err: error, tool: tool.name }, 'An AI tool failed');
        return { isError: true, content: [{ type: 'text', text: `${tool.name} failed inside Vigil; the server log has the details` }] };
      }
    },
  );
}

/** The caller's ways into Vigil: the API in-process with their own token, and the access checks it makes. */
function doorsFor(c: Context, caller: Caller, authorization: string, deps: McpDeps, api: InProcessApi): ToolDoors {
  const incoming = (c.env as { incoming?: unknown } | undefined)?.incoming;
  // The socket is passed on so audit entries keep the caller's address; VIA_KEY marks them `via mcp`.
  const env = { ...(incoming !== undefined && { incoming }), [VIA_KEY]: 'mcp' };
  const actor = { ...actorOf(caller, clientAddress(c, deps.trustProxy ?? false)), via: 'mcp' as const };
  return {
    async api<T>(method: string, path: string, options: { query?: Query; body?: unknown } = {}): Promise<T> {
      const url = new URL(`/api/v1${path}`, 'http://vigil.mcp');
      for (const [key, value] of Object.entries(options.query ?? {})) if (value !== undefined) url.searchParams.set(key, String(value));
      const hasBody = options.body !== undefined;
      const request = new Request(url, {
        method,
        headers: { authorization, ...(hasBody && { 'content-type': 'application/json' }) },
        ...(hasBody && { body: JSON.stringify(options.body) }),
      });
      const response = await api.fetch(request, env);
      const text = await response.text();
      const parsed: unknown = text ? JSON.parse(text) : undefined;
      if (response.ok) return parsed as T;
      const error = (parsed as { error?: { message?: string; details?: { path: string; message: string }[] } } | undefined)?.error;
      throw new ToolError(error?.message ?? `The API answered ${response.status} to ${method} ${path}`, response.status, error?.details ?? []);
    },
    async mayRequest(method, path, body) {
      const decision = await mayRequest(caller, { method, path, query: {}, body }, deps.scopeFacts);
      if (!decision.allowed) throw new ToolError(decision.reason, 403);
    },
    asCaller: (work) => runAs(actor, work),
    mayRunOnHost(strategyId) {
      try {
        deps.hostCommands(caller, strategyId);
      } catch (error) {
        throw new ToolError((error as Error).message, 403);
      }
    },
    checks: deps.checks,
    notifications: deps.notifications,
  };
}
