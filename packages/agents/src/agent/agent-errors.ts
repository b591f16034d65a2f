import { ConclaveError } from "@conclave/core";

/** The agent reached `maxSteps` model turns while the model still wanted tools. */
export class MaxStepsError extends ConclaveError {
  constructor(agent: string, maxSteps: number) {
    super(
      "MAX_STEPS",
      `Agent "${agent}" stopped after ${maxSteps} model turns while the model still asked for tools. ` +
        "The conversation so far is checkpointed; raise maxSteps, or resume the thread after changing its state.",
    );
  }
}

/** Too many consecutive rounds in which every tool call failed. */
export class ToolErrorLimitError extends ConclaveError {
  constructor(agent: string, limit: number, lastError: string) {
    super(
      "TOOL_ERROR_LIMIT",
      `Agent "${agent}" stopped after ${limit} consecutive rounds of failing tool calls (last: ${lastError}). ` +
        "Fix the tool or its inputs, or raise maxToolErrors.",
    );
  }
}
