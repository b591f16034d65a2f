/**
 * Enforces the layer rule: dependencies point one way,
 * core <- storage adapters (sqlite, postgres) <- runtime <- server <- cli/dashboard.
 * Checks both package.json dependencies and import statements in each package's src.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

const LAYER: Record<string, number> = {
  core: 0,
  sqlite: 1,
  postgres: 1,
  models: 2,
  agents: 3,
  runtime: 4,
  server: 5,
  cli: 6,
  dashboard: 6,
};

const root = new URL("..", import.meta.url).pathname;
const problems: string[] = [];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : /\.(ts|tsx)$/.test(name) ? [path] : [];
  });
}

for (const pkg of readdirSync(join(root, "packages"))) {
  const layer = LAYER[pkg];
  if (layer === undefined) {
    problems.push(`packages/${pkg} has no layer in scripts/check-deps.ts; add it to LAYER.`);
    continue;
  }
  const manifest = JSON.parse(
    readFileSync(join(root, "packages", pkg, "package.json"), "utf8"),
  ) as { dependencies?: Record<string, string> };
  const allowed = (dep: string) => {
    const target = dep.replace(/^@conclave\//, "").split("/")[0]!;
    const targetLayer = LAYER[target];
    return targetLayer !== undefined && (targetLayer < layer || target === pkg);
  };
  for (const dep of Object.keys(manifest.dependencies ?? {})) {
    if (dep.startsWith("@conclave/") && !allowed(dep))
      problems.push(`packages/${pkg}/package.json depends on ${dep}, which is not a lower layer.`);
  }
  for (const file of sources(join(root, "packages", pkg, "src"))) {
    const text = readFileSync(file, "utf8");
    for (const match of text.matchAll(/from\s+["'](@conclave\/[^"']+)["']/g)) {
      if (!allowed(match[1]!))
        problems.push(
          `${file.slice(root.length)} imports ${match[1]}, which is not a lower layer.`,
        );
    }
  }
}

if (problems.length > 0) {
  console.error(
    `Layer rule violated (dependencies must point core <- storage <- runtime <- server <- cli):\n${problems.join("\n")}`,
  );
  process.exit(1);
}
console.log("layer rule ok");
