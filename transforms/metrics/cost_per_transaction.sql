-- grain: one row per grain (day, week, month) and period with cost or transactions stored (service '*': the organisation).
-- inputs: core.kpi_samples (names 'cost:amount' and 'cost:transactions'), seeds.cost.
-- definition: cost per transaction = the cost accrued in the period ÷ the transactions (requests) counted in it, both summed from stored buckets (local zone); NULL without transactions.
WITH days AS (
  SELECT timezone(getvariable('tz'), bucket_start)::DATE AS day,
         sum(value ORDER BY bucket_start, service) FILTER (WHERE name = 'cost:amount') AS cost,
         sum(value ORDER BY bucket_start, service) FILTER (WHERE name = 'cost:transactions') AS transactions
  FROM core.kpi_samples
  WHERE name IN ('cost:amount', 'cost:transactions')
  GROUP BY ALL
), periods AS (
  SELECT 'day' AS grain, day AS period_start, day, cost, transactions FROM days
  UNION ALL SELECT 'week', date_trunc('week', day)::DATE, day, cost, transactions FROM days
  UNION ALL SELECT 'month', date_trunc('month', day)::DATE, day, cost, transactions FROM days
)
SELECT grain, period_start, '*' AS service, (SELECT any_value(currency) FROM seeds.cost) AS currency,
       -- Ordered sums: floating-point addition in a fixed order, so the same data gives the same bits.
       sum(cost ORDER BY day) AS cost, sum(transactions ORDER BY day) AS transactions,
       CASE WHEN sum(transactions) > 0 THEN sum(cost ORDER BY day) / sum(transactions ORDER BY day) END AS cost_per_transaction
FROM periods
GROUP BY grain, period_start
ORDER BY grain, period_start
