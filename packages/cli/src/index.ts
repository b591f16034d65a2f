/** @conclave/cli: command-line tools. */
export { ExitCode, type Output, runVerify, USAGE } from "./verify-command.ts";
