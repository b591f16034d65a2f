/**
 * The contract every KeyStore passes: keys are found by hash only, listed per tenant,
 * revoked once, and the secret itself is never stored.
 */
import { type KeyStore, newApiKey } from "@conclave/core";
import { describe, expect, it } from "vitest";

export function keyStoreContract(
  name: string,
  make: () => Promise<{ keys: KeyStore; cleanup: () => Promise<void> }>,
) {
  describe(`${name}: API keys`, () => {
    it("finds a key by its hash, lists per tenant and revokes once", async () => {
      const { keys, cleanup } = await make();
      try {
        const now = new Date("2026-11-22T10:00:00.000Z");
        const a = newApiKey({
          keyId: "k1",
          tenant: "acme",
          name: "ci",
          scopes: ["runs:read", "runs:write"],
          now,
        });
        const b = newApiKey({
          keyId: "k2",
          tenant: "globex",
          name: "ops",
          scopes: ["admin"],
          rateLimitPerMinute: 10,
          now,
        });
        await keys.create(a.key, a.hash);
        await keys.create(b.key, b.hash);
        expect(a.secret).toMatch(/^cnk_[A-Za-z0-9_-]{32}$/);
        expect(await keys.findByHash(a.hash)).toEqual(a.key);
        expect(await keys.findByHash(b.hash)).toMatchObject({
          rateLimitPerMinute: 10,
          scopes: ["admin"],
        });
        expect(await keys.findByHash("0".repeat(64))).toBeUndefined();
        expect((await keys.list("acme")).map((k) => k.keyId)).toEqual(["k1"]);
        expect((await keys.list()).length).toBe(2);
        expect(JSON.stringify(await keys.list())).not.toContain(a.secret);
        expect(await keys.revoke("k1", now)).toBe(true);
        expect(await keys.revoke("k1", now)).toBe(false);
        expect((await keys.findByHash(a.hash))?.revokedAt).toBe(now.toISOString());
      } finally {
        await cleanup();
      }
    });

    it("refuses an unknown scope", () => {
      expect(() =>
        newApiKey({
          keyId: "k",
          tenant: "t",
          name: "n",
          scopes: ["root" as never],
          now: new Date(),
        }),
      ).toThrow(/Unknown API key scope "root"; use admin, runs:write, runs:read, approvals/);
    });
  });
}
