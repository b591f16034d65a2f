/** The SQLite migrations, in order. Append only. */
import initial from "./0001-initial.ts";
import ledger from "./0002-ledger.ts";
import budgets from "./0003-budgets.ts";
import store from "./0004-store.ts";
import platform from "./0005-platform.ts";
import audit from "./0006-audit.ts";
import keys from "./0007-keys.ts";
import threadIds from "./0008-thread-ids.ts";
import settings from "./0009-settings.ts";
import budgetEpoch from "./0010-budget-epoch.ts";

/** A numbered schema change. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Every migration this version knows, oldest first. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: "initial", sql: initial },
  { version: 2, name: "ledger", sql: ledger },
  { version: 3, name: "budgets", sql: budgets },
  { version: 4, name: "store", sql: store },
  { version: 5, name: "platform", sql: platform },
  { version: 6, name: "audit", sql: audit },
  { version: 7, name: "keys", sql: keys },
  { version: 8, name: "thread-ids", sql: threadIds },
  { version: 9, name: "settings", sql: settings },
  { version: 10, name: "budget-epoch", sql: budgetEpoch },
];
