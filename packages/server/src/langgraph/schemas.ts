/**
 * Request schemas of the LangGraph Platform API, in its snake_case wire names. Fields are
 * `nullish` because the official SDK sends `null` for options a caller left out. Unknown fields
 * are dropped, not rejected, so newer clients keep working; a known field with a bad value is a
 * 422 naming the field.
 */
import { z } from "zod";

const json = z.record(z.string(), z.unknown());
const id = z.string().min(1).max(256);

/** Every mode LangGraph Platform accepts; `events` and `tools` are accepted and yield nothing. */
export const STREAM_MODES = [
  "values",
  "updates",
  "messages",
  "messages-tuple",
  "custom",
  "debug",
  "tasks",
  "checkpoints",
  "events",
  "tools",
] as const;

const streamMode = z.enum(STREAM_MODES);

/** One mode or a list of them, as a list. */
export const StreamModes = z
  .union([streamMode, z.array(streamMode)])
  .transform((value) => (Array.isArray(value) ? value : [value]));

const nodes = z.union([z.literal("*"), z.array(z.string())]);

const send = z.object({ node: z.string(), input: z.unknown().optional() });

/** `command`: resume an interrupt, update state, and/or go to nodes (`Send`s as `{ node, input }`). */
export const CommandBody = z.object({
  resume: z.unknown().optional(),
  update: z.union([json, z.array(z.tuple([z.string(), z.unknown()]))]).nullish(),
  goto: z.union([z.string(), send, z.array(z.union([z.string(), send]))]).nullish(),
});

/** A RunnableConfig; keys besides these pass through to the run's config. */
export const ConfigBody = z
  .object({
    tags: z.array(z.string()).nullish(),
    recursion_limit: z.number().int().positive().nullish(),
    configurable: json.nullish(),
    metadata: json.nullish(),
  })
  .loose();

/** A checkpoint as LangGraph names one; only `checkpoint_id` (and `checkpoint_ns`) are read. */
export const CheckpointRef = z.object({
  checkpoint_id: z.string().nullish(),
  checkpoint_ns: z.string().nullish(),
  thread_id: z.string().nullish(),
  checkpoint_map: json.nullish(),
});

/** The body of every run-creating endpoint (background, stream, wait; stateful or not). */
export const RunCreate = z.object({
  assistant_id: id,
  input: z.unknown().optional(),
  command: CommandBody.nullish(),
  config: ConfigBody.nullish(),
  context: json.nullish(),
  metadata: json.nullish(),
  stream_mode: StreamModes.nullish(),
  stream_subgraphs: z.boolean().nullish(),
  stream_resumable: z.boolean().nullish(),
  interrupt_before: nodes.nullish(),
  interrupt_after: nodes.nullish(),
  checkpoint_id: z.string().nullish(),
  checkpoint: CheckpointRef.nullish(),
  webhook: z.url({ protocol: /^https?$/ }).nullish(),
  multitask_strategy: z.enum(["reject", "enqueue", "interrupt", "rollback"]).nullish(),
  if_not_exists: z.enum(["create", "reject"]).nullish(),
  on_completion: z.enum(["delete", "keep"]).nullish(),
  on_disconnect: z.enum(["cancel", "continue"]).nullish(),
  // Bounded so the start time stays a valid date (about 100 years).
  after_seconds: z.number().nonnegative().max(3_153_600_000).nullish(),
  durability: z.enum(["sync", "async", "exit"]).nullish(),
  checkpoint_during: z.boolean().nullish(),
  feedback_keys: z.union([z.string(), z.array(z.string())]).nullish(),
  langsmith_tracer: json.nullish(),
});
/** A parsed run-creation body. */
export type RunCreateBody = z.infer<typeof RunCreate>;

/** The body of both cron-creating endpoints: a run body without the streaming fields, plus the schedule. */
export const CronCreate = RunCreate.omit({
  stream_mode: true,
  stream_subgraphs: true,
  stream_resumable: true,
  on_disconnect: true,
  after_seconds: true,
  checkpoint_id: true,
  checkpoint: true,
}).extend({
  schedule: z.string().min(1),
  end_time: z.iso.datetime({ offset: true }).nullish(),
  timezone: z.string().nullish(),
  enabled: z.boolean().nullish(),
  on_run_completed: z.enum(["delete", "keep"]).nullish(),
});
/** A parsed cron-creation body. */
export type CronCreateBody = z.infer<typeof CronCreate>;

/** PATCH /runs/crons/:id: fields to change. */
export const CronPatch = z.object({
  schedule: z.string().min(1).nullish(),
  end_time: z.iso.datetime({ offset: true }).nullish(),
  input: z.unknown().optional(),
  config: ConfigBody.nullish(),
  context: json.nullish(),
  metadata: json.nullish(),
  webhook: z.url({ protocol: /^https?$/ }).nullish(),
  interrupt_before: nodes.nullish(),
  interrupt_after: nodes.nullish(),
  enabled: z.boolean().nullish(),
});

const page = {
  limit: z.number().int().min(1).max(1000).nullish(),
  offset: z.number().int().min(0).nullish(),
  sort_by: z.string().nullish(),
  sort_order: z.enum(["asc", "desc"]).nullish(),
  select: z.array(z.string()).nullish(),
};

/** POST /runs/crons/search. */
export const CronSearch = z.object({
  assistant_id: z.string().nullish(),
  thread_id: z.string().nullish(),
  enabled: z.boolean().nullish(),
  ...page,
});

/** POST /assistants. */
export const AssistantCreate = z.object({
  graph_id: id,
  assistant_id: id.nullish(),
  config: ConfigBody.nullish(),
  context: json.nullish(),
  metadata: json.nullish(),
  if_exists: z.enum(["raise", "do_nothing"]).nullish(),
  name: z.string().nullish(),
  description: z.string().nullish(),
});

/** PATCH /assistants/:id: fields to change (metadata merges). */
export const AssistantPatch = AssistantCreate.omit({
  assistant_id: true,
  if_exists: true,
}).partial();

/** POST /assistants/search. */
export const AssistantSearch = z.object({
  graph_id: z.string().nullish(),
  name: z.string().nullish(),
  metadata: json.nullish(),
  ...page,
});

/** POST /assistants/:id/versions. */
export const AssistantVersions = z.object({ metadata: json.nullish(), ...page });

/** POST /threads, optionally seeded with supersteps of state updates. */
export const ThreadCreate = z.object({
  thread_id: id.nullish(),
  metadata: json.nullish(),
  if_exists: z.enum(["raise", "do_nothing"]).nullish(),
  supersteps: z
    .array(
      z.object({
        updates: z.array(z.object({ values: z.unknown().optional(), as_node: z.string() })),
      }),
    )
    .nullish(),
  ttl: z.unknown().optional(),
});

/** PATCH /threads/:id: metadata to merge. */
export const ThreadPatch = z.object({ metadata: json.nullish(), ttl: z.unknown().optional() });

const threadStatus = z.enum(["idle", "busy", "interrupted", "error"]);

/** POST /threads/search. */
export const ThreadSearch = z.object({
  metadata: json.nullish(),
  ids: z.array(z.string()).nullish(),
  status: threadStatus.nullish(),
  values: json.nullish(),
  ...page,
});

/** POST /threads/:id/state: values written as `as_node`, optionally at a checkpoint. */
export const StateUpdate = z.object({
  values: z.unknown().optional(),
  as_node: z.string().nullish(),
  checkpoint_id: z.string().nullish(),
  checkpoint: CheckpointRef.nullish(),
});

/** POST /threads/:id/history. */
export const HistoryBody = z.object({
  limit: z.number().int().min(1).max(1000).nullish(),
  // A checkpoint id, a RunnableConfig (what the SDK's types ask for) or a checkpoint object.
  before: z.union([z.string(), z.object({ configurable: CheckpointRef }), CheckpointRef]).nullish(),
  metadata: json.nullish(),
  checkpoint: CheckpointRef.nullish(),
});

/** A query flag as LangGraph clients send it: "1"/"0", "true"/"false". */
export const QueryFlag = z
  .union([z.boolean(), z.enum(["0", "1", "true", "false"])])
  .transform((value) => value === true || value === "1" || value === "true");

/** Query-string stream modes: one name, a repeated name, or a JSON list (the SDK's form). */
export const QueryStreamModes = z
  .union([z.string(), z.array(z.string())])
  .transform((value, ctx) => {
    const parsed = z.array(streamMode).safeParse(namesOf(value));
    if (parsed.success) return parsed.data;
    ctx.addIssue({
      code: "custom",
      message: `stream_mode must be among ${STREAM_MODES.join(", ")}`,
    });
    return z.NEVER;
  });

function namesOf(value: string | string[]): unknown {
  if (Array.isArray(value)) return value;
  if (!value.startsWith("[")) return [value];
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

/** Path parameters. */
export const ThreadParams = z.object({ thread_id: id });
export const RunParams = z.object({ thread_id: id, run_id: id });
export const AssistantParams = z.object({ assistant_id: id });
export const CronParams = z.object({ cron_id: id });
