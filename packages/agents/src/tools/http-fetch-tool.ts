/**
 * `httpFetchTool`: GET/HEAD over HTTP(S) with SSRF guards. Each hop resolves the host name
 * (all addresses), refuses the request if any address is non-public (unless allowlisted or
 * `allowPrivate`), then connects to the vetted IP through a pinned `lookup`, so a DNS answer
 * that changes between check and connect (rebinding) cannot redirect the socket. Redirects are
 * followed by hand, each hop re-checked, up to `maxRedirects`. Body size and time are capped.
 */
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import http, { type IncomingMessage } from "node:http";
import https from "node:https";
import { isIP, type LookupFunction } from "node:net";
import { z } from "zod";
import { type AddressAllowlist, blockedReason, compileAllowlist } from "./address-policy.ts";
import { ToolPolicyError } from "./errors.ts";
import { type Tool, tool } from "./tool.ts";

/** Resolves a host name to all its addresses (`dns.lookup` with `all: true` by default). */
export type Resolver = (host: string) => Promise<LookupAddress[]>;

/** Options of {@link httpFetchTool}. */
export interface HttpFetchOptions {
  /** Exact hosts, IPs or CIDRs exempt from the private-address block. */
  allowHosts?: readonly string[];
  /** Allow every non-public address (off by default; for trusted, local-only agents). */
  allowPrivate?: boolean;
  /** Response body cap in bytes (default 1 MiB); the rest is dropped and `truncated` set. */
  maxBytes?: number;
  /** Deadline of the whole fetch, redirects included (default 15 s). */
  timeoutMs?: number;
  /** Redirect hops to follow (default 5). */
  maxRedirects?: number;
  maxOutputChars?: number;
  /** Host resolution; injectable for tests (the default is `dns.lookup`). */
  resolve?: Resolver;
  /** Called just before each connection with the vetted address (for audit and tests). */
  onConnect?: (address: string, url: string) => void;
}

/** What the tool returns. */
export interface HttpFetchResult {
  status: number;
  url: string;
  contentType: string | undefined;
  body: string;
  truncated: boolean;
}

const Args = z.object({
  url: z.string().describe("An absolute http:// or https:// URL"),
  method: z.enum(["GET", "HEAD"]).default("GET"),
});

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

const defaultResolve: Resolver = (host) =>
  new Promise((resolve, reject) =>
    dnsLookup(host, { all: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))),
  );

/**
 * Creates the `http_fetch` tool. Safe by default: only public addresses, 1 MiB, 15 s, 5 hops.
 *
 * @example
 * const fetchTool = httpFetchTool({ allowHosts: ["127.0.0.1"] }); // reach a local service
 */
export function httpFetchTool(options: HttpFetchOptions = {}): Tool<typeof Args, HttpFetchResult> {
  const guard: Guard = {
    allow: compileAllowlist(options.allowHosts),
    allowPrivate: options.allowPrivate ?? false,
    resolve: options.resolve ?? defaultResolve,
  };
  const maxBytes = options.maxBytes ?? 1024 * 1024;
  const maxRedirects = options.maxRedirects ?? 5;
  return tool({
    name: "http_fetch",
    // GET and HEAD only.
    sideEffects: false,
    description: "Fetches a public http(s) URL with GET or HEAD and returns status and text body.",
    schema: Args,
    timeoutMs: options.timeoutMs ?? 15_000,
    maxOutputChars: options.maxOutputChars,
    async execute({ url, method }, { signal }) {
      let current = parseUrl(url);
      for (let hop = 0; ; hop++) {
        const address = await vet(current, guard);
        options.onConnect?.(address.address, current.href);
        const res = await request(current, method, address, signal);
        const location = res.headers.location;
        if (!REDIRECTS.has(res.statusCode ?? 0) || !location) {
          return {
            ...(await readBody(res, maxBytes)),
            status: res.statusCode ?? 0,
            url: current.href,
            contentType: res.headers["content-type"],
          };
        }
        res.destroy();
        if (hop >= maxRedirects)
          throw policy(
            "HTTP_TOO_MANY_REDIRECTS",
            `Stopped after ${maxRedirects} redirects at ${current.href}; fetch the final URL directly.`,
          );
        current = parseUrl(new URL(location, current).href);
      }
    },
  });
}

interface Guard {
  allow: AddressAllowlist;
  allowPrivate: boolean;
  resolve: Resolver;
}

function parseUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw policy(
      "HTTP_BAD_URL",
      `${JSON.stringify(text)} is not an absolute URL; pass one like "https://example.com/page".`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw policy(
      "HTTP_BAD_SCHEME",
      `Scheme "${url.protocol}" is not allowed in ${url.href}; only http: and https: are.`,
    );
  }
  return url;
}

/** Resolves the URL's host and returns the address to connect to, or throws before any socket opens. */
async function vet(url: URL, guard: Guard): Promise<LookupAddress> {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const family = isIP(host);
  const addresses = family ? [{ address: host, family }] : await resolveAll(host, guard.resolve);
  for (const { address } of addresses) {
    const reason = blockedReason(address);
    if (reason && !guard.allowPrivate && !guard.allow.allows(host, address)) {
      throw policy(
        "HTTP_ADDRESS_BLOCKED",
        `Refused to fetch ${url.href}: host "${host}" resolves to ${address}, a ${reason} address. ` +
          "Only public addresses are allowed; add the host or a CIDR to allowHosts if this is intended.",
      );
    }
  }
  return addresses[0]!;
}

async function resolveAll(host: string, resolve: Resolver): Promise<LookupAddress[]> {
  const addresses = await resolve(host).catch((error: unknown) => {
    throw policy(
      "HTTP_DNS_FAILED",
      `Could not resolve host "${host}": ${(error as Error).message}. Check the URL.`,
    );
  });
  if (addresses.length === 0)
    throw policy("HTTP_DNS_FAILED", `Host "${host}" resolved to no address. Check the URL.`);
  return addresses;
}

/** One request, connected to the vetted address only: the pinned lookup never asks DNS again. */
function request(
  url: URL,
  method: string,
  pinned: LookupAddress,
  signal: AbortSignal,
): Promise<IncomingMessage> {
  const lookup = ((_host, opts, cb) =>
    opts.all ? cb(null, [pinned]) : cb(null, pinned.address, pinned.family)) as LookupFunction;
  const client = url.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(url, {
      method,
      signal,
      lookup,
      headers: { "user-agent": "conclave-http-fetch" },
    });
    req.on("response", resolve);
    req.on("error", reject);
    req.end();
  });
}

/** Reads at most `maxBytes` of the body, then drops the connection. */
async function readBody(
  res: IncomingMessage,
  maxBytes: number,
): Promise<{ body: string; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    const room = maxBytes - size;
    if (chunk.length > room) {
      chunks.push(chunk.subarray(0, room));
      truncated = true;
      break;
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  res.destroy();
  return { body: Buffer.concat(chunks).toString("utf8"), truncated };
}

function policy(code: string, message: string): ToolPolicyError {
  return new ToolPolicyError("network", code, message);
}
