/**
 * The LangGraph Platform-compatible REST API: assistants, threads and their state, runs
 * (background, streamed over SSE, waited on; stateful and stateless), crons and the long-term
 * memory store, in the wire
 * format the official `@langchain/langgraph-sdk` client speaks. Reads need the `runs:read`
 * scope, writes `runs:write`; every record is confined to the caller's tenant.
 *
 * @example
 * const app = await buildServer({
 *   runtime,
 *   keys,
 *   modules: [langGraphApi],
 *   extensions: [cronScheduler()], // fires stored crons in this process
 * });
 */
import type { RouteModule } from "../app.ts";
import { assistantRoutes } from "./assistants.ts";
import { cronRoutes } from "./crons.ts";
import { threadRunRoutes } from "./runs.ts";
import { statelessRunRoutes } from "./stateless-runs.ts";
import { storeRoutes } from "./store.ts";
import { threadStateRoutes } from "./thread-state.ts";
import { threadRoutes } from "./threads.ts";

export { cronScheduler } from "./crons.ts";

/** Every LangGraph Platform route, as one module for `buildServer({ modules })`. */
export const langGraphApi: RouteModule = (ctx) =>
  [
    ...assistantRoutes(ctx),
    ...threadRoutes(ctx),
    ...threadStateRoutes(ctx),
    ...threadRunRoutes(ctx),
    ...statelessRunRoutes(ctx),
    ...cronRoutes(ctx),
    ...storeRoutes(ctx),
  ] as ReturnType<RouteModule>;
