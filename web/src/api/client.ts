import createClient from 'openapi-fetch';
import type { components, paths } from './schema';

/** The documented /api/v1 API, typed from its OpenAPI document (schema.d.ts is generated). */
export const api = createClient<paths>({ baseUrl: '', credentials: 'same-origin' });

export type Schemas = components['schemas'];
export type Status = 'healthy' | 'degraded' | 'unhealthy';

/** An API answer that is not a success, with the message the API gave (and the fields it named). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code = 'error',
    readonly details: { path: string; message: string }[] = [],
  ) {
    super(message);
  }
}

type Answer<T> = { data?: T; error?: unknown; response: Response };

/** The data of a successful answer; anything else throws an ApiError a page can show. */
export async function ok<T>(request: Promise<Answer<T>>): Promise<T> {
  let answer: Answer<T>;
  try {
    answer = await request;
  } catch (error) {
    throw new ApiError(0, `Vigil could not be reached (${(error as Error).message})`, 'network');
  }
  if (answer.response.ok) return answer.data as T;
  const body = answer.error as { error?: { code?: string; message?: string; details?: { path: string; message: string }[] } } | undefined;
  const message = body?.error?.message ?? `${answer.response.status} ${answer.response.statusText || 'error'}`;
  throw new ApiError(answer.response.status, message, body?.error?.code, body?.error?.details ?? []);
}

/** Every page of a cursor-paged list, 500 at a time. */
export async function all<T>(page: (cursor: string | undefined) => Promise<Answer<{ items: T[]; nextCursor: string | null }>>): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const next = await ok(page(cursor));
    items.push(...next.items);
    cursor = next.nextCursor ?? undefined;
  } while (cursor);
  return items;
}
