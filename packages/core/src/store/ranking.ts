/**
 * The last step of every store's `search`: filter, score, sort, page. Backends only gather
 * candidates (with their raw full-text score and, under pgvector, their similarity); the
 * formula below is the same for all of them. Pure, apart from the embedding call.
 *
 * Scores, for a search with a `query`:
 * - text only (no embeddings): only items the query matches are returned, with
 *   `score = text / maxText`, where `text` is the backend's raw relevance (BM25 in memory and
 *   SQLite FTS5, `ts_rank` in PostgreSQL) and `maxText` the best among the filtered candidates.
 * - hybrid (embeddings configured): every indexed item is a candidate, with
 *   `score = 0.5 · text / maxText + 0.5 · cosine(queryVector, itemVector)`
 *   (text = 0 when the query's words do not occur in the item).
 * Ties break on newer `updatedAt`, then namespace and key. Without a query the order is newest
 * `updatedAt` first and no score is set.
 */
import { StoreEmbeddingError } from "./errors.ts";
import { matchesStoreFilter } from "./filter.ts";
import { joinNamespace } from "./namespaces.ts";
import type { Item, SearchItem, StoreEmbeddings, StoreFilter } from "./types.ts";

/** Weight of the normalized text score in hybrid search; the vector gets the rest. */
export const TEXT_WEIGHT = 0.5;

/** An item a backend found for a search. */
export interface Candidate {
  item: Item;
  /** Raw full-text relevance (> 0 when the query matched), or null/undefined. */
  textScore?: number | null;
  /** Cosine similarity to the query vector, when computed by the backend (pgvector). */
  similarity?: number | null;
  /** The item's stored vector, for similarity computed here. */
  embedding?: readonly number[] | null;
}

/** What {@link rankCandidates} needs besides the candidates. */
export interface RankRequest {
  filter?: StoreFilter;
  /** True when the search had a non-blank query. */
  hasQuery: boolean;
  /** The query's vector, when embeddings are configured and there is a query. */
  queryVector?: readonly number[];
  limit: number;
  offset: number;
}

/** Filters, scores, sorts and pages candidates as the module comment describes. Pure. */
export function rankCandidates(
  candidates: readonly Candidate[],
  request: RankRequest,
): SearchItem[] {
  const kept = candidates.filter((c) => matchesStoreFilter(c.item.value, request.filter));
  if (!request.hasQuery) {
    return kept
      .map((c) => c.item)
      .sort(byRecency)
      .slice(request.offset, request.offset + request.limit);
  }
  const vector = request.queryVector;
  const relevant = vector ? kept : kept.filter((c) => (c.textScore ?? 0) > 0);
  const maxText = Math.max(0, ...relevant.map((c) => c.textScore ?? 0));
  const scored: SearchItem[] = relevant.map((c) => {
    const text = maxText > 0 ? (c.textScore ?? 0) / maxText : 0;
    if (!vector) return { ...c.item, score: text };
    const similarity = c.similarity ?? (c.embedding ? cosine(vector, c.embedding) : 0);
    return { ...c.item, score: TEXT_WEIGHT * text + (1 - TEXT_WEIGHT) * similarity };
  });
  return scored
    .sort((a, b) => b.score! - a.score! || byRecency(a, b))
    .slice(request.offset, request.offset + request.limit);
}

function byRecency(a: Item, b: Item): number {
  const time = b.updatedAt.getTime() - a.updatedAt.getTime();
  if (time !== 0) return time;
  const an = `${joinNamespace(a.namespace)}\u0000${a.key}`;
  const bn = `${joinNamespace(b.namespace)}\u0000${b.key}`;
  return an < bn ? -1 : an > bn ? 1 : 0;
}

/** Cosine similarity in [-1, 1]; 0 when either vector is all zeros. Pure. */
export function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i] ?? 0;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

/**
 * Embeds texts with the configured model and checks the answer.
 * @throws StoreEmbeddingError when the count or any vector's length is wrong.
 */
export async function embedTexts(
  embeddings: StoreEmbeddings,
  texts: string[],
): Promise<number[][]> {
  if (texts.length === 0) return [];
  const vectors = await embeddings.embed(texts);
  if (!Array.isArray(vectors) || vectors.length !== texts.length) {
    throw new StoreEmbeddingError(
      `The store's embed() returned ${Array.isArray(vectors) ? vectors.length : typeof vectors} ` +
        `vectors for ${texts.length} texts; it must return one vector per text.`,
    );
  }
  for (const vector of vectors) {
    if (
      !Array.isArray(vector) ||
      vector.length !== embeddings.dims ||
      !vector.every(Number.isFinite)
    ) {
      throw new StoreEmbeddingError(
        `The store's embed() returned a vector of length ${Array.isArray(vector) ? vector.length : typeof vector} ` +
          `(or with non-finite entries); embeddings.dims is ${embeddings.dims}. Fix dims or the model.`,
      );
    }
  }
  return vectors;
}
