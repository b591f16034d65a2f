/** Secret redaction and the audit content modes. */
import { createHash } from "node:crypto";
import { auditContent, encode, isSecretKey, REDACTED, redactSecrets } from "@conclave/core";
import { describe, expect, it } from "vitest";

describe("redactSecrets", () => {
  it("replaces whole values under secret-looking keys, whatever their case or separators", () => {
    const input = {
      api_key: "a",
      apiKey: "b",
      "X-API-KEY": "c",
      headers: { authorization: "Basic Zm9vOmJhcg==", Cookie: "sid=1", "Set-Cookie": ["x"] },
      password: 1234,
      client_secret: { nested: "d" },
      access_token: "e",
      refreshToken: "f",
      token: "g",
      session_id: "h",
      private_key: "i",
      auth: "j",
      missing: { token: null, password: undefined },
    };
    expect(redactSecrets(input)).toEqual({
      api_key: REDACTED,
      apiKey: REDACTED,
      "X-API-KEY": REDACTED,
      headers: { authorization: REDACTED, Cookie: REDACTED, "Set-Cookie": REDACTED },
      password: REDACTED,
      client_secret: REDACTED,
      access_token: REDACTED,
      refreshToken: REDACTED,
      token: REDACTED,
      session_id: REDACTED,
      private_key: REDACTED,
      auth: REDACTED,
      missing: { token: null, password: undefined },
    });
  });

  it("keeps ordinary keys that merely resemble secret ones", () => {
    const input = { tokens: 12, maxTokens: 100, inputTokens: 3, author: "ada", keyId: "k1" };
    expect(redactSecrets(input)).toEqual(input);
    for (const key of ["tokens", "max_tokens", "author", "key", "monkey"]) {
      expect(isSecretKey(key)).toBe(false);
    }
  });

  it("replaces secret-looking substrings inside any string, in arrays too", () => {
    const openai = "sk-proj-AbCdEfGhIjKlMnOpQrStUvWx0123456789";
    const anthropic = "sk-ant-api03-AbCdEf_gh-IJ";
    const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N";
    const input = [
      `use ${openai} please`,
      `"${anthropic}"`,
      "Authorization: Bearer abc.def-123",
      `ghp_${"a".repeat(36)} and AKIAABCDEFGHIJKLMNOP`,
      `jwt=${jwt}`,
    ];
    expect(redactSecrets(input)).toEqual([
      `use ${REDACTED} please`,
      `"${REDACTED}"`,
      `Authorization: ${REDACTED}`,
      `${REDACTED} and ${REDACTED}`,
      `jwt=${REDACTED}`,
    ]);
    expect(redactSecrets("a task-runner and risk-free sk-SK text")).toBe(
      "a task-runner and risk-free sk-SK text",
    );
  });

  it("redacts registered secret values anywhere, the longest first", () => {
    const out = redactSecrets(
      { note: "p=hunter2-long, q=hunter2", list: ["xhunter2x"] },
      { extraSecrets: ["hunter2", "hunter2-long", ""] },
    );
    expect(out).toEqual({
      note: `p=${REDACTED}, q=${REDACTED}`,
      list: [`x${REDACTED}x`],
    });
  });

  it("returns a copy and leaves the input untouched", () => {
    const input = { a: { password: "p" }, when: new Date(0) };
    const out = redactSecrets(input);
    expect(input.a.password).toBe("p");
    expect(out.when).toBe(input.when);
    expect(out.a).not.toBe(input.a);
  });

  it("rejects a secret list that is not strings, saying what to pass", () => {
    expect(() => redactSecrets({}, { extraSecrets: [1] as unknown as string[] })).toThrow(
      expect.objectContaining({
        code: "AUDIT_INVALID_OPTION",
        message: expect.stringMatching(/got \[1\].*secret values themselves/),
      }),
    );
  });
});

describe("auditContent", () => {
  const messages = [{ role: "user", content: "my key is sk-ant-api03-secretvalue" }];

  it("off keeps nothing", () => {
    expect(auditContent("off", messages)).toBeUndefined();
  });

  it("digest keeps the sha256 of the text (or its canonical encoding) and its length", () => {
    const text = "hello, world";
    expect(auditContent("digest", text)).toEqual({
      sha256: createHash("sha256").update(text).digest("hex"),
      chars: text.length,
    });
    const encoded = encode(messages);
    expect(auditContent("digest", messages)).toEqual({
      sha256: createHash("sha256").update(encoded).digest("hex"),
      chars: encoded.length,
    });
    const reordered = [{ content: messages[0]!.content, role: "user" }];
    expect(auditContent("digest", reordered)).toEqual(auditContent("digest", messages));
  });

  it("full keeps the content with secrets redacted", () => {
    expect(auditContent("full", messages, { extraSecrets: ["user"] })).toEqual([
      { role: REDACTED, content: `my key is ${REDACTED}` },
    ]);
  });

  it("rejects an unknown mode, naming the accepted ones", () => {
    expect(() => auditContent("hash" as "off", "x")).toThrow(
      expect.objectContaining({
        code: "AUDIT_INVALID_OPTION",
        message: expect.stringMatching(/"off", "digest" or "full", got "hash"/),
      }),
    );
  });
});
