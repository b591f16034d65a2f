import { readFileSync } from "node:fs";
import { InvalidDeploymentError } from "./registry-errors.ts";

/**
 * Reads a secrets file: `KEY=value` lines (a `.env` file; `#` comments, optional quotes) or a
 * JSON object of strings. Values are returned, never logged.
 */
export function readSecretsFile(path: string): Record<string, string> {
  const text = readFileSync(path, "utf8");
  if (text.trimStart().startsWith("{")) return parseJsonSecrets(path, text);
  const secrets: Record<string, string> = {};
  for (const [n, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    if (eq <= 0) {
      throw new InvalidDeploymentError(
        `Secrets file ${path}, line ${n + 1}: expected KEY=value. Fix or remove that line.`,
      );
    }
    const key = line
      .slice(0, eq)
      .replace(/^export\s+/, "")
      .trim();
    secrets[key] = line
      .slice(eq + 1)
      .trim()
      .replace(/^(['"])(.*)\1$/, "$2");
  }
  return secrets;
}

function parseJsonSecrets(path: string, text: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new InvalidDeploymentError(
      `Secrets file ${path} is not valid JSON: ${(error as Error).message}.`,
    );
  }
  const entries = Object.entries(parsed as Record<string, unknown>);
  const bad = entries.filter(([, v]) => typeof v !== "string").map(([k]) => k);
  if (bad.length > 0)
    throw new InvalidDeploymentError(
      `Secrets file ${path}: values of ${bad.join(", ")} must be strings.`,
    );
  return Object.fromEntries(entries) as Record<string, string>;
}
