/**
 * How a (provider, model id) pair maps onto price-table keys. The table mixes bare keys
 * (`gpt-4o`, whose `litellm_provider` says who sells it), provider-prefixed keys
 * (`gemini/gemini-2.5-pro`, `azure/gpt-4o`) and dated versions (`claude-sonnet-4-5-20250929`
 * next to `claude-sonnet-4-5`). AI SDK provider ids (`openai.chat`, `google.generative-ai`,
 * `amazon-bedrock`) are mapped to LiteLLM's provider names first.
 */

const PROVIDER_ALIASES: Readonly<Record<string, string>> = {
  google: "gemini",
  "google-vertex": "vertex_ai",
  vertex: "vertex_ai",
  "amazon-bedrock": "bedrock",
  "azure-openai": "azure",
  mistralai: "mistral",
  togetherai: "together_ai",
  fireworks: "fireworks_ai",
};

/** Extra `litellm_provider` values that sell under the same provider name. */
const PROVIDER_FAMILY: Readonly<Record<string, readonly string[]>> = {
  bedrock: ["bedrock_converse"],
  openai: ["text-completion-openai"],
  gemini: ["vertex_ai-language-models"],
};

/**
 * LiteLLM's name for an AI SDK or LiteLLM provider id: `openai.responses` -> `openai`,
 * `google.vertex.chat` -> `vertex_ai`, `amazon-bedrock` -> `bedrock`. Pure.
 */
export function canonicalProvider(provider: string | undefined): string | undefined {
  if (provider === undefined) return undefined;
  const lower = provider.trim().toLowerCase();
  if (lower === "") return undefined;
  if (lower.startsWith("google.vertex")) return "vertex_ai";
  const head = lower.split(".")[0]!;
  return PROVIDER_ALIASES[head] ?? head;
}

/** Whether a table entry's `litellm_provider` sells under `provider` (already canonical). Pure. */
export function sellsUnder(litellmProvider: string | undefined, provider: string): boolean {
  if (litellmProvider === undefined) return false;
  return (
    litellmProvider === provider ||
    litellmProvider.startsWith(`${provider}-`) ||
    (PROVIDER_FAMILY[provider]?.includes(litellmProvider) ?? false)
  );
}

const DATE_SUFFIXES = [/-\d{4}-\d{2}-\d{2}$/, /-\d{8}$/, /@\d{8}$/];

/**
 * The model ids to try, most specific first: the id as given (minus a repeated provider prefix,
 * as in `openai/gpt-4o` with provider `openai`), then the id without a date suffix
 * (`-2024-08-06`, `-20250929`, `@20240620`). Lower-cased, as the table's keys are. Pure.
 */
export function modelIdVariants(provider: string | undefined, modelId: string): string[] {
  let id = modelId.trim().toLowerCase();
  if (provider !== undefined && id.startsWith(`${provider}/`)) id = id.slice(provider.length + 1);
  const variants = [id];
  for (const suffix of DATE_SUFFIXES) {
    if (suffix.test(id)) variants.push(id.replace(suffix, ""));
  }
  return variants;
}

/**
 * Up to `limit` keys closest to `modelId`, compared on the part after the last `/`: edit
 * distance minus half the shared prefix, because ids that share a family prefix (`gpt-4o-...`)
 * are likelier meant than ids one typo away in another family. Ties keep key order. Used only to
 * word error messages. Pure.
 */
export function closeMatches(keys: Iterable<string>, modelId: string, limit = 3): string[] {
  const target = modelId.toLowerCase().split("/").pop() ?? "";
  const scored: { key: string; score: number; distance: number }[] = [];
  for (const key of keys) {
    const name = key.toLowerCase().split("/").pop() ?? key;
    const distance = editDistance(name, target);
    scored.push({ key, distance, score: distance - sharedPrefix(name, target) / 2 });
  }
  scored.sort((a, b) => a.score - b.score);
  const limitDistance = Math.max(3, Math.ceil(target.length / 2));
  return scored
    .filter((s) => s.distance <= limitDistance)
    .slice(0, limit)
    .map((s) => s.key);
}

function sharedPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length]!;
}
