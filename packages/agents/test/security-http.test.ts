import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  blockedReason,
  type HttpFetchOptions,
  httpFetchTool,
  invokeTool,
} from "../src/tools/index.ts";

let server: Server;
let port = 0;
let connections = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === "/redirect-metadata") {
      res.writeHead(302, { location: "http://169.254.169.254/latest/meta-data/" }).end();
    } else if (req.url === "/big") {
      res.end("z".repeat(5000));
    } else {
      res.writeHead(200, { "content-type": "text/plain" }).end(`hello from ${req.url}`);
    }
  });
  server.on("connection", () => connections++);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** A fetch tool that records every connection attempt; names resolve through `names` only. */
function fetcher(options: HttpFetchOptions = {}, names: Record<string, string[]> = {}) {
  const attempts: string[] = [];
  const t = httpFetchTool({
    resolve: async (host) => {
      const found = names[host];
      if (!found) throw new Error(`ENOTFOUND ${host}`);
      return found.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
    },
    onConnect: (address) => attempts.push(address),
    ...options,
  });
  return { attempts, get: (url: string) => invokeTool(t, { url }) };
}

describe("httpFetchTool: SSRF guards", () => {
  const blocked: Array<[string, RegExp]> = [
    ["http://127.0.0.1:PORT/", /127\.0\.0\.1, a loopback/],
    ["http://[::1]:PORT/", /::1, a loopback/],
    ["http://169.254.169.254/latest/meta-data/", /link-local \(cloud metadata\)/],
    ["http://10.0.0.1/", /10\.0\.0\.1, a private/],
    ["http://192.168.1.1/", /private/],
    ["http://172.16.0.1/", /private/],
    ["http://0.0.0.0:PORT/", /unspecified/],
    ["http://[::ffff:127.0.0.1]:PORT/", /loopback/],
    ["http://2130706433:PORT/", /127\.0\.0\.1, a loopback/],
    ["http://0x7f.1:PORT/", /loopback/],
    ["http://[fe80::1]/", /link-local/],
    ["http://[fd00::1]/", /unique local/],
    ["http://localhost:PORT/", /"localhost" resolves to 127\.0\.0\.1/],
    ["http://internal.corp/", /"internal.corp" resolves to 10\.9\.8\.7/],
    ["http://mixed.corp/", /resolves to 192\.168\.0\.9/],
  ];
  for (const [template, message] of blocked) {
    it(`blocks ${template} before connecting`, async () => {
      const { attempts, get } = fetcher(
        {},
        {
          localhost: ["127.0.0.1"],
          "internal.corp": ["10.9.8.7"],
          "mixed.corp": ["93.184.216.34", "192.168.0.9"],
        },
      );
      const before = connections;
      const error = (await get(template.replace("PORT", String(port))).catch(
        (e: unknown) => e,
      )) as Error & { code: string; issues: unknown };
      expect(error).toMatchObject({ code: "HTTP_ADDRESS_BLOCKED", guard: "network" });
      expect(error.message).toMatch(message);
      expect(error.message).toContain("add the host or a CIDR to allowHosts");
      expect(attempts).toEqual([]);
      expect(connections).toBe(before);
    });
  }

  it("blocks localhost through the real resolver too", async () => {
    const attempts: string[] = [];
    const t = httpFetchTool({ onConnect: (a) => attempts.push(a) });
    await expect(invokeTool(t, { url: `http://localhost:${port}/` })).rejects.toMatchObject({
      code: "HTTP_ADDRESS_BLOCKED",
    });
    expect(attempts).toEqual([]);
  });

  it("refuses non-http schemes", async () => {
    await expect(fetcher().get("file:///etc/passwd")).rejects.toMatchObject({
      code: "HTTP_BAD_SCHEME",
    });
  });

  it("classifies addresses", () => {
    expect(blockedReason("8.8.8.8")).toBeUndefined();
    expect(blockedReason("2606:4700::1111")).toBeUndefined();
    expect(blockedReason("::ffff:a9fe:a9fe")).toMatch(/metadata/);
  });
});

describe("httpFetchTool: allowlists override, pinned connections, redirects", () => {
  it("fetches a local server when its address is allowlisted (exact IP or CIDR)", async () => {
    for (const allow of ["127.0.0.1", "127.0.0.0/8"]) {
      const { attempts, get } = fetcher({ allowHosts: [allow] });
      expect(await get(`http://127.0.0.1:${port}/hi`)).toMatchObject({
        status: 200,
        body: "hello from /hi",
        truncated: false,
        contentType: "text/plain",
      });
      expect(attempts).toEqual(["127.0.0.1"]);
    }
  });

  it("connects to the vetted address, not a fresh DNS answer", async () => {
    // "pinned.test" exists only in the injected resolver: reaching the server proves the socket
    // used the vetted IP instead of asking the system resolver again.
    const { get } = fetcher({ allowHosts: ["pinned.test"] }, { "pinned.test": ["127.0.0.1"] });
    expect(await get(`http://pinned.test:${port}/p`)).toMatchObject({ body: "hello from /p" });
  });

  it("re-checks every redirect hop and blocks a hop to the metadata address", async () => {
    const { attempts, get } = fetcher({ allowHosts: ["127.0.0.1"] });
    await expect(get(`http://127.0.0.1:${port}/redirect-metadata`)).rejects.toThrow(
      /169\.254\.169\.254, a link-local/,
    );
    expect(attempts).toEqual(["127.0.0.1"]);
  });

  it("caps hops and body size", async () => {
    const hops = fetcher({ allowHosts: ["127.0.0.1", "169.254.0.0/16"], maxRedirects: 0 });
    await expect(hops.get(`http://127.0.0.1:${port}/redirect-metadata`)).rejects.toMatchObject({
      code: "HTTP_TOO_MANY_REDIRECTS",
    });
    expect(hops.attempts).toEqual(["127.0.0.1"]);
    const small = fetcher({ allowHosts: ["127.0.0.1"], maxBytes: 100 });
    expect(await small.get(`http://127.0.0.1:${port}/big`)).toMatchObject({
      body: "z".repeat(100),
      truncated: true,
    });
  });
});
