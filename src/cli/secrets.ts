import { existsSync, readFileSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { openDatabase } from '../db/database.ts';
import type { Logger } from '../kernel/log.ts';
import { SecretCipher } from '../secrets/cipher.ts';
import { KEY_FILE, generateSecretKeyText, loadSecretKey, parseSecretKey } from '../secrets/key.ts';
import { resealChannels } from '../notifications/service.ts';
import { rotateSecretKey } from '../secrets/rotate.ts';
import { loadSettings, type Settings } from '../settings.ts';

/**
 * `vigil secrets rotate-key`: re-encrypts every stored secret under a new key, in one transaction.
 * The new key comes from --new-key-file, or is generated into the data directory. On the embedded
 * default the data directory's key file is then replaced; with VIGIL_SECRET_KEY the operator
 * moves every process to the new key (until then they cannot read secrets, and say so per run).
 */

interface RotateFlags {
  newKeyFile?: string;
  dataDir?: string;
}

export function registerSecretsCommand(program: Command, log: (settings: Settings) => Logger): Command {
  const secrets = program.command('secrets').description('manage the encrypted secret store');
  secrets
    .command('rotate-key')
    .description(
      're-encrypt every secret under a new key in one transaction. Reads the current key from VIGIL_SECRET_KEY ' +
        '(or the data directory\'s secret.key), the new one from --new-key-file or generates it into the data directory. ' +
        'Embedded default: stop Vigil first; the key file is replaced. With VIGIL_SECRET_KEY: set it to the new key in every process afterwards.',
    )
    .option('--new-key-file <file>', 'file holding the new key: 32 bytes as base64 or hex (e.g. `openssl rand -base64 32 > new.key`)')
    .option('--data-dir <dir>', 'the data directory (default ./data, or VIGIL_DATA_DIR)')
    .action(async (flags: RotateFlags) => {
      try {
        console.log((await rotateKey(flags, log)).join('\n'));
      } catch (error) {
        // Every error here names a file, a setting or a secret, never a key or a value.
        console.error(`vigil secrets rotate-key: ${(error as Error).message}`);
        process.exitCode = 1;
      }
    });
  return secrets;
}

export async function rotateKey(flags: RotateFlags, logFor: (settings: Settings) => Logger): Promise<string[]> {
  const settings = loadSettings(flags.dataDir === undefined ? {} : { dataDir: flags.dataDir });
  const log = logFor(settings);
  const embedded = settings.databaseUrl === undefined;
  if (embedded) refuseWhileRunning(settings.dataDir);
  const current = new SecretCipher(await loadSecretKey(settings, log, { create: false }));

  let newKeyText: string;
  let generatedPath: string | undefined;
  if (flags.newKeyFile !== undefined) {
    newKeyText = (await readFile(flags.newKeyFile, 'utf8')).trim();
  } else {
    newKeyText = generateSecretKeyText();
    generatedPath = join(settings.dataDir, `${KEY_FILE}.new`);
    // `wx`: never overwrite the key a previous, interrupted rotation may have left behind.
    await writeFile(generatedPath, `${newKeyText}\n`, { mode: 0o600, flag: 'wx' });
  }
  const next = new SecretCipher(parseSecretKey(newKeyText, flags.newKeyFile ?? 'the new key'));

  const database = await openDatabase({ databaseUrl: settings.databaseUrl, dataDir: settings.dataDir, log });
  let count: number;
  try {
    count = await rotateSecretKey(database.db, current, next, [resealChannels]);
  } catch (error) {
    if (generatedPath !== undefined) await rm(generatedPath, { force: true });
    throw error;
  } finally {
    await database.close();
  }

  const lines = [`Re-encrypted ${count} secret(s) and notification channel(s) under key ${next.keyId} (was ${current.keyId}).`];
  if (settings.secretKey === undefined) {
    const keyFile = join(settings.dataDir, KEY_FILE);
    if (generatedPath !== undefined) {
      await rename(generatedPath, keyFile);
    } else {
      await writeFile(`${keyFile}.new`, `${newKeyText}\n`, { mode: 0o600 });
      await rename(`${keyFile}.new`, keyFile);
    }
    lines.push(`The new key is now ${keyFile}.`);
  } else {
    const where = generatedPath ?? flags.newKeyFile;
    lines.push(`Set VIGIL_SECRET_KEY to the key in ${where} in every Vigil process and restart them; until then they cannot read secrets.`);
  }
  return lines;
}

/** Rotating under a running embedded server would stop it (it looks like an orphan): refuse instead. */
export function refuseWhileRunning(dataDir: string, doing = 'rotating the key'): void {
  const pidFile = join(dataDir, 'pg', 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number.parseInt(readFileSync(pidFile, 'utf8').split('\n')[0] ?? '', 10);
  if (!pid) return;
  try {
    process.kill(pid, 0);
  } catch {
    return;
  }
  throw new Error(`Vigil's embedded PostgreSQL is running on ${dataDir} (pid ${pid}): stop Vigil before ${doing}`);
}
