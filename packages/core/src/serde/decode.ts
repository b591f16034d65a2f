/**
 * Decoding never executes code and never revives arbitrary classes: `JSON.parse` builds plain
 * data, then a walker replaces the fixed set of tags in `tags.ts` in place. Text with no tag at
 * all (most state) skips the walk: a JSON string value cannot contain the bytes `"$t":` because
 * its quotes are escaped, so the substring test has no false negatives.
 */
import { CheckpointFormatError } from "../errors.ts";
import { TAG_KEY, Tag } from "./tags.ts";

const TAG_MARKER = `"${TAG_KEY}":`;

/**
 * Decodes text written by `encode`. Pure; the result shares nothing with other calls.
 * @throws CheckpointFormatError when the text is not valid JSON, or has an unknown or malformed
 *   tag (written by a newer runtime, or corrupted).
 */
export function decode(text: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CheckpointFormatError(
      `Stored value is not valid JSON (${(error as Error).message}); it starts with ` +
        `${JSON.stringify(text.slice(0, 80))}. The row is corrupt: restore it from a backup or ` +
        `delete the thread.`,
      { cause: error },
    );
  }
  return text.includes(TAG_MARKER) ? revive(parsed) : parsed;
}

function revive(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (typeof item === "object" && item !== null) value[i] = revive(item);
    }
    return value;
  }
  const record = value as Record<string, unknown>;
  if (Object.hasOwn(record, TAG_KEY)) return reviveTagged(record);
  return reviveEntries(record);
}

function reviveEntries(record: Record<string, unknown>): Record<string, unknown> {
  for (const key in record) {
    const item = record[key];
    // Own data properties from JSON.parse: assigning `__proto__` here sets the own property.
    if (typeof item === "object" && item !== null) record[key] = revive(item);
  }
  return record;
}

function reviveTagged(record: Record<string, unknown>): unknown {
  const tag = record[TAG_KEY];
  const v = record.v;
  switch (tag) {
    case Tag.undefined:
      return undefined;
    case Tag.number:
      return reviveNumber(v);
    case Tag.bigint:
      if (typeof v === "string" && /^-?\d+$/.test(v)) return BigInt(v);
      break;
    case Tag.date:
      if (v === null) return new Date(Number.NaN);
      if (typeof v === "string") return new Date(v);
      break;
    case Tag.map:
      if (Array.isArray(v)) return reviveMap(v);
      break;
    case Tag.set:
      if (Array.isArray(v)) return new Set(v.map(revive));
      break;
    case Tag.bytes:
      if (typeof v === "string") return new Uint8Array(Buffer.from(v, "base64"));
      break;
    case Tag.escapedObject:
      if (typeof v === "object" && v !== null && !Array.isArray(v)) {
        return reviveEntries(v as Record<string, unknown>);
      }
      break;
    default:
      throw new CheckpointFormatError(
        `Unknown type tag ${JSON.stringify(tag)} in stored value ${preview(record)}. It was ` +
          `written by a newer Conclave or is corrupt; upgrade @conclave/core to read it.`,
      );
  }
  throw new CheckpointFormatError(
    `Malformed ${JSON.stringify(tag)} tag in stored value ${preview(record)}; the row is corrupt.`,
  );
}

function reviveNumber(v: unknown): number {
  switch (v) {
    case "NaN":
      return Number.NaN;
    case "Infinity":
      return Number.POSITIVE_INFINITY;
    case "-Infinity":
      return Number.NEGATIVE_INFINITY;
    case "-0":
      return -0;
    default:
      throw new CheckpointFormatError(
        `Malformed number tag with value ${JSON.stringify(v)}; expected "NaN", "Infinity", ` +
          `"-Infinity" or "-0". The row is corrupt.`,
      );
  }
}

function reviveMap(pairs: unknown[]): Map<unknown, unknown> {
  const map = new Map<unknown, unknown>();
  for (const pair of pairs) {
    if (!Array.isArray(pair) || pair.length !== 2) {
      throw new CheckpointFormatError(
        `Malformed map entry ${preview(pair)}; expected [key, value]. The row is corrupt.`,
      );
    }
    map.set(revive(pair[0]), revive(pair[1]));
  }
  return map;
}

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 120 ? `${text.slice(0, 120)}...` : text;
}
