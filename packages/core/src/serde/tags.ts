/**
 * The wire vocabulary shared by `encode` and `decode`. A tagged value is a JSON object whose
 * first (and, after sorting, only leading) key is {@link TAG_KEY}; everything else is plain JSON.
 *
 * Format v1 (frozen; fixtures in packages/core/test/fixtures/serde-v1 prove it still loads):
 *
 * | value                     | encoding                                  |
 * | ------------------------- | ----------------------------------------- |
 * | `undefined`               | `{"$t":"u"}`                              |
 * | `NaN`, `±Infinity`, `-0`  | `{"$t":"n","v":"NaN"}` (`"Infinity"`, `"-Infinity"`, `"-0"`) |
 * | `BigInt`                  | `{"$t":"b","v":"123"}`                    |
 * | `Date`                    | `{"$t":"d","v":"2024-01-01T00:00:00.000Z"}` (`null` if invalid) |
 * | `Map`                     | `{"$t":"m","v":[[key,value],...]}` (insertion order) |
 * | `Set`                     | `{"$t":"s","v":[item,...]}` (insertion order) |
 * | `Uint8Array` / `Buffer`   | `{"$t":"y","v":"<base64>"}` (decodes to `Uint8Array`) |
 * | object owning key `"$t"`  | `{"$t":"o","v":{...the object, keys taken literally...}}` |
 */

/** The key that marks a tagged value. Short because it appears in every special value. */
export const TAG_KEY = "$t";

/** The serde format version written by this runtime. */
export const SERDE_FORMAT_VERSION = 1;

/** Tag names of format v1. Appending a tag is compatible; changing one never is. */
export const Tag = {
  undefined: "u",
  number: "n",
  bigint: "b",
  date: "d",
  map: "m",
  set: "s",
  bytes: "y",
  escapedObject: "o",
} as const;

/** The kinds of values `encode` accepts, as listed in error messages. */
export const SUPPORTED_KINDS =
  "null, boolean, number, string, undefined, bigint, array, plain object, Date, Map, Set, " +
  "Uint8Array";
