/**
 * Migration 7: API keys. Only the SHA-256 of a key is stored (unique, the lookup path); the
 * prefix is kept so people can tell keys apart. Append-only.
 */
export default `
CREATE TABLE conclave_api_keys (
  key_id TEXT PRIMARY KEY,
  tenant TEXT NOT NULL,
  name TEXT NOT NULL,
  scopes TEXT NOT NULL,
  prefix TEXT NOT NULL,
  hash TEXT NOT NULL UNIQUE,
  rate_limit_per_minute INTEGER,
  created_at TEXT NOT NULL,
  revoked_at TEXT
);
CREATE INDEX conclave_api_keys_tenant ON conclave_api_keys (tenant, created_at);
`;
