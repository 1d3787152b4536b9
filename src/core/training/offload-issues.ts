/**
 * Why a run's offload to host memory cannot run as asked: the stack must run it (catalog/stacks/
 * `offload`), with the ZeRO stage, pipeline and recomputation it needs beside it.
 */
import type { InputIssue } from '../errors.js';
import { OFFLOAD_MIN_ZERO_STAGE, type OffloadOptions } from '../memory/training-memory.js';
import type { LayoutConstraints } from './layout-search.js';
import type { StackProfile } from './stack.js';

/**
 * Why offload cannot run as asked (empty when it can): the stack must run the mode (catalog/stacks/
 * `offload`), and a fixed ZeRO stage must shard what it moves (OFFLOAD_MIN_ZERO_STAGE).
 */
export function offloadIssues(
  offload: Pick<OffloadOptions, 'mode'> | undefined,
  stack: StackProfile | undefined,
  zeroStage?: number,
): InputIssue[] {
  if (!offload) return [];
  const issues: InputIssue[] = [];
  const modes = stack?.offloadModes;
  if (stack && !modes?.includes(offload.mode)) {
    issues.push({
      code: 'infeasible',
      path: ['offload'],
      message: `${stack.name} does not offload '${offload.mode}' to host memory; ${
        modes && modes.length > 0
          ? `it offloads: ${modes.join(', ')}`
          : 'it runs no offload (use --offload none)'
      }`,
    });
  }
  const minZero = OFFLOAD_MIN_ZERO_STAGE[offload.mode];
  if (zeroStage !== undefined && zeroStage < minZero) {
    issues.push({
      code: 'infeasible',
      path: ['layout', 'zeroStage'],
      message: `offload '${offload.mode}' moves each rank's shard and needs ZeRO-${minZero} or above, got ZeRO-${zeroStage}`,
    });
  }
  return issues;
}

/**
 * Why activation offload cannot run as asked (empty when it can): the stack must run it (catalog/stacks/
 * `offload.activations`), and Megatron-Core's TransformerConfig allows fewer offloaded layers than the
 * model has, no pipeline parallelism and no recomputation beside it.
 */
export function activationOffloadIssues(
  offload: { readonly layers: number } | undefined,
  stack: StackProfile | undefined,
  c: LayoutConstraints,
  numLayers: number,
): InputIssue[] {
  if (!offload) return [];
  const issue = (path: string[], message: string): InputIssue => ({ code: 'infeasible', path, message });
  const issues: InputIssue[] = [];
  if (stack && !stack.offloadsActivations)
    issues.push(
      issue(
        ['activationOffload'],
        `${stack.name} does not offload activations to host memory (megatron does)`,
      ),
    );
  if (!Number.isInteger(offload.layers) || offload.layers < 1 || offload.layers >= numLayers)
    issues.push(
      issue(
        ['activationOffload'],
        numLayers < 2
          ? `needs a model of two or more layers (Megatron-Core offloads fewer than all of them); this one has ${numLayers}`
          : `must be a whole number from 1 to ${numLayers - 1} (fewer than the model's ${numLayers} layers), got ${offload.layers}`,
      ),
    );
  if (c.recompute !== undefined && c.recompute !== 'none')
    issues.push(
      issue(
        ['layout', 'recompute'],
        `activation offload replaces recomputation (Megatron-Core runs neither beside the other), got recomputation '${c.recompute}'`,
      ),
    );
  // One pipeline stage: no stages, interleaved chunks or pipeline schedule but 1F1B (plain steps at pp 1).
  const pipeline: [field: string, asked: boolean, got: string][] = [
    ['pipelineParallel', (c.pipelineParallel ?? 1) > 1, `pp ${c.pipelineParallel}`],
    ['virtualStages', (c.virtualStages ?? 1) > 1, `${c.virtualStages} virtual stages`],
    ['schedule', c.schedule !== undefined && c.schedule !== '1f1b', `the ${c.schedule} schedule`],
  ];
  for (const [field, asked, got] of pipeline)
    if (asked)
      issues.push(
        issue(
          ['layout', field],
          `activation offload runs without pipeline parallelism (Megatron-Core), got ${got}`,
        ),
      );
  return issues;
}
