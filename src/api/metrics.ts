import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  contentType: string;
  /** Call at the start of a request; the returned function records it when it ends. */
  startRequest(): (method: string, route: string, status: number) => void;
  render(): Promise<string>;
}

/** One registry per process (never the global one), so several apps in one test process do not collide. */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'vigil_' });
  const requests = new Counter({
    name: 'vigil_http_requests_total',
    help: 'HTTP requests served, by method, route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'vigil_http_request_duration_seconds',
    help: 'HTTP request latency, by method and route template',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  return {
    registry,
    contentType: registry.contentType,
    startRequest() {
      const started = process.hrtime.bigint();
      return (method, route, status) => {
        // Route templates (`/api/v1/systems/:id`), never raw paths: ids would explode the label set.
        const labels = { method, route: route || 'unmatched' };
        requests.inc({ ...labels, status: String(status) });
        duration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
      };
    },
    render: () => registry.metrics(),
  };
}
