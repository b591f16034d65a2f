/**
 * Lets a plain `node` child process run the packages from source, as vitest does with its
 * aliases: `node --import ./test/support/resolve-source.ts worker.ts` maps `@conclave/<pkg>` to
 * `packages/<pkg>/src/index.ts` (Node 24 strips the types itself).
 */
import { registerHooks } from "node:module";

const PACKAGE = /^@conclave\/([a-z-]+)$/;

registerHooks({
  resolve(specifier, context, nextResolve) {
    const match = PACKAGE.exec(specifier);
    if (match === null) return nextResolve(specifier, context);
    const url = new URL(`../../packages/${match[1]}/src/index.ts`, import.meta.url).href;
    return { url, shortCircuit: true };
  },
});
