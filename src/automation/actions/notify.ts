import { z } from 'zod';
import type { ActionOutcome, ActionType } from './types.ts';

const input = z
  .object({
    channelId: z.uuid({ message: 'expected a notification channel id' }).optional().meta({ description: 'Send to this channel…' }),
    systemId: z.string().min(1, 'expected a system id or a template').optional().meta({ description: "…or to the channels of this system's subscribers, e.g. {{ trigger.payload.systemId }}" }),
    title: z.string().min(1, 'expected a title').max(500, 'expected at most 500 characters'),
    text: z.string().max(10_000, 'expected at most 10000 characters').default(''),
    severity: z.enum(['critical', 'warning', 'info'], { message: 'expected critical, warning or info' }).default('warning'),
  })
  .strict()
  .refine((value) => (value.channelId === undefined) !== (value.systemId === undefined), { message: 'expected exactly one of channelId and systemId', path: ['channelId'] });

/** Tells people: one channel, or every channel subscribed to a system. */
export const notifyAction: ActionType<typeof input> = {
  type: 'notify',
  title: 'Send a notification',
  input,
  async run(value, context) {
    const channels = value.channelId ? [value.channelId] : await context.doors.subscriberChannels(value.systemId!);
    if (!channels.length) return { ok: true, output: { channels: 0, note: 'the system has no subscribers' } };
    const outcomes: ActionOutcome[] = [];
    for (const [index, channelId] of channels.entries()) {
      // One key per channel, the same on every attempt of this action.
      const key = channels.length === 1 ? context.key : `${context.key}:${index}`;
      outcomes.push(await context.doors.sendToChannel(channelId, { key, title: value.title, text: value.text, severity: value.severity, ...(value.systemId ? { systemId: value.systemId } : {}) }));
    }
    const failed = outcomes.filter((outcome): outcome is Extract<ActionOutcome, { ok: false }> => !outcome.ok);
    if (!failed.length) return { ok: true, output: { channels: channels.length } };
    return { ok: false, retryable: failed.some((outcome) => outcome.retryable), error: failed.map((outcome) => outcome.error).join('; ') };
  },
};
