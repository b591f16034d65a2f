/**
 * `conclave-verify <sqlite-file | postgres://url> [threadId ...]`: verifies the hash chains of
 * the given threads (all threads when none are given), prints one line per thread and a
 * summary. Exit codes: 0 all ok, 1 any thread broken, 2 usage or connection error.
 */
import { existsSync } from "node:fs";
import type { VerifyResult } from "@conclave/core";
import { PostgresSaver } from "@conclave/postgres";
import { SqliteSaver } from "@conclave/sqlite";

/** Where the command writes. */
export interface Output {
  out: (line: string) => void;
  err: (line: string) => void;
}

/** What `conclave-verify` needs from a saver. */
interface VerifiableStore {
  isSetUp(): Promise<boolean>;
  listThreads(): Promise<string[]>;
  verify(threadId: string): Promise<VerifyResult>;
  close(): Promise<void>;
}

/** The help text, printed by --help. */
export const USAGE = `Usage: conclave-verify <sqlite-file | postgres://url> [threadId ...] [--schema <name>]

Verifies the hash chain of each thread (all threads when none are given).
Exit code: 0 all threads ok, 1 a thread is broken, 2 usage or connection error.`;

/** Exit codes of `conclave-verify`. */
export const ExitCode = { ok: 0, broken: 1, usage: 2 } as const;

class UsageError extends Error {}

/** Thrown by the argument parser for --help: not an error, but it ends the run the same way. */
class HelpRequested extends Error {}

/** Runs the command with `args` (without node and the script). Returns the exit code. */
export async function runVerify(args: string[], output: Output): Promise<number> {
  let store: VerifiableStore | undefined;
  try {
    const { target, threads, schema } = parseArgs(args);
    store = openStore(target, schema);
    if (!(await store.isSetUp())) {
      throw new UsageError(
        `${redact(target)} holds no Conclave checkpoints (its tables do not exist); check the ` +
          "path or URL (and --schema for PostgreSQL).",
      );
    }
    return await verifyAll(store, threads.length > 0 ? threads : await store.listThreads(), output);
  } catch (error) {
    if (error instanceof HelpRequested) {
      output.out(USAGE);
      return ExitCode.ok;
    }
    if (error instanceof UsageError) {
      output.err(`conclave-verify: ${error.message}`);
      output.err("Run conclave-verify --help for usage.");
      return ExitCode.usage;
    }
    output.err(
      `conclave-verify: cannot read the store: ${(error as Error).message ?? String(error)}`,
    );
    return ExitCode.usage;
  } finally {
    await store?.close();
  }
}

async function verifyAll(store: VerifiableStore, threads: string[], output: Output) {
  let broken = 0;
  let checked = 0;
  for (const thread of threads) {
    const result = await store.verify(thread);
    checked += result.checked;
    if (result.ok) {
      output.out(`ok      ${thread}  (${result.checked} checkpoints)`);
    } else {
      broken++;
      output.out(`BROKEN  ${thread}  at checkpoint ${result.checkpointId}: ${result.reason}`);
    }
  }
  const summary = `${threads.length} threads, ${checked} checkpoints checked: ${threads.length - broken} ok, ${broken} broken`;
  output.out(summary);
  return broken === 0 ? ExitCode.ok : ExitCode.broken;
}

function parseArgs(args: string[]): { target: string; threads: string[]; schema?: string } {
  const positional: string[] = [];
  let schema: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--help" || arg === "-h") throw new HelpRequested();
    if (arg === "--schema") {
      schema = args[++i];
      if (schema === undefined) throw new UsageError("--schema needs a schema name.");
    } else if (arg.startsWith("--")) {
      throw new UsageError(`unknown option ${JSON.stringify(arg)}.`);
    } else positional.push(arg);
  }
  const [target, ...threads] = positional;
  if (target === undefined) {
    throw new UsageError("missing the store to verify: a SQLite file or a postgres:// URL.");
  }
  return schema === undefined ? { target, threads } : { target, threads, schema };
}

function openStore(target: string, schema: string | undefined): VerifiableStore {
  if (/^postgres(ql)?:\/\//.test(target)) {
    const saver = PostgresSaver.fromConnString(target, schema === undefined ? {} : { schema });
    return storeOf(saver, () => saver.end());
  }
  if (schema !== undefined) throw new UsageError("--schema applies to PostgreSQL URLs only.");
  if (!existsSync(target)) throw new UsageError(`no such SQLite file: ${JSON.stringify(target)}.`);
  const saver = SqliteSaver.fromConnString(target, { mustExist: true });
  return storeOf(saver, async () => saver.close());
}

function storeOf(saver: SqliteSaver | PostgresSaver, close: () => Promise<void>): VerifiableStore {
  return {
    isSetUp: () => saver.isSetUp(),
    listThreads: () => saver.listThreads(),
    verify: (threadId) => saver.verify(threadId),
    close,
  };
}

/** Hides a password in a URL for messages. */
function redact(target: string): string {
  return target.replace(/\/\/([^:/@]+):[^@]*@/, "//$1:***@");
}
