import type pg from 'pg';
import type { Schedule } from '../queue/types.ts';
import { jitterOffset } from '../queue/schedule.ts';

/**
 * What should be scheduled right now (SPEC §2.1): each enabled assignment of an enabled, unpaused
 * configuration that runs on the central workers, every `intervalSeconds`, at its own stable offset.
 */
export async function loadSchedules(pool: pg.Pool): Promise<Schedule[]> {
  const { rows } = await pool.query<{ id: string; configuration_id: string; system_id: string; interval_seconds: number }>(
    `SELECT a.id, a.configuration_id, a.system_id, c.interval_seconds
       FROM assignments a JOIN configurations c ON c.id = a.configuration_id
      WHERE a.enabled AND a.include_local AND c.enabled AND NOT c.paused`,
  );
  return rows.map((row) => {
    const intervalMs = row.interval_seconds * 1000;
    return { id: row.id, configurationId: row.configuration_id, systemId: row.system_id, intervalMs, offsetMs: jitterOffset(row.id, intervalMs) };
  });
}
