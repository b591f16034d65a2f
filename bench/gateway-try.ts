import { measureOverhead, VARIANTS, MODES } from "./gateway-overhead.ts";
import { summarize } from "./gateway-stats.ts";
for (const backend of ["stub", "http"] as const) {
  const t0 = performance.now();
  const s = await measureOverhead(backend, 50, 300);
  console.log(backend, ((performance.now() - t0) / 1000).toFixed(1), "s");
  for (const m of MODES) for (const v of VARIANTS) { const x = summarize(s[m][v]); console.log(m, v.padEnd(16), x.median.toFixed(3), x.p90.toFixed(3)); }
}
