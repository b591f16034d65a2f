/**
 * The OpenAI-compatible routes: `GET /v1/models`, `GET /v1/models/:model` and
 * `POST /v1/chat/completions` (streaming or not). Any OpenAI client or chat UI pointed at
 * `<server>/v1` talks to the tenant's assistants.
 *
 * Decision: conversations. OpenAI's API is stateless (the client resends the history), so a
 * request is a stateless run on a temporary thread by default. A client that wants the
 * conversation kept by Conclave (durable state, interrupts, the thread's history in the
 * LangGraph API) names a thread in the `x-conclave-thread-id` header; then only the messages
 * after the request's last assistant message are added, since the thread holds the rest. The
 * `user` field was the other candidate, but it names a person, not a conversation, and OpenAI
 * clients set it for abuse tracking; it is kept in the run's metadata instead.
 */
import type { Run } from "@conclave/core";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { RouteModule, ServerContext } from "../app.ts";
import { ValidationError } from "../errors.ts";
import { defineRoute, type RouteSpec } from "../route.ts";
import { abandonChat, type ChatTurn, followChat, submitChat } from "./chat-run.ts";
import { completionOf, failureOf, streamCompletion } from "./completion.ts";
import { messagesOf, newTurn, toGraphMessages } from "./convert.ts";
import { listModels, modelNotFound, resolveModel } from "./models.ts";
import {
  type ChatCompletionRequest,
  chatCompletion,
  chatCompletionRequest,
  modelList,
  modelObject,
  modelParams,
} from "./schemas.ts";

/** The header naming the thread a chat completion runs on. */
export const THREAD_HEADER = "x-conclave-thread-id";

const THREAD_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The OpenAI-compatible routes; wire `openAiErrors` too, for OpenAI's error shape. */
export const openAiRoutes: RouteModule = (ctx) =>
  [
    ...modelRoutes(ctx, Math.floor(Date.now() / 1000)),
    defineRoute({
      method: "POST",
      url: "/v1/chat/completions",
      scope: "runs:write",
      summary:
        "OpenAI: run an assistant on the messages; the reply is its last assistant message. With stream: true, chat.completion.chunk server-sent events ending in [DONE].",
      tags: ["openai"],
      body: chatCompletionRequest,
      response: chatCompletion,
      handler: (route) => chatCompletions(ctx, route.req, route.reply, route.body, route.principal),
    }),
  ] as RouteSpec<never, never, never>[];

/** `started` (Unix seconds) dates the default assistants a tenant has not used yet. */
function modelRoutes(ctx: ServerContext, started: number) {
  return [
    defineRoute({
      method: "GET",
      url: "/v1/models",
      scope: "runs:write",
      summary: "OpenAI: list the assistants as models",
      tags: ["openai"],
      response: modelList,
      handler: async ({ principal }) => ({
        object: "list",
        data: await listModels(ctx.runtime, principal.tenant, started),
      }),
    }),
    defineRoute({
      method: "GET",
      url: "/v1/models/:model",
      scope: "runs:write",
      summary: "OpenAI: one model",
      tags: ["openai"],
      params: modelParams,
      response: modelObject,
      handler: async ({ principal, params }) => {
        const assistant = await resolveModel(ctx.runtime, principal.tenant, params.model);
        const models = await listModels(ctx.runtime, principal.tenant, started);
        const found = models.find((m) => m.conclave.assistant_id === assistant.assistantId);
        if (!found) throw modelNotFound(params.model);
        return { ...found, id: params.model };
      },
    }),
  ];
}

async function chatCompletions(
  ctx: ServerContext,
  req: FastifyRequest,
  reply: FastifyReply,
  body: ChatCompletionRequest,
  principal: { tenant: string },
): Promise<unknown> {
  const turn = await turnOf(ctx, req, body, principal.tenant);
  const run = await submitChat(ctx.runtime, turn);
  const base = { run, model: body.model, created: Math.floor(Date.now() / 1000) };
  const headers = runHeaders(run, req);
  if (body.stream) {
    const includeUsage = body.stream_options?.include_usage === true;
    await streamCompletion({
      runtime: ctx.runtime,
      reply,
      base,
      inputIds: turn.inputIds,
      includeUsage,
      headers,
    });
    return undefined;
  }
  const controller = new AbortController();
  const gone = () => {
    if (!reply.raw.writableEnded) controller.abort();
  };
  reply.raw.on("close", gone);
  try {
    const outcome = await followChat(ctx.runtime, run, turn.inputIds, {}, controller.signal);
    if (controller.signal.aborted) return void (await abandonChat(ctx.runtime, run));
    reply.headers(headers);
    const failure = failureOf(outcome);
    if (failure) return reply.code(failure.status).send(failure.body);
    return completionOf(base, outcome);
  } finally {
    reply.raw.off("close", gone);
  }
}

/** The run a request asks for: its assistant, thread and the messages that are new. */
async function turnOf(
  ctx: ServerContext,
  req: FastifyRequest,
  body: ChatCompletionRequest,
  tenant: string,
): Promise<ChatTurn> {
  const thread = threadOf(req);
  const assistant = await resolveModel(ctx.runtime, tenant, body.model);
  let messages = body.messages;
  if (thread !== undefined) {
    const existing = await ctx.runtime.store.threads.get(tenant, thread);
    messages = newTurn(messages, messagesOf(existing?.values).length > 0);
    if (messages.length === 0) {
      throw new ValidationError([
        {
          path: "body.messages",
          message: `thread ${thread} already holds this conversation and the request adds nothing after its last assistant message; append the new user message`,
        },
      ]);
    }
  }
  const input = toGraphMessages(messages);
  return {
    tenant,
    assistant,
    thread,
    input: { messages: input },
    inputIds: input.map((m) => m.id),
    metadata: {
      ...(body.metadata ?? {}),
      ...(body.user ? { openai_user: body.user } : {}),
      source: "openai",
    },
  };
}

function threadOf(req: FastifyRequest): string | undefined {
  const value = req.headers[THREAD_HEADER];
  if (value === undefined) return undefined;
  if (typeof value === "string" && THREAD_ID.test(value)) return value;
  throw new ValidationError([
    {
      path: `headers.${THREAD_HEADER}`,
      message: `expected 1-128 letters, digits, ".", "_", ":" or "-"; got ${JSON.stringify(value)}`,
    },
  ]);
}

function runHeaders(run: Run, req: FastifyRequest): Record<string, string> {
  return {
    "x-request-id": String(req.id),
    "x-conclave-run-id": run.runId,
    ...(run.temporary ? {} : { [THREAD_HEADER]: run.threadId }),
  };
}
