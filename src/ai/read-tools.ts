import { z } from 'zod';
import { defineTool, type Tool, type ToolDoors } from './tool.ts';

/** The tools that read what Vigil knows: systems, their health, runs, history and incidents. */

interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

interface SystemHealth {
  systemId: string;
  status: 'healthy' | 'degraded' | 'unhealthy' | null;
  healthyChecks: number;
  totalChecks: number;
  since: string | null;
  inMaintenance: boolean;
  checks: { configurationId: string; name: string; status: string; lastRun: string | null }[];
}

const limit = z.number().int().min(1).max(500).default(50).describe('Items per page (1–500)');
const cursor = z.string().optional().describe('The nextCursor of the previous page');
/** The most systems healthcheck.status reports on in one call (GET /health takes 500). */
const STATUS_SYSTEMS = 500;

const status = defineTool({
  name: 'healthcheck.status',
  description:
    'The health of one system (systemId), of a group’s systems (groupId), or of every system: its status, how many checks are healthy, and each failing check with the message of its last run.',
  input: z.object({ systemId: z.string().optional(), groupId: z.string().optional() }),
  changes: false,
  async run({ systemId, groupId }, doors) {
    if (systemId !== undefined) return { systems: [await summary(doors, await doors.api<SystemHealth>('GET', `/systems/${systemId}/health`))] };
    const systems = await doors.api<Page<{ id: string }>>('GET', '/systems', { query: { limit: STATUS_SYSTEMS, groupId } });
    if (!systems.items.length) return { systems: [] };
    const { items } = await doors.api<{ items: SystemHealth[] }>('GET', '/health', { query: { systemIds: systems.items.map((s) => s.id).join(',') } });
    return { systems: await Promise.all(items.map((health) => summary(doors, health))), ...(systems.nextCursor && { truncated: `Only the first ${STATUS_SYSTEMS} systems` }) };
  },
});

/** A system's health as an assistant reports it: the failing checks with what their last run said. */
async function summary(doors: ToolDoors, health: SystemHealth) {
  const failing = await Promise.all(
    health.checks
      .filter((check) => check.status !== 'healthy')
      .map(async (check) => {
        const { items } = await doors.api<Page<{ message: string; createdAt: string }>>('GET', '/runs', {
          query: { systemId: health.systemId, configurationId: check.configurationId, limit: 1 },
        });
        return { configurationId: check.configurationId, name: check.name, status: check.status, message: items[0]?.message ?? '', lastRun: check.lastRun };
      }),
  );
  const { systemId, status, healthyChecks, totalChecks, since, inMaintenance } = health;
  return { systemId, status, healthyChecks, totalChecks, since, inMaintenance, failing };
}

const systemsList = defineTool({
  name: 'systems.list',
  description: 'Lists systems (what Vigil checks), optionally only those whose name contains `name` or that are in group `groupId`. Group-limited roles must give groupId.',
  input: z.object({ name: z.string().optional(), groupId: z.string().optional(), limit, cursor }),
  changes: false,
  run: (query, doors) => doors.api('GET', '/systems', { query }),
});

const runsList = defineTool({
  name: 'runs.list',
  description: 'Lists a system’s runs, newest first, each with its status, latency, message and full result; filter by check, environment, status and time.',
  input: z.object({
    systemId: z.string(),
    configurationId: z.string().optional(),
    environmentId: z.string().optional(),
    status: z.enum(['healthy', 'degraded', 'unhealthy']).optional(),
    from: z.string().optional().describe('ISO-8601 date-time'),
    to: z.string().optional().describe('ISO-8601 date-time'),
    limit: limit.default(20),
    cursor,
  }),
  changes: false,
  run: (query, doors) => doors.api('GET', '/runs', { query }),
});

const historyGet = defineTool({
  name: 'history.get',
  description: 'A system’s (or one of its checks’ or environments’) runs, uptime and latency per bucket over a range (default the last 24 h), with totals.',
  input: z.object({
    systemId: z.string(),
    configurationId: z.string().optional(),
    environmentId: z.string().optional(),
    from: z.string().optional().describe('ISO-8601 date-time; default 24 h before to'),
    to: z.string().optional().describe('ISO-8601 date-time; default now'),
    bucket: z.enum(['5m', 'hour', 'day', 'auto']).default('auto'),
  }),
  changes: false,
  run: (query, doors) => doors.api('GET', '/history', { query }),
});

const incidentsList = defineTool({
  name: 'incidents.list',
  description: 'Lists incidents, newest first: open ones (status "open"), resolved ones, or those of one system.',
  input: z.object({ status: z.string().optional().describe('open, resolved, or one status'), systemId: z.string().optional(), limit, cursor }),
  changes: false,
  run: (query, doors) => doors.api('GET', '/incidents', { query }),
});

export const readTools: Tool[] = [status, systemsList, runsList, historyGet, incidentsList];
