-- Daily buckets are now written with every run, like hourly ones (SPEC §5.2: daily = the merged
-- hours). Hours recorded before this have no day yet: add them once.
INSERT INTO run_daily AS d (system_id, configuration_id, environment_id, source, day, run_count, healthy_count, degraded_count,
                            unhealthy_count, latency_count, latency_sum, latency_min, latency_max, latency_sketch, collectors)
SELECT system_id, configuration_id, environment_id, source, date_bin('1 day', hour, 'epoch'), sum(run_count), sum(healthy_count),
       sum(degraded_count), sum(unhealthy_count), sum(latency_count), sum(latency_sum), min(latency_min), max(latency_max),
       vigil_sum_sketches(latency_sketch), vigil_sum_counts(collectors)
  FROM run_hourly
 GROUP BY system_id, configuration_id, environment_id, source, date_bin('1 day', hour, 'epoch')
ON CONFLICT ON CONSTRAINT run_daily_bucket_key DO UPDATE SET
  run_count = d.run_count + excluded.run_count,
  healthy_count = d.healthy_count + excluded.healthy_count,
  degraded_count = d.degraded_count + excluded.degraded_count,
  unhealthy_count = d.unhealthy_count + excluded.unhealthy_count,
  latency_count = d.latency_count + excluded.latency_count,
  latency_sum = d.latency_sum + excluded.latency_sum,
  latency_min = least(d.latency_min, excluded.latency_min),
  latency_max = greatest(d.latency_max, excluded.latency_max),
  latency_sketch = vigil_add_sketches(d.latency_sketch, excluded.latency_sketch),
  collectors = vigil_merge_counts(d.collectors, excluded.collectors);
