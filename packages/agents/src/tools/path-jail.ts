/**
 * Keeping file access under a root directory. A path is refused when it is absolute outside the
 * root, contains a `..` segment or a NUL byte, or when its real path (symlinks resolved) leaves
 * the root's real path. Percent-encoding is not decoded: `%2e%2e` is a literal file name.
 */
import { realpathSync } from "node:fs";
import { realpath } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { ToolDefinitionError, ToolPolicyError } from "./errors.ts";

/** A root directory, resolved to its real path once. */
export interface Jail {
  /** The root's real path. */
  readonly root: string;
}

/** Resolves `root` (which must exist) to a jail. Throws {@link ToolDefinitionError} if it does not. */
export function createJail(root: string): Jail {
  try {
    return { root: realpathSync(resolve(root)) };
  } catch (error) {
    throw new ToolDefinitionError(
      `Tool root ${JSON.stringify(root)} does not exist or cannot be read (${(error as Error).message}); create it first.`,
    );
  }
}

/** Whether `path` (a real path) is the root or inside it. Pure. */
export function isInside(jail: Jail, path: string): boolean {
  return (
    path === jail.root || path.startsWith(jail.root.endsWith(sep) ? jail.root : jail.root + sep)
  );
}

/** Lexical checks, then the joined (not yet real) path. Throws {@link ToolPolicyError}. */
export function lexical(jail: Jail, input: string): string {
  if (input.includes("\0")) throw outside(input, "contains a NUL byte");
  if (input.split(/[\\/]/).includes("..")) throw outside(input, 'contains a ".." segment');
  const full = isAbsolute(input) ? resolve(input) : resolve(jail.root, input);
  if (!isInside(jail, full)) throw outside(input, "is outside the root");
  return full;
}

/**
 * The real path of an existing `input` under the jail. Throws when it escapes (symlinks
 * included) or does not exist.
 */
export async function resolveExisting(jail: Jail, input: string): Promise<string> {
  const full = lexical(jail, input);
  const real = await realpath(full).catch((error: NodeJS.ErrnoException) => {
    throw notFound(input, error);
  });
  if (!isInside(jail, real))
    throw outside(input, `resolves through a symlink to ${real}, outside the root`);
  return real;
}

/**
 * Where to create or write `input`: the real path of its (existing) parent joined with its
 * base name. The final component is opened with O_NOFOLLOW by the caller, so a symlink there
 * is refused too.
 */
export async function resolveForWrite(jail: Jail, input: string): Promise<string> {
  const full = lexical(jail, input);
  if (full === jail.root) throw outside(input, "is the root directory itself, not a file");
  const parent = await resolveExisting(jail, relative(jail.root, dirname(full)) || ".");
  return join(parent, basename(full));
}

function outside(input: string, why: string): ToolPolicyError {
  return new ToolPolicyError(
    "path",
    "PATH_OUTSIDE_ROOT",
    `Path ${JSON.stringify(input)} ${why}; use a path relative to the tool's root, without "..".`,
  );
}

function notFound(input: string, error: NodeJS.ErrnoException): ToolPolicyError {
  return new ToolPolicyError(
    "path",
    "PATH_NOT_FOUND",
    `Path ${JSON.stringify(input)} does not exist under the root (${error.code ?? error.message}); list the directory to see what exists.`,
  );
}
