/**
 * Starts a real server on 127.0.0.1 (ephemeral port) over a memory store and an in-process
 * worker, with one admin key per tenant. Tests talk to it over HTTP like any client.
 */
import type { AddressInfo } from "node:net";
import {
  type ApiKeyScope,
  InMemoryStore,
  MemoryKeyStore,
  MemoryPlatformStore,
  newApiKey,
  type PlatformStore,
} from "@conclave/core";
import { type GraphSource, Runtime, type RuntimeOptions } from "@conclave/runtime";
import {
  buildServer,
  type RouteModule,
  type ServerExtension,
  type ServerServices,
} from "@conclave/server";
import type { FastifyInstance } from "fastify";

export interface TestServer {
  url: string;
  runtime: Runtime;
  app: FastifyInstance;
  keys: MemoryKeyStore;
  /** Makes a key for `tenant` with `scopes` and returns its secret. */
  key(tenant: string, scopes?: ApiKeyScope[]): Promise<string>;
  close(): Promise<void>;
}

export async function startTestServer(options: {
  graphs: Record<string, GraphSource>;
  modules?: RouteModule[];
  extensions?: ServerExtension[];
  store?: PlatformStore;
  worker?: boolean;
  /** More runtime options (settings, audit...). */
  runtime?: Partial<RuntimeOptions>;
  services?: ServerServices;
}): Promise<TestServer> {
  const runtime = await Runtime.create({
    items: new InMemoryStore(),
    ...options.runtime,
    store: options.store ?? new MemoryPlatformStore(),
    graphs: options.graphs,
  });
  if (options.worker !== false) await runtime.startWorker({ concurrency: 8 });
  const keys = new MemoryKeyStore();
  const app = await buildServer({
    runtime,
    keys,
    modules: options.modules,
    extensions: options.extensions,
    services: options.services,
    logger: false,
  });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const { port } = app.server.address() as AddressInfo;
  let n = 0;
  return {
    url: `http://127.0.0.1:${port}`,
    runtime,
    app,
    keys,
    async key(tenant, scopes = ["admin"]) {
      const made = newApiKey({
        keyId: `k${++n}`,
        tenant,
        name: `test-${n}`,
        scopes,
        now: new Date(),
      });
      await keys.create(made.key, made.hash);
      return made.secret;
    },
    async close() {
      await app.close();
      await runtime.close(0);
    },
  };
}
