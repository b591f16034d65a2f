/** The full API surface, for `buildServer({ modules: API_MODULES, extensions: API_EXTENSIONS })`. */
import type { RouteModule, ServerExtension } from "./app.ts";
import { governanceApi } from "./governance/index.ts";
import { langGraphApi } from "./langgraph/index.ts";
import { openAiApi, openAiErrors } from "./openai/index.ts";
import { webSocketApi } from "./ws/index.ts";

/** The full API: LangGraph Platform routes, OpenAI-compatible chat and the WebSocket. */
export const API_MODULES: RouteModule[] = [langGraphApi, openAiApi, governanceApi];
export const API_EXTENSIONS: ServerExtension[] = [openAiErrors, webSocketApi];
