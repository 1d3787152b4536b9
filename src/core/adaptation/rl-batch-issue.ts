/**
 * The policy update trains on the step's N·G sequences, which `rl` sets with --prompts and
 * --samples-per-prompt, not a global batch: the fine-tuning search's batch messages named as such.
 */
import { formatPath, InputError } from '../errors.js';

/** `plan(...args)`, a batch problem named by the prompts and samples that make the batch (an InputError). */
export function asStepBatch<A extends unknown[], T>(plan: (...args: A) => T, ...args: A): T {
  try {
    return plan(...args);
  } catch (error) {
    // Subclasses (does not fit) carry their own data and are the memory's problem, not the batch's.
    if (!(error instanceof InputError) || error.constructor !== InputError) throw error;
    throw new InputError(
      error.issues.map((issue) => ({
        ...issue,
        path: formatPath(issue.path) === 'globalBatchSize' ? ['--prompts'] : issue.path,
        message: /\bglobal batch\b/.test(issue.message)
          ? `${issue.message.replace(/\b(the |a )?global batch\b/g, (_, article?: string) => `${article === 'a ' ? 'a' : 'the'} step's batch`)} (a step's batch: --prompts × --samples-per-prompt sequences)`
          : issue.message,
      })),
    );
  }
}
