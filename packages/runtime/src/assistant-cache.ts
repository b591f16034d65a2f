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
import type { Assistant, AssistantCheck } from "@conclave/core";

/** Entries kept before the cache starts over (tenants times names in use). */
const MAX_ENTRIES = 1_000;

/** A resolved assistant, and the check that binds a run to it when it came from memory. */
export interface ResolvedAssistant {
  assistant: Assistant;
  check?: AssistantCheck;
}

/** The check a run built from `assistant`, named `name` in its request, carries. */
export function checkOf(name: string, assistant: Assistant): AssistantCheck {
  return {
    name,
    config: JSON.stringify(assistant.config),
    context: assistant.context == null ? null : JSON.stringify(assistant.context),
  };
}

/** Remembered assistants by tenant and name. */
export class AssistantCache {
  readonly #entries = new Map<string, Assistant>();

  /** The remembered assistant, with its check, or undefined. */
  get(tenant: string, name: string): ResolvedAssistant | undefined {
    const assistant = this.#entries.get(keyOf(tenant, name));
    return assistant === undefined ? undefined : { assistant, check: checkOf(name, assistant) };
  }

  remember(tenant: string, name: string, assistant: Assistant): void {
    if (this.#entries.size >= MAX_ENTRIES) this.#entries.clear();
    this.#entries.set(keyOf(tenant, name), assistant);
  }

  forget(tenant: string, name: string): void {
    this.#entries.delete(keyOf(tenant, name));
  }
}

const keyOf = (tenant: string, name: string) => `${tenant}\u0000${name}`;
