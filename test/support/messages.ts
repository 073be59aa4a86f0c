import type { NotificationMessage } from '../../src/notifications/channels/types.ts';

/** A realistic alert: payments-api unhealthy in prod, one failing check. */
export function sampleAlert(overrides: Partial<NotificationMessage> = {}): NotificationMessage {
  return {
    id: '6f1c2b7e-5d1a-4c44-9a57-3f0f3c1b9e21',
    kind: 'alert',
    severity: 'critical',
    title: 'payments-api is unhealthy',
    text: 'payments-api (prod) is unhealthy since 2026-12-02T10:00:00.000Z (was healthy).\nFailing: http-health — statusCode: expected 200, got 503\nhttps://vigil.example.test/systems/0b6b',
    systems: [
      {
        id: '0b6b2f1c-1111-4c44-9a57-3f0f3c1b9e21',
        name: 'payments-api',
        environment: { id: 'e1e1e1e1-2222-4c44-9a57-3f0f3c1b9e21', name: 'prod' },
        previousStatus: 'healthy',
        status: 'unhealthy',
        since: '2026-12-02T10:00:00.000Z',
        failingChecks: [{ name: 'http-health', message: 'statusCode: expected 200, got 503' }],
        url: 'https://vigil.example.test/systems/0b6b2f1c-1111-4c44-9a57-3f0f3c1b9e21',
      },
    ],
    dedupKey: 'vigil:0b6b2f1c-1111-4c44-9a57-3f0f3c1b9e21:e1e1e1e1-2222-4c44-9a57-3f0f3c1b9e21',
    timestamp: '2026-12-02T10:00:05.000Z',
    ...overrides,
  };
}

/** The same system recovered after 12 minutes. */
export function sampleRecovery(): NotificationMessage {
  const alert = sampleAlert();
  return {
    ...alert,
    id: '7a2d3c8f-6e2b-4d55-8b68-4a1a4d2cae32',
    kind: 'recovery',
    severity: 'info',
    title: 'payments-api recovered',
    text: 'payments-api (prod) is healthy again after 12 min (was unhealthy).',
    systems: [{ ...alert.systems[0]!, previousStatus: 'unhealthy', status: 'healthy', since: '2026-12-02T10:12:00.000Z', downForMs: 720_000, failingChecks: [] }],
    timestamp: '2026-12-02T10:12:05.000Z',
  };
}
