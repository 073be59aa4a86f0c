import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { SecretCipher } from './cipher.ts';
import { KEY_FILE, loadSecretKey, parseSecretKey } from './key.ts';

const key = randomBytes(32);

describe('parseSecretKey', () => {
  const rows: { name: string; text: string; ok: boolean }[] = [
    { name: 'base64', text: key.toString('base64'), ok: true },
    { name: 'base64 with a trailing newline (as openssl writes it)', text: `${key.toString('base64')}\n`, ok: true },
    { name: 'base64url without padding', text: key.toString('base64url'), ok: true },
    { name: 'hex', text: key.toString('hex'), ok: true },
    { name: '16 bytes', text: randomBytes(16).toString('base64'), ok: false },
    { name: 'a passphrase', text: 'correct horse battery staple', ok: false },
    { name: 'empty', text: '', ok: false },
  ];
  for (const row of rows) {
    it(`${row.ok ? 'accepts' : 'rejects'} ${row.name}`, () => {
      if (row.ok) expect(parseSecretKey(row.text, 'VIGIL_SECRET_KEY')).toEqual(key);
      else expect(() => parseSecretKey(row.text, 'VIGIL_SECRET_KEY')).toThrow(/^VIGIL_SECRET_KEY must be 32 bytes .*openssl rand -base64 32/);
    });
  }
});

describe('SecretCipher', () => {
  const cipher = new SecretCipher(key);
  it('round-trips a value and never stores it in clear', () => {
    const sealed = cipher.seal('tok-123 ✓', 'id-1');
    expect(JSON.stringify(sealed)).not.toContain('tok-123');
    expect(cipher.open(sealed, 'id-1')).toBe('tok-123 ✓');
  });
  it('uses a fresh IV each time', () => expect(cipher.seal('x', 'id').iv).not.toBe(cipher.seal('x', 'id').iv));
  it('refuses a value moved onto another secret', () => expect(() => cipher.open(cipher.seal('x', 'id-1'), 'id-2')).toThrow(/failed authentication/));
  it('names a key mix-up as one', () => {
    expect(() => new SecretCipher(randomBytes(32)).open(cipher.seal('x', 'id'), 'id')).toThrow(`it was encrypted under key ${cipher.keyId}`);
  });
});

describe('loadSecretKey', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-key-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  const lines: string[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });

  it('generates a key file (mode 0600) on first start, says where, and reuses it', async () => {
    const first = await loadSecretKey({ dataDir }, log);
    const path = join(dataDir, KEY_FILE);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(lines.join('')).toContain(path);
    expect(lines.join('')).not.toContain(readFileSync(path, 'utf8').trim());
    expect(await loadSecretKey({ dataDir }, log)).toEqual(first);
  });
  it('prefers VIGIL_SECRET_KEY', async () => {
    expect(await loadSecretKey({ dataDir, secretKey: key.toString('hex') }, log)).toEqual(key);
  });
});
