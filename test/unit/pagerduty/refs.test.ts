import { describe, expect, it } from "vitest";
import { incidentRow } from "../../../collectors/pagerduty/incidents.ts";
import { zonedMidnight } from "../../../collectors/pagerduty/context.ts";
import { extractRefs } from "../../../collectors/pagerduty/refs.ts";
import { PagerdutyIncident } from "../../../schemas/pagerduty.ts";

describe("extractRefs", () => {
  it.each([
    ["commit sha", "broken by 3f9a2c1d", ["3f9a2c1d"]],
    ["full sha, lowercased", "sha A1B2C3D4E5F60718293A4B5C6D7E8F9012345678", ["a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"]],
    ["digits only is not a sha", "ticket 1234567", []],
    ["letters only is not a sha", "defaced cafebabe", []],
    ["PR and MR numbers", "fixed in #12 and !45", ["#12", "!45"]],
    ["HTML entity is not a PR", "it&#39;s down", []],
    ["URL without trailing punctuation, no sha taken from inside it", "see https://ci.example.com/run/3f9a2c1d.", ["https://ci.example.com/run/3f9a2c1d"]],
    ["deployment id", "after gitlab:deployment:acme/payments:77 went out", ["gitlab:deployment:acme/payments:77"]],
    ["UUID parts are not shas", "req 123e4567-e89b-12d3-a456-426614174000", []],
    ["repeats once, in order", "#3 then 3f9a2c1d then #3", ["#3", "3f9a2c1d"]],
  ])("%s", (_name, text, expected) => {
    expect(extractRefs(text)).toEqual(expected);
  });
});

describe("incidentRow", () => {
  const base = PagerdutyIncident.parse({
    id: "PX1",
    title: "Down",
    description: "Down",
    status: "resolved",
    urgency: "high",
    priority: null,
    created_at: "2026-03-01T10:00:00Z",
    updated_at: "2026-03-05T10:00:00Z",
    resolved_at: "2026-03-01T11:00:00+00:00",
    service: { id: "PSVC" },
    acknowledgements: [],
  });

  it("takes resolved_at from the resolve log entry, never from updated_at", () => {
    const row = incidentRow(base, "api", { triggered: true, resolvedAt: "2026-03-01T10:59:00.000Z", firstAcknowledgedAt: "2026-03-01T10:05:00.000Z", notes: [] });
    expect(row).toMatchObject({ resolved_at: "2026-03-01T10:59:00.000Z", acknowledged_at: "2026-03-01T10:05:00.000Z", body: null });
  });

  it("falls back to the incident's resolved_at while the resolve entry is not stored yet", () => {
    expect(incidentRow(base, "api", undefined).resolved_at).toBe("2026-03-01T11:00:00.000Z");
  });

  it("keeps an open incident open", () => {
    const open = { ...base, status: "acknowledged" as const, resolved_at: null, acknowledgements: [{ at: "2026-03-01T10:07:00Z" }] };
    expect(incidentRow(open, "api", { triggered: true, firstAcknowledgedAt: "2026-03-01T10:05:00.000Z", notes: ["rolled back 3f9a2c1d"] })).toMatchObject({
      status: "acknowledged",
      resolved_at: null,
      acknowledged_at: "2026-03-01T10:05:00.000Z",
      body: "Note: rolled back 3f9a2c1d",
      refs: ["3f9a2c1d"],
    });
  });
});

describe("zonedMidnight", () => {
  it.each([
    ["2026-01-15", "Europe/Berlin", "2026-01-14T23:00:00.000Z"],
    ["2026-07-15", "Europe/Berlin", "2026-07-14T22:00:00.000Z"],
    ["2026-03-29", "Europe/Berlin", "2026-03-28T23:00:00.000Z"],
    ["2026-01-15", "UTC", "2026-01-15T00:00:00.000Z"],
    ["2026-01-15", "America/New_York", "2026-01-15T05:00:00.000Z"],
  ])("%s in %s", (date, tz, expected) => {
    expect(zonedMidnight(date, tz).toISOString()).toBe(expected);
  });
});
