import { randomUUID } from 'node:crypto';
import { and, asc, eq, gt, inArray, sql } from 'drizzle-orm';
import { recordChange } from '../access/audit.ts';
import type { Db } from '../db/database.ts';
import { translateDbError } from '../db/errors.ts';
import { cursorKey, toPage, type Page, type PageRequest } from '../db/pagination.ts';
import { NotFoundError } from '../kernel/errors.ts';
import type { SecretCipher } from './cipher.ts';
import type { Secret, SecretInput } from './model.ts';
import { secrets } from './schema.ts';

/** A secret that exists but cannot be decrypted (another key, altered data): named, never shown. */
export class SecretUnreadableError extends Error {
  constructor(
    readonly secretName: string,
    reason: string,
  ) {
    super(`secret '${secretName}' cannot be decrypted: ${reason}`);
  }
}

/**
 * The secret store (SPEC §2.7). Values go in and are only ever read back by `resolve`, for one
 * run; nothing here returns a value to a caller of the API.
 */
export class SecretsService {
  constructor(
    private readonly db: Db,
    private readonly cipher: SecretCipher,
  ) {}

  async list(page: PageRequest): Promise<Page<Secret>> {
    const key = cursorKey(page);
    const rows = await this.db
      .select({ name: secrets.name, createdAt: secrets.createdAt, updatedAt: secrets.updatedAt })
      .from(secrets)
      .where(and(key === undefined ? undefined : gt(sql`lower(${secrets.name})`, key)))
      .orderBy(asc(sql`lower(${secrets.name})`))
      .limit(page.limit + 1);
    return toPage(rows, page, (r) => r.name.toLowerCase(), toSecret);
  }

  async create(input: SecretInput): Promise<Secret> {
    const id = randomUUID();
    return this.db
      .transaction(async (tx) => {
        const [row] = await tx
          .insert(secrets)
          .values({ id, name: input.name, ...this.cipher.seal(input.value, id) })
          .returning();
        const secret = toSecret(row!);
        // The value is never part of an audit entry: only that the secret was set.
        await recordChange(tx, { resourceType: 'secret', resourceId: secret.name, action: 'create', after: secret });
        return secret;
      })
      .catch(translateDbError);
  }

  async update(name: string, value: string): Promise<Secret> {
    return this.db.transaction(async (tx) => {
      const [current] = await tx.select({ id: secrets.id }).from(secrets).where(byName(name)).for('update');
      if (!current) throw new NotFoundError('Secret', name, 'name');
      const [row] = await tx
        .update(secrets)
        .set({ ...this.cipher.seal(value, current.id), updatedAt: new Date() })
        .where(eq(secrets.id, current.id))
        .returning();
      const secret = toSecret(row!);
      await recordChange(tx, { resourceType: 'secret', resourceId: secret.name, action: 'set_value', after: secret });
      return secret;
    });
  }

  async remove(name: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const [deleted] = await tx.delete(secrets).where(byName(name)).returning({ name: secrets.name, createdAt: secrets.createdAt, updatedAt: secrets.updatedAt });
      if (!deleted) throw new NotFoundError('Secret', name, 'name');
      await recordChange(tx, { resourceType: 'secret', resourceId: deleted.name, action: 'delete', before: toSecret(deleted) });
    });
  }

  /** Every secret's name, lower-cased: what configurations may reference (checked on save). */
  async names(): Promise<Set<string>> {
    const rows = await this.db.select({ name: secrets.name }).from(secrets);
    return new Set(rows.map((r) => r.name.toLowerCase()));
  }

  /** The values of the named secrets that exist, by lower-cased name, for one run; never cached. */
  async resolve(names: readonly string[]): Promise<Map<string, string>> {
    const values = new Map<string, string>();
    if (names.length === 0) return values;
    const wanted = names.map((name) => name.toLowerCase());
    const rows = await this.db.select().from(secrets).where(inArray(sql`lower(${secrets.name})`, wanted));
    for (const row of rows) {
      try {
        values.set(row.name.toLowerCase(), this.cipher.open(row, row.id));
      } catch (error) {
        throw new SecretUnreadableError(row.name, (error as Error).message);
      }
    }
    return values;
  }
}

function byName(name: string) {
  return sql`lower(${secrets.name}) = ${name.toLowerCase()}`;
}

function toSecret(row: { name: string; createdAt: Date; updatedAt: Date }): Secret {
  return { name: row.name, createdAt: row.createdAt.toISOString(), updatedAt: row.updatedAt.toISOString() };
}
