/** `conclave migrate`: brings the database schema up to date (every other command also does). */
import { parseArgs } from "node:util";
import { openPlatform } from "@conclave/runtime";
import { type Command, EXIT } from "../kit.ts";
import { resolveSettings } from "../settings.ts";

const USAGE = `Usage: conclave migrate [--database <url>]

Applies pending schema migrations (idempotent; safe to run from several processes at once).`;

export const migrateCommand: Command = {
  name: "migrate",
  summary: "apply database migrations",
  usage: USAGE,
  async run(ctx) {
    const { values } = parseArgs({
      args: ctx.args,
      strict: true,
      options: {
        database: { type: "string" },
        config: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
    if (values.help) {
      ctx.io.out(USAGE);
      return EXIT.ok;
    }
    const settings = await resolveSettings(ctx.io, values, "prod");
    const platform = await openPlatform(settings.databaseUrl);
    await platform.store.ping();
    await platform.close();
    ctx.io.out(`${platform.displayUrl} is up to date`);
    return EXIT.ok;
  },
};
