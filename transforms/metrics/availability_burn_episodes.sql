-- grain: one row per burn-rate episode: service × alert pair × continuous stretch of evaluations where the pair fired.
-- inputs: core.request_counts, seeds.availability, intermediate.int_plan_windows.
-- definition: at the end of every stored bucket, burn rate = (bad ÷ total) ÷ (1 − target) over a long and a short window; a pair of the SRE workbook (30-day SLO: 14.4× over 1 h and 5 min, 6× over 6 h and 30 min, 3× over 1 d and 2 h, 1× over 3 d and 6 h) fires while both exceed its threshold; an episode runs from the first firing evaluation to the first one that no longer fires.
WITH b AS (
  SELECT r.service, r.bucket_start + to_seconds(r.bucket_seconds) AS eval_at, epoch_ms(r.bucket_start) // 1000 + r.bucket_seconds AS t,
         r.bucket_seconds, r.total - r.good AS bad, r.total, a.target
  FROM core.request_counts r
  JOIN seeds.availability a USING (service)
), rolled AS (
  -- a window of L seconds sums the buckets that ended in (t − L, t]; one shorter than a bucket reads that one bucket
  SELECT service, eval_at, bucket_seconds, target,
    sum(bad) OVER (PARTITION BY service ORDER BY t RANGE BETWEEN 299 PRECEDING AND CURRENT ROW) AS bad_5m,
    sum(total) OVER (PARTITION BY service ORDER BY t RANGE BETWEEN 299 PRECEDING AND CURRENT ROW) AS total_5m,
    sum(bad) OVER (PARTITION BY service ORDER BY t RANGE BETWEEN 1799 PRECEDING AND CURRENT ROW) AS bad_30m,
    sum(total) OVER (PARTITION BY service ORDER BY t RANGE BETWEEN 1799 PRECEDING AND CURRENT ROW) AS total_30m,
    sum(bad) OVER (PARTITION BY service ORDER BY t RANGE BETWEEN 3599 PRECEDING AND CURRENT ROW) AS bad_1h,
    sum(total) OVER (PARTITION BY service ORDER BY t RANGE BETWEEN 3599 PRECEDING AND CURRENT ROW) AS total_1h,
    sum(bad) OVER (PARTITION BY service ORDER BY t RANGE BETWEEN 7199 PRECEDING AND CURRENT ROW) AS bad_2h,
    sum(total) OVER (PARTITION BY service ORDER BY t RANGE BETWEEN 7199 PRECEDING AND CURRENT ROW) AS total_2h,
    sum(bad) OVER (PARTITION BY service ORDER BY t RANGE BETWEEN 21599 PRECEDING AND CURRENT ROW) AS bad_6h,
    sum(total) OVER (PARTITION BY service ORDER BY t RANGE BETWEEN 21599 PRECEDING AND CURRENT ROW) AS total_6h,
    sum(bad) OVER (PARTITION BY service ORDER BY t RANGE BETWEEN 86399 PRECEDING AND CURRENT ROW) AS bad_1d,
    sum(total) OVER (PARTITION BY service ORDER BY t RANGE BETWEEN 86399 PRECEDING AND CURRENT ROW) AS total_1d,
    sum(bad) OVER (PARTITION BY service ORDER BY t RANGE BETWEEN 259199 PRECEDING AND CURRENT ROW) AS bad_3d,
    sum(total) OVER (PARTITION BY service ORDER BY t RANGE BETWEEN 259199 PRECEDING AND CURRENT ROW) AS total_3d
  FROM b
), burns AS (
  -- burn rate = (bad ÷ total) ÷ (1 − target); only firing evaluations go on (a small share of all)
  SELECT * FROM (
    SELECT service, eval_at, bucket_seconds, '14.4x 1h/5m' AS pair, 'page' AS severity, 14.4 AS threshold, 3600 AS long_seconds, 300 AS short_seconds,
           bad_1h / nullif(total_1h, 0) / (1 - target) AS long_burn, bad_5m / nullif(total_5m, 0) / (1 - target) AS short_burn FROM rolled
    UNION ALL
    SELECT service, eval_at, bucket_seconds, '6x 6h/30m', 'page', 6.0, 21600, 1800,
           bad_6h / nullif(total_6h, 0) / (1 - target), bad_30m / nullif(total_30m, 0) / (1 - target) FROM rolled
    UNION ALL
    SELECT service, eval_at, bucket_seconds, '3x 1d/2h', 'ticket', 3.0, 86400, 7200,
           bad_1d / nullif(total_1d, 0) / (1 - target), bad_2h / nullif(total_2h, 0) / (1 - target) FROM rolled
    UNION ALL
    SELECT service, eval_at, bucket_seconds, '1x 3d/6h', 'ticket', 1.0, 259200, 21600,
           bad_3d / nullif(total_3d, 0) / (1 - target), bad_6h / nullif(total_6h, 0) / (1 - target) FROM rolled
  )
  WHERE long_burn > threshold AND short_burn > threshold
), starts AS (
  -- consecutive firing evaluations are one bucket apart: a larger gap means a non-firing one (or missing data) came between
  SELECT *, sum(CASE WHEN prev_at IS NULL OR eval_at - prev_at > to_seconds(bucket_seconds) THEN 1 ELSE 0 END)
              OVER (PARTITION BY service, pair ORDER BY eval_at) AS episode
  FROM (SELECT *, lag(eval_at) OVER (PARTITION BY service, pair ORDER BY eval_at) AS prev_at FROM burns)
), last_evals AS (
  SELECT service, max(eval_at) AS last_eval FROM b GROUP BY service
), episodes AS (
  SELECT s.service, s.pair, any_value(s.severity) AS severity, any_value(s.threshold) AS burn_rate_threshold,
         any_value(s.long_seconds) AS long_window_seconds, any_value(s.short_seconds) AS short_window_seconds,
         min(s.eval_at) AS started_at, max(s.eval_at) AS last_firing_at, arg_max(s.bucket_seconds, s.eval_at) AS last_bucket_seconds,
         max(s.long_burn) AS peak_burn_rate, count(*) AS evaluations, any_value(l.last_eval) AS last_eval
  FROM starts s
  JOIN last_evals l USING (service)
  GROUP BY s.service, s.pair, s.episode
)
SELECT
  e.service,
  e.pair,
  e.severity,
  e.burn_rate_threshold,
  e.long_window_seconds,
  e.short_window_seconds,
  e.started_at,
  -- the first evaluation that no longer fires; NULL while the episode is still burning at the end of the data
  CASE WHEN e.last_firing_at < e.last_eval THEN e.last_firing_at + to_seconds(e.last_bucket_seconds) END AS ended_at,
  date_diff('second', e.started_at, CASE WHEN e.last_firing_at < e.last_eval THEN e.last_firing_at + to_seconds(e.last_bucket_seconds) ELSE e.last_firing_at END) / 60.0 AS duration_minutes,
  e.peak_burn_rate,
  e.evaluations,
  e.last_firing_at >= e.last_eval AS is_open,
  CASE
    WHEN timezone(getvariable('tz'), e.started_at)::DATE BETWEEN w.baseline_from AND w.baseline_to THEN 'baseline'
    WHEN timezone(getvariable('tz'), e.started_at)::DATE BETWEEN w.final_from AND w.final_to THEN 'final'
  END AS window_name
FROM episodes e
CROSS JOIN intermediate.int_plan_windows w
ORDER BY e.service, e.started_at, e.long_window_seconds
