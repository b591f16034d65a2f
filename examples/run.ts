/** `npm run example -- <name>`: runs examples/<name>.ts. */
import { existsSync, readdirSync } from "node:fs";

const name = process.argv[2];
const here = new URL(".", import.meta.url);
const available = readdirSync(here)
  .filter((f) => f.endsWith(".ts") && f !== "run.ts")
  .map((f) => f.slice(0, -3));
if (!name || !existsSync(new URL(`./${name}.ts`, here))) {
  console.error(`Usage: npm run example -- <name>\nExamples: ${available.join(", ")}`);
  process.exit(2);
}
await import(new URL(`./${name}.ts`, here).href);
