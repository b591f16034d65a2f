import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = (pkg: string, file = "index.ts") =>
  fileURLToPath(new URL(`./packages/${pkg}/src/${file}`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^@conclave\/core$/, replacement: src("core") },
      { find: /^@conclave\/core\/prebuilt$/, replacement: src("core", "prebuilt/index.ts") },
      { find: /^@conclave\/core\/zod$/, replacement: src("core", "zod.ts") },
      { find: /^@conclave\/sqlite$/, replacement: src("sqlite") },
      { find: /^@conclave\/postgres$/, replacement: src("postgres") },
      { find: /^@conclave\/models$/, replacement: src("models") },
      { find: /^@conclave\/agents$/, replacement: src("agents") },
      { find: /^@conclave\/runtime$/, replacement: src("runtime") },
      { find: /^@conclave\/server$/, replacement: src("server") },
    ],
  },
  test: {
    include: ["packages/*/test/**/*.test.ts", "test/**/*.test.ts"],
    globalSetup: ["./test/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
  },
});
