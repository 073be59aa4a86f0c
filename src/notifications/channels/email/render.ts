import type { MessageSystem, NotificationMessage } from '../types.ts';

/**
 * The HTML body of a notification email: one small table per system, every value escaped (system,
 * check and environment names and check messages are user text, and a mail client renders HTML).
 * Pure, so the layout is tested without a mail server.
 */
export function renderHtml(message: NotificationMessage): string {
  const systems = message.systems.map(renderSystem).join('\n');
  return [
    '<!doctype html>',
    '<html><body style="font-family: sans-serif; font-size: 14px; color: #222">',
    `<h2 style="margin: 0 0 12px">${escapeHtml(message.title)}</h2>`,
    systems,
    '</body></html>',
  ].join('\n');
}

function renderSystem(system: MessageSystem): string {
  const rows: [string, string][] = [
    ['Status', `${escapeHtml(system.previousStatus)} → <strong>${escapeHtml(system.status)}</strong>`],
    ['Environment', escapeHtml(system.environment?.name ?? 'all environments')],
    ['Since', escapeHtml(formatTimestamp(system.since))],
  ];
  if (system.downForMs !== undefined) rows.push(['Down for', escapeHtml(formatDuration(system.downForMs))]);
  if (system.failingChecks.length > 0) {
    const checks = system.failingChecks.map((check) => `<li><strong>${escapeHtml(check.name)}</strong>: ${escapeHtml(check.message)}</li>`).join('');
    rows.push(['Failing checks', `<ul style="margin: 0; padding-left: 18px">${checks}</ul>`]);
  }
  // Only web links: a javascript: URL in an href would run in some web mail clients.
  if (system.url && /^https?:\/\//i.test(system.url)) rows.push(['Link', `<a href="${escapeHtml(system.url)}">Open ${escapeHtml(system.name)} in Vigil</a>`]);
  const cells = rows.map(([label, value]) => `<tr><th style="text-align: left; vertical-align: top; padding: 2px 12px 2px 0">${label}</th><td style="padding: 2px 0">${value}</td></tr>`).join('\n');
  return `<h3 style="margin: 16px 0 4px">${escapeHtml(system.name)}</h3>\n<table style="border-collapse: collapse">\n${cells}\n</table>`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!);
}

/** A duration as a person says it: "45 s", "12 min", "2 h 5 min", "3 d 4 h". */
export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  const days = Math.floor(hours / 24);
  return hours % 24 === 0 ? `${days} d` : `${days} d ${hours % 24} h`;
}

/** "2026-12-02 10:00:00 UTC": mail clients show no time zone of their own for a string. */
export function formatTimestamp(iso: string): string {
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? iso : `${at.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}
