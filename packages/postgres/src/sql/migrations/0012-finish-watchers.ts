/**
 * Migration 12: who waits for runs to end. A finish notifies (`run.finished`) only when a
 * process declared it waits for that run, or for every run ('*'), until `expires_at` (epoch
 * ms): PostgreSQL signals every listening connection of the database for each notification,
 * and the queue bench's finishes woke every worker and producer for events none of them read
 * (pg_stat_statements and per-process CPU: a third of the runs per second).
 */
export default `
CREATE TABLE :schema.conclave_finish_watchers (
  run_id text NOT NULL,
  watcher text NOT NULL,
  expires_at bigint NOT NULL,
  PRIMARY KEY (run_id, watcher)
);
`;
