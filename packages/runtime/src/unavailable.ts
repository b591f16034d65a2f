/**
 * Which errors mean "the database cannot be reached right now" rather than "this request or
 * run is wrong". The server answers them with 503 and Retry-After; a worker gives the run back
 * to the queue instead of failing it. Drivers wrap errors in different ways, so the whole
 * chain is searched: `cause`, and the `errors` of an AggregateError (Node's connect to a host
 * with several addresses).
 */

/** Socket errors: the server is gone, restarting or unreachable. */
const SOCKET_DOWN = ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH"];

/** PostgreSQL SQLSTATEs (class 08, connection exception; class 57P, operator intervention). */
const PG_DOWN = {
  connectionException: "08000",
  unableToConnect: "08001",
  connectionDoesNotExist: "08003",
  connectionFailure: "08006",
  /** The server terminated the session (a fast shutdown or pg_terminate_backend). */
  adminShutdown: "57P01",
  crashShutdown: "57P02",
  /** The server is starting up, shutting down or in recovery. */
  cannotConnectNow: "57P03",
  tooManyConnections: "53300",
} as const;

/** SQLite: another connection holds the write lock past the busy timeout. */
const SQLITE_BUSY = "SQLITE_BUSY";

const DOWN_CODES = new Set<string>([...SOCKET_DOWN, ...Object.values(PG_DOWN), SQLITE_BUSY]);

/**
 * node-postgres reports a lost or timed-out connection with these messages and no code:
 * "Connection terminated unexpectedly", "Connection terminated due to connection timeout",
 * pg-pool's "timeout exceeded when trying to connect", a client that already failed, and
 * "Query read timeout" (no answer within the pool's query_timeout: a frozen server or path).
 */
const DOWN_MESSAGE =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|the database system is (starting|shutting) up|Query read timeout/i;

const MAX_DEPTH = 5;

/**
 * Whether `error` (or an error it wraps) means the database is unreachable or overloaded right
 * now, so the same request may succeed later. Pure.
 * @example
 * if (isUnavailable(error)) reply.code(503).header("retry-after", "5");
 */
export function isUnavailable(error: unknown, depth = 0): boolean {
  if (typeof error !== "object" || error === null || depth > MAX_DEPTH) return false;
  const { code, message, cause, errors } = error as {
    code?: unknown;
    message?: unknown;
    cause?: unknown;
    errors?: unknown;
  };
  if (typeof code === "string" && DOWN_CODES.has(code)) return true;
  if (typeof message === "string" && DOWN_MESSAGE.test(message)) return true;
  if (isUnavailable(cause, depth + 1)) return true;
  return Array.isArray(errors) && errors.some((inner) => isUnavailable(inner, depth + 1));
}
