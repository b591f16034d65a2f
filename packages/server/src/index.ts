/**
 * @conclave/server: the HTTP API over a runtime. LangGraph Platform-compatible routes, an
 * OpenAI-compatible chat endpoint, SSE and WebSocket streams, API keys and tenants, health
 * checks and Prometheus metrics.
 */

export { API_EXTENSIONS, API_MODULES } from "./api.ts";
export {
  buildServer,
  type RouteModule,
  SERVER_VERSION,
  type ServerContext,
  type ServerExtension,
  type ServerOptions,
  type ServerServices,
  safeUrl,
} from "./app.ts";
export { type AuthOptions, createAuthenticator, presentedKey } from "./auth.ts";
export { type ErrorBody, HttpError, isUnavailable, ValidationError } from "./errors.ts";
export { governanceApi } from "./governance/index.ts";
export { cronScheduler, langGraphApi } from "./langgraph/index.ts";
export { openAiApi, openAiErrors, THREAD_HEADER } from "./openai/index.ts";
export { openApiDocument } from "./openapi.ts";
export {
  defineRoute,
  type Principal,
  type RouteContext,
  type RouteSpec,
  registerRoutes,
} from "./route.ts";
export { format as formatSse, lastEventId, type SseEvent, sendSse } from "./sse.ts";
export { installTracing, traceContextOf } from "./tracing.ts";
export { webSocketApi } from "./ws/index.ts";
