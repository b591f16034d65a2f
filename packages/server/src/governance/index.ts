/** Governance routes: the approval inbox, modes, budgets, cost and the audit trail. */
import type { RouteModule } from "../app.ts";
import { budgetRoutes, modeRoutes } from "./admin.ts";
import { approvalRoutes } from "./approvals.ts";
import { auditRoutes, costRoute } from "./records.ts";

export const governanceApi: RouteModule = (ctx) =>
  [
    ...approvalRoutes(ctx),
    ...modeRoutes(ctx),
    ...budgetRoutes(ctx),
    costRoute(ctx),
    ...auditRoutes(ctx),
  ] as ReturnType<RouteModule>;
