/**
 * Migration 11: the "first in its thread's line" index is keyed by thread id alone. Thread ids
 * are unique across tenants (migration 8), so the claim's line check can leave the tenant out,
 * and then no other index matches it. With the tenant in, a claim planned on stale statistics
 * (a queue that grew from nothing faster than ANALYZE ran) walked `conclave_runs_tenant` over
 * every earlier run of the tenant for each candidate: 3,000 buffers and 10 ms per claim on the
 * queue bench.
 */
export default `
DROP INDEX :schema.conclave_runs_line;
CREATE INDEX conclave_runs_line ON :schema.conclave_runs (thread_id, seq)
  WHERE status = 'pending';
`;
