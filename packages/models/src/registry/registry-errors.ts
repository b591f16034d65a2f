import { ConclaveError } from "@conclave/core";

/** A deployment's config is invalid: the message lists each problem with its path and value. */
export class InvalidDeploymentError extends ConclaveError {
  constructor(message: string) {
    super("INVALID_DEPLOYMENT", message);
  }
}

/** Deployments whose API key is not set. The message names variables, never values. */
export class MissingApiKeyError extends ConclaveError {
  readonly missing: { deployment: string; variable: string }[];
  constructor(missing: { deployment: string; variable: string }[]) {
    const lines = missing.map((m) => `  - ${m.deployment}: set ${m.variable}`);
    super(
      "MISSING_API_KEY",
      `${missing.length} deployment(s) have no API key:\n${lines.join("\n")}\n` +
        "Export the variable, add it to the secrets file, or remove the deployment. Keys are never read from the config itself.",
    );
    this.missing = missing;
  }
}
