/**
 * Migration 7: API keys. Only the SHA-256 of a key is stored (unique, the lookup path); the
 * prefix is kept so people can tell keys apart. Append-only.
 */
export default `
CREATE TABLE :schema.conclave_api_keys (
  key_id TEXT PRIMARY KEY,
  tenant TEXT NOT NULL,
  name TEXT NOT NULL,
  scopes JSONB NOT NULL,
  prefix TEXT NOT NULL,
  hash TEXT NOT NULL UNIQUE,
  rate_limit_per_minute INTEGER,
  created_at TIMESTAMPTZ NOT NULL,
  revoked_at TIMESTAMPTZ
);
CREATE INDEX conclave_api_keys_tenant ON :schema.conclave_api_keys (tenant, created_at);
`;
