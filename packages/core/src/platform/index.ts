export * from "./codec.ts";
export * from "./errors.ts";
export * from "./fresh-threads.ts";
export * from "./keys.ts";
export * from "./memory-platform-store.ts";
export * from "./rules.ts";
export * from "./settings.ts";
export type * from "./store.ts";
export * from "./types.ts";
