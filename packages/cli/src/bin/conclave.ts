#!/usr/bin/env node
/** The `conclave` executable; see `conclave.ts`. */
import { runConclave } from "../conclave.ts";

const stopped = new Promise<string>((resolve) => {
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => resolve(signal));
});

process.exitCode = await runConclave(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  write: (text) => process.stdout.write(text),
  env: process.env,
  cwd: process.cwd(),
  stopped,
  // \r and "erase line": the status line is redrawn in place; "" leaves it cleared.
  progress: process.stderr.isTTY ? (text) => process.stderr.write(`\r\x1b[2K${text}`) : undefined,
});
// Servers and pools are closed by the commands; anything left (a stuck socket) must not keep
// a finished command alive.
process.exit();
