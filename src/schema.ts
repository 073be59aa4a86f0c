// Every table of every domain, for drizzle-kit (migrations): the one module that knows them all, above the domains.
export * from './catalog/schema.ts';
export * from './checks/schema.ts';
export * from './health/schema.ts';
export * from './events/schema.ts';
export * from './secrets/schema.ts';
export * from './access/schema.ts';
export * from './history/schema.ts';
export * from './notifications/schema.ts';
export * from './maintenance/schema.ts';
export * from './incidents/schema.ts';
export * from './automation/schema.ts';
export * from './heartbeats/schema.ts';
export * from './gitops/schema.ts';
export * from './satellites/schema.ts';
