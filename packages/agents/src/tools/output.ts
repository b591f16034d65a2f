/**
 * Output capping: a tool result is bounded before it reaches the model or the checkpoint, so a
 * chatty command or a huge file cannot blow the context window or the state size.
 */

/** Default cap on a tool's output, in characters (about 5k tokens). */
export const DEFAULT_MAX_OUTPUT_CHARS = 20_000;

/**
 * Truncates `text` to `max` characters, ending with a marker that says how many were cut.
 * Pure. The marker is not counted in `max`, so `max` bounds the kept content exactly.
 *
 * @example
 * capText("abcdef", 3) // "abc\n...[truncated 3 chars]"
 */
export function capText(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.length - max;
  return `${text.slice(0, max)}\n...[truncated ${cut} chars]`;
}

/**
 * Caps a tool's output: strings are truncated; other values are kept as they are when their
 * JSON is within `max`, and otherwise replaced by their truncated JSON text (a string), since
 * half an object is not an object. Pure.
 */
export function capOutput(value: unknown, max: number): unknown {
  if (typeof value === "string") return capText(value, max);
  if (value === undefined || value === null) return value ?? null;
  const json = JSON.stringify(value);
  if (json === undefined || json.length <= max) return value;
  return capText(json, max);
}
