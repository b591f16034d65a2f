/**
 * Identifiers. Checkpoint ids are time-ordered (UUID v7 layout, monotonic within a process) so
 * sorting ids sorts checkpoints. Task and interrupt ids are deterministic hashes of their position,
 * so a resumed run re-derives the same ids and finds its saved pending writes. They use FNV-1a
 * rather than node:crypto so the engine also loads in browsers.
 */

let lastMs = 0;
let seq = 0;
let msPrefix = "";
// Random bytes are drawn in blocks: one getRandomValues call per id costs more than the whole id.
const pool = new Uint8Array(4096);
let poolOffset = pool.length;
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

function randomByte(): number {
  if (poolOffset >= pool.length) {
    globalThis.crypto.getRandomValues(pool);
    poolOffset = 0;
  }
  return pool[poolOffset++]!;
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, "0");
}

/** A new time-ordered UUID (v7 layout with a 12-bit monotonic counter). Not pure: reads the clock. */
export function createCheckpointId(now: number = Date.now()): string {
  if (now <= lastMs) {
    seq += 1;
    if (seq > 0xfff) {
      lastMs += 1;
      seq = 0;
    }
  } else {
    lastMs = now;
    seq = 0;
  }
  if (seq === 0 || msPrefix === "") {
    const ms = hex(lastMs, 12);
    msPrefix = `${ms.slice(0, 8)}-${ms.slice(8)}-7`;
  }
  let tail = "";
  for (let i = 0; i < 6; i++) tail += HEX[randomByte()];
  const variant = HEX[(randomByte() & 0x3f) | 0x80]! + HEX[randomByte()]!;
  return `${msPrefix}${hex(seq, 3)}-${variant}-${tail}`;
}

function hex32(n: number): string {
  return HEX[n >>> 24]! + HEX[(n >>> 16) & 0xff]! + HEX[(n >>> 8) & 0xff]! + HEX[n & 0xff]!;
}

/** A 128-bit deterministic hash of `text` as 32 hex digits: four seeded FNV-1a lanes, one pass. Pure. */
export function hash128(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x9e3779b9;
  let c = 0x85ebca6b;
  let d = 0xc2b2ae35;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    a = Math.imul(a ^ code, 0x01000193);
    b = Math.imul(b ^ code, 0x01000193);
    c = Math.imul(c ^ code, 0x01000193);
    d = Math.imul(d ^ code, 0x01000193);
  }
  return hex32(a >>> 0) + hex32(b >>> 0) + hex32(c >>> 0) + hex32(d >>> 0);
}

/** A deterministic UUID-shaped id for a task at `parts` (checkpoint id, ns, step, path). Pure. */
export function createTaskId(parts: readonly (string | number)[]): string {
  const h = hash128(parts.join("\u0000"));
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
