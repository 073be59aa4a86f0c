import type { MessageSystem, NotificationMessage } from '../types.ts';
import { escapeHtml, formatDuration, formatTime } from '../format.ts';

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
    ['Since', escapeHtml(formatTime(system.since))],
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
