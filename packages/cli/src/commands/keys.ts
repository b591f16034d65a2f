/**
 * `conclave keys create|revoke|ls`: API keys, made and revoked directly in the database. The
 * secret is printed once, at creation; only its hash is stored. Both actions are audited.
 * Unlike the other admin commands, `keys create` makes the database when it does not exist
 * yet: a fresh deployment's first step is a key.
 */
import { type ApiKeyScope, newApiKey } from "@conclave/core";
import { newId, openPlatform, type Platform } from "@conclave/runtime";
import { type CommandContext, EXIT, emit, table } from "../kit.ts";
import { type Action, commandGroup, type Flags, intFlag, required, text } from "./command-group.ts";
import { settingsOf } from "./session.ts";

async function withDatabase<T>(
  ctx: CommandContext,
  flags: Flags,
  work: (p: Platform) => Promise<T>,
) {
  const platform = await openPlatform((await settingsOf(ctx, flags)).databaseUrl);
  try {
    return await work(platform);
  } finally {
    await platform.close();
  }
}

const create: Action = {
  usage: `Usage: conclave keys create --name <name> [--tenant <t>] [--scopes admin,runs:write,runs:read,approvals]
                            [--rate-limit <requests per minute>]

Scopes default to runs:read,runs:write. The key is shown once; store it in a secret manager.`,
  options: {
    tenant: { type: "string" },
    name: { type: "string" },
    scopes: { type: "string" },
    "rate-limit": { type: "string" },
  },
  async run(ctx, flags) {
    const name = required([text(flags, "name") ?? ""], "--name <name>", "what the key is for");
    const scopes = (text(flags, "scopes") ?? "runs:read,runs:write")
      .split(",")
      .map((s) => s.trim());
    const limit = flags["rate-limit"] === undefined ? null : intFlag(flags, "rate-limit", 1);
    const tenant = text(flags, "tenant") ?? "default";
    const made = newApiKey({
      keyId: newId(),
      tenant,
      name,
      scopes: scopes as ApiKeyScope[],
      rateLimitPerMinute: limit,
      now: new Date(),
    });
    await withDatabase(ctx, flags, async (platform) => {
      await platform.keys.create(made.key, made.hash);
      const data = { keyId: made.key.keyId, scopes };
      await platform.audit.append([{ tenant, kind: "admin.key.created", actor: "cli", data }]);
    });
    emit(
      ctx,
      { ...made.key, secret: made.secret },
      () =>
        `created key ${made.key.keyId} (${made.key.scopes.join(", ")}) for tenant ${tenant}\n${made.secret}\nThis is the only time the key is shown.`,
    );
    return EXIT.ok;
  },
};

const revoke: Action = {
  usage:
    "Usage: conclave keys revoke <key-id>\n\nRevokes a key; servers stop accepting it within 5 s.",
  run: (ctx, flags, positionals) =>
    withDatabase(ctx, flags, async (platform) => {
      const keyId = required(positionals, "the key id", "see `conclave keys ls`");
      const key = (await platform.keys.list()).find((k) => k.keyId === keyId);
      if (!key) {
        ctx.io.err(`conclave keys: no key ${keyId}.`);
        return EXIT.notFound;
      }
      const revoked = await platform.keys.revoke(keyId, new Date());
      if (revoked) {
        const event = {
          tenant: key.tenant,
          kind: "admin.key.revoked",
          actor: "cli",
          data: { keyId },
        };
        await platform.audit.append([event]);
      }
      ctx.io.out(revoked ? `revoked ${keyId}` : `${keyId} was already revoked`);
      return EXIT.ok;
    }),
};

const ls: Action = {
  usage:
    "Usage: conclave keys ls [--tenant <t>]\n\nKeys (never their secrets), every tenant's unless --tenant.",
  options: { tenant: { type: "string" } },
  run: (ctx, flags) =>
    withDatabase(ctx, flags, async (platform) => {
      const keys = await platform.keys.list(text(flags, "tenant"));
      const rows = keys.map((k) => [
        k.keyId,
        k.tenant,
        k.name,
        `${k.prefix}…`,
        k.scopes.join(","),
        k.createdAt,
        k.revokedAt,
      ]);
      emit(ctx, keys, () =>
        table(["KEY ID", "TENANT", "NAME", "PREFIX", "SCOPES", "CREATED", "REVOKED"], rows),
      );
      return EXIT.ok;
    }),
};

export const keysCommand = commandGroup({
  name: "keys",
  summary: "create, revoke and list API keys",
  usage: `Usage: conclave keys create|revoke|ls ...

  create --name <n> [--tenant <t>] [--scopes ...]   a new key, shown once
  revoke <key-id>                                    stop accepting a key
  ls [--tenant <t>]                                  keys and their scopes`,
  actions: { create, revoke, ls },
});
