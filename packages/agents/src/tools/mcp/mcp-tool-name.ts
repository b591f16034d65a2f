/**
 * Namespacing of MCP tool names. A tool `add` of server `calc` is exposed as `calc__add`: the
 * server name, {@link MCP_TOOL_SEPARATOR}, then the tool name. Model providers accept only
 * `[a-zA-Z0-9_-]{1,64}`, so other characters become `_` and a longer name is cut to 57
 * characters plus `_` and a 6-hex-digit hash of the full name.
 */

/** Separates the server name from the tool name in an exposed tool name. */
export const MCP_TOOL_SEPARATOR = "__";

/** The longest tool name providers accept. */
export const MAX_TOOL_NAME_LENGTH = 64;

const HASH_CHARS = 6;

/**
 * The provider-safe exposed name of tool `tool` of server `server`. Pure.
 * @example mcpToolName("my server", "get.weather") // "my_server__get_weather"
 */
export function mcpToolName(server: string, tool: string): string {
  const full = `${server}${MCP_TOOL_SEPARATOR}${tool}`;
  const safe = full.replace(/[^a-zA-Z0-9_-]/g, "_");
  if (safe.length <= MAX_TOOL_NAME_LENGTH) return safe;
  const keep = MAX_TOOL_NAME_LENGTH - HASH_CHARS - 1;
  return `${safe.slice(0, keep)}_${fnv1a(full).slice(0, HASH_CHARS)}`;
}

/** 32-bit FNV-1a of a string's UTF-16 code units, as 8 hex digits. Pure. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, "0");
}
