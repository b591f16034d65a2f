/**
 * The model side of `createReactAgent`: binding the tools to a LangChain chat model, the prompt
 * put before the state's messages, and unwrapping a bound model for structured output. Models
 * are LangChain runnables, read by shape (`invoke`, `bindTools`, a binding's `bound`) so the
 * engine needs no LangChain import of its own.
 */
import { isLangChainMessage, loadLangChainMessages } from "../pregel/langchain-context.ts";

/** A LangChain chat model, or a runnable around one (`model.bindTools(...)`, `prompt.pipe(model)`). */
export interface ChatModelLike {
  invoke(input: unknown, config?: unknown): Promise<unknown>;
  bindTools?(tools: unknown[], options?: unknown): unknown;
  withStructuredOutput?(schema: unknown, options?: unknown): unknown;
}

/** A structured-output runnable (`withStructuredOutput`'s result). */
export type StructuredModel = { invoke(input: unknown, config?: unknown): Promise<unknown> };

/** The optional parts of the runnables a model can come wrapped in. */
type Wrapped = ChatModelLike & { steps?: unknown; withConfig?: (config: unknown) => unknown };

/** What goes before the messages: LangGraph's `prompt` (also its older `stateModifier`). */
export type AgentPrompt<S = Record<string, unknown>> =
  | string
  | Record<string, unknown>
  | ((state: S, config: unknown) => unknown)
  | { invoke(state: S, config?: unknown): unknown };

/** A runnable that fixes arguments or config around another (`RunnableBinding`). */
interface Binding extends ChatModelLike {
  bound: ChatModelLike;
  kwargs?: { tools?: unknown[] };
  config?: { tools?: unknown[] };
}

const isBinding = (model: unknown): model is Binding =>
  typeof model === "object" && model !== null && typeof (model as Binding).bound === "object";

/** A chat model proper: LangChain's `BaseChatModel` has `_modelType`. */
const isChatModel = (model: unknown): model is ChatModelLike =>
  typeof (model as ChatModelLike | undefined)?.invoke === "function" &&
  "_modelType" in (model as object);

/** A tool the graph runs (a runnable), as opposed to a provider's built-in tool spec. */
export function isClientTool(tool: unknown): boolean {
  const candidate = tool as { lc_runnable?: unknown; invoke?: unknown } | null;
  return candidate?.lc_runnable === true || typeof candidate?.invoke === "function";
}

/** The step of a `RunnableSequence` that is the model, or the model itself. */
function modelStep(llm: ChatModelLike): ChatModelLike {
  const steps = (llm as Wrapped).steps;
  if (!Array.isArray(steps)) return llm;
  return (steps as ChatModelLike[]).find((s) => isBinding(s) || isChatModel(s)) ?? llm;
}

function nameOfBound(spec: Record<string, unknown>): string | undefined {
  if (spec.type === "function") return (spec.function as { name?: string } | undefined)?.name;
  if (typeof spec.name === "string") return spec.name;
  return (spec.toolSpec as { name?: string } | undefined)?.name;
}

/**
 * Whether the agent binds `tools` itself: not when the model came bound already. Then, as in
 * LangGraph, the bound tools must be the agent's, since the tool node runs only the agent's.
 * @throws Error when the counts or the names differ.
 */
export function shouldBindTools(llm: ChatModelLike, tools: unknown[]): boolean {
  const model = modelStep(llm);
  if (!isBinding(model)) return true;
  let bound = model.kwargs?.tools ?? model.config?.tools;
  if (!Array.isArray(bound)) return true;
  const first = bound[0] as { functionDeclarations?: unknown[] } | undefined;
  if (bound.length === 1 && Array.isArray(first?.functionDeclarations))
    bound = first.functionDeclarations;
  if (bound.length !== tools.length)
    throw new Error(
      "Number of tools in the model.bindTools() and tools passed to createReactAgent must match",
    );
  const boundNames = new Set(bound.map((s) => nameOfBound(s as Record<string, unknown>)));
  const missing = tools
    .filter(isClientTool)
    .map((t) => (t as { name: string }).name)
    .filter((n) => !boundNames.has(n));
  if (missing.length > 0)
    throw new Error(
      `Missing tools '${missing.join(",")}' in the model.bindTools(). The tools bound to the model must be the tools passed to createReactAgent.`,
    );
  return false;
}

/** `llm` with `tools` bound, keeping a binding's config and a sequence's other steps. */
export function bindTools(llm: ChatModelLike, tools: unknown[]): ChatModelLike {
  if (typeof llm.bindTools === "function") return llm.bindTools(tools) as ChatModelLike;
  if (isBinding(llm) && typeof llm.bound.bindTools === "function") {
    const rebound = llm.bound.bindTools(tools) as Wrapped;
    const withConfig = rebound.withConfig;
    return llm.config && withConfig
      ? (withConfig.call(rebound, llm.config) as ChatModelLike)
      : rebound;
  }
  const steps = (llm as Wrapped).steps as ChatModelLike[] | undefined;
  const at = steps?.findIndex((s) => isBinding(s) || isChatModel(s)) ?? -1;
  const from = (llm.constructor as { from?: (steps: unknown[]) => ChatModelLike }).from;
  if (steps && at >= 0 && typeof from === "function") {
    const next = steps.slice();
    next.splice(at, 1, bindTools(steps[at]!, tools));
    return from.call(llm.constructor, next);
  }
  throw new Error(
    `createReactAgent needs a chat model with bindTools() (a LangChain chat model), got ${describe(llm)}. Pass one, or pass a model with the tools bound already.`,
  );
}

/** The chat model inside a binding or sequence, for `withStructuredOutput`. */
export function baseChatModel(llm: ChatModelLike): ChatModelLike {
  let model = modelStep(llm);
  if (isBinding(model)) model = model.bound;
  if (!isChatModel(model))
    throw new Error(
      `Expected \`llm\` to be a ChatModel or RunnableBinding (e.g. llm.bind_tools(...)) with invoke() and generate() methods, got ${describe(model)}`,
    );
  return model;
}

function describe(value: unknown): string {
  return (value as object | undefined)?.constructor?.name ?? typeof value;
}

function isSystemMessage(value: unknown): boolean {
  if (isLangChainMessage(value)) return value._getType() === "system";
  const record = value as { type?: unknown; role?: unknown } | null;
  return record?.type === "system" || record?.role === "system";
}

/** A system message: LangChain's class (what LangGraph's model sees) when it is installed. */
export async function systemMessage(content: string): Promise<unknown> {
  const SystemMessage = (await loadLangChainMessages())?.SystemMessage;
  return SystemMessage ? new SystemMessage({ content }) : { type: "system", content };
}

/**
 * Builds what the model is called with from the state: the messages, after the prompt. A
 * string prompt becomes a system message (LangChain's class, as LangGraph's model sees).
 * A runnable prompt is returned as it is, to be piped into the model.
 * @throws Error for a prompt of another kind.
 */
export function promptOf(prompt: AgentPrompt<never> | undefined): PromptStep {
  const messages = (state: State) => (state.messages as unknown[]) ?? [];
  if (prompt == null) return async (state) => messages(state);
  if (typeof prompt === "string")
    return async (state) => [await systemMessage(prompt), ...messages(state)];
  if (isSystemMessage(prompt)) return async (state) => [prompt, ...messages(state)];
  if (typeof prompt === "function") return async (state, config) => prompt(state as never, config);
  if (typeof (prompt as { invoke?: unknown }).invoke === "function") return prompt as Runnable;
  throw new Error(
    `Got unexpected type for 'prompt': ${describe(prompt)}. Pass a string, a system message, a function of the state, or a runnable.`,
  );
}

/** The prompt as a function of the state, or a runnable the user gave. */
type PromptStep = ((state: State, config: unknown) => Promise<unknown>) | Runnable;

interface Runnable {
  invoke(input: unknown, config?: unknown): Promise<unknown>;
  pipe?(next: unknown): Runnable;
  withConfig?(config: unknown): Runnable;
}

interface LangChainRunnables {
  RunnableLambda: { from(fn: (input: never, config: unknown) => unknown): Runnable };
}

// A variable, so bundlers of apps without LangChain do not try to resolve it.
const LANGCHAIN_RUNNABLES = "@langchain/core/runnables";
let runnables: Promise<LangChainRunnables | undefined> | undefined;

/**
 * The prompt piped into the model, as LangGraph builds it (`prompt.pipe(model)`, the prompt
 * named "prompt"), so callbacks see the same runs and tags (`seq:step:2` on the model). Without
 * LangChain's runnables (a model that is not LangChain's) it calls the two in turn.
 */
export async function promptedModel(prompt: PromptStep, model: ChatModelLike): Promise<Runnable> {
  runnables ??= import(/* @vite-ignore */ LANGCHAIN_RUNNABLES).then(
    (m: LangChainRunnables) => m,
    () => undefined,
  );
  const lambda = (await runnables)?.RunnableLambda;
  if (typeof prompt !== "function") {
    if (typeof prompt.pipe === "function") return prompt.pipe(model);
    return { invoke: async (s, c) => model.invoke(await prompt.invoke(s, c), c) };
  }
  const step = lambda?.from(prompt as never).withConfig?.({ runName: "prompt" });
  if (step?.pipe) return step.pipe(model);
  return { invoke: async (s, c) => model.invoke(await prompt(s as State, c), c) };
}

/** LangGraph's deprecated `messageModifier`: a prompt that sees only the messages. */
export function messageModifierPrompt(modifier: unknown): AgentPrompt<never> {
  if (typeof modifier === "string" || isSystemMessage(modifier))
    return modifier as AgentPrompt<never>;
  if (typeof modifier === "function")
    return (state: Record<string, unknown>) => modifier(state.messages);
  if (typeof (modifier as { invoke?: unknown })?.invoke === "function") {
    const runnable = modifier as { invoke(input: unknown, config?: unknown): unknown };
    return { invoke: (state, config) => runnable.invoke((state as State).messages, config) };
  }
  throw new Error(`Unexpected type for messageModifier: ${typeof modifier}`);
}

type State = Record<string, unknown>;
