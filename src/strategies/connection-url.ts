import { formatHostPort } from './common.ts';

/**
 * `postgres://user:secret@db:5432/app?sslmode=require` → config fields, so
 * the password lands in its own secret field instead of a templatable URL.
 */
export interface ConnectionUrlParts {
  host: string;
  port?: number;
  user?: string;
  password?: string;
  database?: string;
  tls: boolean;
}

export function parseConnectionUrl(target: string, schemes: { plain: string[]; tls: string[] }): ConnectionUrlParts {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new Error(`Expected a URL like ${schemes.plain[0]}://user:password@host:port/name, got "${target}"`);
  }
  const scheme = url.protocol.replace(/:$/, '');
  if (![...schemes.plain, ...schemes.tls].includes(scheme)) {
    throw new Error(`Expected a ${[...schemes.plain, ...schemes.tls].join(':// or ')}:// URL, got "${scheme}://"`);
  }
  const sslmode = url.searchParams.get('sslmode') ?? url.searchParams.get('ssl');
  const parts: ConnectionUrlParts = {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    tls: schemes.tls.includes(scheme) || (sslmode !== null && !['disable', 'false', '0'].includes(sslmode)),
  };
  if (url.port) parts.port = Number(url.port);
  if (url.username) parts.user = decodeURIComponent(url.username);
  if (url.password) parts.password = decodeURIComponent(url.password);
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (database) parts.database = database;
  return parts;
}

/** `scheme://user@host:port/database` without the password, which stays in its secret field. */
export function formatConnectionUrl(scheme: string, parts: { host: string; port: number; user?: string | undefined; database?: string | undefined }): string {
  const user = parts.user === undefined ? '' : `${encodeURIComponent(parts.user)}@`;
  const database = parts.database === undefined ? '' : `/${encodeURIComponent(parts.database)}`;
  return `${scheme}://${user}${formatHostPort(parts.host, parts.port)}${database}`;
}

/** Drops undefined keys so strict schemas apply their defaults. */
export function definedOnly(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}
