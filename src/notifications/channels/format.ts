import type { MessageSystem, NotificationMessage } from './types.ts';

/**
 * Wording shared by the chat channels, so a system's change reads the same in Slack, Discord,
 * Teams, Telegram, Matrix and ntfy; each channel only adds its own markup around these pieces.
 */

/** A mark a person sees before reading a word: red, amber, green. */
export const SEVERITY_MARK: Record<NotificationMessage['severity'], string> = { critical: '🔴', warning: '🟠', info: '🟢' };

/** A failing check's message longer than this is cut: it is a notification, the full run is in Vigil. */
const CHECK_MESSAGE_CHARS = 300;
/** Failing checks listed per system; the rest are counted. */
const CHECKS_LISTED = 10;

/** "45 s", "12 min", "1 h 5 min", "2 d 3 h": how long, to a person, not to the millisecond. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${days} d ${hours % 24} h` : `${days} d`;
}

/** "2026-12-02 10:00 UTC": receivers are read in many time zones, so say which one. */
export function formatTime(iso: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  return `${at.toISOString().slice(0, 10)} ${at.toISOString().slice(11, 16)} UTC`;
}

/** For HTML bodies and attributes (Telegram, Matrix). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Slack's mrkdwn decodes only these three, and treats `<…>` as a link or mention. */
export function escapeSlack(text: string): string {
  return text.replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!);
}

/** Discord markdown: a check named `__init__` or a message with `*` stays literal. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\*_~`|>[\]()]/g, '\\$&');
}

/** At most `max` characters, ending with "…" when cut. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** As many parts as fit in `limit` characters, then a note saying how many were left out. */
export function joinWithin(parts: string[], separator: string, limit: number, leftOut: (count: number) => string): string {
  let joined = '';
  for (const [index, part] of parts.entries()) {
    const next = index === 0 ? part : `${joined}${separator}${part}`;
    const note = index === parts.length - 1 ? '' : `${separator}${leftOut(parts.length - index - 1)}`;
    if (next.length + note.length > limit) {
      const rest = `${index === 0 ? '' : separator}${leftOut(parts.length - index)}`;
      return `${joined}${rest}`;
    }
    joined = next;
  }
  return joined;
}

/** `base` + `path` without a doubled slash (base URLs are often pasted with a trailing one). */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}${path}`;
}

export const moreSystems = (count: number): string => `…and ${count} more ${count === 1 ? 'system' : 'systems'}`;

/** One system's change as the pieces every channel shows, in plain words (not escaped). */
export interface SystemSummary {
  name: string;
  /** "prod", or "all environments" when the change is about the system as a whole. */
  environment: string;
  /** "payments-api · prod" */
  heading: string;
  /** "healthy → unhealthy since 2026-12-02 10:00 UTC", "unhealthy → healthy since …, down for 12 min" */
  change: string;
  /** Failing checks, each message on one line and cut to a readable length. */
  checks: { name: string; message: string }[];
  /** "…and 3 more failing checks", when some were left out. */
  moreChecks?: string;
  url?: string;
}

export function summarizeSystem(system: MessageSystem): SystemSummary {
  const environment = system.environment?.name ?? 'all environments';
  const downFor = system.downForMs === undefined ? '' : `, down for ${formatDuration(system.downForMs)}`;
  const hidden = system.failingChecks.length - CHECKS_LISTED;
  const summary: SystemSummary = {
    name: system.name,
    environment,
    heading: `${system.name} · ${environment}`,
    change: `${system.previousStatus} → ${system.status} since ${formatTime(system.since)}${downFor}`,
    checks: system.failingChecks.slice(0, CHECKS_LISTED).map((check) => ({ name: check.name, message: truncate(check.message.replace(/\s+/g, ' ').trim(), CHECK_MESSAGE_CHARS) })),
  };
  if (hidden > 0) summary.moreChecks = `…and ${hidden} more failing ${hidden === 1 ? 'check' : 'checks'}`;
  if (system.url) summary.url = system.url;
  return summary;
}
