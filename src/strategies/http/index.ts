import { defineStrategy } from '../types.ts';
import { httpConfig } from './config.ts';
import type { HttpConfig } from './config.ts';
import { httpRequestCollector } from './request.ts';
import type { HttpClient } from './request.ts';

/** The URL is rendered from templates per run (SPEC §2.5), so it is only known to parse here. */
function urlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `Rendered URL is invalid: ${url}`;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return `Rendered URL is invalid: ${url} (only http and https are supported)`;
  return undefined;
}

export const httpStrategy = defineStrategy<HttpConfig, HttpClient>({
  id: 'http',
  title: 'HTTP(S) endpoint',
  config: httpConfig,
  templatable: ['url', 'headers.*', 'body'],
  secret: ['tls.key'],
  renderedConfigProblem: (config) => urlProblem(config.url),
  target: {
    example: 'https://example.com/health',
    fromConfig: (config) => config.url,
    toConfig: (target) => ({ url: target }),
  },
  // Nothing to open up front: every check dials a fresh connection in its collector.
  async connect(config) {
    const problem = urlProblem(config.url);
    if (problem !== undefined) throw new Error(problem);
    return { config, url: new URL(config.url) };
  },
  async close() {},
  defaultCollector: 'http.request',
  collectors: [httpRequestCollector],
});
