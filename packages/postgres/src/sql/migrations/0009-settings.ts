/** Migration 9: per-tenant settings (the governance policy: operational modes, approval timeouts). */
export default `
CREATE TABLE :schema.conclave_settings (
  tenant TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (tenant, key)
);
`;
