/**
 * A lever kind: how it is labelled in a waterfall and how it changes a state. One file per kind in
 * kinds/; the engine (levers.ts) looks kinds up by name.
 */
import { inputError } from '../core/errors.js';
import type { Lever } from './schema.js';
import type { FinetuneState, LeverState, ServingState, TrainingState } from './state.js';

export type LeverName = Lever['lever'];
export type LeverOf<K extends LeverName> = Extract<Lever, { lever: K }>;

export interface LeverKind<K extends LeverName> {
  /** A short name for the waterfall. */
  label(lever: LeverOf<K>): string;
  /** Lever `i` applied to a state: the new state and what to keep in mind about it (quality, risk). */
  apply(s: LeverState, lever: LeverOf<K>, i: number): { state: LeverState; caveat: string };
}

export const notFor = (i: number, lever: string, why: string): never =>
  inputError('infeasible', ['levers', i, 'lever'], `'${lever}' does not apply: ${why}`);

/** The state as a training or fine-tuning run; a deployment is refused for lever `i`. */
export function training(s: LeverState, i: number, lever: string): TrainingState | FinetuneState {
  if (s.kind === 'serve') notFor(i, lever, 'it changes a training run; the baseline is a deployment');
  return s as TrainingState | FinetuneState;
}

/** The state as a deployment; a training run is refused for lever `i`. */
export function serving(s: LeverState, i: number, lever: string): ServingState {
  if (s.kind !== 'serve') notFor(i, lever, 'it changes a deployment; the baseline is a training run');
  return s as ServingState;
}

export const billions = (n: number) => `${(n / 1e9).toFixed(1)}B`;
