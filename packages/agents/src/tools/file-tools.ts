/**
 * `fileTools`: read, list and (opt-in) write files under a root directory, jailed by
 * `path-jail.ts`. Files are opened with O_NOFOLLOW so the final component cannot be a symlink
 * swapped in after the check; new files are created with O_EXCL unless `overwrite` is asked.
 */
import { constants } from "node:fs";
import { open, readdir } from "node:fs/promises";
import { z } from "zod";
import { ToolPolicyError } from "./errors.ts";
import { createJail, type Jail, resolveExisting, resolveForWrite } from "./path-jail.ts";
import { type AnyTool, tool } from "./tool.ts";

/** Options of {@link fileTools}. */
export interface FileToolsOptions {
  /** The directory every path is relative to; it must exist. */
  root: string;
  /** Add `write_file` (off by default). */
  write?: boolean;
  /** Largest file `read_file` returns, in bytes (default 256 KiB). */
  maxReadBytes?: number;
  maxOutputChars?: number;
  timeoutMs?: number;
}

/**
 * Creates `read_file`, `list_dir` and, with `write: true`, `write_file`, all under `root`.
 *
 * @example
 * const tools = fileTools({ root: "./workspace", write: true });
 */
export function fileTools(options: FileToolsOptions): AnyTool[] {
  const jail = createJail(options.root);
  const limits = { maxOutputChars: options.maxOutputChars, timeoutMs: options.timeoutMs };
  const tools: AnyTool[] = [
    readFileTool(jail, options.maxReadBytes ?? 256 * 1024, limits),
    listDirTool(jail, limits),
  ];
  if (options.write) tools.push(writeFileTool(jail, limits));
  return tools;
}

type Limits = { maxOutputChars?: number; timeoutMs?: number };

function readFileTool(jail: Jail, maxBytes: number, limits: Limits): AnyTool {
  return tool({
    name: "read_file",
    sideEffects: false,
    description: "Reads a UTF-8 text file under the workspace root.",
    schema: z.object({ path: z.string().describe("Path relative to the workspace root") }),
    ...limits,
    async execute({ path }) {
      const real = await resolveExisting(jail, path);
      const handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW);
      try {
        const info = await handle.stat();
        if (!info.isFile())
          throw policy(
            "PATH_NOT_A_FILE",
            `${JSON.stringify(path)} is not a regular file; use list_dir for directories.`,
          );
        if (info.size > maxBytes)
          throw policy(
            "FILE_TOO_LARGE",
            `${JSON.stringify(path)} is ${info.size} bytes, over the ${maxBytes}-byte read limit.`,
          );
        return (await handle.readFile()).toString("utf8");
      } finally {
        await handle.close();
      }
    },
  });
}

function listDirTool(jail: Jail, limits: Limits): AnyTool {
  return tool({
    name: "list_dir",
    sideEffects: false,
    description: "Lists a directory under the workspace root (name and kind of each entry).",
    schema: z.object({ path: z.string().default(".").describe("Directory relative to the root") }),
    ...limits,
    async execute({ path }) {
      const real = await resolveExisting(jail, path);
      const entries = await readdir(real, { withFileTypes: true });
      return entries
        .map((e) => ({
          name: e.name,
          kind: e.isDirectory()
            ? "dir"
            : e.isSymbolicLink()
              ? "symlink"
              : e.isFile()
                ? "file"
                : "other",
        }))
        .sort((a, b) => a.name.localeCompare(b.name));
    },
  });
}

function writeFileTool(jail: Jail, limits: Limits): AnyTool {
  return tool({
    name: "write_file",
    description:
      "Writes a UTF-8 text file under the workspace root. Fails if it exists unless overwrite is true.",
    schema: z.object({
      path: z.string().describe("Path relative to the workspace root; its directory must exist"),
      content: z.string(),
      overwrite: z.boolean().default(false),
    }),
    ...limits,
    async execute({ path, content, overwrite }) {
      const target = await resolveForWrite(jail, path);
      const flags =
        constants.O_WRONLY |
        constants.O_CREAT |
        constants.O_NOFOLLOW |
        (overwrite ? constants.O_TRUNC : constants.O_EXCL);
      const handle = await open(target, flags, 0o644).catch((error: NodeJS.ErrnoException) => {
        throw writeError(path, error);
      });
      try {
        await handle.writeFile(content, "utf8");
      } finally {
        await handle.close();
      }
      return { path, bytes: Buffer.byteLength(content) };
    },
  });
}

function writeError(path: string, error: NodeJS.ErrnoException): Error {
  if (error.code === "EEXIST")
    return policy(
      "FILE_EXISTS",
      `${JSON.stringify(path)} already exists; pass overwrite: true to replace it.`,
    );
  if (error.code === "ELOOP")
    return policy(
      "PATH_OUTSIDE_ROOT",
      `${JSON.stringify(path)} is a symlink; writing through symlinks is refused.`,
    );
  return error;
}

function policy(code: string, message: string): ToolPolicyError {
  return new ToolPolicyError("path", code, message);
}
