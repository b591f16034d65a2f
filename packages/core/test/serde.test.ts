/** Safe serialization: canonical output, exact round trips, rejected values and tags. */
import { CheckpointFormatError, decode, encode, NotSerializableError } from "@conclave/core";
import { describe, expect, it } from "vitest";

const roundTrip = (value: unknown) => decode(encode(value));

describe("encode", () => {
  it("is canonical: key order does not change the bytes", () => {
    const a = encode({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } });
    const b = encode({ a: { c: null, d: [1, { x: 1, y: 2 }] }, b: 1 });
    expect(a).toBe(b);
    expect(a).toBe('{"a":{"c":null,"d":[1,{"x":1,"y":2}]},"b":1}');
  });

  it("keeps false, 0 and empty string intact and matches JSON for plain data", () => {
    const plain = { f: false, z: 0, s: "", n: null, list: [1.5, -2, 'é\n"q"', true], big: 1e21 };
    expect(JSON.parse(encode(plain))).toEqual(plain);
    expect(roundTrip(plain)).toEqual(plain);
  });

  it("round-trips undefined in objects, arrays and sparse holes", () => {
    const value = { u: undefined, list: [undefined, 1], deep: { u: undefined } };
    const back = roundTrip(value) as typeof value;
    expect(back).toEqual(value);
    expect(Object.hasOwn(back, "u")).toBe(true);
    expect(back.list).toHaveLength(2);
    expect(roundTrip(undefined)).toBeUndefined();
    // biome-ignore lint/suspicious/noSparseArray: a hole is what is under test
    expect(roundTrip([1, , 3])).toEqual([1, undefined, 3]);
  });

  it("round-trips special numbers, bigint, Date, Map, Set and bytes", () => {
    const back = roundTrip([Number.NaN, Infinity, -Infinity, -0, 0]) as number[];
    expect(back.map((n) => Object.is(n, -0))).toEqual([false, false, false, true, false]);
    expect(back.slice(0, 3)).toEqual([Number.NaN, Infinity, -Infinity]);
    expect(roundTrip(-(2n ** 70n))).toBe(-(2n ** 70n));
    const date = new Date("1999-12-31T23:59:59.999Z");
    expect(roundTrip(date)).toEqual(date);
    expect((roundTrip(new Date(Number.NaN)) as Date).getTime()).toBeNaN();
    const map = new Map<unknown, unknown>([
      [{ k: 1 }, new Set([1n])],
      ["b", new Map([[1, 2]])],
    ]);
    expect(roundTrip(map)).toEqual(map);
    expect([...(roundTrip(new Set(["b", "a"])) as Set<string>)]).toEqual(["b", "a"]);
    const bytes = roundTrip(Buffer.from([1, 2, 250])) as Uint8Array;
    expect(Object.getPrototypeOf(bytes)).toBe(Uint8Array.prototype);
    expect([...bytes]).toEqual([1, 2, 250]);
    const view = new Uint8Array([9, 8, 7, 6]).subarray(1, 3);
    expect([...(roundTrip(view) as Uint8Array)]).toEqual([8, 7]);
  });

  it("escapes plain objects that own the tag key, so decoding is unambiguous", () => {
    const tricky = { $t: "d", v: "2024-01-01T00:00:00.000Z", inner: { $t: "u" } };
    expect(roundTrip(tricky)).toEqual(tricky);
    expect(roundTrip([{ $t: "o", v: {} }])).toEqual([{ $t: "o", v: {} }]);
    expect(roundTrip({ __proto__: null, x: 1 })).toEqual({ x: 1 });
    const proto = JSON.parse('{"__proto__": {"polluted": true}}') as object;
    const back = roundTrip(proto) as Record<string, unknown>;
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.hasOwn(back, "__proto__")).toBe(true);
  });

  it("accepts deep acyclic nesting and shared (non-cyclic) references", () => {
    let deep: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 1500; i++) deep = { d: deep };
    expect(decode(encode(deep))).toEqual(deep);
    const shared = { s: 1 };
    expect(roundTrip({ a: shared, b: [shared] })).toEqual({ a: { s: 1 }, b: [{ s: 1 }] });
  });
});

describe("encode rejects what it cannot restore", () => {
  const cases: Array<[string, unknown, string, RegExp]> = [
    [
      "function",
      { items: [0, 1, 2, { handle: () => 1 }] },
      "state.items[3].handle",
      /a function \(named "handle"\)/,
    ],
    ["symbol", { s: Symbol("x") }, "state.s", /a symbol \(Symbol\(x\)\)/],
    [
      "class instance",
      { when: new (class Socket {})() },
      "state.when",
      /an instance of class Socket/,
    ],
    ["RegExp", { "odd key": /x/ }, 'state["odd key"]', /an instance of class RegExp/],
    ["Date subclass", { d: new (class MyDate extends Date {})() }, "state.d", /class MyDate/],
    ["map value", { m: new Map([["k", () => 1]]) }, 'state.m.get("k")', /function/],
    [
      "custom prototype",
      { o: Object.create({ inherited: 1 }) },
      "state.o",
      /class Object|custom prototype/,
    ],
  ];
  for (const [name, value, path, kind] of cases) {
    it(`names the path and kind of a ${name}`, () => {
      let error: unknown;
      try {
        encode(value, "state");
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(NotSerializableError);
      const e = error as NotSerializableError;
      expect(e.path).toBe(path);
      expect(e.message).toMatch(kind);
      expect(e.message).toContain("Convert it to a plain object or a supported type");
      expect(e.code).toBe("NOT_SERIALIZABLE");
    });
  }

  it("names a cycle", () => {
    const a: Record<string, unknown> = { list: [] };
    (a.list as unknown[]).push({ back: a });
    expect(() => encode(a, "state")).toThrow(/state\.list\[0\]\.back: it is a circular reference/);
  });
});

describe("decode", () => {
  it("rejects unknown tags, malformed tags and invalid JSON with CheckpointFormatError", () => {
    expect(() => decode('{"$t":"fn","v":"alert(1)"}')).toThrow(CheckpointFormatError);
    expect(() => decode('{"$t":"fn","v":"x"}')).toThrow(/Unknown type tag "fn".*upgrade/);
    expect(() => decode('{"$t":"b","v":"1.5"}')).toThrow(/Malformed "b" tag/);
    expect(() => decode('{"$t":"n","v":"7"}')).toThrow(/Malformed number tag/);
    expect(() => decode('{"$t":"m","v":[[1]]}')).toThrow(/Malformed map entry/);
    expect(() => decode("{nope")).toThrow(/not valid JSON/);
  });

  it("does not treat tag-like text inside strings as tags", () => {
    const text = encode({ s: '{"$t":"u"}', t: '"$t":' });
    expect(decode(text)).toEqual({ s: '{"$t":"u"}', t: '"$t":' });
  });
});
