/**
 * The model side of `createReactAgent`: binding the tools to a LangChain chat model, and
 * unwrapping a bound model for structured output, by LangGraph's rules. Models are LangChain
 * runnables, read by shape (`invoke`, `bindTools`, a binding's `bound`, a sequence's `steps`,
 * `initChatModel`'s `_model()`); LangChain's runnable classes are loaded only to rebuild a
 * binding or a sequence.
 */
import { loadLangChain } from "../pregel/langchain-context.ts";

/** A LangChain chat model, or a runnable around one (`model.bindTools(...)`, `prompt.pipe(model)`). */
export interface ChatModelLike {
  invoke(input: unknown, config?: unknown): Promise<unknown>;
  bindTools?(tools: unknown[], options?: unknown): unknown;
  withStructuredOutput?(schema: unknown, options?: unknown): unknown;
}

/** A runnable as the agent uses one. */
export interface Runnable {
  invoke(input: unknown, config?: unknown): Promise<unknown>;
  pipe?(next: unknown): Runnable;
  withConfig?(config: unknown): Runnable;
}

/** A runnable that fixes arguments or config around another (`RunnableBinding`). */
interface Binding extends ChatModelLike {
  bound: ChatModelLike;
  kwargs?: Record<string, unknown> & { tools?: unknown[] };
  config?: Record<string, unknown> & { tools?: unknown[] };
  configFactories?: unknown;
}

/** The runnable classes the agent builds with, from `@langchain/core/runnables`. */
export interface LangChainRunnables {
  RunnableLambda: { from(fn: (input: never, config: unknown) => unknown): Runnable };
  RunnableBinding: new (fields: Record<string, unknown>) => Runnable;
  RunnableSequence: { from(steps: unknown[]): Runnable };
}

/** `@langchain/core/runnables`, or undefined when LangChain is not installed. */
export function loadRunnables(): Promise<LangChainRunnables | undefined> {
  return loadLangChain<LangChainRunnables>("runnables");
}

const isBinding = (model: unknown): model is Binding =>
  typeof model === "object" && model !== null && typeof (model as Binding).bound === "object";

/** A chat model proper: LangChain's `BaseChatModel` has `_modelType`. */
const isChatModel = (model: unknown): model is ChatModelLike =>
  typeof (model as ChatModelLike | undefined)?.invoke === "function" &&
  "_modelType" in (model as object);

/** `initChatModel`'s configurable model: the real one comes from `_model()`. */
const isConfigurable = (model: unknown): model is { _model(): Promise<ChatModelLike> } =>
  typeof model === "object" &&
  model !== null &&
  "_queuedMethodOperations" in model &&
  typeof (model as { _model?: unknown })._model === "function";

const isModelStep = (step: unknown) => isBinding(step) || isChatModel(step) || isConfigurable(step);

const stepsOf = (llm: unknown): unknown[] | undefined => {
  const steps = (llm as { steps?: unknown }).steps;
  return Array.isArray(steps) ? steps : undefined;
};

/** A tool the graph runs (a runnable), as opposed to a provider's built-in tool spec. */
export function isClientTool(tool: unknown): boolean {
  const candidate = tool as { lc_runnable?: unknown; invoke?: unknown } | null;
  return candidate?.lc_runnable === true || typeof candidate?.invoke === "function";
}

/** The model inside a sequence, with a configurable model resolved. */
async function modelStep(llm: ChatModelLike): Promise<unknown> {
  const model = stepsOf(llm)?.find(isModelStep) ?? llm;
  return isConfigurable(model) ? await model._model() : model;
}

function nameOfBound(spec: Record<string, unknown>): string | undefined {
  if (spec.type === "function") return (spec.function as { name?: string } | undefined)?.name;
  if (typeof spec.name === "string") return spec.name;
  return (spec.toolSpec as { name?: string } | undefined)?.name;
}

/**
 * Whether the agent binds `tools` itself: not when the model came bound already. Then, as in
 * LangGraph, the bound tools must be the agent's, since the tool node runs only the agent's.
 * @throws Error when the counts or the names differ (LangGraph's words).
 */
export async function shouldBindTools(llm: ChatModelLike, tools: unknown[]): Promise<boolean> {
  const model = await modelStep(llm);
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
      `Missing tools '${missing}' in the model.bindTools().Tools in the model.bindTools() must match the tools passed to createReactAgent.`,
    );
  return false;
}

/** Binds to a chat model, or to the chat model of a binding (keeping the binding's parts). */
function simpleBind(llm: unknown, tools: unknown[], lc: LangChainRunnables | undefined) {
  const bindable = (m: unknown): m is Required<Pick<ChatModelLike, "bindTools">> =>
    isChatModel(m) && typeof m.bindTools === "function";
  if (bindable(llm)) return llm.bindTools(tools) as ChatModelLike;
  if (!isBinding(llm) || !bindable(llm.bound) || lc === undefined) return undefined;
  const next = llm.bound.bindTools(tools);
  const fields = isBinding(next)
    ? {
        bound: next.bound,
        config: { ...llm.config, ...next.config },
        kwargs: { ...llm.kwargs, ...next.kwargs },
        configFactories: next.configFactories ?? llm.configFactories,
      }
    : { bound: next, config: llm.config, kwargs: llm.kwargs, configFactories: llm.configFactories };
  return new lc.RunnableBinding(fields) as ChatModelLike;
}

/**
 * `llm` with `tools` bound: a chat model, a binding of one, a configurable model, or the model
 * step of a sequence (the other steps kept).
 * @throws Error when no model with `bindTools` is found.
 */
export async function bindTools(llm: ChatModelLike, tools: unknown[]): Promise<ChatModelLike> {
  const lc = await loadRunnables();
  const direct = simpleBind(llm, tools, lc);
  if (direct) return direct;
  if (isConfigurable(llm)) {
    const resolved = simpleBind(await llm._model(), tools, lc);
    if (resolved) return resolved;
  }
  const steps = stepsOf(llm);
  const at = steps?.findIndex(isModelStep) ?? -1;
  if (steps && at >= 0 && lc) {
    const bound = simpleBind(steps[at], tools, lc);
    if (bound) return lc.RunnableSequence.from(steps.toSpliced(at, 1, bound)) as ChatModelLike;
  }
  throw new Error(`llm ${llm} must define bindTools method.`);
}

/** The chat model inside a binding, sequence or configurable model, for `withStructuredOutput`. */
export async function baseChatModel(llm: ChatModelLike): Promise<ChatModelLike> {
  let model = await modelStep(llm);
  if (isBinding(model)) model = model.bound;
  if (!isChatModel(model))
    throw new Error(
      `Expected \`llm\` to be a ChatModel or RunnableBinding (e.g. llm.bind_tools(...)) with invoke() and generate() methods, got ${(model as object | undefined)?.constructor?.name}`,
    );
  return model;
}
