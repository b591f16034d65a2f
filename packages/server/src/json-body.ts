/**
 * The JSON body parser. Fastify's own answers every unreadable body with "Body is not valid
 * JSON", dropping the parser's reason (where the syntax breaks) and saying the same of valid
 * JSON it refuses for a `__proto__` key; clients then cannot tell what to fix. This one keeps
 * Fastify's protection (a `__proto__` key, or a `constructor` key holding a `prototype`, is
 * refused) and says which of the three went wrong.
 */
import type { FastifyInstance } from "fastify";
import { HttpError } from "./errors.ts";

// A reviver would cost a call per value on every body; only bodies naming these keys pay it.
const SUSPECT = /"(?:__proto__|constructor)"/;

function refuseKey(key: string, value: unknown): unknown {
  const poisoned =
    key === "__proto__" ||
    (key === "constructor" && typeof value === "object" && value !== null && "prototype" in value);
  if (poisoned)
    throw new HttpError(
      400,
      "FORBIDDEN_JSON_KEY",
      `The request body has a ${JSON.stringify(key)} key${key === "constructor" ? " holding a prototype" : ""}, which this server refuses (it could pollute prototypes); rename or remove that field.`,
    );
  return value;
}

/** Parses `text` as a request body, or throws a 400 that says what is wrong with it. */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === "")
    throw new HttpError(
      400,
      "EMPTY_JSON_BODY",
      "The request body is empty but its content-type is application/json; send a JSON document, or no content-type header.",
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new HttpError(
      400,
      "INVALID_JSON",
      `The request body is not valid JSON: ${(error as Error).message}.`,
    );
  }
  return SUSPECT.test(text) ? JSON.parse(text, refuseKey) : parsed;
}

/** Replaces Fastify's application/json parser with {@link parseJsonBody}. */
export function installJsonParser(app: FastifyInstance): void {
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_req, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}
