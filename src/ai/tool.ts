import type { z } from 'zod';
import type { ChecksService } from '../checks/service.ts';
import type { NotificationsService } from '../notifications/service.ts';

/**
 * One AI tool (SPEC §7.5): what an assistant reads (name, description, input schema) and what it
 * does. A tool is thin: it goes through the API route it stands for, in-process and as the caller,
 * so validation, permissions and the audit log are the API's own (ToolDoors).
 */
export interface Tool<Input extends z.ZodObject = z.ZodObject> {
  name: string;
  description: string;
  input: Input;
  /** Changes something (hosts may ask the person before calling it). */
  changes: boolean;
  run(input: z.output<Input>, doors: ToolDoors): Promise<unknown>;
}

/** Keeps each tool's input type while letting a list hold them all. */
export function defineTool<Input extends z.ZodObject>(tool: Tool<Input>): Tool {
  return tool as unknown as Tool;
}

/** What the caller did wrong, in words an assistant can act on: answered as a tool error, verbatim. */
export class ToolError extends Error {
  constructor(
    message: string,
    /** The API's status, when the API refused. */
    readonly status?: number,
    readonly details: { path: string; message: string }[] = [],
  ) {
    super(message);
  }
}

export type Query = Record<string, string | number | undefined>;

/** What tools reach Vigil through, always as the caller whose token came with the request. */
export interface ToolDoors {
  /**
   * Calls an /api/v1 route in-process with the caller's token, through the same middleware
   * (permissions, group scope, audit as the token `via mcp`); its error's message becomes a ToolError.
   */
  api<T = unknown>(method: string, path: string, options?: { query?: Query; body?: unknown }): Promise<T>;
  /** Refuses, with the API's own reason, what the caller could not ask the route `method path` (under /api/v1). */
  mayRequest(method: string, path: string, body?: unknown): Promise<void>;
  /** Refuses, as the API would, a caller who may not create or change a configuration of this strategy (one that runs commands on the host). */
  mayRunOnHost(strategyId: string): void;
  /** Runs `work` audited as the caller (for the few tools without a route of their own). */
  asCaller<T>(work: () => Promise<T>): Promise<T>;
  checks: Pick<ChecksService, 'previewConfigurationUpdate'>;
  notifications: Pick<NotificationsService, 'channelsSubscribedTo' | 'channelsSubscribedToGroup' | 'sendNow'>;
}
