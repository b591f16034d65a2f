/**
 * One error shape for every failure: `{ detail, code, errors? }`. `detail` is what the
 * LangGraph SDK and FastAPI clients read; `code` is stable for programs. Conclave's typed
 * errors map to statuses by class; an unavailable database is a 503 with Retry-After (the
 * client should retry), never a crash; anything unexpected is a 500 that logs the error and
 * shows only the request id.
 */
import { ConclaveError, ConflictError, InvalidArgumentError, NotFoundError } from "@conclave/core";
import type { FastifyError, FastifyInstance } from "fastify";

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

const DB_DOWN_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "57P01",
  "57P02",
  "57P03",
  "08000",
  "08001",
  "08003",
  "08006",
  "53300",
  "SQLITE_BUSY",
]);

/** Whether an error means the database is unreachable or overloaded right now. */
export function isUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === "string" && DB_DOWN_CODES.has(code)) return true;
  const message = (error as Error | undefined)?.message ?? "";
  return /Connection terminated|connection timeout|Client has encountered a connection error|the database system is (starting|shutting) up/i.test(
    message,
  );
}

function statusOf(error: unknown): number {
  if (error instanceof HttpError) return error.status;
  if (error instanceof ValidationError) return 422;
  if (error instanceof NotFoundError) return 404;
  if (error instanceof ConflictError) return 409;
  if (error instanceof InvalidArgumentError) return 422;
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

function codeOf(error: unknown, status: number): string {
  if (status === 503) return "UNAVAILABLE";
  if (status >= 500) return "INTERNAL";
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" ? code : "BAD_REQUEST";
}
