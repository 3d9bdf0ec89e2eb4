/** Secrets as operators set them: a trailing newline is dropped, whitespace inside refused in one line. */
import { describe, expect, it } from "vitest";
import { InvalidSecretError, readSecret, redact } from "../../collectors/core/secrets.ts";

describe("readSecret", () => {
  it("drops a trailing newline (export X=$(cat file), a Kubernetes env value)", () => {
    expect(readSecret("DORA_TEST_TOKEN", { DORA_TEST_TOKEN: "tok-abc-123\n" })).toBe("tok-abc-123");
    expect(readSecret("DORA_TEST_TOKEN", { DORA_TEST_TOKEN: "  tok-abc-123\r\n" })).toBe("tok-abc-123");
  });

  it("refuses a space or line break inside the value with one line naming the variable, not the value", () => {
    let error: unknown;
    try {
      readSecret("DORA_TEST_TOKEN", { DORA_TEST_TOKEN: "tok-first-half\ntok-second-half" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidSecretError);
    const message = (error as Error).message;
    expect(message).toBe("DORA_TEST_TOKEN holds a space, line break or control character inside the value: set it to the token alone");
    expect(message.split("\n")).toHaveLength(1);
    // Still redacted wherever it might appear.
    expect(redact("x tok-first-half\ntok-second-half y")).toBe("x [redacted] y");
  });
});
