/**
 * The assistants submits were last built from, by tenant and the name the request gave, so a
 * submit needs no read of the store before its enqueue.
 *
 * Decision: resolving the assistant was a read (on PostgreSQL a round trip, 0.4 to 0.5 ms of
 * the queue bench's enqueue-to-start) on every submit. Options: read every time; remember and
 * invalidate on change (LISTEN on PostgreSQL), which leaves a window in which another process's
 * change is not yet seen; or remember and have the enqueue check, in its own transaction, that
 * the name still resolves to the remembered assistant (`NewRun.assistantCheck`; version and
 * content, so an assistant made again under its old id and version is told apart). Chosen: the
 * check. A stale entry costs one refused enqueue, after which the submit reads the assistant
 * again and enqueues without a check, which is what every submit did before.
 */
import { type Assistant, type AssistantCheck, assistantCheckOf, type NewRun } from "@conclave/core";

/** Entries kept before the cache starts over (tenants times names in use). */
const MAX_ENTRIES = 1_000;

/** A resolved assistant, and the check that binds a run to it when it came from memory. */
export interface ResolvedAssistant {
  assistant: Assistant;
  check?: AssistantCheck;
}

/**
 * Resolves the assistants submits build runs from: remembered ones (with the check a run built
 * from one carries), by tenant and name, or fresh reads, which it then remembers.
 */
export class AssistantCache {
  readonly #entries = new Map<string, Required<ResolvedAssistant>>();
  readonly #read: (tenant: string, name: string) => Promise<Assistant>;
  readonly #registered: (graphId: string) => boolean;

  /**
   * @param read - Reads what a name refers to now (the runtime's `resolveAssistant`).
   * @param registered - Whether a graph id is registered: a name remembered as a graph id whose
   *   graph is gone is read again.
   */
  constructor(
    read: (tenant: string, name: string) => Promise<Assistant>,
    registered: (graphId: string) => boolean,
  ) {
    this.#read = read;
    this.#registered = registered;
  }

  /** The remembered assistant, with its check, or a fresh read. */
  async remembered(tenant: string, name: string): Promise<ResolvedAssistant> {
    const entry = this.#entries.get(keyOf(tenant, name));
    const graphGone =
      entry !== undefined && entry.assistant.assistantId !== name && !this.#registered(name);
    return entry !== undefined && !graphGone ? entry : this.fresh(tenant, name);
  }

  /** A fresh read (no check), remembered for the next submit. */
  async fresh(tenant: string, name: string): Promise<ResolvedAssistant> {
    const assistant = await this.#read(tenant, name);
    if (this.#entries.size >= MAX_ENTRIES) this.#entries.clear();
    this.#entries.set(keyOf(tenant, name), { assistant, check: assistantCheckOf(name, assistant) });
    return { assistant };
  }

  /** Forgets the assistants runs were built from with a check (one of them changed). */
  forgetChecked(runs: readonly NewRun[]): void {
    for (const run of runs)
      if (run.assistantCheck) this.#entries.delete(keyOf(run.tenant, run.assistantCheck.name));
  }
}

const keyOf = (tenant: string, name: string) => `${tenant}\u0000${name}`;
