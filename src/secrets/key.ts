import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../kernel/log.ts';
import { SECRET_KEY_BYTES } from './cipher.ts';

/**
 * Where the key that encrypts secrets comes from: `VIGIL_SECRET_KEY`, or — for the embedded
 * default only — a key file Vigil generates into its data directory on first start. With a
 * shared PostgreSQL every process must hold the same key, so that case never generates one
 * (settings refuse to start without it).
 */

export const KEY_FILE = 'secret.key';
export const MAKE_A_KEY = 'create one with `openssl rand -base64 32`';

/** A 32-byte key written as base64 (or base64url) or hex; the error names `source`, never the text. */
export function parseSecretKey(text: string, source: string): Buffer {
  const trimmed = text.trim();
  let key: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) key = Buffer.from(trimmed, 'hex');
  else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed)) key = Buffer.from(trimmed, trimmed.includes('-') || trimmed.includes('_') ? 'base64url' : 'base64');
  if (key?.length !== SECRET_KEY_BYTES) {
    throw new Error(`${source} must be ${SECRET_KEY_BYTES} bytes written as base64 (44 characters) or hex (64 characters); ${MAKE_A_KEY}`);
  }
  return key;
}

export function generateSecretKeyText(): string {
  return randomBytes(SECRET_KEY_BYTES).toString('base64');
}

/** The key in use: `VIGIL_SECRET_KEY` when set, else the data directory's key file, created on first start. */
export async function loadSecretKey(settings: { secretKey?: string | undefined; dataDir: string }, log: Logger, options: { create: boolean } = { create: true }): Promise<Buffer> {
  if (settings.secretKey !== undefined) return parseSecretKey(settings.secretKey, 'VIGIL_SECRET_KEY');
  const path = join(settings.dataDir, KEY_FILE);
  const existing = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (existing !== undefined) return parseSecretKey(existing, path);
  if (!options.create) throw new Error(`No secret key: VIGIL_SECRET_KEY is not set and ${path} does not exist`);
  await mkdir(settings.dataDir, { recursive: true });
  const text = generateSecretKeyText();
  try {
    // `wx`: two processes starting at once must not each write (and use) a different key.
    await writeFile(path, `${text}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return parseSecretKey(await readFile(path, 'utf8'), path);
    throw error;
  }
  log.info({ path }, 'Generated the key that encrypts secrets (keep it: without it stored secrets cannot be read)');
  return parseSecretKey(text, path);
}
