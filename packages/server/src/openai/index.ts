/**
 * OpenAI compatibility: assistants as models behind `/v1/models` and `/v1/chat/completions`,
 * so any OpenAI client or chat UI can talk to a Conclave agent.
 *
 * @example
 * const app = await buildServer({ runtime, keys, modules: [openAiApi], extensions: [openAiErrors] });
 * // then: new OpenAI({ baseURL: `${url}/v1`, apiKey }).chat.completions.create({ model: "research-team", messages })
 */
import type { RouteModule } from "../app.ts";
import { openAiRoutes } from "./routes.ts";

/** The `/v1` routes (scope `runs:write`). Serve them with {@link openAiErrors}. */
export const openAiApi: RouteModule = openAiRoutes;

export {
  abandonChat,
  CHAT_STREAM_MODES,
  type ChatListener,
  type ChatOutcome,
  type ChatTurn,
  followChat,
  submitChat,
} from "./chat-run.ts";
export { messagesOf, runOutput, toGraphMessages, toOpenAiMessage } from "./convert.ts";
export { isOpenAiPath, type OpenAiErrorBody, openAiError, openAiErrors } from "./errors.ts";
export { listModels, resolveModel } from "./models.ts";
export { THREAD_HEADER } from "./routes.ts";
export {
  type ChatCompletion,
  type ChatCompletionRequest,
  type ChatMessageParam,
  chatCompletionRequest,
} from "./schemas.ts";
