import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { defineTool, type Tool, type ToolDoors } from './tool.ts';

/**
 * healthcheck.notifySystemSubscribers / …GroupSubscribers: a message from the assistant to every
 * channel subscribed to a system's (or a group's) rollup, sent at once. There is no route for it;
 * it asks what subscribing to that system or group asks (POST /subscriptions: editor, in scope).
 */

const Message = {
  title: z.string().min(1).max(200),
  body: z.string().min(1).max(4000),
  importance: z.enum(['info', 'warning', 'critical']),
  actionLabel: z.string().max(100).optional().describe('The text of a link to act on it'),
  actionUrl: z.url().optional().describe('Where the link points'),
};

type MessageInput = { title: string; body: string; importance: 'info' | 'warning' | 'critical'; actionLabel?: string; actionUrl?: string };

const notifySystem = defineTool({
  name: 'healthcheck.notifySystemSubscribers',
  description: 'Sends a message now to every notification channel subscribed to a system (directly or through its groups). Answers how many channels took it.',
  input: z.object({ systemId: z.string(), ...Message }),
  changes: true,
  async run({ systemId, ...message }, doors) {
    await doors.mayRequest('POST', '/subscriptions', { systemId });
    await doors.api('GET', `/systems/${systemId}`);
    return send(doors, await doors.notifications.channelsSubscribedTo(systemId), message);
  },
});

const notifyGroup = defineTool({
  name: 'healthcheck.notifySystemGroupSubscribers',
  description: 'Sends a message now to every notification channel subscribed to a group. Answers how many channels took it.',
  input: z.object({ groupId: z.string(), ...Message }),
  changes: true,
  async run({ groupId, ...message }, doors) {
    await doors.mayRequest('POST', '/subscriptions', { groupId });
    await doors.api('GET', `/groups/${groupId}`);
    return send(doors, await doors.notifications.channelsSubscribedToGroup(groupId), message);
  },
});

async function send(doors: ToolDoors, channelIds: string[], message: MessageInput): Promise<{ notifiedCount: number }> {
  const key = randomUUID();
  const text = message.actionUrl ? `${message.body}\n\n${message.actionLabel ?? 'Open'}: ${message.actionUrl}` : message.body;
  const outcomes = await doors.asCaller(() =>
    Promise.all(channelIds.map((channelId) => doors.notifications.sendNow(channelId, { key: `${key}:${channelId}`, title: message.title, text, severity: message.importance }))),
  );
  return { notifiedCount: outcomes.filter((outcome) => outcome.ok).length };
}

export const notifyTools: Tool[] = [notifySystem, notifyGroup];
