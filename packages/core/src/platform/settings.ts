/**
 * Per-tenant settings, as JSON values under string keys: the governance policy (operational
 * mode per tenant and per assistant, approval timeouts) lives here. Reads are hot (every run
 * start resolves its mode), so callers cache them briefly; writes are admin actions, audited.
 */
import { InvalidArgumentError } from "../errors.ts";

export interface SettingsStore {
  get(tenant: string, key: string): Promise<unknown>;
  set(tenant: string, key: string, value: unknown, now: Date): Promise<void>;
  delete(tenant: string, key: string): Promise<boolean>;
  /** Every setting of the tenant, by key. */
  list(tenant: string): Promise<Record<string, unknown>>;
  /** The tenants that have `key` set (e.g. those whose approvals time out). */
  tenantsWith(key: string): Promise<string[]>;
}

/**
 * How side-effecting tools behave: `auto` runs them (subject to each tool's own approval
 * policy), `manual` asks a human before every one, `read-only` refuses them with an error the
 * model sees.
 */
export type OperationalMode = "auto" | "manual" | "read-only";
export const OPERATIONAL_MODES: readonly OperationalMode[] = ["auto", "manual", "read-only"];

/** Where a run's tenant travels (`config.configurable`), so model usage is metered to it. */
export const TENANT_CONFIG_KEY = "conclave_tenant";

/** Where a run's mode travels: `config.configurable[MODE_CONFIG_KEY]`, set by the runtime. */
export const MODE_CONFIG_KEY = "conclave_mode";

/** A run's operational mode from its node config; "auto" when none was set. */
export function modeOf(
  config: { configurable?: Record<string, unknown> } | undefined,
): OperationalMode {
  const mode = config?.configurable?.[MODE_CONFIG_KEY];
  return OPERATIONAL_MODES.includes(mode as OperationalMode) ? (mode as OperationalMode) : "auto";
}

/** The setting keys of the governance policy. */
export const SETTING = {
  /** The tenant's default mode. */
  mode: "mode",
  /** One assistant's mode, overriding the tenant's. */
  assistantMode: (assistantId: string) => `mode:assistant:${assistantId}`,
  /** How long a pending approval waits before its default action (ms). */
  approvalTimeoutMs: "approvals.timeout_ms",
  /** What happens to an approval that times out: "reject" (default) or "approve". */
  approvalDefault: "approvals.default_action",
} as const;

export function checkMode(value: unknown): OperationalMode {
  if (!OPERATIONAL_MODES.includes(value as OperationalMode)) {
    throw new InvalidArgumentError(
      `Operational mode must be one of ${OPERATIONAL_MODES.join(", ")}; got ${JSON.stringify(value)}.`,
      "INVALID_MODE",
    );
  }
  return value as OperationalMode;
}

function checkKey(key: unknown): string {
  if (typeof key !== "string" || key.length === 0 || key.length > 200) {
    throw new InvalidArgumentError(
      `A setting key must be a non-empty string of at most 200 characters; got ${JSON.stringify(key)}.`,
      "INVALID_SETTING",
    );
  }
  return key;
}

/** The JSON text a value is stored as; refuses values JSON cannot hold. */
export function settingText(key: string, value: unknown): string {
  checkKey(key);
  const text = JSON.stringify(value);
  if (text === undefined) {
    throw new InvalidArgumentError(
      `Setting ${JSON.stringify(key)} needs a JSON value; got ${String(value)}.`,
      "INVALID_SETTING",
    );
  }
  return text;
}

export class MemorySettingsStore implements SettingsStore {
  readonly #values = new Map<string, string>();

  async get(tenant: string, key: string): Promise<unknown> {
    const text = this.#values.get(`${tenant}\0${key}`);
    return text === undefined ? undefined : JSON.parse(text);
  }

  async set(tenant: string, key: string, value: unknown, _now?: Date): Promise<void> {
    this.#values.set(`${tenant}\0${key}`, settingText(key, value));
  }

  async delete(tenant: string, key: string): Promise<boolean> {
    return this.#values.delete(`${tenant}\0${key}`);
  }

  async list(tenant: string): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    for (const [k, text] of this.#values) {
      const [owner, key] = k.split("\0") as [string, string];
      if (owner === tenant) out[key] = JSON.parse(text);
    }
    return out;
  }

  async tenantsWith(key: string): Promise<string[]> {
    const tenants = [...this.#values.keys()].map((k) => k.split("\0") as [string, string]);
    return tenants
      .filter(([, k]) => k === key)
      .map(([tenant]) => tenant)
      .sort();
  }
}
