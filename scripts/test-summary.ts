/**
 * Reads vitest's JSON report and prints the one line CI reads: "N passed, N failed".
 * Exits 1 when the report is missing or records a failure, so a crashed run never looks green.
 */
import { readFileSync } from "node:fs";

interface VitestReport {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests?: number;
  numTodoTests?: number;
  numFailedTestSuites?: number;
  success?: boolean;
}

const file = process.argv[2] ?? ".tmp/vitest.json";
let report: VitestReport;
try {
  report = JSON.parse(readFileSync(file, "utf8")) as VitestReport;
} catch (error) {
  console.error(`No readable vitest report at ${file}: ${(error as Error).message}`);
  console.log("0 passed, 1 failed");
  process.exit(1);
}
const failedSuites = report.numFailedTestSuites ?? 0;
const failed =
  report.numFailedTests + (report.numFailedTests === 0 && failedSuites > 0 ? failedSuites : 0);
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
console.log(
  `${report.numPassedTests} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ""}`,
);
process.exit(failed > 0 || report.numPassedTests === 0 ? 1 : 0);
