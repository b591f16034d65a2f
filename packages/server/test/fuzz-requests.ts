/**
 * Requests for the OpenAPI fuzz test: the operations of the document, the kinds of request
 * sent to each (valid-looking, malformed in one named place, malformed on the wire, aimed at
 * ids that do not exist or belong to another tenant, or badly authenticated), and a fast-check
 * arbitrary of each kind for each operation that can take it.
 */
import fc from "fast-check";
import {
  branchesOf,
  conforms,
  type Hints,
  HUGE,
  HUGE_IN_URL,
  type JsonSchema,
  mutantAt,
  NEGATIVE,
  OMIT,
  slotsOf,
  typesOf,
  UNICODE,
  validOf,
  wellFormed,
  wrongTypeOf,
} from "./fuzz-arbitraries.ts";

/** A parameter of an operation. */
export interface Param {
  name: string;
  schema: JsonSchema;
  /** A query parameter every valid request carries (path parameters always are). */
  required?: boolean;
}

/** One operation of the OpenAPI document. */
export interface Operation {
  /** "POST /threads/{thread_id}/runs". */
  id: string;
  method: string;
  path: string;
  scope: string | null;
  params: Param[];
  query: Param[];
  body?: JsonSchema;
}

/** Every kind of request the test sends; not every kind applies to every operation. */
export const KINDS = [
  "valid",
  "wrong-type",
  "missing-required",
  "extra-fields",
  "huge-string",
  "unicode",
  "negative-number",
  "invalid-json",
  "wrong-content-type",
  "empty-body",
  "bad-percent-encoding",
  "missing-id",
  "foreign-id",
  "auth-missing",
  "auth-unknown",
  "auth-read-only",
] as const;
export type Kind = (typeof KINDS)[number];

/** One request, as the oracle needs to judge its answer. */
export interface FuzzRequest {
  op: Operation;
  kind: Kind;
  params: Record<string, string>;
  query: Record<string, unknown>;
  /** A JSON body; ignored when `raw` is set. */
  body?: unknown;
  /** Bytes sent as they are (malformed bodies); `""` sends an empty body. */
  raw?: string;
  /** The content-type header; none when undefined. */
  contentType?: string;
  auth: "admin" | "none" | "unknown" | "read-only";
  /** Where the request is malformed ("body.config.tags", "query.limit"): a 4xx must name it. */
  mutated?: string;
  /** The path parameter given an id that does not exist or is another tenant's. */
  replaced?: string;
  /** Path parameters go into the URL as they are, not percent-encoded. */
  rawPath?: boolean;
}

/** How the test fills in ids: what exists for the caller, for the other tenant, and nowhere. */
export interface Ids {
  /** Valid-looking values for fields and parameters by name (ids that exist, safe webhooks). */
  hints: Hints;
  /** The same, with the other tenant's ids in place of the caller's. */
  foreignHints: Hints;
  /** The other tenant's id for a path parameter, if it has one. */
  foreign(name: string): string | undefined;
}

/** The operations of an OpenAPI 3.1 document, in document order. Pure. */
export function operationsOf(doc: { paths: Record<string, Record<string, unknown>> }) {
  const out: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths))
    for (const [method, raw] of Object.entries(methods)) {
      const op = raw as {
        parameters?: { name: string; in: string; schema: JsonSchema; required?: boolean }[];
        requestBody?: { content: { "application/json": { schema: JsonSchema } } };
        "x-scope"?: string;
      };
      const params = (op.parameters ?? []).filter((p) => p.in === "path");
      const query = (op.parameters ?? []).filter((p) => p.in === "query");
      out.push({
        id: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        scope: op["x-scope"] ?? null,
        params: params.map(({ name, schema }) => ({ name, schema })),
        query: query.map(({ name, schema, required }) => ({ name, schema, required })),
        body: op.requestBody?.content["application/json"].schema,
      });
    }
  return out;
}

type Parts = Pick<FuzzRequest, "params" | "query" | "body">;

// A URL cannot carry "." or ".." as a path segment: clients resolve them (even as %2E).
const sendable = (value: unknown) => value !== "." && value !== "..";

function partsOf(op: Operation, hints: Hints, body = op.body && validOf(op.body, hints)) {
  const param = (p: Param) => (hints(p.name) ?? validOf(p.schema, hints)).filter(sendable);
  return fc.record({
    params: fc.record(Object.fromEntries(op.params.map((p) => [p.name, param(p)]))),
    query: fc.record(
      Object.fromEntries(op.query.map((p) => [p.name, hints(p.name) ?? validOf(p.schema)])),
      { requiredKeys: op.query.filter((p) => p.required).map((p) => p.name) },
    ),
    body: body ?? fc.constant(undefined),
  }) as fc.Arbitrary<Parts>;
}

/** A place a one-slot mutation can hit, with the values it may put there. */
interface Target {
  where: "body" | "query" | "params";
  path: string[];
  leaf: fc.Arbitrary<unknown> | typeof OMIT;
}

const acceptsString = (schema: JsonSchema) => typesOf(schema).has("string");
const acceptsNumber = (schema: JsonSchema) => typesOf(schema).has("integer");

// Query values travel as text: a wrong type is text no number, flag or enum member reads as.
function wrongQueryValue(schema: JsonSchema): fc.Arbitrary<unknown> | undefined {
  const free = branchesOf(schema).some(
    (b) => b.type === "string" && !b.enum && !b.pattern && !b.format,
  );
  return free ? undefined : fc.constantFrom("not-a-value", "zz-bogus", "1.5");
}

function leafOf(kind: Kind, schema: JsonSchema, where: Target["where"], required: boolean) {
  switch (kind) {
    case "wrong-type":
      return where === "query" ? wrongQueryValue(schema) : wrongTypeOf(schema);
    case "missing-required":
      return required && where === "body" ? OMIT : undefined;
    case "huge-string":
      if (!acceptsString(schema)) return undefined;
      return where === "body" ? HUGE : HUGE_IN_URL;
    case "unicode":
      return acceptsString(schema) ? UNICODE : undefined;
    case "negative-number":
      if (!acceptsNumber(schema)) return undefined;
      return where === "body" ? NEGATIVE : NEGATIVE.map(String);
    default:
      return undefined;
  }
}

function targetsOf(op: Operation, kind: Kind, hints: Hints): Target[] {
  const targets: Target[] = [];
  const add = (where: Target["where"], path: string[], leaf: Target["leaf"] | undefined) => {
    if (leaf !== undefined) targets.push({ where, path, leaf });
  };
  if (kind === "extra-fields") {
    add("query", ["zz_unknown"], fc.constantFrom("1", "", "[]"));
    for (const slot of op.body ? slotsOf(op.body) : [])
      add("body", slot.path, extraLeaf(slot.schema, hints));
    return targets;
  }
  for (const slot of op.body ? slotsOf(op.body) : [])
    if (slot.path.length > 0 || kind === "wrong-type")
      add("body", slot.path, leafOf(kind, slot.schema, "body", slot.required));
  for (const p of op.query) add("query", [p.name], leafOf(kind, p.schema, "query", false));
  if (kind === "huge-string" || kind === "unicode")
    for (const p of op.params) {
      const leaf = leafOf(kind, p.schema, "params", true);
      add("params", [p.name], leaf && leaf !== OMIT ? leaf.filter(sendable) : undefined);
    }
  return targets;
}

// An object slot with unknown keys added, some of which JavaScript treats specially.
function extraLeaf(schema: JsonSchema, hints: Hints): fc.Arbitrary<unknown> | undefined {
  const object = branchesOf(schema).find((b) => b.type === "object" && b.properties);
  if (!object) return undefined;
  const extras = fc.constantFrom<Record<string, unknown>>(
    { zz_unknown: 1 },
    { zz_nested: { deeper: [1, { x: null }] } },
    { ["__proto__"]: { polluted: true } },
    { constructor: { prototype: { polluted: true } } },
    { toString: "not a function" },
  );
  return fc.tuple(validOf(object, hints), extras).map(([value, extra]) => ({
    ...(value as object),
    ...extra,
  }));
}

function mutated(op: Operation, kind: Kind, ids: Ids) {
  // A mutation inside a union may still match another branch (any object matches a union of
  // all-optional objects): such places are dropped, and a rare match is generated again.
  const invalidOnly = kind === "wrong-type" || kind === "missing-required";
  const schema = op.body;
  const decisive = (t: Target) => {
    if (!invalidOnly || t.where !== "body" || !schema) return true;
    const samples = fc.sample(mutantAt(schema, t.path, t.leaf, ids.hints), {
      seed: 7,
      numRuns: 10,
    });
    return samples.every((value) => !conforms(schema, value));
  };
  const targets = targetsOf(op, kind, ids.hints).filter(decisive);
  if (targets.length === 0) return undefined;
  return fc.constantFrom(...targets).chain((t) => {
    let body =
      t.where === "body" && schema ? mutantAt(schema, t.path, t.leaf, ids.hints) : undefined;
    if (body && schema && invalidOnly) body = body.filter((value) => !conforms(schema, value));
    return partsOf(op, ids.hints, body).chain((parts) => {
      const leaf = t.where === "body" || t.leaf === OMIT ? fc.constant(undefined) : t.leaf;
      return leaf.map((value): Omit<FuzzRequest, "op" | "kind" | "auth"> => {
        const out = { ...parts, params: { ...parts.params }, query: { ...parts.query } };
        if (t.where === "params") out.params[t.path[0]!] = wellFormed(String(value));
        if (t.where === "query") out.query[t.path[0]!] = value;
        return { ...out, mutated: [t.where, ...t.path].join(".") };
      });
    });
  });
}

const INVALID_JSON = [
  '{"assistant_id": ',
  "{'single': 'quotes'}",
  "not json at all",
  '{"a": 1}}',
  "[1, 2",
  '{"n": NaN}',
  "\u0000",
  '{"a": "\\x"}',
];

const WRONG_TYPES = [
  "text/plain",
  "application/x-www-form-urlencoded",
  "application/xml",
  "multipart/form-data; boundary=zz",
  "application/json-patch+json",
];

function wireLevel(op: Operation, kind: Kind, ids: Ids) {
  if (!op.body) return undefined;
  const parts = partsOf(op, ids.hints);
  if (kind === "invalid-json")
    return fc
      .tuple(parts, fc.constantFrom(...INVALID_JSON))
      .map(([p, raw]) => ({ ...p, raw, contentType: "application/json" }));
  if (kind === "wrong-content-type")
    return fc
      .tuple(parts, fc.constantFrom<string | undefined>(...WRONG_TYPES, undefined))
      .map(([p, contentType]) => ({ ...p, raw: JSON.stringify(p.body), contentType }));
  return fc
    .tuple(
      parts,
      fc.constantFrom<[string | undefined, string | undefined]>(
        ["application/json", ""],
        ["application/json", "   "],
        ["application/json", "null"],
        [undefined, undefined],
      ),
    )
    .map(([p, [contentType, raw]]) => ({ ...p, body: undefined, raw, contentType }));
}

function wrongId(op: Operation, kind: Kind, ids: Ids) {
  if (kind === "foreign-id" && op.params.length === 0)
    return op.body ? partsOf(op, ids.foreignHints) : undefined;
  const names = op.params
    .map((p) => p.name)
    .filter((name) => kind === "missing-id" || ids.foreign(name) !== undefined);
  if (names.length === 0) return undefined;
  const missing = fc.stringMatching(/^[a-z0-9]{8}$/).map((s) => `missing-${s}`);
  return fc
    .tuple(partsOf(op, ids.hints), fc.constantFrom(...names), missing)
    .map(([p, name, m]) => ({
      ...p,
      params: { ...p.params, [name]: kind === "foreign-id" ? ids.foreign(name)! : m },
      replaced: name,
    }));
}

// Percent-escapes that decode to no text: cut short, not hex, overlong UTF-8, a surrogate.
const BAD_ESCAPES = ["%E0%A4%A", "%", "id%ZZ", "%C0%AF", "%ED%A0%80"];

function badEncoding(op: Operation, ids: Ids) {
  if (op.params.length === 0) return undefined;
  const names = op.params.map((p) => p.name);
  return fc
    .tuple(partsOf(op, ids.hints), fc.constantFrom(...names), fc.constantFrom(...BAD_ESCAPES))
    .map(([p, name, bad]) => {
      const params = Object.fromEntries(
        Object.entries(p.params).map(([k, v]) => [k, encodeURIComponent(v)]),
      );
      return { ...p, params: { ...params, [name]: bad }, rawPath: true, replaced: name };
    });
}

const AUTH: Partial<Record<Kind, FuzzRequest["auth"]>> = {
  "auth-missing": "none",
  "auth-unknown": "unknown",
  "auth-read-only": "read-only",
};

/** Requests of `kind` for `op`, or undefined when the kind does not apply to it. */
export function requestsFor(
  op: Operation,
  kind: Kind,
  ids: Ids,
): fc.Arbitrary<FuzzRequest> | undefined {
  let parts: fc.Arbitrary<Omit<FuzzRequest, "op" | "kind" | "auth">> | undefined;
  if (kind === "valid") parts = partsOf(op, ids.hints);
  else if (kind === "invalid-json" || kind === "wrong-content-type" || kind === "empty-body")
    parts = wireLevel(op, kind, ids);
  else if (kind === "missing-id" || kind === "foreign-id") parts = wrongId(op, kind, ids);
  else if (kind === "bad-percent-encoding") parts = badEncoding(op, ids);
  else if (AUTH[kind]) parts = op.scope ? partsOf(op, ids.hints) : undefined;
  else parts = mutated(op, kind, ids);
  const auth = AUTH[kind] ?? "admin";
  return parts?.map((p) => ({ ...p, query: asSent(p.query), op, kind, auth }));
}

// URLs carry well-formed text: a lone surrogate arrives as U+FFFD, so the oracle compares that.
function asSent(query: Record<string, unknown>): Record<string, unknown> {
  const text = (v: unknown) => (typeof v === "string" ? wellFormed(v) : v);
  return Object.fromEntries(
    Object.entries(query).map(([k, v]) => [k, Array.isArray(v) ? v.map(text) : text(v)]),
  );
}
