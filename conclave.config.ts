/**
 * The config `conclave dev` (and `npm start`) reads in this repository: the example graphs it
 * serves. Settings here apply to every profile unless a profile overrides them.
 */
import { defineConfig } from "@conclave/models";

export default defineConfig({
  graphs: {
    "research-team": "./examples/graphs/research-team.ts:graph",
    chat: "./examples/graphs/chat.ts:graph",
  },
  audit: { content: "digest", durability: "async" },
  profiles: {
    prod: { audit: { content: "digest", durability: "sync" } },
  },
});
