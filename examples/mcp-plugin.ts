/**
 * `npm run example -- mcp-plugin`: an agent whose tools come from an MCP server written in Python
 * with only the standard library (packages/agents/test/fixtures/mcp/py_server.py), over stdio.
 * Any language that speaks MCP plugs in the same way; tool names are namespaced per server.
 */
import { contentText, createAgent, mcpTools } from "@conclave/agents";
import { banner, printCostByAgent, printVerified, setup } from "./lib/setup.ts";

const env = setup();
const threadId = `mcp-plugin-${new Date().toISOString()}`;
banner("mcp-plugin", env, threadId);

const plugins = mcpTools({
  servers: {
    calc: {
      transport: "stdio",
      command: "python3",
      args: ["packages/agents/test/fixtures/mcp/py_server.py", "--stdio"],
    },
  },
});
try {
  const tools = await plugins.tools();
  console.log(`Tools from the Python MCP server: ${tools.map((t) => t.name).join(", ")}\n`);
  const agent = createAgent({
    model: { gateway: env.gateway, alias: "fast" },
    name: "calculator",
    tools: tools.map((t) => ({
      ...t,
      execute: async (args: Record<string, unknown>, ctx: { signal: AbortSignal }) =>
        contentText(await t.execute(args, ctx)),
    })),
    checkpointer: env.saver,
  });
  const out = await agent.invoke(
    { messages: [["user", "Add the numbers 2 and 3"]] },
    { configurable: { thread_id: threadId } },
  );
  for (const message of out.messages) {
    const calls = message.tool_calls?.map((c) => `${c.name}(${JSON.stringify(c.args)})`).join(", ");
    console.log(
      `  ${message.type.padEnd(5)} ${calls ? `calls ${calls}` : String(message.content).slice(0, 110)}`,
    );
  }
  await printCostByAgent(env, threadId);
  await printVerified(env, threadId);
} finally {
  await plugins.close();
  env.close();
}
