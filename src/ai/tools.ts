import { checkTools } from './check-tools.ts';
import { notifyTools } from './notify-tools.ts';
import { readTools } from './read-tools.ts';
import type { Tool } from './tool.ts';

/** Every AI tool Vigil offers over MCP (SPEC §7.5), in the order an assistant meets them. */
export const tools: Tool[] = [...checkTools, ...notifyTools, ...readTools];
