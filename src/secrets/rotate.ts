import { eq } from 'drizzle-orm';
import type { Db } from '../db/database.ts';
import type { SecretCipher } from './cipher.ts';
import { secrets } from './schema.ts';
import { SecretUnreadableError } from './service.ts';

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/** Another store sealed with the same key (notification channels' secret fields): re-sealed in the same transaction. */
export type Reseal = (tx: Tx, current: SecretCipher, next: SecretCipher) => Promise<number>;

/**
 * Re-encrypts every secret — and whatever else `also` re-seals — under a new key in one
 * transaction: either all of them move to the new key or, if any cannot be read under the
 * current one, none does.
 */
export async function rotateSecretKey(db: Db, current: SecretCipher, next: SecretCipher, also: Reseal[] = []): Promise<number> {
  return db.transaction(async (tx) => {
    const rows = await tx.select().from(secrets).for('update');
    for (const row of rows) {
      let value: string;
      try {
        value = current.open(row, row.id);
      } catch (error) {
        throw new SecretUnreadableError(row.name, (error as Error).message);
      }
      await tx.update(secrets).set(next.seal(value, row.id)).where(eq(secrets.id, row.id));
    }
    let more = 0;
    for (const reseal of also) more += await reseal(tx, current, next);
    return rows.length + more;
  });
}
