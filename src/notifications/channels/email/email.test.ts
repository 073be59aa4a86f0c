import { createServer, type AddressInfo, type Socket } from 'node:net';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerAddress } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { sampleAlert, sampleRecovery } from '../../../../test/support/messages.ts';
import { emailChannel } from './index.ts';
import { renderHtml } from './render.ts';

interface ReceivedMail {
  envelope: { from: string; to: string[] };
  /** The authenticated user, when the client logged in. */
  user?: string;
  mail: ParsedMail;
}

interface SmtpTarget {
  port: number;
  received: ReceivedMail[];
  close(): Promise<void>;
}

const servers: SmtpTarget[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** A real SMTP server on 127.0.0.1 (no TLS); with `login`, it checks the credentials it is given; `rejectRcpt` answers RCPT with that code. */
async function startSmtp(options: { login?: { username: string; password: string }; rejectRcpt?: { code: number; text: string; address?: string } } = {}): Promise<SmtpTarget> {
  const received: ReceivedMail[] = [];
  const server = new SMTPServer({
    logger: false,
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    allowInsecureAuth: true,
    onAuth(auth, _session, callback) {
      if (options.login && auth.username === options.login.username && auth.password === options.login.password) return callback(null, { user: auth.username });
      callback(Object.assign(new Error('Authentication credentials invalid'), { responseCode: 535 }));
    },
    onRcptTo(address, _session, callback) {
      const reject = options.rejectRcpt;
      if (reject && (reject.address === undefined || reject.address === address.address)) return callback(Object.assign(new Error(reject.text), { responseCode: reject.code }));
      callback();
    },
    onData(stream, session, callback) {
      simpleParser(stream).then((mail) => {
        const from = session.envelope.mailFrom as SMTPServerAddress;
        received.push({ envelope: { from: from.address, to: session.envelope.rcptTo.map((to) => to.address) }, ...(session.user ? { user: String(session.user) } : {}), mail });
        callback();
      }, callback);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const target: SmtpTarget = {
    port: (server.server.address() as AddressInfo).port,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  servers.push(target);
  return target;
}

const context = () => ({ signal: AbortSignal.timeout(5_000), timeoutMs: 5_000 });
const base = { host: '127.0.0.1', from: 'vigil@example.test', to: ['oncall@example.test', 'lead@example.test'] };
const addresses = (field: AddressObject | AddressObject[] | undefined) => [field ?? []].flat().flatMap((object) => object.value.map((entry) => entry.address));

describe('email channel', () => {
  it('sends one multipart mail with the severity in the subject, a plain text and an HTML part, and a Message-ID a resent delivery repeats', async () => {
    const smtp = await startSmtp();
    const settings = emailChannel.config.parse({ ...base, port: smtp.port });
    expect(await emailChannel.send(settings, sampleAlert(), context())).toMatchObject({ ok: true, response: expect.stringMatching(/^250 /) });

    const [{ envelope, user, mail }] = smtp.received as [ReceivedMail];
    expect(envelope).toEqual({ from: 'vigil@example.test', to: ['oncall@example.test', 'lead@example.test'] });
    expect(user).toBeUndefined();
    expect(mail.subject).toBe('[CRITICAL] payments-api is unhealthy');
    expect(addresses(mail.from)).toEqual(['vigil@example.test']);
    expect(addresses(mail.to)).toEqual(['oncall@example.test', 'lead@example.test']);
    expect(mail.text?.trim()).toBe(sampleAlert().text);
    expect(mail.html).toContain('<h3 style="margin: 16px 0 4px">payments-api</h3>');
    expect(mail.html).toContain('healthy → <strong>unhealthy</strong>');
    expect(mail.html).toContain('<td style="padding: 2px 0">prod</td>');
    expect(mail.html).toContain('<li><strong>http-health</strong>: statusCode: expected 200, got 503</li>');
    expect(mail.html).toContain('2026-12-02 10:00 UTC');
    expect(mail.html).toContain(`<a href="${sampleAlert().systems[0]!.url}">`);
    expect(mail.messageId).toBe(`<${sampleAlert().id}@example.test>`);
    expect(mail.headers.get('x-vigil-delivery')).toBe(sampleAlert().id);
    expect(mail.headers.get('content-type')).toMatchObject({ value: 'multipart/alternative' });

    await emailChannel.send(settings, sampleAlert(), context());
    expect(smtp.received[1]!.mail.messageId).toBe(mail.messageId);
  });

  it('logs in with the user name and password when they are set, and says how long a recovered system was down', async () => {
    const smtp = await startSmtp({ login: { username: 'vigil', password: 'correct horse battery staple' } });
    const settings = emailChannel.config.parse({ ...base, port: smtp.port, username: 'vigil', password: 'correct horse battery staple' });
    expect(await emailChannel.send(settings, sampleRecovery(), context())).toMatchObject({ ok: true });
    const [{ user, mail }] = smtp.received as [ReceivedMail];
    expect(user).toBe('vigil');
    expect(mail.subject).toBe('[INFO] payments-api recovered');
    expect(mail.html).toContain('unhealthy → <strong>healthy</strong>');
    expect(mail.html).toContain('<th style="text-align: left; vertical-align: top; padding: 2px 12px 2px 0">Down for</th><td style="padding: 2px 0">12 min</td>');
    expect(mail.html).not.toContain('Failing checks');
  });

  it('refuses to retry what the server refused for good (550 mailbox, 535 login) and retries what it deferred (451) or could not reach', async () => {
    const unknown = await startSmtp({ rejectRcpt: { code: 550, text: 'Mailbox unavailable' } });
    expect(await emailChannel.send(emailChannel.config.parse({ ...base, port: unknown.port }), sampleAlert(), context())).toMatchObject({
      ok: false,
      retryable: false,
      error: `The mail server 127.0.0.1:${unknown.port} answered RCPT with 550 Mailbox unavailable`,
    });

    const greylisting = await startSmtp({ rejectRcpt: { code: 451, text: 'Try again later' } });
    expect(await emailChannel.send(emailChannel.config.parse({ ...base, port: greylisting.port }), sampleAlert(), context())).toMatchObject({
      ok: false,
      retryable: true,
      error: expect.stringContaining('451 Try again later'),
    });

    const password = 'the-wrong-password-7f3a';
    const guarded = await startSmtp({ login: { username: 'vigil', password: 'the-right-one' } });
    const wrongLogin = await emailChannel.send(emailChannel.config.parse({ ...base, port: guarded.port, username: 'vigil', password }), sampleAlert(), context());
    expect(wrongLogin).toMatchObject({ ok: false, retryable: false, error: `The mail server 127.0.0.1:${guarded.port} answered AUTH with 535 Authentication credentials invalid` });
    expect(JSON.stringify(wrongLogin)).not.toContain(password);
    // Nor the AUTH PLAIN line that carries it encoded.
    expect(JSON.stringify(wrongLogin)).not.toContain(Buffer.from(`\0vigil\0${password}`).toString('base64'));

    const closed = await startSmtp();
    await closed.close();
    expect(await emailChannel.send(emailChannel.config.parse({ ...base, port: closed.port }), sampleAlert(), context())).toEqual({
      ok: false,
      retryable: true,
      error: `Could not reach 127.0.0.1:${closed.port}: ECONNREFUSED`,
    });
  });

  it('gives up on a server that never greets when the delivery’s time is up, and tries again later', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as AddressInfo).port;
    const outcome = await emailChannel.send(emailChannel.config.parse({ ...base, port }), sampleAlert(), { signal: AbortSignal.timeout(300), timeoutMs: 300 });
    sockets.forEach((socket) => socket.destroy());
    await new Promise((resolve) => silent.close(resolve));
    expect(outcome).toEqual({ ok: false, retryable: true, error: `Could not reach 127.0.0.1:${port}: no answer within 300 ms` });
  });

  it('does not retry when one of several addresses was refused, since the others already have the mail', async () => {
    const smtp = await startSmtp({ rejectRcpt: { code: 550, text: 'No such user', address: 'lead@example.test' } });
    const outcome = await emailChannel.send(emailChannel.config.parse({ ...base, port: smtp.port }), sampleAlert(), context());
    expect(outcome).toMatchObject({ ok: false, retryable: false, error: expect.stringContaining('refused lead@example.test: 550 No such user') });
    expect(smtp.received.map((received) => received.envelope.to)).toEqual([['oncall@example.test']]);
  });

  it('refuses a bad config naming the field', () => {
    const result = emailChannel.config.safeParse({ host: 'smtp example', port: 0, from: 'vigil', to: [], password: 'x', tls: true });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['host', 'expected a host name or IP address'],
      ['port', 'expected a port from 1 to 65535'],
      ['from', 'expected an email address'],
      ['to', 'expected at least one address'],
      ['', 'Unrecognized key: "tls"'],
      ['username', 'expected a user name with the password'],
    ]);
    const halfLogin = emailChannel.config.safeParse({ ...base, port: 587, password: 'secret' });
    expect(halfLogin.error!.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['username', 'expected a user name with the password']]);
    expect(emailChannel.config.parse({ ...base, port: 587 })).toMatchObject({ secure: false, startTls: 'opportunistic' });
  });
});

describe('email HTML', () => {
  it('escapes every value a user or a check wrote', () => {
    const message = sampleAlert({ title: '<b>x</b> & y' });
    message.systems[0] = { ...message.systems[0]!, name: 'api<script>', environment: null, failingChecks: [{ name: 'a"b', message: "it's <broken>" }], url: 'javascript:alert(1)' };
    const html = renderHtml(message);
    expect(html).toContain('&lt;b&gt;x&lt;/b&gt; &amp; y');
    expect(html).toContain('api&lt;script&gt;');
    expect(html).toContain('<li><strong>a&quot;b</strong>: it&#39;s &lt;broken&gt;</li>');
    expect(html).toContain('all environments');
    expect(html).not.toContain('javascript:');
  });

});
