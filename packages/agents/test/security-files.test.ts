import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type AnyTool, fileTools, invokeTool } from "../src/tools/index.ts";

const base = mkdtempSync(join(tmpdir(), "conclave-files-"));
const root = join(base, "root");
const outside = join(base, "outside");
mkdirSync(join(root, "docs"), { recursive: true });
mkdirSync(outside);
writeFileSync(join(root, "docs", "a.txt"), "inside");
writeFileSync(join(outside, "secret.txt"), "secret");
symlinkSync(join(outside, "secret.txt"), join(root, "link-file"));
symlinkSync(outside, join(root, "link-dir"));
symlinkSync(join(root, "docs", "a.txt"), join(root, "good-link"));
afterAll(() => rmSync(base, { recursive: true, force: true }));

const tools = Object.fromEntries(
  fileTools({ root, write: true }).map((t) => [t.name, t]),
) as Record<string, AnyTool>;
const read = (path: string) => invokeTool(tools.read_file!, { path });
const write = (path: string, content = "x", overwrite = false) =>
  invokeTool(tools.write_file!, { path, content, overwrite });

describe("fileTools: traversal and symlink escapes", () => {
  it("reads, lists and writes inside the root", async () => {
    expect(await read("docs/a.txt")).toBe("inside");
    expect(await read("good-link")).toBe("inside");
    expect(await invokeTool(tools.list_dir!, { path: "docs" })).toEqual([
      { name: "a.txt", kind: "file" },
    ]);
    expect(await write("docs/new.txt", "hi")).toEqual({ path: "docs/new.txt", bytes: 2 });
    expect(readFileSync(join(root, "docs", "new.txt"), "utf8")).toBe("hi");
    await expect(write("docs/new.txt")).rejects.toMatchObject({ code: "FILE_EXISTS" });
  });

  it("write is opt-in", () => {
    expect(fileTools({ root }).map((t) => t.name)).toEqual(["read_file", "list_dir"]);
  });

  for (const path of [
    "../outside/secret.txt",
    "docs/../../outside/secret.txt",
    "..",
    "docs/..",
    join(outside, "secret.txt"),
    "/etc/passwd",
    "docs\0/a.txt",
  ]) {
    it(`refuses ${JSON.stringify(path)} for read and write`, async () => {
      await expect(read(path)).rejects.toMatchObject({ code: "PATH_OUTSIDE_ROOT", guard: "path" });
      await expect(write(path)).rejects.toMatchObject({ code: "PATH_OUTSIDE_ROOT" });
    });
  }

  it("treats percent-encoded traversal as a literal name", async () => {
    await expect(read("%2e%2e/outside/secret.txt")).rejects.toMatchObject({
      code: "PATH_NOT_FOUND",
    });
    await expect(read("..%2foutside%2fsecret.txt")).rejects.toMatchObject({
      code: "PATH_NOT_FOUND",
    });
  });

  it("refuses to read through a symlink that points outside", async () => {
    await expect(read("link-file")).rejects.toThrow(
      /resolves through a symlink to .*outside the root/,
    );
    await expect(read("link-dir/secret.txt")).rejects.toMatchObject({ code: "PATH_OUTSIDE_ROOT" });
    await expect(invokeTool(tools.list_dir!, { path: "link-dir" })).rejects.toMatchObject({
      code: "PATH_OUTSIDE_ROOT",
    });
  });

  it("refuses to write through a symlink, file or directory", async () => {
    await expect(write("link-dir/new.txt")).rejects.toMatchObject({ code: "PATH_OUTSIDE_ROOT" });
    await expect(write("link-file", "pwned", true)).rejects.toMatchObject({
      code: "PATH_OUTSIDE_ROOT",
    });
    expect(existsSync(join(outside, "new.txt"))).toBe(false);
    expect(readFileSync(join(outside, "secret.txt"), "utf8")).toBe("secret");
  });
});
