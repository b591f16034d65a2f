import { z } from "zod";

/**
 * How a deployment is declared: in code, or in `conclave.config.ts`. Keys are never part of the
 * config: a deployment names the environment variable that holds its key (`apiKeyEnv`), and the
 * registry reads it from the environment or a secrets file.
 */

/** Provider kinds the registry can build. */
export const PROVIDER_KINDS = [
  "openai",
  "openai-responses",
  "anthropic",
  "openai-compatible",
  "sim",
] as const;
export type ProviderKind = (typeof PROVIDER_KINDS)[number];

const positiveInt = z.number().int().positive();

/** Schema of one deployment's config. */
export const deploymentConfigSchema = z
  .object({
    /** Unique name of this deployment, e.g. "gpt-4o-mini@openai". */
    id: z.string().min(1),
    /** The alias (group) it serves, e.g. "fast", "smart", "local". */
    alias: z.string().min(1),
    provider: z.enum(PROVIDER_KINDS),
    /** The provider's model id, e.g. "gpt-4o-mini". */
    model: z.string().min(1),
    /** Base URL for OpenAI-compatible servers (vLLM, Ollama, LM Studio) or proxies. */
    baseURL: z.string().url().optional(),
    /** Environment variable holding the API key; defaults per provider (OPENAI_API_KEY...). */
    apiKeyEnv: z.string().min(1).optional(),
    /** USD per token, overriding the bundled price table. */
    price: z
      .object({
        input_cost_per_token: z.number().nonnegative(),
        output_cost_per_token: z.number().nonnegative(),
        cache_read_input_token_cost: z.number().nonnegative().optional(),
        cache_creation_input_token_cost: z.number().nonnegative().optional(),
        output_cost_per_reasoning_token: z.number().nonnegative().optional(),
      })
      .optional(),
    contextWindow: positiveInt.optional(),
    capabilities: z
      .object({
        tools: z.boolean().default(true),
        structuredOutput: z.boolean().default(true),
        vision: z.boolean().default(false),
      })
      .partial()
      .optional(),
    limits: z
      .object({ rpm: positiveInt, tpm: positiveInt, maxConcurrency: positiveInt })
      .partial()
      .optional(),
    timeoutMs: positiveInt.optional(),
    tags: z.array(z.string()).optional(),
    weight: z.number().positive().optional(),
  })
  .strict();

export type DeploymentConfig = z.input<typeof deploymentConfigSchema>;

/** The environment variable a provider's key is read from when `apiKeyEnv` is not set. */
export const DEFAULT_KEY_ENV: Record<ProviderKind, string | undefined> = {
  openai: "OPENAI_API_KEY",
  "openai-responses": "OPENAI_API_KEY",
  anthropic: "ANTHROPIC_API_KEY",
  // Local servers usually need no key; set apiKeyEnv when yours does.
  "openai-compatible": undefined,
  sim: undefined,
};
