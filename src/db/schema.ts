// Every table of every domain, for drizzle (queries with relations) and drizzle-kit (migrations).
export * from '../catalog/schema.ts';
export * from '../checks/schema.ts';
export * from '../health/schema.ts';
export * from '../events/schema.ts';
export * from '../secrets/schema.ts';
