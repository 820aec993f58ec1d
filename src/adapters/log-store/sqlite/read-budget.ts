/**
 * The time budget of one read of the embedded store (SEARCH_TIMEOUT_MS). bun:sqlite cannot
 * interrupt a statement, so the budget is checked where LogFlow itself loops: before each
 * candidate block is read and filtered. Every read does at least one block's work (so a
 * budget that is already gone still answers what one block holds), and at most one block's
 * work past its deadline.
 */

/** Thrown out of a read's loops when its deadline has passed and its answer is not complete. */
export class ReadBudgetExceeded extends Error {
  constructor(readonly budgetMs: number) {
    super(`the read ran past its budget of ${budgetMs} ms`)
  }
}

export interface ReadBudget {
  /** A `performance.now()` time. */
  readonly deadline: number
  readonly budgetMs: number
  /** Blocks read so far. */
  blocks: number
}

export const startBudget = (budgetMs: number | undefined): ReadBudget => ({
  deadline: budgetMs === undefined ? Infinity : performance.now() + budgetMs,
  budgetMs: budgetMs ?? Infinity,
  blocks: 0
})

export const outOfTime = (budget: ReadBudget) => performance.now() > budget.deadline

/** Called before a block is read: stops the read when its time is up and it has read one already. */
export const checkBudget = (budget: ReadBudget) => {
  if (budget.blocks++ > 0 && outOfTime(budget)) throw new ReadBudgetExceeded(budget.budgetMs)
}
