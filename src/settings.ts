import { resolve } from 'node:path';
import { z } from 'zod';
import { ROLES, type Role as AccessRole } from './access/roles.ts';
import { MAKE_A_KEY, parseSecretKey } from './secrets/key.ts';

export const roles = ['all', 'api', 'worker', 'scheduler'] as const;
export type Role = (typeof roles)[number];

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;

/** An http(s) URL; with `tlsOnly`, plain http only to this machine: codes and tokens must not cross a network in clear. */
function httpUrl(text: string, ctx: z.RefinementCtx, what: string, example: string, tlsOnly: boolean): void {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    ctx.addIssue({ code: 'custom', message: `expected ${what}, e.g. ${example}` });
    return;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    ctx.addIssue({ code: 'custom', message: `expected an http:// or https:// URL, got ${url.protocol}` });
  } else if (tlsOnly && url.protocol === 'http:' && !LOOPBACK.test(url.hostname)) {
    ctx.addIssue({ code: 'custom', message: `expected an https:// URL (http:// only for 127.0.0.1, localhost or [::1]), got ${url.protocol}//${url.host}` });
  }
  if (url.search || url.hash) ctx.addIssue({ code: 'custom', message: 'expected a URL without ?query or #fragment' });
}

/** `vigil-admins=admin,vigil-editors=editor`: which claim value gives which role (split at the last `=`). */
function parseRoleMap(text: string, ctx: z.RefinementCtx): { value: string; role: AccessRole }[] {
  const pairs = text.split(',').map((pair) => pair.trim()).filter(Boolean);
  return pairs.flatMap((pair) => {
    const at = pair.lastIndexOf('=');
    const value = pair.slice(0, at).trim();
    const role = pair.slice(at + 1).trim() as AccessRole;
    if (at <= 0 || !value || !ROLES.includes(role)) {
      ctx.addIssue({ code: 'custom', message: `expected value=role pairs separated by commas, each role one of ${ROLES.join(', ')}; got "${pair}"` });
      return [];
    }
    return [{ value, role }];
  });
}

const settingsSchema = z.object({
  role: z.enum(roles),
  host: z.string().min(1),
  port: z.coerce.number().int().min(0).max(65535),
  dataDir: z.string().min(1),
  /** Configuration documents applied at start and whenever they change (issue 22). */
  configDir: z.string().min(1).optional(),
  databaseUrl: z.string().regex(/^postgres(ql)?:\/\//, 'expected a postgres:// or postgresql:// URL').optional(),
  redisUrl: z.string().regex(/^rediss?:\/\//, 'expected a redis:// or rediss:// URL').optional(),
  /** Key prefix in Redis, so several Vigil installations (or test runs) can share one server. */
  redisPrefix: z.string().regex(/^[\w.-]+$/, 'expected letters, digits, _ . or -'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  /** `pretty` lines for a person at a terminal, `json` lines for log shippers. */
  logFormat: z.enum(['pretty', 'json']),
  /** How many checks one worker process runs at once: checks mostly wait on the network, and a few slow targets must not hold everyone else's ticks back. */
  workerConcurrency: z.coerce.number().int('expected a whole number').min(1, 'expected at least 1').max(10_000, 'expected at most 10000'),
  /** A session unused this long ends (SPEC §8.1; default 7 days). */
  sessionIdleHours: z.coerce.number().positive('expected a positive number of hours').max(24 * 365, 'expected at most a year'),
  /** Believe `X-Forwarded-Proto` from a proxy in front of Vigil (session cookies become Secure behind HTTPS). */
  trustProxy: z.enum(['true', 'false'], { message: 'expected true or false' }).transform((v) => v === 'true'),
  /** The first admin, created at start when the email does not exist yet (idempotent). */
  adminEmail: z.email({ message: 'expected an email address' }).optional(),
  adminPassword: z.string().min(10, 'expected at least 10 characters').optional(),
  /** Who may create or change configurations that run commands on the Vigil host (script). */
  scriptRole: z.enum(['editor', 'admin'], { message: 'expected editor or admin' }),
  /** Confine scripts with bubblewrap (SPEC §7.6): when it works here (`auto`), always (`required`: never unconfined), or never. */
  scriptConfine: z.enum(['auto', 'required', 'off'], { message: 'expected auto, required or off' }),
  /** The bubblewrap program: a name looked up on PATH, or a path. */
  bwrapPath: z.string().min(1, 'expected a program name or path'),
  /** Days each history tier is kept unless an assignment says otherwise (SPEC §5.2). */
  retentionRawDays: z.coerce.number().int('expected a whole number of days').min(1, 'expected at least 1 day'),
  retentionHourlyDays: z.coerce.number().int('expected a whole number of days').min(1, 'expected at least 1 day'),
  retentionDailyDays: z.coerce.number().int('expected a whole number of days').min(1, 'expected at least 1 day'),
  /** Changes reaching one channel within this many seconds go out as one message (SPEC §6.2); 0: off. A channel may set its own. */
  notificationGroupSeconds: z.coerce.number().int('expected a whole number of seconds').min(0, 'expected 0 (off) or more seconds').max(3600, 'expected at most 3600 seconds'),
  /** The platform notification policy (SPEC §6.2), under each assignment's own. */
  suppressDeEscalations: z.enum(['true', 'false'], { message: 'expected true or false' }).transform((v) => v === 'true'),
  renotifyMinutes: z.coerce.number().int('expected a whole number of minutes').min(1, 'expected at least 1 minute').max(10_080, 'expected at most 10080 minutes (a week)').optional(),
  /** Where email to users (subscriptions with a userId) is sent through: smtp://user:password@host:587 or smtps://…:465; absent: users get no email. */
  smtpUrl: z
    .string()
    .optional()
    .refine((text) => text === undefined || /^smtps?:\/\/[^/]+/.test(text), 'expected an smtp:// or smtps:// URL, e.g. smtp://user:password@mail.example.com:587'),
  smtpFrom: z.email({ message: 'expected an email address' }).optional(),
  /** Largest request body the API accepts, in bytes. */
  maxBodyBytes: z.coerce.number().int('expected a whole number of bytes').min(1024, 'expected at least 1024 bytes'),
  /** Where people reach Vigil, e.g. https://vigil.example.com: the OpenID provider sends them back there; absent: from each request. */
  publicUrl: z
    .string()
    .optional()
    .superRefine((text, ctx) => {
      if (text !== undefined) httpUrl(text, ctx, 'the URL people open Vigil at', 'https://vigil.example.com', false);
    })
    .transform((text) => text?.replace(/\/+$/, '')),
  /** Single sign-on (OpenID Connect): the provider's issuer URL; absent: SSO is off. */
  oidcIssuer: z
    .string()
    .optional()
    .superRefine((text, ctx) => {
      if (text !== undefined) httpUrl(text, ctx, "the OpenID provider's issuer URL", 'https://sso.example.com/realms/main', true);
    }),
  oidcClientId: z.string().optional(),
  oidcClientSecret: z.string().optional(),
  /** The sign-in button's label, e.g. `Keycloak`. */
  oidcName: z.string().max(100, 'expected at most 100 characters').optional(),
  oidcScopes: z
    .string()
    .transform((text) => text.split(/[\s,]+/).filter(Boolean))
    .refine((scopes) => scopes.includes('openid'), 'expected scopes separated by spaces, including openid'),
  /** The claim that carries groups or roles: a string or an array of strings; a dotted path reaches into nested claims. */
  oidcRoleClaim: z.string().regex(/^[^\s.]+(\.[^\s.]+)*$/, 'expected a claim name, or a dotted path into nested claims (e.g. realm_access.roles)'),
  /** Claim values to roles; the highest role matched wins. Empty: roles are not taken from the provider. */
  oidcRoleMap: z.string().transform(parseRoleMap),
  /** The role when no pair of the map matches; none: sign-in is refused. */
  oidcDefaultRole: z
    .enum([...ROLES, 'none'], { message: `expected one of ${ROLES.join(', ')}, none` })
    .transform((role) => (role === 'none' ? null : role)),
  /** Create a user on their first SSO sign-in; false: only users an admin created (same verified email) may sign in. */
  oidcAutoCreate: z.enum(['true', 'false'], { message: 'expected true or false' }).transform((v) => v === 'true'),
  /** Encrypts secrets at rest; the embedded default generates one into dataDir when absent. */
  secretKey: z
    .string()
    .optional()
    .superRefine((text, ctx) => {
      if (text === undefined) return;
      try {
        parseSecretKey(text, 'VIGIL_SECRET_KEY');
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
      }
    }),
});

export type Settings = z.infer<typeof settingsSchema>;

/** The platform's history retention (SPEC §5.2), as the retention job takes it. */
/**
 * How scripts are confined, from the environment alone (VIGIL_SCRIPT_CONFINE, VIGIL_BWRAP_PATH):
 * for `vigil check`, which runs a check here without a server and must not need its settings.
 */
export function scriptConfinementFromEnv(env: NodeJS.ProcessEnv = process.env): { mode: Settings['scriptConfine']; bwrapPath: string } {
  const parsed = settingsSchema.pick({ scriptConfine: true, bwrapPath: true }).safeParse(scriptConfinementRaw(env));
  if (!parsed.success) {
    throw new SettingsError(parsed.error.issues.map((issue) => ({ field: fieldSources[issue.path[0] as keyof Settings] ?? String(issue.path[0]), message: issue.message })));
  }
  return { mode: parsed.data.scriptConfine, bwrapPath: parsed.data.bwrapPath };
}

/** The confinement settings as the environment gives them, defaults filled: for both readers above and below. */
function scriptConfinementRaw(env: NodeJS.ProcessEnv) {
  return { scriptConfine: env.VIGIL_SCRIPT_CONFINE || 'auto', bwrapPath: env.VIGIL_BWRAP_PATH || 'bwrap' };
}

/** The platform's notification defaults: grouping, policy, and the mail server for email to users. */
export function notificationDefaults(settings: Settings) {
  return {
    groupWindowSeconds: settings.notificationGroupSeconds,
    platformPolicy: { suppressDeEscalations: settings.suppressDeEscalations, ...(settings.renotifyMinutes === undefined ? {} : { renotifyMinutes: settings.renotifyMinutes }) },
    ...(settings.smtpUrl ? { userMail: { url: settings.smtpUrl, from: settings.smtpFrom ?? 'vigil@localhost' } } : {}),
  };
}

export function retentionDays(settings: Settings) {
  return { rawDays: settings.retentionRawDays, hourlyDays: settings.retentionHourlyDays, dailyDays: settings.retentionDailyDays };
}

/** Flags as commander hands them over; every one optional, falling back to the environment, then defaults. */
export interface SettingsFlags {
  role?: string;
  host?: string;
  port?: string | number;
  dataDir?: string;
  configDir?: string;
}

export class SettingsError extends Error {
  constructor(readonly problems: { field: string; message: string }[]) {
    super(`Invalid settings: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`);
  }
}

const fieldSources: Record<keyof Settings, string> = {
  role: '--role',
  host: '--host',
  port: '--port / PORT',
  dataDir: '--data-dir / VIGIL_DATA_DIR',
  configDir: '--config-dir / VIGIL_CONFIG_DIR',
  databaseUrl: 'DATABASE_URL',
  redisUrl: 'REDIS_URL',
  redisPrefix: 'VIGIL_REDIS_PREFIX',
  logLevel: 'LOG_LEVEL',
  logFormat: 'VIGIL_LOG_FORMAT',
  workerConcurrency: 'VIGIL_WORKER_CONCURRENCY',
  maxBodyBytes: 'VIGIL_MAX_BODY_BYTES',
  scriptRole: 'VIGIL_SCRIPT_ROLE',
  scriptConfine: 'VIGIL_SCRIPT_CONFINE',
  retentionRawDays: 'VIGIL_RETENTION_RAW_DAYS',
  retentionHourlyDays: 'VIGIL_RETENTION_HOURLY_DAYS',
  retentionDailyDays: 'VIGIL_RETENTION_DAILY_DAYS',
  bwrapPath: 'VIGIL_BWRAP_PATH',
  notificationGroupSeconds: 'VIGIL_NOTIFICATION_GROUP_SECONDS',
  suppressDeEscalations: 'VIGIL_SUPPRESS_DE_ESCALATIONS',
  renotifyMinutes: 'VIGIL_RENOTIFY_MINUTES',
  smtpUrl: 'VIGIL_SMTP_URL',
  smtpFrom: 'VIGIL_SMTP_FROM',
  sessionIdleHours: 'VIGIL_SESSION_IDLE_HOURS',
  trustProxy: 'VIGIL_TRUST_PROXY',
  adminEmail: 'VIGIL_ADMIN_EMAIL',
  adminPassword: 'VIGIL_ADMIN_PASSWORD',
  secretKey: 'VIGIL_SECRET_KEY',
  publicUrl: 'VIGIL_PUBLIC_URL',
  oidcIssuer: 'VIGIL_OIDC_ISSUER',
  oidcClientId: 'VIGIL_OIDC_CLIENT_ID',
  oidcClientSecret: 'VIGIL_OIDC_CLIENT_SECRET',
  oidcName: 'VIGIL_OIDC_NAME',
  oidcScopes: 'VIGIL_OIDC_SCOPES',
  oidcRoleClaim: 'VIGIL_OIDC_ROLE_CLAIM',
  oidcRoleMap: 'VIGIL_OIDC_ROLE_MAP',
  oidcDefaultRole: 'VIGIL_OIDC_DEFAULT_ROLE',
  oidcAutoCreate: 'VIGIL_OIDC_AUTO_CREATE',
};

/** Flags win over environment variables, which win over defaults. Pure: the environment is passed in. */
export function loadSettings(flags: SettingsFlags = {}, env: NodeJS.ProcessEnv = process.env, terminal = Boolean(process.stdout.isTTY)): Settings {
  const raw = {
    role: flags.role ?? 'all',
    host: flags.host ?? env.VIGIL_HOST ?? '127.0.0.1',
    port: flags.port ?? env.PORT ?? 8080,
    dataDir: resolve(flags.dataDir ?? env.VIGIL_DATA_DIR ?? 'data'),
    configDir: (flags.configDir ?? env.VIGIL_CONFIG_DIR) ? resolve((flags.configDir ?? env.VIGIL_CONFIG_DIR)!) : undefined,
    databaseUrl: env.DATABASE_URL || undefined,
    redisUrl: env.REDIS_URL || undefined,
    redisPrefix: env.VIGIL_REDIS_PREFIX ?? 'vigil',
    logLevel: env.LOG_LEVEL ?? 'info',
    logFormat: env.VIGIL_LOG_FORMAT ?? (terminal && env.NODE_ENV !== 'production' ? 'pretty' : 'json'),
    workerConcurrency: env.VIGIL_WORKER_CONCURRENCY ?? 500,
    maxBodyBytes: env.VIGIL_MAX_BODY_BYTES ?? 1024 * 1024,
    sessionIdleHours: env.VIGIL_SESSION_IDLE_HOURS ?? 24 * 7,
    trustProxy: env.VIGIL_TRUST_PROXY ?? 'false',
    scriptRole: env.VIGIL_SCRIPT_ROLE ?? 'admin',
    ...scriptConfinementRaw(env),
    retentionRawDays: env.VIGIL_RETENTION_RAW_DAYS || 7,
    retentionHourlyDays: env.VIGIL_RETENTION_HOURLY_DAYS || 30,
    retentionDailyDays: env.VIGIL_RETENTION_DAILY_DAYS || 365,
    notificationGroupSeconds: env.VIGIL_NOTIFICATION_GROUP_SECONDS || 10,
    suppressDeEscalations: env.VIGIL_SUPPRESS_DE_ESCALATIONS || 'false',
    renotifyMinutes: env.VIGIL_RENOTIFY_MINUTES || undefined,
    smtpUrl: env.VIGIL_SMTP_URL || undefined,
    smtpFrom: env.VIGIL_SMTP_FROM || undefined,
    adminEmail: env.VIGIL_ADMIN_EMAIL || undefined,
    adminPassword: env.VIGIL_ADMIN_PASSWORD || undefined,
    secretKey: env.VIGIL_SECRET_KEY || undefined,
    publicUrl: env.VIGIL_PUBLIC_URL || undefined,
    oidcIssuer: env.VIGIL_OIDC_ISSUER || undefined,
    oidcClientId: env.VIGIL_OIDC_CLIENT_ID || undefined,
    oidcClientSecret: env.VIGIL_OIDC_CLIENT_SECRET || undefined,
    oidcName: env.VIGIL_OIDC_NAME || undefined,
    oidcScopes: env.VIGIL_OIDC_SCOPES || 'openid email profile',
    oidcRoleClaim: env.VIGIL_OIDC_ROLE_CLAIM || 'groups',
    oidcRoleMap: env.VIGIL_OIDC_ROLE_MAP ?? '',
    oidcDefaultRole: env.VIGIL_OIDC_DEFAULT_ROLE || 'none',
    oidcAutoCreate: env.VIGIL_OIDC_AUTO_CREATE || 'true',
  };
  const parsed = settingsSchema
    .refine((s) => s.role === 'all' || s.redisUrl, {
      message: 'a split role needs REDIS_URL: the in-process queue only serves one process (use --role all, the default)',
      path: ['role'],
    })
    .refine((s) => s.role === 'all' || s.databaseUrl, {
      message: 'a split role needs DATABASE_URL: processes on different machines must share one PostgreSQL',
      path: ['role'],
    })
    // Processes sharing a PostgreSQL must share the key too: generating one per process would
    // leave each unable to read the others' secrets.
    .refine((s) => !s.adminEmail === !s.adminPassword, {
      message: 'VIGIL_ADMIN_EMAIL and VIGIL_ADMIN_PASSWORD go together: set both, or neither',
      path: ['adminPassword'],
    })
    .refine((s) => s.retentionRawDays <= s.retentionHourlyDays, { message: 'expected at least VIGIL_RETENTION_RAW_DAYS', path: ['retentionHourlyDays'] })
    .refine((s) => s.retentionHourlyDays <= s.retentionDailyDays, { message: 'expected at least VIGIL_RETENTION_HOURLY_DAYS', path: ['retentionDailyDays'] })
    .refine((s) => !s.databaseUrl || s.secretKey, {
      message: `is required with DATABASE_URL (every process needs the same key to read secrets): ${MAKE_A_KEY} and set VIGIL_SECRET_KEY to it`,
      path: ['secretKey'],
    })
    .refine((s) => !s.oidcIssuer || s.oidcClientId, { message: 'is required with VIGIL_OIDC_ISSUER: the client id Vigil is registered under at the provider', path: ['oidcClientId'] })
    .refine((s) => !s.oidcIssuer || s.oidcClientSecret, { message: 'is required with VIGIL_OIDC_ISSUER: the client secret the provider issued to Vigil', path: ['oidcClientSecret'] })
    .refine((s) => s.oidcIssuer || (!s.oidcClientId && !s.oidcClientSecret), {
      message: 'is required with VIGIL_OIDC_CLIENT_ID and VIGIL_OIDC_CLIENT_SECRET: the provider’s issuer URL (single sign-on is off without it)',
      path: ['oidcIssuer'],
    })
    .safeParse(raw);
  if (!parsed.success) {
    throw new SettingsError(
      parsed.error.issues.map((issue) => {
        const key = String(issue.path[0]) as keyof Settings;
        return { field: fieldSources[key] ?? key, message: issue.message };
      }),
    );
  }
  return parsed.data;
}

/** Where the CLI talks to a Vigil server (SPEC §7: `vigil login`, and the commands that use a server). */
export interface ClientSettings {
  /** VIGIL_SERVER, else the server the stored credentials name. */
  server?: string;
  /** VIGIL_TOKEN, else the stored token. */
  token?: string;
  /** `$XDG_CONFIG_HOME/vigil/credentials`, else `~/.config/vigil/credentials`. */
  credentialsFile: string;
}

/** Pure: the environment and the home directory are passed in. Stored credentials are read by the CLI. */
export function loadClientSettings(env: NodeJS.ProcessEnv, home: string): ClientSettings {
  const configHome = env.XDG_CONFIG_HOME || resolve(home, '.config');
  return {
    server: env.VIGIL_SERVER || undefined,
    token: env.VIGIL_TOKEN || undefined,
    credentialsFile: resolve(configHome, 'vigil', 'credentials'),
  };
}
