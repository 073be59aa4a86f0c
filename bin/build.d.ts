/** Compiles src/ into dist/ and copies the files the code reads beside itself. */
export function build(): void;
/** Builds when dist/ is missing or older than any file in src/. */
export function buildIfStale(log?: (line: string) => void): void;
export function walk(dir: string): Generator<string>;
/** Keeps an initialised PostgreSQL cluster for first starts to copy (best effort). */
export function prepareClusterTemplate(): Promise<void>;
/** Generates the UI's API types and builds web/ into web/dist. */
export function buildWeb(): void;
/** Whether web/dist is missing or older than the UI's sources. */
export function webIsStale(): boolean;
/** Builds the UI when stale; a failure is logged, not thrown. */
export function buildWebIfStale(log?: (line: string) => void): void;
