-- Adds two {key: {field: number}} documents field by field: the per-collector counts of hourly
-- and daily buckets (SPEC §5.1) merge in the same upsert that adds the run.
CREATE OR REPLACE FUNCTION vigil_merge_counts(a jsonb, b jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(jsonb_object_agg(k, (
    SELECT jsonb_object_agg(f, coalesce((a -> k ->> f)::numeric, 0) + coalesce((b -> k ->> f)::numeric, 0))
      FROM (SELECT jsonb_object_keys(coalesce(a -> k, '{}'::jsonb))
            UNION SELECT jsonb_object_keys(coalesce(b -> k, '{}'::jsonb))) AS fields(f)
  )), '{}'::jsonb)
  FROM (SELECT jsonb_object_keys(coalesce(a, '{}'::jsonb))
        UNION SELECT jsonb_object_keys(coalesce(b, '{}'::jsonb))) AS keys(k)
$$;
