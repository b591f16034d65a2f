/**
 * The `CheckpointSaver` every Conclave saver is: hash-chained delta rows with periodic
 * snapshots, over a small {@link RowStore}. Memory, SQLite and PostgreSQL differ only in their
 * store, so they store the same bytes and pass the same contract suite.
 *
 * It caches the chain link of recently written rows so a `put` after a `put` needs no read
 * (the link of a stored row never changes, except by `prune`, which clears the cache).
 */
import { InvalidArgumentError } from "../errors.ts";
import { buildRow, checkpointExists, missingParent } from "./build-row.ts";
import { checkRetentionPolicy, computePrune } from "./prune.ts";
import { type ChainRow, type ReplayCache, replayChain } from "./replay.ts";
import { type ChainLink, decodePayload } from "./row.ts";
import type { ReadRow, RowStore, SaverStats } from "./row-store.ts";
import { resolveSnapshotPolicy, type SnapshotPolicy } from "./snapshot-policy.ts";
import {
  checkListOptions,
  configFor,
  encodeWrites,
  matchesFilter,
  nsOf,
  threadIdOf,
  toTuple,
} from "./tuple.ts";
import type {
  CheckpointConfig,
  CheckpointMetadata,
  CheckpointSaver,
  CheckpointToWrite,
  CheckpointTuple,
  ListOptions,
  PendingWrite,
  PruneResult,
  RetentionPolicy,
  SaverCapabilities,
  VerifyResult,
} from "./types.ts";
import { verifyThread } from "./verify.ts";

/** Options every saver accepts. */
export interface ChainSaverOptions {
  /** When rows also store a full snapshot; see `snapshot-policy.ts`. */
  snapshotPolicy?: Partial<SnapshotPolicy>;
}

const LINK_CACHE_SIZE = 1024;

/** A `CheckpointSaver` over a {@link RowStore}. Subclass it with a store to make a saver. */
export class ChainSaver implements CheckpointSaver {
  readonly capabilities: SaverCapabilities;
  protected readonly store: RowStore;
  readonly #policy: SnapshotPolicy;
  // The newest link of each thread namespace: a put's parent is almost always the previous put.
  // (An LRU over every link measured 5% of a step: deleting from a Map's front is not free.)
  readonly #links = new Map<string, { id: string; link: ChainLink }>();

  constructor(store: RowStore, capabilities: SaverCapabilities, options: ChainSaverOptions = {}) {
    this.store = store;
    this.capabilities = capabilities;
    this.#policy = resolveSnapshotPolicy(options.snapshotPolicy);
  }

  /** @inheritdoc */
  async getTuple(config: CheckpointConfig): Promise<CheckpointTuple | undefined> {
    const threadId = threadIdOf(config, "getTuple");
    const ns = nsOf(config);
    const id = config.configurable.checkpoint_id ?? (await this.store.latestId(threadId, ns));
    if (id === undefined) return undefined;
    const chain = await this.store.loadChain(threadId, ns, id);
    if (chain.length === 0) return undefined;
    return this.#tuple(threadId, chain[0]!, chain);
  }

  /** @inheritdoc */
  async *list(
    config: CheckpointConfig,
    options: ListOptions = {},
  ): AsyncGenerator<CheckpointTuple> {
    checkListOptions(options);
    const threadId = threadIdOf(config, "list");
    const { limit, filter } = options;
    if (limit === 0) return;
    const rows = this.store.listRows({
      threadId,
      ns: config.configurable.checkpoint_ns,
      id: config.configurable.checkpoint_id,
      before: options.before?.configurable.checkpoint_id,
      ...(filter === undefined && limit !== undefined ? { limit } : {}),
    });
    const caches = new Map<string, ReplayCache>();
    let yielded = 0;
    for await (const row of rows) {
      if (
        filter !== undefined &&
        !matchesFilter(decodePayload(row.payload, row.id).metadata, filter)
      ) {
        continue;
      }
      const cache = caches.get(row.ns) ?? { id: "", state: "" };
      caches.set(row.ns, cache);
      const chain =
        cache.id === row.id ? [row] : await this.store.loadChain(threadId, row.ns, row.id);
      yield await this.#tuple(threadId, row, chain, cache);
      if (limit !== undefined && ++yielded >= limit) return;
    }
  }

  async #tuple(threadId: string, row: ReadRow, chain: ChainRow[], cache?: ReplayCache) {
    const { values, payload } = replayChain(chain, cache);
    const writes = await this.store.loadWrites(threadId, row.ns, row.id);
    return toTuple(threadId, row.hash, payload, values, writes);
  }

  /** @inheritdoc */
  async put(
    config: CheckpointConfig,
    checkpoint: CheckpointToWrite,
    metadata: CheckpointMetadata,
  ): Promise<CheckpointConfig> {
    const threadId = threadIdOf(config, "put");
    const ns = nsOf(config);
    const parentId = config.configurable.checkpoint_id ?? null;
    const parent = parentId === null ? undefined : await this.#link(threadId, ns, parentId);
    if (parentId !== null && parent === undefined) throw missingParent(threadId, ns, parentId);
    const row = buildRow({
      threadId,
      ns,
      checkpoint,
      metadata,
      parentId,
      parent,
      policy: this.#policy,
    });
    const { existingHash } = await this.store.insert(row);
    if (existingHash !== undefined && existingHash !== row.hash) {
      throw checkpointExists(threadId, row.id);
    }
    this.#remember(threadId, ns, row.id, row);
    return configFor(threadId, ns, row.id);
  }

  async #link(threadId: string, ns: string, id: string): Promise<ChainLink | undefined> {
    const cached = this.#links.get(`${threadId}\u0000${ns}`);
    if (cached !== undefined && cached.id === id) return cached.link;
    return this.store.getLink(threadId, ns, id);
  }

  #remember(threadId: string, ns: string, id: string, link: ChainLink): void {
    if (this.#links.size >= LINK_CACHE_SIZE) this.#links.clear();
    const { hash, sinceBytes, sinceCount, snapBytes } = link;
    this.#links.set(`${threadId}\u0000${ns}`, {
      id,
      link: { hash, sinceBytes, sinceCount, snapBytes },
    });
  }

  /**
   * Waits for a `batch`'s writes. When they fail it forgets the cached chain links: the batch's
   * puts were remembered as stored, and a later put must not chain onto a row that never
   * committed. Every saver's `batch` returns through it.
   */
  protected async settledBatch<T>(written: Promise<T>): Promise<T> {
    try {
      return await written;
    } catch (error) {
      this.#links.clear();
      throw error;
    }
  }

  /** @inheritdoc */
  async putWrites(config: CheckpointConfig, writes: PendingWrite[], taskId: string): Promise<void> {
    const threadId = threadIdOf(config, "putWrites");
    const id = config.configurable.checkpoint_id;
    if (id === undefined) {
      throw new InvalidArgumentError(
        "putWrites needs config.configurable.checkpoint_id: the checkpoint the writes belong to. " +
          "Pass the config returned by put.",
      );
    }
    if (writes.length === 0) return;
    await this.store.putWrites(threadId, nsOf(config), id, encodeWrites(writes, taskId));
  }

  /** @inheritdoc */
  async deleteThread(threadId: string): Promise<void> {
    this.#links.clear();
    await this.store.deleteThread(threadId);
  }

  /** @inheritdoc */
  async verify(threadId: string): Promise<VerifyResult> {
    const { rows, head } = await this.store.loadThread(threadId);
    return verifyThread(threadId, rows, head);
  }

  /** @inheritdoc */
  async prune(threadId: string, policy: RetentionPolicy): Promise<PruneResult> {
    checkRetentionPolicy(policy);
    this.#links.clear();
    const deleted = await this.store.prune(threadId, (rows, head) =>
      computePrune(rows, head, policy),
    );
    return { deleted };
  }

  /** Stored counts and bytes, of one thread or of the whole store. */
  async stats(threadId?: string): Promise<SaverStats> {
    return this.store.stats(threadId);
  }
}
