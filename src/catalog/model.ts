import { z } from 'zod';

/** Names people type and read: trimmed, 1–100 characters, unique ignoring case per resource. */
export const Name = z.string().trim().min(1, 'expected a non-empty name').max(100, 'expected at most 100 characters');
const Description = z.string().max(2000, 'expected at most 2000 characters');
const Uuid = z.uuid({ message: 'expected a UUID' });
const UuidList = z
  .array(Uuid)
  .max(500, 'expected at most 500 ids')
  .refine((ids) => new Set(ids).size === ids.length, 'expected each id at most once');
const Timestamp = z.string().meta({ format: 'date-time' });
const Tags = z
  .record(z.string().max(100, 'expected tag names of at most 100 characters'), z.string().max(500, 'expected tag values of at most 500 characters'))
  .refine((tags) => Object.keys(tags).length <= 50, 'expected at most 50 tags')
  .meta({ maxProperties: 50 });

export const SystemInput = z
  .object({
    name: Name,
    description: Description.default(''),
    public: z.boolean().default(false),
    groupIds: UuidList.default([]),
    tags: Tags.default({}),
  })
  .strict()
  .meta({ id: 'SystemInput' });

export const SystemPatch = z
  .object({
    name: Name,
    description: Description,
    public: z.boolean(),
    groupIds: UuidList,
    tags: Tags,
  })
  .partial()
  .strict()
  .meta({ id: 'SystemPatch' });

export const System = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    public: z.boolean(),
    groupIds: z.array(z.string()),
    environmentIds: z.array(z.string()).meta({ description: "The system's environments, in order" }),
    dependsOn: z.array(z.string()).meta({ description: 'The systems this one depends on (SPEC §3.7): while one is unhealthy, this system’s alerts are held' }),
    tags: z.record(z.string(), z.string()),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: 'System' });

export const GroupInput = z
  .object({ name: Name, description: Description.default(''), systemIds: UuidList.default([]) })
  .strict()
  .meta({ id: 'GroupInput' });

export const GroupPatch = z
  .object({ name: Name, description: Description, systemIds: UuidList })
  .partial()
  .strict()
  .meta({ id: 'GroupPatch' });

export const Group = z
  .object({ id: z.string(), name: z.string(), description: z.string(), systemIds: z.array(z.string()), createdAt: Timestamp, updatedAt: Timestamp })
  .meta({ id: 'Group' });

/** Free-form custom fields of an environment, read by templates as `{{ environment.<field> }}`. */
const Fields = z
  .record(
    z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected field names of letters, digits and _, not starting with a digit'),
    z.union([z.string(), z.number(), z.boolean(), z.null()]),
  )
  .refine((fields) => Object.keys(fields).length <= 100, 'expected at most 100 fields')
  .meta({ maxProperties: 100 });

export const EnvironmentInput = z
  .object({ name: Name, description: Description.default(''), fields: Fields.default({}) })
  .strict()
  .meta({ id: 'EnvironmentInput' });

export const EnvironmentPatch = z
  .object({ name: Name, description: Description, fields: Fields })
  .partial()
  .strict()
  .meta({ id: 'EnvironmentPatch' });

export const Environment = z
  .object({ id: z.string(), name: z.string(), description: z.string(), fields: z.record(z.string(), z.unknown()), createdAt: Timestamp, updatedAt: Timestamp })
  .meta({ id: 'Environment' });

export const MembershipInput = z
  .object({ environmentIds: UuidList.meta({ description: "The system's environments, in the order runs and views list them" }) })
  .strict()
  .meta({ id: 'EnvironmentMembership' });

export const DependenciesInput = z
  .object({ dependsOn: UuidList.meta({ description: 'The systems this one depends on; no cycles' }) })
  .strict()
  .meta({ id: 'SystemDependencies' });

export type SystemInput = z.infer<typeof SystemInput>;
export type SystemPatch = z.infer<typeof SystemPatch>;
export type System = z.infer<typeof System>;
export type GroupInput = z.infer<typeof GroupInput>;
export type GroupPatch = z.infer<typeof GroupPatch>;
export type Group = z.infer<typeof Group>;
export type EnvironmentInput = z.infer<typeof EnvironmentInput>;
export type EnvironmentPatch = z.infer<typeof EnvironmentPatch>;
export type Environment = z.infer<typeof Environment>;
