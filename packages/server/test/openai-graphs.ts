/**
 * Chat graphs for the OpenAI and WebSocket tests, over core's MessagesAnnotation:
 * - `echo` answers without a model, so it streams no tokens;
 * - `sim-chat` streams a reply from the offline `sim` model through the gateway (tokens in the
 *   `messages` stream, usage metered into the step's annotations);
 * - `broken` fails in its node;
 * - `slow` waits until the test releases its input text, so a run can be watched while it runs.
 */
import {
  type Message,
  MessagesAnnotation,
  type NodeConfig,
  START,
  StateGraph,
} from "@conclave/core";
import { createGateway, createRegistry } from "@conclave/models";
import { streamText } from "ai";

type State = typeof MessagesAnnotation.State;

const lastText = (messages: Message[]): string => {
  const content = messages.at(-1)?.content ?? "";
  return typeof content === "string" ? content : JSON.stringify(content);
};

export function createGraphs() {
  const gateway = createGateway({
    registry: createRegistry({
      deployments: [{ id: "sim-fast", alias: "fast", provider: "sim", model: "sim-fast" }],
      sim: { seed: 3, timeToFirstTokenMs: 0, perTokenMs: 0 },
    }),
    aliases: { fast: { strategy: "ordered" } },
  });
  // One latch per input text, openable before or after the run waits on it.
  const latches = new Map<string, { opened: Promise<void>; open: () => void }>();
  const latch = (key: string) => {
    let entry = latches.get(key);
    if (!entry) {
      let open: () => void = () => undefined;
      const opened = new Promise<void>((resolve) => {
        open = resolve;
      });
      entry = { opened, open };
      latches.set(key, entry);
    }
    return entry;
  };
  const graphs = {
    echo: new StateGraph(MessagesAnnotation)
      .addNode("reply", (state: State) => ({
        messages: [{ role: "assistant", content: `You said: ${lastText(state.messages)}` }],
      }))
      .addEdge(START, "reply")
      .compile(),
    "sim-chat": new StateGraph(MessagesAnnotation)
      .addNode("model", async (state: State, config: NodeConfig) => {
        const result = streamText({
          model: gateway.forNode(config).model("fast"),
          prompt: lastText(state.messages),
        });
        return { messages: [{ role: "assistant", content: await result.text }] };
      })
      .addEdge(START, "model")
      .compile(),
    broken: new StateGraph(MessagesAnnotation)
      .addNode("explode", () => {
        throw new Error("the flux capacitor is out of flux");
      })
      .addEdge(START, "explode")
      .compile(),
    slow: new StateGraph(MessagesAnnotation)
      .addNode("wait", async (state: State) => {
        await latch(lastText(state.messages)).opened;
        return { messages: [{ role: "assistant", content: "finally" }] };
      })
      .addEdge(START, "wait")
      .compile(),
  };
  return {
    graphs,
    /** Lets the `slow` run whose last message is `text` finish (now or when it starts). */
    releaseSlow(text: string) {
      latch(text).open();
    },
  };
}
