/**
 * Assistants, threads and crons of the in-memory platform store. Records are copied in and out
 * (structuredClone), so callers can never change stored state by mutating what they got.
 */
import {
  alreadyExists,
  assistantNotFound,
  cronNotFound,
  threadBusy,
  threadNotFound,
} from "./errors.ts";
import { checkId, metadataMatches, newAssistantRecord, pageOf } from "./rules.ts";
import type { AssistantRepo, CronRepo, ThreadRepo } from "./store.ts";
import type {
  Assistant,
  AssistantPatch,
  AssistantQuery,
  Cron,
  JsonObject,
  NewAssistant,
  NewCron,
  Run,
  Thread,
  ThreadQuery,
} from "./types.ts";

/** Everything the memory store holds, shared by its repos. */
export interface MemoryPlatformState {
  /** Versions of each assistant (key tenant\0id), and which one is current. */
  assistants: Map<string, { versions: Assistant[]; current: number }>;
  threads: Map<string, Thread>;
  /** Which tenant holds each thread id: ids are unique across tenants, as checkpoints are keyed by id. */
  threadOwners: Map<string, string>;
  /** Runs by run id, in submission order (Map keeps insertion order). */
  runs: Map<string, Run & { seq: number }>;
  crons: Map<string, Cron>;
}

export const keyOf = (tenant: string, id: string): string => `${tenant}\0${id}`;

/** Copies the threads and runs as they are; calling the result puts them back (a failed batch). */
export function snapshotRuns(state: MemoryPlatformState): () => void {
  const saved = {
    threads: structuredClone(state.threads),
    threadOwners: new Map(state.threadOwners),
    runs: structuredClone(state.runs),
  };
  return () => {
    refill(state.threads, saved.threads);
    refill(state.threadOwners, saved.threadOwners);
    refill(state.runs, saved.runs);
  };
}

function refill<K, V>(map: Map<K, V>, saved: Map<K, V>): void {
  map.clear();
  for (const [key, value] of saved) map.set(key, value);
}
const copy = <T>(value: T): T => structuredClone(value);

function page<T>(items: T[], query: { limit?: number; offset?: number }): T[] {
  const { limit, offset } = pageOf(query);
  return items.slice(offset, offset + limit);
}

export class MemoryAssistants implements AssistantRepo {
  private readonly state: MemoryPlatformState;
  constructor(state: MemoryPlatformState) {
    this.state = state;
  }

  async create(input: NewAssistant, now: Date, ifExists: "raise" | "do_nothing" = "raise") {
    const record = newAssistantRecord(input, now);
    const key = keyOf(record.tenant, record.assistantId);
    const existing = this.#current(key);
    if (existing) {
      if (ifExists === "do_nothing") return copy(existing);
      throw alreadyExists("Assistant", record.assistantId);
    }
    this.state.assistants.set(key, { versions: [record], current: 1 });
    return copy(record);
  }

  async get(tenant: string, assistantId: string) {
    const found = this.#current(keyOf(tenant, assistantId));
    return found ? copy(found) : undefined;
  }

  async update(tenant: string, assistantId: string, patch: AssistantPatch, now: Date) {
    const entry = this.state.assistants.get(keyOf(tenant, assistantId));
    const current = this.#current(keyOf(tenant, assistantId));
    if (!entry || !current) throw assistantNotFound(tenant, assistantId);
    const latest = Math.max(...entry.versions.map((v) => v.version));
    const merged = newAssistantRecord({ ...current, ...patch }, now);
    const next: Assistant = { ...merged, version: latest + 1, createdAt: current.createdAt };
    entry.versions.push(next);
    entry.current = next.version;
    return copy(next);
  }

  async delete(tenant: string, assistantId: string) {
    return this.state.assistants.delete(keyOf(tenant, assistantId));
  }

  async search(query: AssistantQuery) {
    return page(this.#matching(query), query).map(copy);
  }

  async count(query: AssistantQuery) {
    return this.#matching(query).length;
  }

  async versions(tenant: string, assistantId: string) {
    const entry = this.state.assistants.get(keyOf(tenant, assistantId));
    if (!entry) throw assistantNotFound(tenant, assistantId);
    return [...entry.versions].sort((a, b) => b.version - a.version).map(copy);
  }

  async setLatest(tenant: string, assistantId: string, version: number, now: Date) {
    const entry = this.state.assistants.get(keyOf(tenant, assistantId));
    const chosen = entry?.versions.find((v) => v.version === version);
    if (!entry || !chosen) throw assistantNotFound(tenant, `${assistantId}@${version}`);
    entry.current = version;
    chosen.updatedAt = now.toISOString();
    return copy(chosen);
  }

  #current(key: string): Assistant | undefined {
    const entry = this.state.assistants.get(key);
    return entry?.versions.find((v) => v.version === entry.current);
  }

  #matching(query: AssistantQuery): Assistant[] {
    const found: Assistant[] = [];
    for (const key of this.state.assistants.keys()) {
      const a = this.#current(key);
      if (!a || a.tenant !== query.tenant) continue;
      if (query.graphId !== undefined && a.graphId !== query.graphId) continue;
      if (query.name !== undefined && a.name !== query.name) continue;
      if (metadataMatches(a.metadata, query.metadata)) found.push(a);
    }
    return found.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }
}

export class MemoryThreads implements ThreadRepo {
  private readonly state: MemoryPlatformState;
  constructor(state: MemoryPlatformState) {
    this.state = state;
  }

  async create(
    input: { tenant: string; threadId: string; metadata?: JsonObject },
    now: Date,
    ifExists: "raise" | "do_nothing" = "raise",
  ) {
    const key = keyOf(checkId(input.tenant, "tenant"), checkId(input.threadId, "threadId"));
    const existing = this.state.threads.get(key);
    if (existing) {
      if (ifExists === "do_nothing") return copy(existing);
      throw alreadyExists("Thread", input.threadId);
    }
    const thread = newThread(input, now);
    addThread(this.state, thread);
    return copy(thread);
  }

  async get(tenant: string, threadId: string) {
    const found = this.state.threads.get(keyOf(tenant, threadId));
    return found ? copy(found) : undefined;
  }

  async update(tenant: string, threadId: string, metadata: JsonObject, now: Date) {
    const thread = this.#found(tenant, threadId);
    thread.metadata = { ...thread.metadata, ...copy(metadata) };
    thread.updatedAt = now.toISOString();
    return copy(thread);
  }

  async setState(
    tenant: string,
    threadId: string,
    state: { values: unknown; interrupts: JsonObject },
    now: Date,
  ) {
    const thread = this.#found(tenant, threadId);
    thread.values = copy(state.values);
    thread.interrupts = copy(state.interrupts);
    if (thread.status !== "busy")
      thread.status = Object.keys(state.interrupts).length > 0 ? "interrupted" : "idle";
    thread.updatedAt = now.toISOString();
  }

  async delete(tenant: string, threadId: string) {
    const key = keyOf(tenant, threadId);
    if (!this.state.threads.has(key)) return false;
    const runs = [...this.state.runs.values()].filter(
      (r) => r.tenant === tenant && r.threadId === threadId,
    );
    const active = runs.find((r) => r.status === "pending" || r.status === "running");
    if (active) throw threadBusy(threadId, active.runId);
    for (const run of runs) this.state.runs.delete(run.runId);
    this.state.threadOwners.delete(threadId);
    return this.state.threads.delete(key);
  }

  async search(query: ThreadQuery) {
    return page(this.#matching(query), query).map(copy);
  }

  async count(query: ThreadQuery) {
    return this.#matching(query).length;
  }

  #found(tenant: string, threadId: string): Thread {
    const thread = this.state.threads.get(keyOf(tenant, threadId));
    if (!thread) throw threadNotFound(tenant, threadId);
    return thread;
  }

  #matching(query: ThreadQuery): Thread[] {
    return [...this.state.threads.values()]
      .filter(
        (t) =>
          t.tenant === query.tenant &&
          (query.status === undefined || t.status === query.status) &&
          metadataMatches(t.metadata, query.metadata),
      )
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }
}

/** Stores a new thread; refuses an id another tenant holds. */
export function addThread(state: MemoryPlatformState, thread: Thread): void {
  const owner = state.threadOwners.get(thread.threadId);
  if (owner !== undefined && owner !== thread.tenant)
    throw alreadyExists("Thread", thread.threadId);
  state.threadOwners.set(thread.threadId, thread.tenant);
  state.threads.set(keyOf(thread.tenant, thread.threadId), thread);
}

export function newThread(
  input: { tenant: string; threadId: string; metadata?: JsonObject },
  now: Date,
): Thread {
  const at = now.toISOString();
  return {
    tenant: input.tenant,
    threadId: input.threadId,
    status: "idle",
    metadata: copy(input.metadata ?? {}),
    values: null,
    interrupts: {},
    createdAt: at,
    updatedAt: at,
  };
}

export class MemoryCrons implements CronRepo {
  private readonly state: MemoryPlatformState;
  constructor(state: MemoryPlatformState) {
    this.state = state;
  }

  async create(input: NewCron, now: Date) {
    const key = keyOf(checkId(input.tenant, "tenant"), checkId(input.cronId, "cronId"));
    if (this.state.crons.has(key)) throw alreadyExists("Cron", input.cronId);
    const at = now.toISOString();
    const cron: Cron = {
      ...copy(input),
      enabled: input.enabled ?? true,
      lastRunAt: null,
      createdAt: at,
      updatedAt: at,
    };
    this.state.crons.set(key, cron);
    return copy(cron);
  }

  async get(tenant: string, cronId: string) {
    const cron = this.state.crons.get(keyOf(tenant, cronId));
    return cron ? copy(cron) : undefined;
  }

  async search(query: {
    tenant: string;
    assistantId?: string;
    threadId?: string;
    limit?: number;
    offset?: number;
  }) {
    const found = [...this.state.crons.values()].filter(
      (c) =>
        c.tenant === query.tenant &&
        (query.assistantId === undefined || c.assistantId === query.assistantId) &&
        (query.threadId === undefined || c.threadId === query.threadId),
    );
    return page(found, query).map(copy);
  }

  async update(tenant: string, cronId: string, patch: Partial<Cron>, now: Date) {
    const cron = this.state.crons.get(keyOf(tenant, cronId));
    if (!cron) throw cronNotFound(tenant, cronId);
    Object.assign(cron, copy(patch), { updatedAt: now.toISOString() });
    return copy(cron);
  }

  async delete(tenant: string, cronId: string) {
    return this.state.crons.delete(keyOf(tenant, cronId));
  }

  async due(now: Date, limit: number) {
    return [...this.state.crons.values()]
      .filter((c) => c.enabled && Date.parse(c.nextRunAt) <= now.getTime())
      .sort((a, b) => Date.parse(a.nextRunAt) - Date.parse(b.nextRunAt))
      .slice(0, limit)
      .map(copy);
  }

  async advance(
    tenant: string,
    cronId: string,
    firedAt: string,
    nextRunAt: string | null,
    now: Date,
  ) {
    const cron = this.state.crons.get(keyOf(tenant, cronId));
    if (!cron || cron.nextRunAt !== firedAt) return false;
    cron.lastRunAt = firedAt;
    if (nextRunAt === null) cron.enabled = false;
    else cron.nextRunAt = nextRunAt;
    cron.updatedAt = now.toISOString();
    return true;
  }
}
