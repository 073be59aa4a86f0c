import { defineStrategy } from '../types.ts';
import { httpConfig } from './config.ts';
import type { HttpConfig } from './config.ts';
import { httpRequestCollector } from './request.ts';
import type { HttpClient } from './request.ts';

export const httpStrategy = defineStrategy<HttpConfig, HttpClient>({
  id: 'http',
  title: 'HTTP(S) endpoint',
  config: httpConfig,
  templatable: ['url', 'headers.*', 'body'],
  secret: ['tls.key'],
  target: {
    example: 'https://example.com/health',
    toConfig: (target) => ({ url: target }),
  },
  // Nothing to open up front: every check dials a fresh connection in its collector.
  async connect(config) {
    let url: URL;
    try {
      url = new URL(config.url);
    } catch {
      throw new Error(`Rendered URL is invalid: ${config.url}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new Error(`Rendered URL is invalid: ${config.url} (only http and https are supported)`);
    }
    return { config, url };
  },
  async close() {},
  defaultCollector: 'http.request',
  collectors: [httpRequestCollector],
});
