import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkOnce, fieldsOf } from '../../../test/targets/check-once.ts';
import { startTcpTarget } from '../../../test/targets/tcp.ts';
import type { TcpTarget } from '../../../test/targets/tcp.ts';

let banner: TcpTarget;
let silent: TcpTarget;
beforeAll(async () => {
  [banner, silent] = await Promise.all([startTcpTarget(), startTcpTarget({ silent: true })]);
});
afterAll(async () => Promise.all([banner.close(), silent.close()]));

const tcp = (config: Record<string, unknown>, assertions: string[] = []) => checkOnce({ strategy: 'tcp', config: { host: '127.0.0.1', ...config }, assertions });

describe('tcp strategy', () => {
  it('connects and reads the banner within readTimeoutMs', async () => {
    const result = await tcp({ port: banner.port, readTimeoutMs: 5000 }, ['banner starts with SSH-2.0', 'connectMs < 1s']);
    expect(result.status).toBe('healthy');
    expect(fieldsOf(result)).toMatchObject({ banner: 'SSH-2.0-VigilTestBanner\r\n', connectMs: expect.any(Number) });
  });

  it('sends, then matches the answer against expect', async () => {
    const result = await tcp({ port: banner.port, send: 'PING\n', expect: 'ECHO PING' });
    expect(result.status).toBe('healthy');
    expect(fieldsOf(result).matched).toBe(true);
  });

  it('fails when the answer does not match', async () => {
    const result = await tcp({ port: banner.port, expect: '^220 ', readTimeoutMs: 100 });
    expect(result.message).toMatch(/^Check failed: Expected \/\^220 \/ from 127\.0\.0\.1:\d+, got "SSH-2\.0/);
    expect(fieldsOf(result).matched).toBe(false);
  });

  it('is done once connected without send, expect or readTimeoutMs: it does not wait for a banner', async () => {
    // The target greets the moment it accepts; the banner lands after the connect, so only a wait sees it.
    const result = await tcp({ port: banner.port }, ['connectMs < 1s']);
    expect(result.status).toBe('healthy');
    expect(fieldsOf(result).banner).toBe('');
  });

  it('accepts a silent port with an empty banner after the read wait', async () => {
    const result = await tcp({ port: silent.port, readTimeoutMs: 50 }, ['banner is empty']);
    expect(result.status).toBe('healthy');
  });

  it('names a refused port', async () => {
    const result = await tcp({ port: 1 });
    expect(result).toMatchObject({ status: 'unhealthy', message: 'Check failed: Connection refused to 127.0.0.1:1' });
  });

  it('rejects an invalid expect pattern at validation', async () => {
    await expect(tcp({ port: banner.port, expect: '(' })).rejects.toThrow(/Invalid regular expression/);
  });
});
