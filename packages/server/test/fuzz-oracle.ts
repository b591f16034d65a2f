/**
 * Sends a fuzz request over real HTTP and judges the answer. The rules, for every response:
 * - no 5xx, and an answer within the time limit;
 * - a 4xx is JSON with a non-empty message (`detail` and `code`; OpenAI's `error.message` and
 *   `error.type` under /v1), and the message says what was wrong: it names a part of the
 *   request (a field or parameter name, the body, the content type, JSON), shows a value the
 *   request sent, or, for 401/403/429, names the API key, the scope or the retry delay;
 * - a validation error lists each problem's path under body/query/params/headers;
 * - a request malformed in one known place (wrong type, missing required field) is a 400/422
 *   whose error names that place or the field that contains it;
 * - malformed bodies are 4xx, a path with bad percent-encoding a 400; another tenant's id is
 *   never a success (except for PUT, which creates the caller's own record under that id); an
 *   unknown id is a 404 for GET and DELETE; a missing or unknown key is a 401, and a read-only
 *   key doing more than reading a 403;
 * - no response ever shows the other tenant's secret, and no SSE stream fails internally.
 */
import { wellFormed } from "./fuzz-arbitraries.ts";
import type { FuzzRequest } from "./fuzz-requests.ts";

/** What came back. */
export interface FuzzResponse {
  status: number;
  contentType: string;
  text: string;
}

/** The keys the sender uses, by `FuzzRequest.auth`. */
export type Keys = Record<"admin" | "read-only", string>;

const TIMEOUT_MS = 20_000;

function urlOf(base: string, req: FuzzRequest): string {
  const path = req.op.path.replace(/\{(\w+)\}/g, (_m, name: string) => {
    const value = req.params[name] ?? "";
    return req.rawPath ? value : encodeURIComponent(wellFormed(value));
  });
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(req.query)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value])
      search.append(name, typeof item === "string" ? item : JSON.stringify(item));
  }
  const query = search.toString();
  return `${base}${path}${query ? `?${query}` : ""}`;
}

function initOf(req: FuzzRequest, keys: Keys): RequestInit {
  const headers: Record<string, string> = {};
  if (req.auth === "admin") headers.authorization = `Bearer ${keys.admin}`;
  if (req.auth === "read-only") headers["x-api-key"] = keys["read-only"];
  if (req.auth === "unknown") headers.authorization = "Bearer sk-not-a-key-fuzz";
  let body: BodyInit | undefined;
  if (req.raw !== undefined) body = req.raw;
  else if (req.body !== undefined) body = JSON.stringify(req.body);
  const contentType = req.raw !== undefined ? req.contentType : "application/json";
  if (body !== undefined && contentType) headers["content-type"] = contentType;
  // A string body would get text/plain from fetch; bytes go without a content type.
  if (body !== undefined && !contentType) body = new TextEncoder().encode(body as string);
  return { method: req.op.method, headers, body, signal: AbortSignal.timeout(TIMEOUT_MS) };
}

/** Sends the request and reads the whole answer (an SSE stream to its end). */
export async function send(base: string, req: FuzzRequest, keys: Keys): Promise<FuzzResponse> {
  const res = await fetch(urlOf(base, req), initOf(req, keys));
  return {
    status: res.status,
    contentType: res.headers.get("content-type") ?? "",
    text: await res.text(),
  };
}

/** The message of an error body: `detail`, or OpenAI's `error.message`. */
function messageOf(req: FuzzRequest, json: unknown): { message: string; problems: string[] } {
  const problems: string[] = [];
  const openAi = req.op.path.startsWith("/v1");
  const body = (json ?? {}) as Record<string, unknown>;
  const error = (body.error ?? {}) as Record<string, unknown>;
  const message = openAi ? error.message : body.detail;
  if (typeof message !== "string" || message.trim() === "")
    problems.push(openAi ? "no error.message" : "no detail");
  if (openAi && typeof error.type !== "string") problems.push("no error.type");
  if (!openAi && (typeof body.code !== "string" || body.code === "")) problems.push("no code");
  const errors = body.errors as { path?: unknown }[] | undefined;
  for (const issue of errors ?? [])
    if (typeof issue.path !== "string" || !/^(body|query|params|headers)\b/.test(issue.path))
      problems.push(`validation issue without a request path: ${JSON.stringify(issue)}`);
  return { message: typeof message === "string" ? message : "", problems };
}

function walk(value: unknown, keys: Set<string>, values: Set<string>, depth = 0): void {
  if (depth > 8 || value === null || typeof value !== "object") {
    if (typeof value === "string" || typeof value === "number") values.add(String(value));
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    if (!Array.isArray(value)) keys.add(key);
    walk(item, keys, values, depth + 1);
  }
}

const word = (text: string, w: string) =>
  new RegExp(
    `(^|[^A-Za-z0-9_])${w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}($|[^A-Za-z0-9_])`,
    "i",
  ).test(text);

const WIRE_KINDS: readonly string[] = ["invalid-json", "wrong-content-type", "empty-body"];
// The body is read before the key is checked: a body the server refuses is answered first.
const BODY_REFUSED = new Set(["INVALID_JSON", "FORBIDDEN_JSON_KEY", "EMPTY_JSON_BODY"]);

/** Whether `message` names a part of the request or shows a value it sent. */
export function explains(req: FuzzRequest, status: number, message: string): boolean {
  if (status === 401) return /api key/i.test(message);
  if (status === 403) return /scope/i.test(message);
  if (status === 429) return /retry/i.test(message);
  const keys = new Set(["body"]);
  if (WIRE_KINDS.includes(req.kind))
    for (const w of ["JSON", "content-type", "media type"]) keys.add(w);
  const values = new Set<string>();
  if (req.contentType) values.add(req.contentType.split(";")[0]!);
  walk(req.raw === undefined ? req.body : undefined, keys, values);
  walk(req.query, keys, values);
  walk(req.params, keys, values);
  for (const name of Object.keys(req.params)) keys.add(name);
  if ([...keys].some((k) => k.length >= 2 && word(message, k))) return true;
  return [...values].some((v) =>
    v.length >= 3
      ? message.includes(v.slice(0, 64)) || message.includes(JSON.stringify(v).slice(1, 64))
      : word(message, v) || message.includes(JSON.stringify(v)),
  );
}

// Error paths the answer gives: `errors[].path`, OpenAI's `param`, and paths in the message.
function pathsIn(json: unknown, message: string): string[] {
  const body = (json ?? {}) as { errors?: { path?: string }[]; error?: { param?: unknown } };
  const paths = (body.errors ?? []).map((e) => String(e.path));
  if (typeof body.error?.param === "string") paths.push(`body.${body.error.param}`);
  for (const m of message.matchAll(/\b(?:body|query|params|headers)(?:\.[^\s:;,]+)*/g))
    paths.push(m[0]);
  return paths;
}

/** Whether an error path names `mutated` or a field that contains it (not just "body"). */
export function namesPath(mutated: string, paths: string[]): boolean {
  return paths.some(
    (p) => p === mutated || (mutated.startsWith(`${p}.`) && p.split(".").length > 1),
  );
}

function expectations(req: FuzzRequest, status: number, code: unknown): string[] {
  const problems: string[] = [];
  const ok = status < 400;
  const scoped = req.op.scope !== null && !(status === 400 && BODY_REFUSED.has(String(code)));
  if (
    (req.kind === "wrong-type" || req.kind === "missing-required") &&
    status !== 400 &&
    status !== 422
  )
    problems.push(`expected 400/422 for a request malformed at ${req.mutated}`);
  if (WIRE_KINDS.includes(req.kind) && ok) problems.push("a malformed body was accepted");
  if (req.kind === "bad-percent-encoding" && status !== 400)
    problems.push(`expected 400 for a path with bad percent-encoding in ${req.replaced}`);
  // PUT creates under the caller's tenant whatever id it names.
  if (req.kind === "foreign-id" && req.replaced && ok && req.op.method !== "PUT")
    problems.push(`another tenant's ${req.replaced} was accepted`);
  if (req.kind === "missing-id" && ["GET", "DELETE"].includes(req.op.method) && status !== 404)
    problems.push(`expected 404 for an unknown ${req.replaced}`);
  if ((req.kind === "auth-missing" || req.kind === "auth-unknown") && scoped && status !== 401)
    problems.push("expected 401 without a valid key");
  if (req.kind === "auth-read-only" && scoped && req.op.scope !== "runs:read" && status !== 403)
    problems.push("expected 403 for a read-only key on a write");
  return problems;
}

/** Every rule the response breaks; empty when it is a good answer. */
export function judge(req: FuzzRequest, res: FuzzResponse, secret: string): string[] {
  const problems = expectations(req, res.status, codeOf(res));
  if (res.status >= 500) problems.push(`server error ${res.status}`);
  if (res.text.includes(secret)) problems.push("the other tenant's secret leaked");
  if (res.contentType.startsWith("text/event-stream") && /"StreamError"/.test(res.text))
    problems.push("the SSE stream failed inside the server");
  if (res.status < 400 || res.status >= 500) return problems;
  let json: unknown;
  try {
    json = JSON.parse(res.text);
  } catch {
    return [...problems, `a ${res.status} without a JSON body: ${res.text.slice(0, 200)}`];
  }
  const { message, problems: shape } = messageOf(req, json);
  problems.push(...shape);
  if ((json as { code?: unknown; error?: { code?: unknown } }).code === "ROUTE_NOT_FOUND")
    problems.push("a route of the document answered that it does not exist");
  if (message && !explains(req, res.status, message))
    problems.push("the error does not say what was wrong");
  const invalid = req.kind === "wrong-type" || req.kind === "missing-required";
  if (invalid && req.mutated && message && !namesPath(req.mutated, pathsIn(json, message)))
    problems.push(`the error does not name ${req.mutated}`);
  return problems;
}

// The error code of an answer, in either shape; undefined for anything else.
function codeOf(res: FuzzResponse): unknown {
  try {
    const json = JSON.parse(res.text) as { code?: unknown; error?: { code?: unknown } };
    return json.code ?? json.error?.code?.toString().toUpperCase();
  } catch {
    return undefined;
  }
}

/** A short description of a request and its answer, for a failure message. */
export function describe(req: FuzzRequest, res: FuzzResponse | undefined): string {
  const max = Number(process.env.FUZZ_CLIP ?? 600);
  const clip = (s: string) => (s.length > max ? `${s.slice(0, max)}… (${s.length} chars)` : s);
  const body = req.raw ?? (req.body === undefined ? "" : JSON.stringify(req.body));
  return [
    `${req.kind}: ${req.op.id} auth=${req.auth}`,
    `  params ${clip(JSON.stringify(req.params))} query ${clip(JSON.stringify(req.query))}`,
    `  content-type ${req.raw === undefined ? "application/json" : req.contentType} body ${clip(body)}`,
    req.mutated ? `  malformed at ${req.mutated}` : "",
    res ? `  -> ${res.status} ${clip(res.text)}` : "  -> no answer",
  ]
    .filter(Boolean)
    .join("\n");
}
