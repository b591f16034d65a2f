/**
 * The operator contract: settings come from flags, then the environment, then the active
 * profile of `conclave.config.ts`, then defaults.
 *
 *   CONCLAVE_DATABASE_URL  SQLite file path or postgres:// URL   (.conclave/conclave.db)
 *   CONCLAVE_HOST          listen address                        (127.0.0.1)
 *   CONCLAVE_PORT          listen port                           (2024)
 *   CONCLAVE_API_KEY       bootstrap admin key                   (generated in dev)
 *   CONCLAVE_CONFIG        path of conclave.config.ts            (./conclave.config.ts)
 *   CONCLAVE_PROFILE       config profile: dev, staging, prod... (dev for `conclave dev`)
 */
import { existsSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { type ConclaveConfig, loadConfig } from "@conclave/models";
import { DEFAULT_DATABASE_URL } from "@conclave/runtime";
import { type CliIo, UsageError } from "./kit.ts";

/** The platform part of conclave.config.ts (the `models` section is @conclave/models'). */
export interface PlatformSettings {
  /** Graphs by id: "./path/to/file.ts:exportName". */
  graphs?: Record<string, string>;
  database?: string;
  server?: { host?: string; port?: number; rateLimitPerMinute?: number };
  worker?: { concurrency?: number; leaseMs?: number };
  audit?: { content?: "off" | "digest" | "full"; durability?: "sync" | "async" | "exit" };
}

export type PlatformConfig = PlatformSettings &
  ConclaveConfig & {
    /** Overrides per profile (dev, staging, prod...), merged over the top-level settings. */
    profiles?: Record<string, PlatformSettings & ConclaveConfig>;
  };

/** LangGraph's dev server port, so clients and studios find Conclave where they look. */
export const DEFAULT_PORT = 2024;

export interface Settings {
  databaseUrl: string;
  host: string;
  port: number;
  /** Whether the port was asked for (flag, environment or config) rather than the default. */
  portChosen: boolean;
  apiKey: string | undefined;
  profile: string;
  config: PlatformConfig;
  /** Where the config came from, or undefined when there is none. */
  configPath: string | undefined;
  cwd: string;
}

export interface SettingFlags {
  database?: string;
  host?: string;
  port?: string;
  config?: string;
  profile?: string;
}

export async function resolveSettings(
  io: CliIo,
  flags: SettingFlags,
  defaultProfile: string,
): Promise<Settings> {
  const env = io.env;
  const configPath = locateConfig(io, flags.config ?? env.CONCLAVE_CONFIG);
  const profile = flags.profile ?? env.CONCLAVE_PROFILE ?? defaultProfile;
  const loaded = configPath
    ? ((await loadConfig({ path: configPath, env })) as PlatformConfig)
    : {};
  const config = withProfile(loaded, profile, configPath);
  const chosen = flags.port ?? env.CONCLAVE_PORT ?? config.server?.port;
  const portText = String(chosen ?? DEFAULT_PORT);
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new UsageError(
      `the port must be an integer from 0 to 65535; got ${JSON.stringify(portText)} (from --port or CONCLAVE_PORT).`,
    );
  }
  return {
    databaseUrl:
      flags.database ?? env.CONCLAVE_DATABASE_URL ?? config.database ?? DEFAULT_DATABASE_URL,
    host: flags.host ?? env.CONCLAVE_HOST ?? config.server?.host ?? "127.0.0.1",
    port,
    portChosen: chosen !== undefined,
    apiKey: env.CONCLAVE_API_KEY || undefined,
    profile,
    config,
    configPath,
    cwd: io.cwd,
  };
}

function locateConfig(io: CliIo, named: string | undefined): string | undefined {
  if (named) {
    const path = isAbsolute(named) ? named : resolve(io.cwd, named);
    if (!existsSync(path))
      throw new UsageError(`no config file at ${path} (from --config or CONCLAVE_CONFIG).`);
    return path;
  }
  const fallback = resolve(io.cwd, "conclave.config.ts");
  return existsSync(fallback) ? fallback : undefined;
}

function withProfile(
  config: PlatformConfig,
  profile: string,
  path: string | undefined,
): PlatformConfig {
  const { profiles, ...rest } = config;
  const base = rest as PlatformSettings & ConclaveConfig;
  if (!profiles) return base;
  const overrides = profiles[profile];
  if (overrides === undefined) {
    if (["dev", "prod"].includes(profile)) return base;
    throw new UsageError(
      `profile ${JSON.stringify(profile)} is not in ${path}; its profiles: ${Object.keys(profiles).join(", ")}.`,
    );
  }
  return {
    ...base,
    ...overrides,
    server: { ...base.server, ...overrides.server },
    worker: { ...base.worker, ...overrides.worker },
    audit: { ...base.audit, ...overrides.audit },
    graphs: { ...base.graphs, ...overrides.graphs },
  };
}
