import { createTransport } from 'nodemailer';
import { z } from 'zod';
import type { ChannelType, NotificationMessage, SendContext, SendOutcome } from '../types.ts';
import { renderHtml } from './render.ts';

/**
 * Email over SMTP: one multipart message (plain text and HTML) to every address in `to`. The
 * Message-ID is derived from the delivery id, so a retried delivery that did reach the server the
 * first time is recognisable as the same mail (and `X-Vigil-Delivery` carries the id itself).
 */
const Email = z.email({ message: 'expected an email address' }).max(320, 'expected at most 320 characters');

const config = z
  .object({
    host: z.hostname({ message: 'expected a host name or IP address' }),
    port: z.number().int().min(1, 'expected a port from 1 to 65535').max(65535, 'expected a port from 1 to 65535'),
    secure: z.boolean().default(false).meta({ description: 'Implicit TLS from the first byte (usually port 465)' }),
    startTls: z.enum(['required', 'opportunistic', 'never']).default('opportunistic').meta({ description: 'Upgrade a plain connection with STARTTLS (ignored when secure)' }),
    username: z.string().min(1, 'expected a user name').max(256).optional(),
    password: z.string().min(1, 'expected a password').max(1024).optional(),
    from: Email,
    to: z.array(Email).min(1, 'expected at least one address').max(50, 'expected at most 50 addresses'),
  })
  .strict()
  .superRefine((value, issues) => {
    if (value.password !== undefined && value.username === undefined) issues.addIssue({ code: 'custom', path: ['username'], message: 'expected a user name with the password' });
    if (value.username !== undefined && value.password === undefined) issues.addIssue({ code: 'custom', path: ['password'], message: 'expected a password with the user name' });
  });

type EmailConfig = z.output<typeof config>;

export const emailChannel: ChannelType<typeof config> = {
  type: 'email',
  title: 'Email (SMTP)',
  config,
  secretFields: ['password'],
  async send(settings, message, context) {
    const transport = createTransport({
      host: settings.host,
      port: settings.port,
      secure: settings.secure,
      requireTLS: settings.startTls === 'required',
      ignoreTLS: settings.startTls === 'never',
      auth: settings.username !== undefined ? { user: settings.username, pass: settings.password } : undefined,
      connectionTimeout: context.timeoutMs,
      greetingTimeout: context.timeoutMs,
      socketTimeout: context.timeoutMs,
      logger: false,
    });
    try {
      const info = await transport.sendMail({
        from: settings.from,
        to: settings.to,
        subject: `[${message.severity.toUpperCase()}] ${message.title}`,
        text: message.text,
        html: renderHtml(message),
        messageId: messageId(message, settings.from),
        date: new Date(message.timestamp),
        headers: { 'X-Vigil-Delivery': message.id },
        signal: context.signal,
      });
      if (info.rejected.length > 0) {
        // Some addresses took it: another attempt would mail them twice, so this is final.
        const reasons = (info.rejectedErrors ?? []).map((error) => error.response).filter(Boolean);
        return { ok: false, retryable: false, response: info.response, error: `The mail server refused ${info.rejected.join(', ')}${reasons.length ? `: ${reasons.join('; ')}` : ''} (the others were sent the message)` };
      }
      return { ok: true, response: info.response };
    } catch (error) {
      return failure(error as SmtpError, settings, context);
    } finally {
      transport.close();
    }
  },
};

/** The same for every attempt of a delivery; the sender's domain keeps it globally unique-looking. */
function messageId(message: NotificationMessage, from: string): string {
  return `<${message.id}@${from.slice(from.lastIndexOf('@') + 1)}>`;
}

interface SmtpError extends Error {
  code?: string;
  originalCode?: string;
  responseCode?: number;
  response?: string;
  command?: string;
}

/** Codes of a connection that failed or went quiet, rather than a server that said no. */
const UNREACHABLE = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'EABORT']);

/**
 * SMTP's own classes decide: 4xx replies are transient (greylisting, a full queue), 5xx are
 * permanent (no such mailbox, bad credentials), except 503, a command out of sequence, which a new
 * session may not repeat. Anything else without a reply (TLS required but not offered, a bad
 * certificate) is the config's fault. The server's reply is kept; the password never is.
 */
function failure(error: SmtpError, settings: EmailConfig, context: SendContext): SendOutcome {
  const server = `${settings.host}:${settings.port}`;
  if (error.responseCode !== undefined) {
    const permanent = error.responseCode >= 500 && error.responseCode !== 503;
    const reply = redact(error.response ?? String(error.responseCode), settings.password);
    // The verb alone: the rest of an AUTH command line is the encoded credentials.
    const verb = /^[A-Z]+/.exec(error.command ?? '')?.[0];
    return { ok: false, retryable: !permanent, response: reply, error: `The mail server ${server} answered ${verb ? `${verb} with ` : ''}${reply}` };
  }
  if (context.signal.aborted || error.code === 'ETIMEDOUT') return { ok: false, retryable: true, error: `Could not reach ${server}: no answer within ${context.timeoutMs} ms` };
  if (error.code !== undefined && UNREACHABLE.has(error.code)) return { ok: false, retryable: true, error: `Could not reach ${server}: ${error.originalCode ?? error.code}` };
  return { ok: false, retryable: false, error: `Could not send through ${server}: ${redact(error.message, settings.password)}` };
}

function redact(text: string, password: string | undefined): string {
  return password ? text.split(password).join('***') : text;
}
