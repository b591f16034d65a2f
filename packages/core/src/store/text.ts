/**
 * Text indexing shared by the stores: which text of a value is indexed, how it is tokenized,
 * and the in-memory BM25 that stands in for SQLite FTS5 and PostgreSQL full-text. All pure.
 *
 * Tokens are maximal runs of Unicode letters and digits, lowercased, with no stemming and no
 * stop words, to match SQLite's `unicode61` tokenizer and PostgreSQL's `simple` configuration.
 */

/** Default indexed fields: `"$"` is the whole value (every string in it). */
export const DEFAULT_FIELDS: readonly string[] = ["$"];

const TOKEN = /[\p{L}\p{N}]+/gu;

/** The lowercased tokens of `text`, in order. Pure. */
export function tokenize(text: string): string[] {
  return text.toLowerCase().match(TOKEN) ?? [];
}

/** The distinct tokens of a query, in first-seen order. Pure. */
export function queryTerms(query: string): string[] {
  return [...new Set(tokenize(query))];
}

/**
 * The values at a field path. Paths use dots for nesting; `[*]` expands an array and `[n]`
 * picks an element (e.g. `"notes[*].text"`); `"$"` is the whole value. Pure.
 */
export function valuesAtPath(value: unknown, path: string): unknown[] {
  if (path === "$") return [value];
  let current: unknown[] = [value];
  for (const segment of path.split(".")) {
    const match = /^([^[\]]*)(?:\[(\*|\d+)\])?$/.exec(segment);
    const name = match ? match[1] : segment;
    const index = match?.[2];
    current = current.flatMap((node) => {
      const child = name ? childOf(node, name) : node;
      if (index === undefined) return child === undefined ? [] : [child];
      if (!Array.isArray(child)) return [];
      if (index === "*") return child;
      const picked = child[Number(index)];
      return picked === undefined ? [] : [picked];
    });
  }
  return current;
}

function childOf(node: unknown, name: string): unknown {
  if (node === null || typeof node !== "object" || Array.isArray(node)) return undefined;
  return Object.hasOwn(node, name) ? (node as Record<string, unknown>)[name] : undefined;
}

/**
 * The text indexed for a value: every string (and number) under the given fields, joined by
 * newlines (NUL characters become spaces), or null when `fields` is `false` or nothing textual was found. Pure.
 */
export function indexText(value: unknown, fields: false | readonly string[]): string | null {
  if (fields === false) return null;
  const parts: string[] = [];
  for (const field of fields) {
    for (const found of valuesAtPath(value, field)) collectText(found, parts);
  }
  // NUL cannot be stored in PostgreSQL text and is never part of a token.
  return parts.length === 0 ? null : parts.join("\n").split("\u0000").join(" ");
}

function collectText(value: unknown, out: string[]): void {
  if (typeof value === "string") out.push(value);
  else if (typeof value === "number") out.push(String(value));
  else if (Array.isArray(value)) for (const v of value) collectText(v, out);
  else if (value !== null && typeof value === "object") {
    for (const v of Object.values(value)) collectText(v, out);
  }
}

/** One indexed document for {@link bm25Scores}. */
export interface TextDocument {
  id: string;
  tokens: readonly string[];
}

/**
 * Okapi BM25 with FTS5's constants and IDF (k1 = 1.2, b = 0.75,
 * idf = ln((N - n + 0.5) / (n + 0.5)) floored at 1e-6), summed over distinct query terms:
 *
 *   score(d) = Σ_t idf(t) · tf(t,d) · (k1 + 1) / (tf(t,d) + k1 · (1 - b + b · |d| / avgdl))
 *
 * `corpus` gives N, n and avgdl; only documents containing a term get a score. Pure.
 */
export function bm25Scores(
  terms: readonly string[],
  corpus: readonly TextDocument[],
): Map<string, number> {
  const k1 = 1.2;
  const b = 0.75;
  const n = corpus.length;
  const avgdl = corpus.reduce((sum, d) => sum + d.tokens.length, 0) / Math.max(1, n);
  const scores = new Map<string, number>();
  for (const term of terms) {
    const holders = corpus.filter((d) => d.tokens.includes(term));
    const idf = Math.max(1e-6, Math.log((n - holders.length + 0.5) / (holders.length + 0.5)));
    for (const doc of holders) {
      const tf = doc.tokens.filter((t) => t === term).length;
      const norm = tf + k1 * (1 - b + (b * doc.tokens.length) / Math.max(avgdl, 1e-9));
      scores.set(doc.id, (scores.get(doc.id) ?? 0) + (idf * tf * (k1 + 1)) / norm);
    }
  }
  return scores;
}
