/**
 * API keys. A key is shown once, when made; the store keeps only its SHA-256 (keys are 190
 * random bits, so a slow password hash would add nothing but latency to every request) and
 * a short prefix so people can tell keys apart in lists.
 */
import { createHash, randomBytes } from "node:crypto";
import { InvalidArgumentError } from "../errors.ts";

export type ApiKeyScope = "admin" | "runs:write" | "runs:read" | "approvals";
export const API_KEY_SCOPES: readonly ApiKeyScope[] = [
  "admin",
  "runs:write",
  "runs:read",
  "approvals",
];

export interface ApiKey {
  keyId: string;
  tenant: string;
  name: string;
  scopes: ApiKeyScope[];
  /** The key's first characters, for lists ("cnk_3fA9…"). */
  prefix: string;
  /** Requests per minute this key may make; null for the server default. */
  rateLimitPerMinute: number | null;
  createdAt: string;
  revokedAt: string | null;
}

export interface KeyStore {
  create(key: ApiKey, hash: string): Promise<ApiKey>;
  /** The key with this hash, revoked ones included (so the server can say "revoked"). */
  findByHash(hash: string): Promise<ApiKey | undefined>;
  list(tenant?: string): Promise<ApiKey[]>;
  revoke(keyId: string, now: Date): Promise<boolean>;
}

const KEY_PREFIX = "cnk_";

/** SHA-256 hex of a presented key. */
export function hashApiKey(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

/** A new random key and its record; the secret is returned once and never stored. */
export function newApiKey(input: {
  keyId: string;
  tenant: string;
  name: string;
  scopes: ApiKeyScope[];
  rateLimitPerMinute?: number | null;
  now: Date;
}): { secret: string; key: ApiKey; hash: string } {
  for (const scope of input.scopes) {
    if (!API_KEY_SCOPES.includes(scope)) {
      throw new InvalidArgumentError(
        `Unknown API key scope ${JSON.stringify(scope)}; use ${API_KEY_SCOPES.join(", ")}.`,
        "INVALID_SCOPE",
      );
    }
  }
  const secret = `${KEY_PREFIX}${randomBytes(24).toString("base64url")}`;
  const key: ApiKey = {
    keyId: input.keyId,
    tenant: input.tenant,
    name: input.name,
    scopes: [...new Set(input.scopes)],
    prefix: secret.slice(0, KEY_PREFIX.length + 6),
    rateLimitPerMinute: input.rateLimitPerMinute ?? null,
    createdAt: input.now.toISOString(),
    revokedAt: null,
  };
  return { secret, key, hash: hashApiKey(secret) };
}

/** Keys in a map, for tests and embedded servers without a database. */
export class MemoryKeyStore implements KeyStore {
  readonly #byHash = new Map<string, ApiKey>();

  async create(key: ApiKey, hash: string): Promise<ApiKey> {
    this.#byHash.set(hash, structuredClone(key));
    return structuredClone(key);
  }

  async findByHash(hash: string): Promise<ApiKey | undefined> {
    const key = this.#byHash.get(hash);
    return key ? structuredClone(key) : undefined;
  }

  async list(tenant?: string): Promise<ApiKey[]> {
    return [...this.#byHash.values()]
      .filter((k) => tenant === undefined || k.tenant === tenant)
      .map((k) => structuredClone(k));
  }

  async revoke(keyId: string, now: Date): Promise<boolean> {
    for (const key of this.#byHash.values()) {
      if (key.keyId === keyId && key.revokedAt === null) {
        key.revokedAt = now.toISOString();
        return true;
      }
    }
    return false;
  }
}
