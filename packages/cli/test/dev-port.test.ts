/**
 * `conclave dev` without a chosen port takes the next free one when the default is held (so
 * `npm start` works where something else listens on 2024), and says so on stderr.
 */
import { createServer, type Server } from "node:net";
import { describe, expect, it } from "vitest";
import { devPort } from "../src/commands/serve.ts";
import type { CliIo } from "../src/kit.ts";

function ioCapturing(errors: string[]): CliIo {
  return {
    out: () => {},
    err: (text) => errors.push(text),
    write: () => {},
    env: {},
    cwd: process.cwd(),
    stopped: new Promise(() => {}),
  };
}

function listening(port = 0): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen({ host: "127.0.0.1", port }, () => resolve(server));
  });
}

const portOf = (server: Server) => (server.address() as { port: number }).port;
const closed = (server: Server) => new Promise((resolve) => server.close(resolve));

describe("devPort", () => {
  it("keeps a free default port, and moves past a held one with a note", async () => {
    const held = await listening();
    const port = portOf(held);
    const errors: string[] = [];
    try {
      const chosen = await devPort(ioCapturing(errors), { host: "127.0.0.1", port });
      expect(chosen).toBeGreaterThan(port);
      expect(errors).toEqual([`port ${port} is in use; using ${chosen}`]);
      const again = await listening(chosen);
      await closed(again);
    } finally {
      await closed(held);
    }
    const quiet: string[] = [];
    expect(await devPort(ioCapturing(quiet), { host: "127.0.0.1", port })).toBe(port);
    expect(quiet).toEqual([]);
  });
});
