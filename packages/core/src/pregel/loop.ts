import type {
  CheckpointConfig,
  CheckpointMetadata,
  CheckpointPendingWrite,
  CheckpointSaver,
  CheckpointSource,
} from "../checkpoint/types.ts";
import { CHECKPOINT_VERSION } from "../checkpoint/types.ts";
import { INTERRUPT, NULL_TASK_ID, RESUME, START, TASKS } from "../constants.ts";
import { EmptyInputError, GraphRecursionError, InvalidArgumentError } from "../errors.ts";
import {
  applyWrites,
  computeDelta,
  prepareTasks,
  readState,
  type Task,
  type Values,
} from "./algo.ts";
import { isCommand, toCommand } from "./command.ts";
import { createCheckpointId } from "./ids.ts";
import type { Interrupt } from "./interrupt.ts";
import { loadThread } from "./loop-load.ts";
import type { NodeCache } from "./node-cache.ts";
import { type ResumeInput, runStep } from "./runner.ts";
import type { GraphSpec } from "./spec.ts";
import type { StreamSink } from "./stream.ts";
import { emitCheckpointEvents, shownValues, wroteShown } from "./stream-events.ts";
import type { Durability, RunConfig } from "./types.ts";
import { WriteQueue } from "./write-queue.ts";
import { collectWrites, routeTo } from "./writes.ts";

/**
 * One run of a graph on one thread namespace. States: loading -> (input written) -> a superstep
 * per iteration -> done | interrupted | failed. Each iteration prepares the tasks the last
 * checkpoint triggers, runs them, folds their writes and writes the next checkpoint.
 *
 * Persistence follows the durability mode: `sync` awaits each checkpoint before the next step,
 * `async` chains writes behind the run, `exit` stores only the last checkpoint (with the same id
 * the run used, so saved pending writes still match their tasks on resume).
 */

export interface LoopOptions {
  spec: GraphSpec;
  saver?: CheckpointSaver;
  /** Where nodes with a `cachePolicy` find and keep their writes. */
  cache?: NodeCache;
  config: RunConfig;
  sink: StreamSink;
  /** Stream namespace of this run (empty for the root graph). */
  nsPath: readonly string[];
  /** Checkpoint namespace ("" for the root graph). */
  ns: string;
  interruptBefore: readonly string[] | "*";
  interruptAfter: readonly string[] | "*";
  /** Parent checkpoint ids, recorded in metadata of subgraph checkpoints. */
  parents?: Record<string, string>;
  /** A resume value handed down by a parent graph. */
  parentResume?: ResumeInput;
  /** The parent task is being re-run after an interrupt: continue the saved subgraph run. */
  resuming?: boolean;
}

export type LoopStatus = "done" | "interrupted";

export interface LoopResult {
  status: LoopStatus;
  values: Values;
  /** The values last emitted in `values` mode (LangGraph's invoke result), if any were. */
  outputValues: Values | undefined;
  interrupts: Interrupt[];
}

export class GraphLoop {
  readonly options: LoopOptions;
  readonly spec: GraphSpec;
  values: Values = {};
  updated: readonly string[] = [];
  step = -1;
  checkpointId = "";
  /** Config of the newest stored checkpoint: the parent of the next one. */
  storedConfig: CheckpointConfig | undefined;
  pendingWrites: CheckpointPendingWrite[] = [];
  resume: ResumeInput | undefined;
  resumed = false;
  readonly durability: Durability;
  readonly threadId: string | undefined;
  #storedValues: Values = {};
  #dirty = new Set<string>();
  /** The saver writes, in order (none without a saver). */
  readonly #writes: WriteQueue | undefined;
  #unstored: { source: CheckpointSource; metadata: CheckpointMetadata; ts: string } | undefined;
  #syntheticSeq = 0;
  #outputValues: Values | undefined;
  #lastConfig: CheckpointConfig | undefined;
  /** Resuming from an addressed checkpoint writes a `fork` copy first (LangGraph's replay). */
  #forks = false;

  constructor(options: LoopOptions) {
    this.options = options;
    this.spec = options.spec;
    this.durability = options.config.durability ?? "async";
    this.threadId = options.config.configurable?.thread_id;
    this.resume = options.parentResume;
    this.#writes = options.saver && new WriteQueue(options.saver, this.durability);
    if (options.saver && typeof this.threadId !== "string") {
      throw new InvalidArgumentError(
        'This graph has a checkpointer, so each call needs a thread: pass { configurable: { thread_id: "..." } }.',
        "MISSING_THREAD_ID",
      );
    }
  }

  /**
   * Runs the graph from `input` (or resumes it) until it finishes or pauses. Whatever ends the
   * run (a failure, a cancel), the checkpoints already queued are written before it returns:
   * they record steps that did finish, and a write left pending would fail later, unobserved.
   */
  async run(input: unknown): Promise<LoopResult> {
    try {
      return await this.#steps(input);
    } catch (error) {
      await this.flush().catch(() => undefined);
      throw error;
    }
  }

  /** A stop at `interruptBefore`/`interruptAfter`: streams `{ __interrupt__: [] }`, as LangGraph. */
  #staticInterrupt(): Promise<LoopResult> {
    if (this.options.sink.modes.has("updates"))
      this.options.sink.emit(this.options.nsPath, "updates", { [INTERRUPT]: [] });
    return this.finish("interrupted", []);
  }

  async #steps(input: unknown): Promise<LoopResult> {
    await this.load();
    await this.acceptInput(input);
    const limit = this.options.config.recursionLimit ?? 25;
    if (!(limit >= 1))
      throw new InvalidArgumentError(
        `Passed "recursionLimit" must be at least 1; got ${limit}.`,
        "INVALID_RECURSION_LIMIT",
      );
    const stop = this.step + limit + 1;
    let justRan: Task[] = [];
    let first = true;
    for (;;) {
      if (justRan.length > 0 && matches(this.options.interruptAfter, justRan))
        return this.#staticInterrupt();
      if (this.step + 1 > stop) {
        throw new GraphRecursionError(
          `Recursion limit of ${limit} reached without hitting a stop condition. Raise "recursionLimit" in the config, or check the graph for an unintended loop.`,
        );
      }
      const tasks = prepareTasks(this.spec, this.values, this.updated, {
        checkpointId: this.checkpointId,
        ns: this.options.ns,
        step: this.step,
      });
      if (tasks.length === 0) return this.finish("done", []);
      if (!(first && this.resumed) && matches(this.options.interruptBefore, tasks))
        return this.#staticInterrupt();
      const restoredFromPending = first;
      first = false;
      const outcome = await runStep(this, tasks, restoredFromPending);
      if (outcome.interrupts.length > 0) {
        this.emitFinishedSiblings(tasks);
        return this.finish("interrupted", outcome.interrupts);
      }
      this.advance(tasks);
      if (this.durability === "sync") await this.flush();
      justRan = tasks;
    }
  }

  /** Folds the finished step's writes and writes the next checkpoint. */
  advance(tasks: readonly Task[]): void {
    // A resume value answers interrupts of the checkpoint it was sent to, not later steps.
    this.resume = undefined;
    const applied = applyWrites(this.spec, this.values, tasks);
    this.values = applied.values;
    this.updated = applied.updated;
    for (const channel of applied.changed) this.#dirty.add(channel);
    this.step += 1;
    const annotations = annotationsOf(tasks);
    this.writeCheckpoint("loop", annotations);
    if (annotations)
      this.options.config.onAnnotations?.(annotations.tasks, {
        ns: this.options.ns,
        step: this.step,
      });
    if (wroteShown(this.spec, this.options.config, applied)) this.emitValues(this.values);
  }

  /** Emits a `values` chunk; LangGraph does so only for steps that wrote a shown key. */
  emitValues(values: Values): void {
    this.#outputValues = values;
    if (this.options.sink.modes.has("values")) {
      const shown = shownValues(this.spec, this.options.config, values);
      this.options.sink.emit(this.options.nsPath, "values", shown);
    }
  }

  /** On an interrupt, the writes of siblings that finished are shown (not stored) as values. */
  private emitFinishedSiblings(tasks: readonly Task[]): void {
    const finished = tasks.filter((t) => !t.interrupts && !t.error && t.writes.length > 0);
    if (finished.length === 0) return;
    const applied = applyWrites(this.spec, this.values, finished);
    if (wroteShown(this.spec, this.options.config, applied)) this.emitValues(applied.values);
  }

  private async load(): Promise<void> {
    const { saver } = this.options;
    if (!saver) return;
    const checkpointId = this.options.config.configurable?.checkpoint_id;
    const loaded = await loadThread(saver, this.threadId!, this.options.ns, checkpointId);
    if (!loaded) return;
    this.values = loaded.values;
    this.#storedValues = loaded.values;
    this.updated = loaded.updated;
    this.step = loaded.step;
    this.checkpointId = loaded.checkpointId;
    this.storedConfig = loaded.config;
    this.#lastConfig = loaded.config;
    this.pendingWrites = loaded.pendingWrites;
    this.#forks = loaded.forks;
    if (this.resume === undefined) this.resume = loaded.resume;
  }

  private async acceptInput(input: unknown): Promise<void> {
    const hasCheckpoint = this.storedConfig !== undefined;
    if (
      this.options.resuming &&
      hasCheckpoint &&
      prepareTasks(this.spec, this.values, this.updated, this.taskContext()).length > 0
    ) {
      this.resumed = true;
      return;
    }
    if (isCommand(input)) return this.acceptCommand(toCommand(input));
    if (input === null || input === undefined) {
      if (!hasCheckpoint) {
        throw new EmptyInputError(
          `Received no input for ${START}, and thread "${this.threadId ?? "(none)"}" has no checkpoint to resume. Pass an input object, or resume a thread that has been run.`,
        );
      }
      this.resumed = true;
      if (this.#forks) {
        this.step += 1;
        this.writeCheckpoint("fork");
      }
      this.emitValues(this.values);
      return;
    }
    const values: Record<string, unknown> = { ...this.values, [START]: input };
    delete values[TASKS];
    this.values = values;
    this.#dirty.add(START).add(TASKS);
    this.updated = [START];
    this.pendingWrites = [];
    this.step = hasCheckpoint ? this.step + 1 : -1;
    this.writeCheckpoint("input");
  }

  private async acceptCommand(command: ReturnType<typeof toCommand>): Promise<void> {
    if (command.resume !== undefined) {
      if (!this.storedConfig) {
        throw new EmptyInputError(
          `Cannot resume thread "${this.threadId ?? "(none)"}": it has no checkpoint. Start it with an input first.`,
        );
      }
      this.resume = { value: command.resume };
      this.resumed = true;
      this.persistWrites([[RESUME, command.resume]], NULL_TASK_ID);
    }
    if (command.update === undefined && command.goto.length === 0) {
      if (this.resumed) this.emitValues(this.values);
      return;
    }
    const task = this.virtualTask(START);
    task.writes = collectWrites(
      this.spec,
      { ...task, node: { ...task.node, edges: [], branches: [] } },
      command.update ?? null,
      this.stateView(),
      {},
    );
    for (const goto of command.goto) routeTo(this.spec, START, goto, undefined, task.writes);
    const applied = applyWrites(this.spec, this.values, [task]);
    this.values = applied.values;
    this.updated = applied.updated;
    for (const channel of applied.changed) this.#dirty.add(channel);
    this.pendingWrites = [];
    this.resumed = false;
    this.step = this.storedConfig ? this.step + 1 : -1;
    this.writeCheckpoint("input");
    this.emitValues(this.values);
  }

  /** A task that stands for a node without running it (for updates applied as that node). */
  virtualTask(name: string): Task {
    const node = this.spec.nodes.get(name)!;
    return {
      id: NULL_TASK_ID,
      name,
      kind: "pull",
      index: 0,
      input: undefined,
      triggers: [],
      node,
      ns: this.options.ns,
      writes: [],
    };
  }

  /** The state every task of the current step reads. */
  stateView(): Record<string, unknown> {
    return readState(this.spec, this.values, this.spec.stateKeys);
  }

  taskContext() {
    return { checkpointId: this.checkpointId, ns: this.options.ns, step: this.step };
  }

  /** Records a new checkpoint of the current values; stores it now, behind the run, or at exit. */
  writeCheckpoint(source: CheckpointSource, extra?: Record<string, unknown>): void {
    const { saver } = this.options;
    if (!saver) {
      this.checkpointId = `run:${this.#syntheticSeq++}`;
      if (this.options.sink.modes.size > 0)
        this.emitCheckpoint({ source, step: this.step, parents: this.options.parents ?? {} });
      return;
    }
    this.checkpointId = createCheckpointId();
    const metadata: CheckpointMetadata = {
      ...this.options.config.metadata,
      source,
      step: this.step,
      parents: this.options.parents ?? {},
      ...extra,
    };
    this.#unstored = { source, metadata, ts: new Date().toISOString() };
    this.pendingWrites = [];
    this.emitCheckpoint(metadata);
    if (this.durability !== "exit") this.storeCheckpoint();
  }

  /** Emits `checkpoints` / `debug` events for the checkpoint just recorded. */
  private emitCheckpoint(metadata: CheckpointMetadata): void {
    const parentConfig = this.#lastConfig;
    const config: CheckpointConfig = {
      configurable: {
        thread_id: this.threadId!,
        checkpoint_ns: this.options.ns,
        checkpoint_id: this.checkpointId,
      },
    };
    this.#lastConfig = config;
    emitCheckpointEvents(this, config, parentConfig, metadata);
  }

  /** Stores the newest recorded checkpoint if it has not been stored yet. */
  storeCheckpoint(): void {
    const saver = this.options.saver;
    const pending = this.#unstored;
    if (!saver || !pending) return;
    this.#unstored = undefined;
    const checkpoint = {
      v: CHECKPOINT_VERSION,
      id: this.checkpointId,
      ts: pending.ts,
      channel_values: this.values as Record<string, unknown>,
      updated_channels: [...this.updated],
      delta: computeDelta(this.#storedValues, this.values, this.#dirty),
    };
    const parent: CheckpointConfig = this.storedConfig ?? {
      configurable: { thread_id: this.threadId!, checkpoint_ns: this.options.ns },
    };
    this.#storedValues = this.values;
    this.#dirty = new Set();
    this.storedConfig = {
      configurable: {
        thread_id: this.threadId!,
        checkpoint_ns: this.options.ns,
        checkpoint_id: this.checkpointId,
      },
    };
    const put = () => saver.put(parent, checkpoint, pending.metadata);
    this.#writes?.enqueue(put);
  }

  /** Saves a task's writes against the current checkpoint, after that checkpoint is stored. */
  persistWrites(writes: [string, unknown][], taskId: string): void {
    const saver = this.options.saver;
    if (!saver) return;
    this.storeCheckpoint();
    const config = this.storedConfig!;
    for (const [channel, value] of writes) this.pendingWrites.push([taskId, channel, value]);
    this.#writes?.enqueue(() => saver.putWrites(config, writes, taskId));
  }

  /** Waits for every queued checkpoint and write. Called before returning and in sync mode. */
  flush(): Promise<unknown> {
    return this.#writes?.flush() ?? Promise.resolve();
  }

  private async finish(status: LoopStatus, interrupts: Interrupt[]): Promise<LoopResult> {
    this.storeCheckpoint();
    // A subgraph's end is not its run's: the parent writes after it.
    if (this.options.ns === "") this.#writes?.markFinal();
    await this.flush();
    return { status, values: this.values, outputValues: this.#outputValues, interrupts };
  }
}

/** `{ tasks: [{ id, name, ...annotations }] }` for tasks that annotated their step, else nothing. */
interface StepAnnotations {
  tasks: { id: string; name: string; [key: string]: unknown }[];
  [key: string]: unknown;
}

function annotationsOf(tasks: readonly Task[]): StepAnnotations | undefined {
  const annotated = tasks.filter((t) => t.runtime && Object.keys(t.runtime.annotations).length > 0);
  if (annotated.length === 0) return undefined;
  return { tasks: annotated.map((t) => ({ id: t.id, name: t.name, ...t.runtime!.annotations })) };
}

function matches(names: readonly string[] | "*", tasks: readonly Task[]): boolean {
  if (names === "*") return tasks.some((t) => t.name !== START);
  return names.length > 0 && tasks.some((t) => names.includes(t.name));
}
