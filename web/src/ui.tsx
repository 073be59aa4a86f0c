import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { ApiError, type Status } from './api/client.ts';

export interface Loaded<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  reload(): void;
  set(update: (current: T | undefined) => T | undefined): void;
}

/** Runs `load` when `key` changes: its data, its error, whether it is on its way. */
export function useLoad<T>(load: () => Promise<T>, key: unknown[] = []): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  const loader = useRef(load);
  loader.current = load;
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    loader.current().then(
      (data) => live && setState({ data, loading: false }),
      (error: Error) => live && setState((s) => ({ data: s.data, error, loading: false })),
    );
    return () => {
      live = false;
    };
  }, [tick, ...key]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  const set = useCallback((update: (current: T | undefined) => T | undefined) => setState((s) => ({ ...s, data: update(s.data) })), []);
  return { data: state.data, error: state.error, loading: state.loading, reload, set };
}

export function Loading({ what = 'Loading' }: { what?: string }) {
  return (
    <p className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> {what}…
    </p>
  );
}

export function ErrorBox({ error, retry }: { error: Error; retry?: () => void }) {
  const status = error instanceof ApiError && error.status ? ` (${error.status})` : '';
  return (
    <div className="error" role="alert">
      <strong>Something went wrong{status}:</strong> {error.message}
      {retry && (
        <button type="button" className="link" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

/** Loading, an error, or the page: never a blank page. */
export function Gate<T>({ loaded, what, children }: { loaded: Loaded<T>; what?: string; children: (data: T) => ReactNode }) {
  if (loaded.data !== undefined) {
    return (
      <>
        {loaded.error && <ErrorBox error={loaded.error} retry={loaded.reload} />}
        {children(loaded.data)}
      </>
    );
  }
  if (loaded.error) return <ErrorBox error={loaded.error} retry={loaded.reload} />;
  return <Loading what={what} />;
}

export const STATUS_LABEL: Record<Status | 'none', string> = { healthy: 'Healthy', degraded: 'Degraded', unhealthy: 'Unhealthy', none: 'No data' };

export function StatusBadge({ status }: { status: Status | null | undefined }) {
  const s = status ?? 'none';
  return (
    <span className={`badge status-${s}`} data-status={s}>
      <span className="dot" aria-hidden="true" />
      {STATUS_LABEL[s]}
    </span>
  );
}

export function Dot({ status, label }: { status: Status | null | undefined; label: string }) {
  const s = status ?? 'none';
  return <span className={`dot status-${s}`} role="img" aria-label={`${label}: ${STATUS_LABEL[s]}`} title={`${label}: ${STATUS_LABEL[s]}`} />;
}

export function since(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '—';
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h ${minutes % 60}m`;
  return `${Math.floor(hours / 24)}d`;
}

export const percent = (value: number | null | undefined) => (value === null || value === undefined ? '—' : `${value >= 99.995 ? '100' : value.toFixed(2)}%`);
export const ms = (value: number | null | undefined) => (value === null || value === undefined ? '—' : `${Math.round(value)} ms`);
export const when = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString() : '—');

/** A form field: its label, its control, its hint and the error the API gave for it. */
export function Field({ label, id, hint, error, children }: { label: ReactNode; id: string; hint?: ReactNode; error?: string; children: ReactNode }) {
  return (
    <div className={`field${error ? ' invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {children}
      {hint && (
        <small className="hint" id={`${id}-hint`}>
          {hint}
        </small>
      )}
      {error && (
        <small className="field-error" id={`${id}-error`} role="alert">
          {error}
        </small>
      )}
    </div>
  );
}

/** Runs an async action for a button: busy while on, its error shown. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | undefined>();
  const run = useCallback(async <T,>(action: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setError(undefined);
    try {
      return await action();
    } catch (e) {
      setError(e as Error);
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run, setError };
}
