/**
 * Safe serialization: canonical, tagged JSON for checkpoint state. `encode` rejects anything it
 * cannot restore exactly; `decode` never executes code or revives classes outside a fixed set.
 */
export { decode } from "./decode.ts";
export { encode } from "./encode.ts";
export { describeUnsupported, findUnserializable, type UnsupportedValue } from "./inspect.ts";
export { SERDE_FORMAT_VERSION, SUPPORTED_KINDS, TAG_KEY } from "./tags.ts";
