#!/usr/bin/env node
/** The `conclave-verify` executable; see `verify-command.ts`. */
import { runVerify } from "../verify-command.ts";

process.exitCode = await runVerify(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
});
