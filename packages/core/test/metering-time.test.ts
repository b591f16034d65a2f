/** Period keys and local-day ranges: DST changes, zones that skip midnight, half-hour offsets. */
import { dayKey, dayRanges, periodKey } from "@conclave/core";
import { describe, expect, it } from "vitest";

const at = (iso: string) => new Date(iso);
const HOUR = 3_600_000;

describe("periodKey", () => {
  it("keys each period in the budget's zone", () => {
    const now = at("2026-11-22T20:00:00Z");
    expect(periodKey("none", "UTC", now)).toBe("all");
    expect(periodKey("day", "UTC", now)).toBe("2026-11-22");
    expect(periodKey("day", "Asia/Tokyo", now)).toBe("2026-11-23");
    expect(periodKey("month", "Pacific/Kiritimati", at("2026-11-30T10:00:00Z"))).toBe("2026-12");
    expect(periodKey("hour", "Asia/Kolkata", now)).toBe("2026-11-23T01+05:30");
    expect(periodKey("hour", "UTC", now)).toBe("2026-11-22T20+00:00");
  });

  it("gives the repeated autumn hour two keys and skips the missing spring hour", () => {
    const zone = "America/New_York";
    expect(periodKey("hour", zone, at("2026-11-01T05:59:59Z"))).toBe("2026-11-01T01-04:00");
    expect(periodKey("hour", zone, at("2026-11-01T06:00:00Z"))).toBe("2026-11-01T01-05:00");
    expect(periodKey("hour", zone, at("2026-03-08T06:59:59Z"))).toBe("2026-03-08T01-05:00");
    expect(periodKey("hour", zone, at("2026-03-08T07:00:00Z"))).toBe("2026-03-08T03-04:00");
  });
});

describe("dayRanges", () => {
  it("makes 25- and 23-hour days at DST changes", () => {
    const autumn = dayRanges(
      at("2026-11-01T12:00:00Z").getTime(),
      at("2026-11-01T12:00:01Z").getTime(),
      "America/New_York",
    );
    expect(autumn).toEqual([
      {
        day: "2026-11-01",
        startMs: at("2026-11-01T04:00:00Z").getTime(),
        endMs: at("2026-11-02T05:00:00Z").getTime(),
      },
    ]);
    expect(autumn[0]!.endMs - autumn[0]!.startMs).toBe(25 * HOUR);
    const [spring] = dayRanges(
      at("2026-03-29T12:00:00Z").getTime(),
      at("2026-03-29T12:00:01Z").getTime(),
      "Europe/Paris",
    );
    expect(spring!.endMs - spring!.startMs).toBe(23 * HOUR);
  });

  it("starts a day at 01:00 where DST skips midnight (Santiago, September 2026)", () => {
    // Chile springs forward at 24:00 on Saturday Sept 5, 2026: Sept 6 begins at 01:00 -03.
    const [day] = dayRanges(
      at("2026-09-06T12:00:00Z").getTime(),
      at("2026-09-06T12:00:01Z").getTime(),
      "America/Santiago",
    );
    expect(day!.day).toBe("2026-09-06");
    expect(new Date(day!.startMs).toISOString()).toBe("2026-09-06T04:00:00.000Z");
    expect(dayKey(day!.startMs - 1, "America/Santiago")).toBe("2026-09-05");
  });

  it("covers a span with contiguous days, the first starting before it", () => {
    const ranges = dayRanges(
      at("2026-11-20T10:00:00Z").getTime(),
      at("2026-11-23T00:00:00Z").getTime(),
      "Asia/Kolkata",
    );
    expect(ranges.map((r) => r.day)).toEqual([
      "2026-11-20",
      "2026-11-21",
      "2026-11-22",
      "2026-11-23",
    ]);
    for (let i = 1; i < ranges.length; i++) expect(ranges[i]!.startMs).toBe(ranges[i - 1]!.endMs);
    expect(new Date(ranges[0]!.startMs).toISOString()).toBe("2026-11-19T18:30:00.000Z");
  });
});
