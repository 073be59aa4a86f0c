import { describe, expect, it } from 'vitest';
import { emailChannel } from './channels/email/index.ts';
import { backoffMs, mailConfig } from './sender.ts';

describe('backoffMs', () => {
  const rows: { name: string; attempt: number; retryAfterMs?: number; random: number; expected: number }[] = [
    { name: 'the first retry waits about 2 s (jitter low)', attempt: 1, random: 0, expected: 1_000 },
    { name: 'the first retry waits about 2 s (jitter high)', attempt: 1, random: 0.999, expected: 2_998 },
    { name: 'doubling each attempt', attempt: 4, random: 0.5, expected: 16_000 },
    { name: 'at most 10 minutes before jitter', attempt: 20, random: 0.5, expected: 600_000 },
    { name: "a receiver's longer Retry-After wins", attempt: 1, retryAfterMs: 120_000, random: 0.5, expected: 120_000 },
    { name: 'a shorter Retry-After does not shorten the backoff', attempt: 3, retryAfterMs: 1_000, random: 0.5, expected: 8_000 },
    { name: 'a Retry-After is capped at an hour', attempt: 1, retryAfterMs: 86_400_000, random: 0.5, expected: 3_600_000 },
  ];
  for (const row of rows) it(row.name, () => expect(backoffMs(row.attempt, row.retryAfterMs, () => row.random)).toBe(row.expected));
});

describe('mailConfig: the platform mail server for email to users', () => {
  const rows: { name: string; url: string; expected: Record<string, unknown> }[] = [
    { name: 'plain SMTP, submission port by default', url: 'smtp://mail.example.com', expected: { host: 'mail.example.com', port: 587, secure: false } },
    { name: 'implicit TLS on 465 by default', url: 'smtps://mail.example.com', expected: { host: 'mail.example.com', port: 465, secure: true } },
    { name: 'a port and credentials, percent-decoded', url: 'smtp://vigil%40example.com:p%40ss%20word@10.0.0.5:2525', expected: { host: '10.0.0.5', port: 2525, username: 'vigil@example.com', password: 'p@ss word' } },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const config = mailConfig({ url: row.url, from: 'vigil@example.com' }, 'dana@example.com');
      expect(config).toMatchObject({ ...row.expected, from: 'vigil@example.com', to: ['dana@example.com'] });
      // What the email channel itself accepts: the same checks as a channel someone saved.
      expect(emailChannel.config.safeParse(config).success).toBe(true);
    });
  }
});
