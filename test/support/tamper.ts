/**
 * Tampering scenarios shared by the SQLite and PostgreSQL tamper tests. Each seeds a thread
 * through a real saver, then edits the database with the database's own command-line tool (the
 * way a person or a stray script would), and states which checkpoint `verify` must name.
 */
import { execFileSync } from "node:child_process";
import type { CheckpointSaver } from "@conclave/core";
import { chatStates, putChain, threadId } from "./checkpoints.ts";

/** A seeded thread: its id and its checkpoint ids in put order. */
export interface Seeded {
  thread: string;
  ids: string[];
}

/** Puts 10 checkpoints of a chat thread (one root, nine children). */
export async function seed(saver: CheckpointSaver): Promise<Seeded> {
  const thread = threadId("tamper");
  const stored = await putChain(saver, { thread }, chatStates(10));
  return { thread, ids: stored.map((s) => s.config.configurable.checkpoint_id!) };
}

/** One way of tampering, and what verify must report. */
export interface TamperCase {
  name: string;
  /** SQL run by the CLI. `seqOf(i)` is the stored seq of checkpoint i, read beforehand. */
  sql: (s: Seeded, seqOf: (i: number) => number) => string;
  /** Index (into `ids`) of the checkpoint verify must name, and its reason. */
  broken: number;
  reason: RegExp;
}

const T = "conclave_checkpoints";
const where = (s: Seeded, i: number) => `thread_id = '${s.thread}' AND id = '${s.ids[i]}'`;

/** The scenarios: edit, delete middle, delete newest, reorder, swap contents, edit snapshot. */
export const TAMPER_CASES: TamperCase[] = [
  {
    name: "edit a checkpoint's payload",
    sql: (s) =>
      `UPDATE ${T} SET payload = replace(payload, '"step":4', '"step":40') WHERE ${where(s, 5)};`,
    broken: 5,
    reason: /^hash mismatch: content was edited/,
  },
  {
    name: "delete a middle row",
    sql: (s) => `DELETE FROM ${T} WHERE ${where(s, 4)};`,
    broken: 5,
    reason: /^parent \S+ is missing: a row was deleted$/,
  },
  {
    name: "delete the newest row",
    sql: (s) => `DELETE FROM ${T} WHERE ${where(s, 9)};`,
    broken: 9,
    reason: /^newest checkpoint \S+ is missing: a row was deleted$/,
  },
  {
    name: "reorder rows (swap their stored order)",
    sql: (s, seqOf) =>
      [
        `UPDATE ${T} SET seq = -1 WHERE ${where(s, 3)};`,
        `UPDATE ${T} SET seq = ${seqOf(3)} WHERE ${where(s, 6)};`,
        `UPDATE ${T} SET seq = ${seqOf(6)} WHERE ${where(s, 3)};`,
      ].join("\n"),
    broken: 4,
    reason: /^rows reordered: stored at position \d+, before its parent/,
  },
  {
    name: "swap two rows' contents",
    sql: (s) =>
      `UPDATE ${T} SET payload = (SELECT payload FROM ${T} WHERE ${where(s, 7)}),
         hash = (SELECT hash FROM ${T} WHERE ${where(s, 7)}) WHERE ${where(s, 2)};`,
    broken: 2,
    reason: /rows were reordered or swapped$/,
  },
  {
    name: "edit a stored snapshot",
    sql: (s) => `UPDATE ${T} SET snapshot = replace(snapshot, 'm0:', 'M0:') WHERE ${where(s, 0)};`,
    broken: 0,
    reason: /^snapshot disagrees with the replayed deltas/,
  },
];

/**
 * Checks a command-line tool is installed.
 * @throws Error saying which package to install.
 */
export function requireCli(command: string, install: string): void {
  try {
    execFileSync(command, ["--version"], { stdio: "pipe" });
  } catch (error) {
    throw new Error(
      `The tamper tests need the \`${command}\` command-line tool, which could not be run ` +
        `(${(error as Error).message}). Install it: apt-get install ${install}`,
    );
  }
}
