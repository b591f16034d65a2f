import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  invokeTool,
  shellTool,
  ToolDefinitionError,
  ToolTimeoutError,
} from "../src/tools/index.ts";

const root = mkdtempSync(join(tmpdir(), "conclave-shell-"));
mkdirSync(join(root, "sub"));
writeFileSync(join(root, "sub", "f.txt"), "hello");
afterAll(() => rmSync(root, { recursive: true, force: true }));

const shell = shellTool({
  allow: ["echo", "ls", "env", "sleep"],
  cwd: root,
  env: { GREETING: "hi" },
});
const run = (args: unknown) => invokeTool(shell, args);

describe("shellTool: allowlist bypass attempts", () => {
  it("runs an allowlisted command with literal argv", async () => {
    expect(await run({ command: "ls", args: ["sub"] })).toEqual({
      exitCode: 0,
      stdout: "f.txt\n",
      stderr: "",
    });
  });

  for (const payload of [
    "; rm -rf /",
    "$(id)",
    "`id`",
    "| cat /etc/passwd",
    "&& id",
    "$HOME",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal is the payload under test
    "${PATH}",
  ]) {
    it(`passes ${JSON.stringify(payload)} literally as an argument`, async () => {
      expect(await run({ command: "echo", args: [payload] })).toMatchObject({
        exitCode: 0,
        stdout: `${payload}\n`,
      });
    });
  }

  const refused: Array<[string, RegExp]> = [
    ["/bin/ls", /not a bare program name/],
    ["./ls", /not a bare program name/],
    ["ls/../sh", /not a bare program name/],
    ["../ls", /not a bare program name/],
    ["ls; id", /not a bare program name/],
    ["ls && id", /not a bare program name/],
    ["$(echo ls)", /not a bare program name/],
    ["`ls`", /not a bare program name/],
    ["$SHELL", /not a bare program name/],
    ["sh", /not in the allowlist; use one of: echo, ls, env, sleep/],
    ["bash", /not in the allowlist/],
    ["LS", /not in the allowlist/],
  ];
  for (const [command, message] of refused) {
    it(`refuses command ${JSON.stringify(command)}`, async () => {
      await expect(run({ command, args: [] })).rejects.toMatchObject({
        code: expect.stringMatching(/^SHELL_COMMAND_/),
        message: expect.stringMatching(message),
      });
    });
  }

  it("rejects non-bare names in the allowlist itself", () => {
    expect(() => shellTool({ allow: ["/bin/sh"], cwd: root })).toThrow(ToolDefinitionError);
  });

  it("jails the working directory to the root", async () => {
    expect(await run({ command: "ls", cwd: "sub" })).toMatchObject({ stdout: "f.txt\n" });
    await expect(run({ command: "ls", cwd: ".." })).rejects.toMatchObject({
      code: "PATH_OUTSIDE_ROOT",
    });
    await expect(run({ command: "ls", cwd: "/etc" })).rejects.toMatchObject({
      code: "PATH_OUTSIDE_ROOT",
    });
  });

  it("scrubs the environment to PATH and the allowed variables", async () => {
    const result = (await run({ command: "env" })) as { stdout: string };
    const names = result.stdout
      .trim()
      .split("\n")
      .map((l) => l.split("=")[0])
      .sort();
    expect(names).toEqual(["GREETING", "PATH"]);
  });

  it("kills the process at the deadline", async () => {
    const quick = shellTool({ allow: ["sleep"], cwd: root, timeoutMs: 50 });
    await expect(invokeTool(quick, { command: "sleep", args: ["5"] })).rejects.toBeInstanceOf(
      ToolTimeoutError,
    );
  });

  it("caps output", async () => {
    const small = shellTool({ allow: ["echo"], cwd: root, maxOutputChars: 4 });
    expect(await invokeTool(small, { command: "echo", args: ["abcdefgh"] })).toMatchObject({
      stdout: "abcd\n...[truncated 5 chars]",
    });
  });
});
