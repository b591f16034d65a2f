/**
 * One error shape for every failure: `{ detail, code, errors? }`. `detail` is what the
 * LangGraph SDK and FastAPI clients read; `code` is stable for programs. Conclave's typed
 * errors map to statuses by class; an unavailable database is a 503 with Retry-After (the
 * client should retry), never a crash; anything unexpected is a 500 that logs the error and
 * shows only the request id.
 */
import {
  ConclaveError,
  ConflictError,
  InvalidArgumentError,
  InvalidBudgetError,
  InvalidTimeZoneError,
  NotFoundError,
} from "@conclave/core";
import { isUnavailable } from "@conclave/runtime";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { isOpenAiPath, openAiError } from "./openai/errors.ts";

/** Whether an error means the database is unreachable or overloaded right now (a 503). */
export { isUnavailable };

export interface ErrorBody {
  detail: string;
  code: string;
  errors?: { path: string; message: string }[];
}

/** A request that does not match its schema. */
export class ValidationError extends ConclaveError {
  readonly issues: { path: string; message: string }[];
  constructor(issues: { path: string; message: string }[]) {
    super(
      "VALIDATION",
      `Invalid request: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}.`,
    );
    this.issues = issues;
  }
}

/** An HTTP-level failure with its status (auth, scope, rate limit). */
export class HttpError extends ConclaveError {
  readonly status: number;
  readonly headers: Record<string, string>;
  constructor(status: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(code, message);
    this.status = status;
    this.headers = headers;
  }
}

function statusOf(error: unknown): number {
  if (error instanceof HttpError) return error.status;
  if (error instanceof ValidationError) return 422;
  if (error instanceof NotFoundError) return 404;
  if (error instanceof ConflictError) return 409;
  if (error instanceof InvalidArgumentError) return 422;
  // A budget or time zone the caller defined (PUT /budgets, GET /cost?tz=) that core refused.
  if (error instanceof InvalidBudgetError || error instanceof InvalidTimeZoneError) return 422;
  if (error instanceof ConclaveError && error.code.endsWith("_NOT_FOUND")) return 404;
  const fastify = error as FastifyError;
  if (typeof fastify.statusCode === "number" && fastify.statusCode < 500) return fastify.statusCode;
  return isUnavailable(error) ? 503 : 500;
}

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error, req, reply) => {
    const status = statusOf(error);
    const body: ErrorBody = { detail: (error as Error).message, code: codeOf(error, status) };
    if (error instanceof ValidationError) body.errors = error.issues;
    if (error instanceof HttpError) reply.headers(error.headers);
    if (status === 503) {
      reply.header("retry-after", "5");
      body.detail = "The database is unavailable; retry shortly.";
      req.log.warn({ err: error }, "database unavailable");
    } else if (status >= 500) {
      req.log.error({ err: error }, "unhandled error");
      body.detail = `Internal error; quote request id ${req.id} when reporting it.`;
    }
    return reply.code(status).send(body);
  });
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({
      detail: `No route ${req.method} ${req.url.split("?")[0]}; see /openapi.json for the API.`,
      code: "ROUTE_NOT_FOUND",
    } satisfies ErrorBody),
  );
}

/** The longest path parameter the router reads; longer ones get a 414 from `frameworkError`. */
export const MAX_PARAM_LENGTH = 1024;

/**
 * Fastify answers a few URL problems before any route or error handler runs (an over-long
 * path parameter, bad percent-encoding), in its own `{ error, message, statusCode }` shape;
 * this is its `frameworkErrors` option, so those answers use ours and say what to fix.
 */
export function frameworkError(error: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  const path = req.url.split("?")[0] ?? "";
  let body: ErrorBody = { detail: error.message, code: error.code };
  if (error.code === "FST_ERR_MAX_PARAM_LENGTH") {
    const longest = path.split("/").reduce((a, b) => (b.length > a.length ? b : a), "");
    body = {
      detail: `Path segment ${JSON.stringify(`${longest.slice(0, 80)}…`)} is ${longest.length} characters long; path parameters are read up to ${MAX_PARAM_LENGTH} (ids up to 256).`,
      code: "PATH_PARAM_TOO_LONG",
    };
  } else if (error.code === "FST_ERR_BAD_URL") {
    body = {
      detail: `The path ${JSON.stringify(path.slice(0, 200))} has invalid percent-encoding; encode each path parameter with encodeURIComponent.`,
      code: "BAD_URL",
    };
  }
  const status = error.statusCode ?? 400;
  // No hook runs for these replies, so /v1 gets OpenAI's shape here rather than from openAiErrors.
  if (isOpenAiPath(req.url))
    return reply.code(status).send(openAiError(status, body.detail, body.code));
  return reply.code(status).send(body);
}

function codeOf(error: unknown, status: number): string {
  if (status === 503) return "UNAVAILABLE";
  if (status >= 500) return "INTERNAL";
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" ? code : "BAD_REQUEST";
}
