/**
 * The fixture server of the overhead measurement, in its own process so its CPU time is not
 * the measured process's, and both variants talk to the same server over the same loopback.
 * Every request gets the same short reply. Prints `{"url": ...}` on stdout once listening;
 * closes when stdin ends (the parent exiting or closing the pipe).
 *
 * Usage: node bench/gateway-fixture.ts
 */
import { type Reply, startFixtureServer } from "../packages/models/test/fixtures/index.ts";

const REPLY: Reply = {
  text: "Durable agents must checkpoint state, meter spend and replay calls exactly once.",
  usage: { input: 42, cachedInput: 0, output: 16 },
};

const server = await startFixtureServer({ responder: () => REPLY });
// The server records every request; keep the log from growing through a long run.
const requests = server.requests as unknown[];
setInterval(() => requests.splice(0), 1000).unref();
process.stdout.write(`${JSON.stringify({ url: server.url, baseURL: server.baseURL })}\n`);
process.stdin.resume();
process.stdin.on("end", () => void server.close().then(() => process.exit(0)));
