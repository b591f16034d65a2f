/**
 * Describes the machine and software a benchmark ran on, for the report's header, so a
 * reader can tell whether two reports are comparable.
 */
import { readFileSync } from "node:fs";
import os from "node:os";
import { betterSqliteVersion, openSqlite } from "./engines.ts";

/** What the report's header says about where and with what the run happened. */
export interface MachineInfo {
  date: string;
  cpu: string;
  cores: number;
  memoryGB: number;
  os: string;
  node: string;
  tmpdir: string;
  tmpFs: string;
  versions: Record<string, string>;
}

const root = new URL("../", import.meta.url);

function packageVersion(path: string): string {
  try {
    const json = JSON.parse(readFileSync(new URL(`${path}/package.json`, root), "utf8")) as {
      version?: string;
    };
    return json.version ?? "?";
  } catch {
    return "not installed";
  }
}

/** The filesystem type of the mount holding `path`, from /proc/mounts ("?" elsewhere). */
function filesystemOf(path: string): string {
  try {
    const mounts = readFileSync("/proc/mounts", "utf8")
      .split("\n")
      .map((line) => line.split(" "))
      .filter(
        (f) => f.length > 2 && (path === f[1] || path.startsWith(`${f[1]}/`) || f[1] === "/"),
      );
    mounts.sort((a, b) => b[1]!.length - a[1]!.length);
    return mounts[0]?.[2] ?? "?";
  } catch {
    return "?";
  }
}

function sqliteVersion(): string {
  const db = openSqlite(":memory:");
  try {
    return String(db.prepare("select sqlite_version()").pluck().get());
  } finally {
    db.close();
  }
}

/** Reads the machine's description; touches only local files and an in-memory database. */
export function describeMachine(): MachineInfo {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    cpu: cpus[0]?.model.trim() ?? "?",
    cores: os.availableParallelism(),
    memoryGB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    tmpdir: os.tmpdir(),
    tmpFs: filesystemOf(os.tmpdir()),
    versions: {
      "@conclave/core": packageVersion("packages/core"),
      "@conclave/sqlite": packageVersion("packages/sqlite"),
      "@langchain/langgraph": packageVersion("node_modules/@langchain/langgraph"),
      "@langchain/langgraph-checkpoint-sqlite": packageVersion(
        "node_modules/@langchain/langgraph-checkpoint-sqlite",
      ),
      "better-sqlite3 (Conclave's saver)": betterSqliteVersion("conclave"),
      "better-sqlite3 (LangGraph's saver)": betterSqliteVersion("langgraph"),
      SQLite: sqliteVersion(),
    },
  };
}

/**
 * The 1-minute load average at the start and end of the run, with a warning when either is
 * above a quarter of the cores: the bench itself keeps about one core busy, and beyond that
 * other processes compete with it and medians move by tens of percent between runs. Pure.
 */
export function loadLine(cores: number, start: number, end: number): string {
  const busy = Math.max(start, end) > 1 + cores / 4;
  return (
    `Load average (1 min) at start/end: ${start.toFixed(2)}/${end.toFixed(2)} on ${cores} cores` +
    (busy
      ? " — other processes were running, so timings are noisier than on an idle machine."
      : ".")
  );
}

/** The header lines of the markdown report. Pure. */
export function machineLines(info: MachineInfo, command: string): string[] {
  const versions = Object.entries(info.versions)
    .map(([name, version]) => `${name} ${version}`)
    .join(", ");
  return [
    `- Date: ${info.date}`,
    `- Machine: ${info.cpu}, ${info.cores} cores, ${info.memoryGB} GB RAM, ${info.os}`,
    `- Node: ${info.node}; temp files in ${info.tmpdir} (${info.tmpFs})`,
    `- Versions: ${versions}`,
    `- Command: \`${command}\``,
  ];
}
