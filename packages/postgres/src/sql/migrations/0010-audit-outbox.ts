/**
 * Migration 10: the audit outbox. A run's end events are written here in the statement that
 * ends the run (`finishAudited`), already validated and redacted, and moved into their
 * tenant's chain by the next audit write of any process: a crash between the two cannot lose
 * them. `id` keeps their order.
 */
export default `
CREATE TABLE :schema.conclave_audit_outbox (
  id BIGSERIAL PRIMARY KEY,
  event TEXT NOT NULL
);
`;
