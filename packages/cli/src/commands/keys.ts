/**
 * `conclave keys create|revoke|ls`: API keys, made and revoked directly in the database. The
 * secret is printed once, at creation; only its hash is stored. Both actions are audited.
 */
import { parseArgs } from "node:util";
import { type ApiKeyScope, newApiKey } from "@conclave/core";
import { newId, openPlatform } from "@conclave/runtime";
import { type Command, type CommandContext, EXIT, emit, table, UsageError } from "../kit.ts";
import { resolveSettings } from "../settings.ts";

const USAGE = `Usage: conclave keys create --name <name> [--tenant <t>] [--scopes admin,runs:write,runs:read,approvals]
                            [--rate-limit <requests per minute>]
       conclave keys revoke <key-id>
       conclave keys ls [--tenant <t>]

Scopes default to runs:read,runs:write. The key is shown once; store it in a secret manager.`;

const OPTIONS = {
  database: { type: "string" },
  config: { type: "string" },
  tenant: { type: "string" },
  name: { type: "string" },
  scopes: { type: "string" },
  "rate-limit": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

async function create(ctx: CommandContext, values: Record<string, string | boolean | undefined>) {
  if (typeof values.name !== "string")
    throw new UsageError("keys create needs --name <name> (what the key is for).");
  const scopes = String(values.scopes ?? "runs:read,runs:write")
    .split(",")
    .map((s) => s.trim()) as ApiKeyScope[];
  const limit = values["rate-limit"] === undefined ? null : Number(values["rate-limit"]);
  if (limit !== null && !(Number.isInteger(limit) && limit > 0))
    throw new UsageError(`--rate-limit must be a positive integer; got ${values["rate-limit"]}.`);
  const tenant = String(values.tenant ?? "default");
  const made = newApiKey({
    keyId: newId(),
    tenant,
    name: values.name,
    scopes,
    rateLimitPerMinute: limit,
    now: new Date(),
  });
  const settings = await resolveSettings(ctx.io, values, "prod");
  const platform = await openPlatform(settings.databaseUrl);
  try {
    await platform.keys.create(made.key, made.hash);
    await platform.audit.append([
      { tenant, kind: "admin.key.created", actor: "cli", data: { keyId: made.key.keyId, scopes } },
    ]);
  } finally {
    await platform.close();
  }
  emit(
    ctx,
    { ...made.key, secret: made.secret },
    () =>
      `created key ${made.key.keyId} (${scopes.join(", ")}) for tenant ${tenant}\n${made.secret}\nThis is the only time the key is shown.`,
  );
  return EXIT.ok;
}

async function revoke(
  ctx: CommandContext,
  keyId: string | undefined,
  values: Record<string, string | boolean | undefined>,
) {
  if (!keyId) throw new UsageError("keys revoke needs the key id (see `conclave keys ls`).");
  const platform = await openPlatform((await resolveSettings(ctx.io, values, "prod")).databaseUrl);
  try {
    const key = (await platform.keys.list()).find((k) => k.keyId === keyId);
    if (!key) {
      ctx.io.err(`conclave keys: no key ${keyId}.`);
      return EXIT.notFound;
    }
    const revoked = await platform.keys.revoke(keyId, new Date());
    if (revoked)
      await platform.audit.append([
        { tenant: key.tenant, kind: "admin.key.revoked", actor: "cli", data: { keyId } },
      ]);
    ctx.io.out(revoked ? `revoked ${keyId}` : `${keyId} was already revoked`);
    return EXIT.ok;
  } finally {
    await platform.close();
  }
}

async function list(ctx: CommandContext, values: Record<string, string | boolean | undefined>) {
  const platform = await openPlatform((await resolveSettings(ctx.io, values, "prod")).databaseUrl);
  try {
    const keys = await platform.keys.list(
      typeof values.tenant === "string" ? values.tenant : undefined,
    );
    emit(ctx, keys, () =>
      table(
        ["KEY ID", "TENANT", "NAME", "PREFIX", "SCOPES", "CREATED", "REVOKED"],
        keys.map((k) => [
          k.keyId,
          k.tenant,
          k.name,
          `${k.prefix}…`,
          k.scopes.join(","),
          k.createdAt,
          k.revokedAt,
        ]),
      ),
    );
    return EXIT.ok;
  } finally {
    await platform.close();
  }
}

export const keysCommand: Command = {
  name: "keys",
  summary: "create, revoke and list API keys",
  usage: USAGE,
  async run(ctx) {
    const { values, positionals } = parseArgs({
      args: ctx.args,
      options: OPTIONS,
      allowPositionals: true,
      strict: true,
    });
    const [action, id] = positionals;
    if (values.help || !action) {
      ctx.io.out(USAGE);
      return values.help ? EXIT.ok : EXIT.usage;
    }
    if (action === "create") return create(ctx, values);
    if (action === "revoke") return revoke(ctx, id, values);
    if (action === "ls") return list(ctx, values);
    throw new UsageError(
      `unknown keys action ${JSON.stringify(action)}; use create, revoke or ls.`,
    );
  },
};
