/**
 * The prompt side of `createReactAgent`: what goes before the state's messages, piped into the
 * model as LangGraph pipes it (`prompt.pipe(model)`), so callbacks see the same runs and tags.
 */
import { isLangChainMessage, loadLangChainMessages } from "../pregel/langchain-context.ts";
import type { NodeConfig } from "../pregel/types.ts";
import { type ChatModelLike, loadRunnables, type Runnable } from "./agent-model.ts";

/** What goes before the messages: LangGraph's `prompt` (also its older `stateModifier`). */
export type AgentPrompt<S = Record<string, unknown>> =
  | string
  | { type: "system" | (string & {}); content: unknown; [key: string]: unknown }
  | ((state: S, config: NodeConfig) => unknown)
  | { invoke(state: S, config?: NodeConfig): unknown };

/** The prompt the agent was given, and under which option. */
export type PromptChoice =
  | { kind: "prompt"; value: AgentPrompt<never> | undefined }
  | { kind: "messageModifier"; value: unknown };

type State = Record<string, unknown>;

const messagesOf = (state: State) => (state.messages as unknown[]) ?? [];

/** A system message: LangChain's class (what LangGraph's model sees) when it is installed. */
export async function systemMessage(content: string): Promise<unknown> {
  const SystemMessage = (await loadLangChainMessages())?.SystemMessage;
  return SystemMessage ? new SystemMessage({ content }) : { type: "system", content };
}

function isSystemMessage(value: unknown): boolean {
  if (isLangChainMessage(value)) return value._getType() === "system";
  const record = value as { type?: unknown; role?: unknown } | null;
  return record?.type === "system" || record?.role === "system";
}

const isRunnable = (value: unknown): value is Runnable =>
  typeof (value as { invoke?: unknown } | null)?.invoke === "function";

/**
 * Checks a prompt as LangGraph does before its first model call.
 * @throws Error for a prompt of another kind than a string, a system message, a function or a
 *   runnable (LangGraph's words).
 */
export function checkPrompt(choice: PromptChoice): void {
  const { kind, value } = choice;
  if (value == null || typeof value === "string" || typeof value === "function") return;
  if (isSystemMessage(value) || isRunnable(value)) return;
  if (kind === "messageModifier")
    throw new Error(`Unexpected type for messageModifier: ${typeof value}`);
  throw new Error(`Got unexpected type for 'prompt': ${typeof value}`);
}

/** The prompt as a function of the state, or a runnable taking the state. */
function promptStep(choice: PromptChoice, lc: Awaited<ReturnType<typeof loadRunnables>>) {
  const { kind, value } = choice;
  if (value == null) return async (state: State) => messagesOf(state);
  if (typeof value === "string")
    return async (state: State) => [await systemMessage(value), ...messagesOf(state)];
  if (isSystemMessage(value)) return async (state: State) => [value, ...messagesOf(state)];
  if (kind === "messageModifier") {
    if (typeof value === "function")
      return async (state: State) => (value as (m: unknown[]) => unknown)(messagesOf(state));
    const messages = lc?.RunnableLambda.from((state: State) => messagesOf(state));
    if (messages?.pipe) return messages.pipe(value);
    return async (state: State, config: unknown) =>
      (value as Runnable).invoke(messagesOf(state), config);
  }
  if (typeof value === "function")
    return async (state: State, config: unknown) => (value as never as PromptFn)(state, config);
  return value as Runnable;
}

type PromptFn = (state: State, config: unknown) => unknown;

/**
 * The prompt piped into the model, as LangGraph builds it: a function prompt becomes a lambda
 * named "prompt", so the model runs as `seq:step:2`. Without LangChain's runnables (a model
 * that is not LangChain's) it calls the two in turn.
 */
export async function promptedModel(choice: PromptChoice, model: ChatModelLike): Promise<Runnable> {
  const lc = await loadRunnables();
  const step = promptStep(choice, lc);
  if (typeof step !== "function") {
    if (typeof step.pipe === "function") return step.pipe(model);
    return { invoke: async (s, c) => model.invoke(await step.invoke(s, c), c) };
  }
  const named = lc?.RunnableLambda.from(step as never).withConfig?.({ runName: "prompt" });
  if (named?.pipe) return named.pipe(model);
  return { invoke: async (s, c) => model.invoke(await step(s as State, c), c) };
}
