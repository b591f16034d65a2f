/**
 * Migration 10: a counter that every change to a budget definition bumps, by trigger, so any
 * writer's change is seen (budget-allowances.ts reads it after another connection committed).
 * A budget deleted and created again with the same definition still changes it; its counters
 * were deleted, and allowances held on the old ones must be given back.
 */
export default `
CREATE TABLE conclave_budget_epoch (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  epoch INTEGER NOT NULL
);
INSERT INTO conclave_budget_epoch (id, epoch) VALUES (1, 0);
CREATE TRIGGER conclave_budgets_inserted AFTER INSERT ON conclave_budgets
BEGIN UPDATE conclave_budget_epoch SET epoch = epoch + 1 WHERE id = 1; END;
CREATE TRIGGER conclave_budgets_updated AFTER UPDATE ON conclave_budgets
BEGIN UPDATE conclave_budget_epoch SET epoch = epoch + 1 WHERE id = 1; END;
CREATE TRIGGER conclave_budgets_deleted AFTER DELETE ON conclave_budgets
BEGIN UPDATE conclave_budget_epoch SET epoch = epoch + 1 WHERE id = 1; END;
`;
