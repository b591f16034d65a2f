/**
 * Migration 8: thread ids are unique across tenants. Checkpoints are keyed by thread id
 * alone, so two tenants holding the same id would share one checkpoint history; a second
 * tenant asking for a taken id is refused instead (as run ids already are).
 */
export default `
CREATE UNIQUE INDEX conclave_threads_id_unique ON :schema.conclave_threads (thread_id);
`;
