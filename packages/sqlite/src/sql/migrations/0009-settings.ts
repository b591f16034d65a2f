/** Migration 9: per-tenant settings (the governance policy: operational modes, approval timeouts). */
export default `
CREATE TABLE conclave_settings (
  tenant TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (tenant, key)
);
`;
