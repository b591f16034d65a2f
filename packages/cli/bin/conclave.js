#!/usr/bin/env node
// Committed so npm links the bin at install time, before `npm run build` creates dist/.
try {
  await import("../dist/bin/conclave.js");
} catch (error) {
  if (error?.code !== "ERR_MODULE_NOT_FOUND" || !String(error.message).includes("dist"))
    throw error;
  console.error("conclave is not built yet: run `npm run build` (or `npm start`) first.");
  process.exitCode = 2;
}
