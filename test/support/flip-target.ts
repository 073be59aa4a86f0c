import { startHttpTarget } from '../targets/http.ts';

/** An HTTP target on 127.0.0.1 whose answer the test flips: 200 "UP" or 500 "DOWN". */
export interface FlipTarget {
  url: string;
  setStatus(status: number): void;
  hits(): number;
  close(): Promise<void>;
}

export async function startFlipTarget(initial = 200): Promise<FlipTarget> {
  let status = initial;
  const target = await startHttpTarget({
    handler: (_request, response) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ status: status < 400 ? 'UP' : 'DOWN' }));
    },
  });
  return { url: `${target.url}/health`, setStatus: (next) => (status = next), hits: () => target.requests, close: () => target.close() };
}
