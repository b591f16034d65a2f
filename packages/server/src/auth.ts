/**
 * API-key authentication, scopes and per-key rate limits. Clients send
 * `Authorization: Bearer <key>` or `x-api-key: <key>` (the header the LangGraph SDK sends).
 * Lookups are cached for a few seconds so a request costs no database round trip; a revoked
 * key therefore stops working within `cacheMs`.
 */
import { type ApiKey, type ApiKeyScope, hashApiKey, type KeyStore } from "@conclave/core";
import type { FastifyRequest } from "fastify";
import { HttpError } from "./errors.ts";
import type { Principal } from "./route.ts";

export interface AuthOptions {
  keys: KeyStore;
  /** An admin key accepted without a stored record (CONCLAVE_API_KEY), for tenant `defaultTenant`. */
  bootstrapKey?: string;
  defaultTenant?: string;
  /** How long a key lookup is reused. Default 5 s. */
  cacheMs?: number;
  /** Requests per minute per key unless the key sets its own. Default 6,000. */
  rateLimitPerMinute?: number;
  clock?: () => number;
}

interface Cached {
  key: ApiKey | undefined;
  until: number;
}

const MAX_CACHED = 10_000;

export function presentedKey(req: FastifyRequest): string | undefined {
  const header = req.headers.authorization;
  if (typeof header === "string" && /^bearer\s+/i.test(header))
    return header.replace(/^bearer\s+/i, "").trim();
  const apiKey = req.headers["x-api-key"];
  return typeof apiKey === "string" && apiKey.length > 0 ? apiKey : undefined;
}

/** Returns `authenticate(req, scope)`, which resolves the caller or throws 401/403/429. */
export function createAuthenticator(options: AuthOptions) {
  const cache = new Map<string, Cached>();
  const windows = new Map<string, { start: number; count: number }>();
  const now = options.clock ?? Date.now;
  const cacheMs = options.cacheMs ?? 5_000;
  const tenant = options.defaultTenant ?? "default";
  const bootstrapHash = options.bootstrapKey ? hashApiKey(options.bootstrapKey) : undefined;

  async function lookup(hash: string): Promise<ApiKey | undefined> {
    const hit = cache.get(hash);
    if (hit && hit.until > now()) return hit.key;
    const key = await options.keys.findByHash(hash);
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(hash, { key, until: now() + cacheMs });
    return key;
  }

  function limit(keyId: string, perMinute: number): void {
    const t = now();
    const window = windows.get(keyId);
    if (!window || t - window.start >= 60_000) {
      if (windows.size >= MAX_CACHED) windows.clear();
      windows.set(keyId, { start: t, count: 1 });
      return;
    }
    if (++window.count <= perMinute) return;
    const retry = Math.ceil((window.start + 60_000 - t) / 1000);
    throw new HttpError(
      429,
      "RATE_LIMITED",
      `This key is limited to ${perMinute} requests per minute; retry in ${retry} s.`,
      {
        "retry-after": String(retry),
      },
    );
  }

  return async function authenticate(req: FastifyRequest, scope: ApiKeyScope): Promise<Principal> {
    const secret = presentedKey(req);
    if (!secret) {
      throw new HttpError(
        401,
        "UNAUTHENTICATED",
        "Missing API key: send Authorization: Bearer <key> or x-api-key: <key>.",
        {
          "www-authenticate": "Bearer",
        },
      );
    }
    const hash = hashApiKey(secret);
    const principal =
      hash === bootstrapHash ? bootstrapPrincipal(req, tenant) : principalOf(await lookup(hash));
    if (!principal.scopes.includes("admin") && !principal.scopes.includes(scope)) {
      throw new HttpError(
        403,
        "FORBIDDEN",
        `This API key lacks the "${scope}" scope this request needs; its scopes: ${principal.scopes.join(", ")}.`,
      );
    }
    const perMinute = principal.rateLimitPerMinute ?? options.rateLimitPerMinute ?? 6_000;
    limit(principal.keyId, perMinute);
    return principal;
  };
}

function principalOf(key: ApiKey | undefined): Principal & { rateLimitPerMinute: number | null } {
  if (!key)
    throw new HttpError(
      401,
      "UNAUTHENTICATED",
      "Unknown API key; create one with `conclave keys create`.",
    );
  if (key.revokedAt)
    throw new HttpError(
      401,
      "KEY_REVOKED",
      `API key ${key.prefix}… was revoked at ${key.revokedAt}.`,
    );
  return {
    tenant: key.tenant,
    scopes: key.scopes,
    keyId: key.keyId,
    rateLimitPerMinute: key.rateLimitPerMinute,
  };
}

// The operator's bootstrap key may act for any tenant by naming it in x-tenant-id.
function bootstrapPrincipal(
  req: FastifyRequest,
  tenant: string,
): Principal & { rateLimitPerMinute: number | null } {
  const named = req.headers["x-tenant-id"];
  return {
    tenant: typeof named === "string" && named.length > 0 ? named : tenant,
    scopes: ["admin"],
    keyId: "bootstrap",
    rateLimitPerMinute: Number.MAX_SAFE_INTEGER,
  };
}
