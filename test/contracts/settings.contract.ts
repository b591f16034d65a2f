/** The contract every SettingsStore passes: JSON values per tenant and key, isolated by tenant. */
import type { SettingsStore } from "@conclave/core";
import { describe, expect, it } from "vitest";

export function settingsContract(
  name: string,
  make: () => Promise<{ settings: SettingsStore; cleanup: () => Promise<void> }>,
) {
  describe(`${name}: settings`, () => {
    it("stores JSON values per tenant, overwrites, lists and deletes", async () => {
      const { settings, cleanup } = await make();
      try {
        const now = new Date("2026-11-22T10:00:00Z");
        expect(await settings.get("acme", "mode")).toBeUndefined();
        await settings.set("acme", "mode", "manual", now);
        await settings.set("acme", "approvals.timeout_ms", 60_000, now);
        await settings.set("globex", "mode", "read-only", now);
        await settings.set("acme", "mode", "auto", now);
        expect(await settings.get("acme", "mode")).toBe("auto");
        expect(await settings.list("acme")).toEqual({
          "approvals.timeout_ms": 60_000,
          mode: "auto",
        });
        expect(await settings.list("globex")).toEqual({ mode: "read-only" });
        expect(await settings.tenantsWith("mode")).toEqual(["acme", "globex"]);
        expect(await settings.tenantsWith("approvals.timeout_ms")).toEqual(["acme"]);
        expect(await settings.delete("acme", "mode")).toBe(true);
        expect(await settings.delete("acme", "mode")).toBe(false);
        expect(await settings.get("acme", "mode")).toBeUndefined();
        await expect(settings.set("acme", "", 1, now)).rejects.toThrow(
          /setting key must be a non-empty string/,
        );
      } finally {
        await cleanup();
      }
    });
  });
}
