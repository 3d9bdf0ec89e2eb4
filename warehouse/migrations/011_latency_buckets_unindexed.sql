-- 011: core.latency_buckets keeps its natural key (service, route, bucket_start, le) without an index.
-- It is by far the largest table, and maintaining DuckDB's ART index on a four-column key made bulk
-- upserts ~4x slower (bench/RESULTS.md). Warehouse.upsert still replaces by that key: for a table whose
-- comment names a natural key, it deletes the matching rows and inserts the new ones in one transaction.
CREATE TABLE core.latency_buckets_011 (
  service         VARCHAR NOT NULL,
  route           VARCHAR NOT NULL,
  bucket_start    TIMESTAMPTZ NOT NULL, -- start of the period the increase covers
  bucket_seconds  INTEGER NOT NULL DEFAULT 3600,
  le              DOUBLE NOT NULL, -- bucket upper bound in seconds; +Inf as 'infinity'
  count           DOUBLE NOT NULL, -- requests with latency <= le in the period (cumulative, as Prometheus)
  source          VARCHAR,
  collected_at    TIMESTAMPTZ
);
INSERT INTO core.latency_buckets_011 BY NAME SELECT * FROM core.latency_buckets;
DROP TABLE core.latency_buckets;
ALTER TABLE core.latency_buckets_011 RENAME TO latency_buckets;
COMMENT ON TABLE core.latency_buckets IS 'natural key: service, route, bucket_start, le';
