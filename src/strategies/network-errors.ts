/**
 * Failures are results: a refused port, a reset, an unknown host or a bad
 * certificate become one sentence a person on call understands at once.
 */

const TLS_CODES: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in the chain',
  CERT_HAS_EXPIRED: 'certificate has expired',
  CERT_NOT_YET_VALID: 'certificate is not yet valid',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unable to verify the certificate chain',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'certificate issuer is unknown',
  ERR_TLS_CERT_ALTNAME_INVALID: 'certificate does not match the host name',
};

interface NodeError {
  code?: string;
  message?: string;
  cause?: unknown;
}

/** One plain sentence for a socket-level failure against `target` (`host:port`). */
export function describeNetworkError(error: unknown, target: string): string {
  const err = unwrap(error);
  const code = err.code ?? '';
  switch (code) {
    case 'ECONNREFUSED':
      return `Connection refused to ${target}`;
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return `Connection reset by ${target}`;
    case 'ENOTFOUND':
    case 'EAI_NONAME':
      return `Host not found: ${target.replace(/:\d+$/, '')}`;
    case 'EAI_AGAIN':
      return `DNS lookup failed temporarily for ${target.replace(/:\d+$/, '')}`;
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return `Connection timed out to ${target}`;
    case 'UND_ERR_HEADERS_TIMEOUT':
      return `Timed out waiting for response headers from ${target}`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `Host unreachable: ${target}`;
    case 'EPIPE':
      return `Connection closed by ${target}`;
  }
  const tls = TLS_CODES[code];
  if (tls) return `TLS error for ${target}: ${tls} (${code})`;
  if (code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS')) return `TLS error for ${target}: ${err.message ?? code}`;
  return err.message && err.message.length > 0 ? err.message : `Unknown error talking to ${target}`;
}

/** undici wraps the socket error in `cause`; the cause names the real problem. */
function unwrap(error: unknown): NodeError {
  let current = (error ?? {}) as NodeError;
  for (let depth = 0; depth < 3; depth++) {
    const cause = current.cause as NodeError | undefined;
    if (!current.code && cause && typeof cause === 'object') current = cause;
    else break;
  }
  if (current.code === 'UND_ERR_SOCKET' && current.cause && typeof current.cause === 'object') {
    const cause = current.cause as NodeError;
    if (cause.code) return cause;
  }
  return current;
}
