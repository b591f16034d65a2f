/**
 * Prometheus metrics (prom-client): queue depth and age, run outcomes and latency, HTTP
 * latency and errors. Queue figures are read from the store when Prometheus scrapes, so every
 * server reports the whole queue, not just its own share.
 */
import type { QueueStatus, Run } from "@conclave/core";
import type { Runtime } from "@conclave/runtime";
import type { FastifyInstance } from "fastify";
import { Counter, Gauge, Histogram, Registry } from "prom-client";

export interface ServerMetrics {
  registry: Registry;
  observeRun(run: Run): void;
}

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

export function createMetrics(runtime: Runtime): ServerMetrics {
  const registry = new Registry();
  let status: QueueStatus | undefined;
  // Gauges are filled from the store on each scrape; depth is registered first, so it reads
  // the status the others use.
  new Gauge({
    name: "conclave_queue_depth",
    help: "Runs by queue state",
    labelNames: ["state"],
    registers: [registry],
    async collect() {
      status = await runtime.queueStatus();
      for (const state of ["pending", "delayed", "running", "dead", "stranded"] as const)
        this.set({ state }, status[state]);
    },
  });
  new Gauge({
    name: "conclave_queue_oldest_waiting_seconds",
    help: "Age of the oldest runnable pending run",
    registers: [registry],
    collect() {
      this.set((status?.oldestWaitingMs ?? 0) / 1000);
    },
  });
  const runs = new Counter({
    name: "conclave_runs_total",
    help: "Runs ended, by status and graph",
    labelNames: ["status", "graph"],
    registers: [registry],
  });
  const duration = new Histogram({
    name: "conclave_run_duration_seconds",
    help: "Run execution time",
    labelNames: ["graph"],
    buckets: SECONDS,
    registers: [registry],
  });
  const wait = new Histogram({
    name: "conclave_run_queue_wait_seconds",
    help: "Time from enqueue to start",
    labelNames: ["graph"],
    buckets: SECONDS,
    registers: [registry],
  });
  return {
    registry,
    observeRun(run) {
      runs.inc({ status: run.status, graph: run.graphId });
      if (run.startedAt && run.endedAt) {
        duration.observe(
          { graph: run.graphId },
          (Date.parse(run.endedAt) - Date.parse(run.startedAt)) / 1000,
        );
        wait.observe(
          { graph: run.graphId },
          (Date.parse(run.startedAt) - Date.parse(run.createdAt)) / 1000,
        );
      }
    },
  };
}

/** Times every request and counts errors by route and status. */
export function instrumentHttp(app: FastifyInstance, registry: Registry): void {
  const latency = new Histogram({
    name: "conclave_http_request_duration_seconds",
    help: "HTTP request latency",
    labelNames: ["method", "route", "status"],
    buckets: SECONDS,
    registers: [registry],
  });
  app.addHook("onResponse", async (req, reply) => {
    const route = req.routeOptions.url ?? "unmatched";
    latency.observe(
      { method: req.method, route, status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
}
