/**
 * What a browser does in a sign-in journey, with plain fetch: keeps cookies (by host, any port, and
 * path, as browsers do) and follows redirects by hand, so a test can stop before any step and
 * look at it, or change it.
 */

interface Cookie {
  name: string;
  value: string;
  host: string;
  path: string;
}

export interface Step {
  url: URL;
  response: Response;
}

export class Browser {
  private cookies: Cookie[] = [];

  /** One request, sending the cookies that match and keeping those the answer sets. */
  async request(url: string | URL, init: { method?: string; form?: Record<string, string> } = {}): Promise<Response> {
    const target = new URL(url);
    const headers: Record<string, string> = {};
    const sent = this.cookies.filter((c) => c.host === target.hostname && pathMatches(target.pathname, c.path));
    if (sent.length) headers.cookie = sent.map((c) => `${c.name}=${c.value}`).join('; ');
    if (init.form) headers['content-type'] = 'application/x-www-form-urlencoded';
    const response = await fetch(target, { method: init.method ?? 'GET', headers, body: init.form ? new URLSearchParams(init.form).toString() : undefined, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) this.keep(target, line);
    return response;
  }

  /** Requests `url`, then follows redirects (as GETs) until an answer that is not one, or until `stop` says the next URL is for the test. */
  async follow(url: string | URL, options: { method?: string; form?: Record<string, string>; stop?: (next: URL) => boolean } = {}): Promise<Step> {
    let current = new URL(url);
    let response = await this.request(current, options);
    for (let hops = 0; response.status >= 300 && response.status < 400; hops++) {
      if (hops > 20) throw new Error(`More than 20 redirects from ${url}`);
      const next = new URL(response.headers.get('location')!, current);
      await response.body?.cancel();
      if (options.stop?.(next)) return { url: next, response };
      current = next;
      response = await this.request(current);
    }
    return { url: current, response };
  }

  cookie(name: string): string | undefined {
    return this.cookies.find((c) => c.name === name)?.value;
  }

  /** Sets (or, with undefined, drops) a cookie by hand: what an attacker or a stale tab would send. */
  setCookie(name: string, value: string | undefined, url: string, path = '/'): void {
    const host = new URL(url).hostname;
    this.cookies = this.cookies.filter((c) => !(c.name === name && c.host === host && c.path === path));
    if (value !== undefined) this.cookies.push({ name, value, host, path });
  }

  private keep(url: URL, line: string): void {
    const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
    const at = pair.indexOf('=');
    const name = pair.slice(0, at);
    const value = pair.slice(at + 1);
    const attribute = (key: string) => attributes.find((a) => a.toLowerCase().startsWith(`${key}=`))?.slice(key.length + 1);
    // Without a Path, the request's directory (RFC 6265 §5.1.4).
    const path = attribute('path') ?? (url.pathname.replace(/\/[^/]*$/, '') || '/');
    const expires = attribute('expires');
    const gone = Number(attribute('max-age') ?? 1) <= 0 || (expires !== undefined && Date.parse(expires) <= Date.now()) || value === '';
    this.setCookie(name, gone ? undefined : value, url.href, path);
  }
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  return requestPath === cookiePath || requestPath.startsWith(cookiePath.endsWith('/') ? cookiePath : `${cookiePath}/`);
}
