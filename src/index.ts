/**
 * llmecon's public API for programs that use it as a library: the pure core (model arithmetic, memory,
 * training, adaptation, serving, energy), the catalog and the validation cases. The CLI and the web app
 * import the modules directly (their order is checked by scripts/check-layers.ts).
 */

// Catalog and validation
export { findApi, findCluster, findGpu, findGrid, findModel, loadCatalog } from './catalog/catalog.js';
// Offload to host memory: a GPU's host (link, DRAM) from catalog/hosts.json and the options it gives
export { hostFor, offloadOptions } from './catalog/hosts.js';
export { defaultPrice, energyAssumptions, resolveHardware } from './catalog/training-defaults.js';
export { FINETUNE_METHODS, planFinetune } from './core/adaptation/finetune.js';
export { planRl } from './core/adaptation/rl.js';
// RL rollouts simulated on the serving engine, replica by replica (the long tail of response lengths sets the time)
export {
  type RolloutOptions,
  type RolloutTime,
  responseLengths,
  rolloutTime,
} from './core/adaptation/rl-rollout.js';
// RL weight sync from the trainer to the rollout GPUs, colocated or on separate GPUs
export { RL_PLACEMENTS, type RlPlacement, weightSyncSeconds } from './core/adaptation/rl-weight-sync.js';
// Energy, power and carbon
export {
  type EnergyAssumptions,
  embodiedKgCo2PerGpuHour,
  energyKWh,
  energyNote,
  energyText,
  energyUsdPerGpuHour,
  operationalCo2Kg,
  powerKnown,
  provisionedKw,
} from './core/energy/energy.js';
// Errors and units
export { InputError, type InputIssue, InternalError } from './core/errors.js';
export { type ClusterSpec, defaultCluster } from './core/hardware/cluster-spec.js';
// Hardware and training
export type { HardwareSpec } from './core/hardware/hardware-spec.js';
// Self-hosting vs an API: the API's bill and the break-even daily volume
export { apiUsdPerDay, selfHostVsApi } from './core/inference/api-break-even.js';
export { planCandidate, planDeployments } from './core/inference/deployment.js';
export { generationTime } from './core/inference/generation.js';
export { bestServingPoint, maxConcurrency, servingPoint } from './core/inference/serving.js';
// Serving (the replica step behind llmecon serve and compare-api)
export { type Replica, servingStepSeconds } from './core/inference/serving-step.js';
export {
  loneTtftSeconds,
  prefillTokensPerSecondPerGpu,
  staticBatchThroughput,
} from './core/inference/static-batch.js';
export { inferenceMemory, memoryFit } from './core/memory/inference-memory.js';
// Memory bands: P10–P90 of a per-GPU memory prediction from a stack's measured peaks (leave-one-out residuals)
export { type MemoryBand, memoryBand, memoryRange } from './core/memory/memory-band.js';
// Memory
export {
  type HostSpec,
  hostMemory,
  OFFLOAD_MODES,
  type OffloadMode,
  type OffloadOptions,
  offloadStates,
} from './core/memory/offload.js';
export { OPTIMIZERS, TRAINING_PRECISIONS, trainingMemory } from './core/memory/training-memory.js';
// Adapting models
export {
  adaptedMatrices,
  parseTargets,
  TARGET_MODULES,
  trainableParams,
} from './core/model/adapters.js';
export { forwardFlopsPerToken, inferenceFlopsPerToken, trainingFlopsPerToken } from './core/model/flops.js';
// Model arithmetic
export { SUPPORTED_MODEL_TYPES, specFromHfConfig } from './core/model/hf-config.js';
export { kvCacheBytes } from './core/model/kv-cache.js';
// A model's layer mix: token mixers and MLPs with their layer counts, as rows and as one line
export { describeLayerMix, type LayerMixSummary, layerMixSummary } from './core/model/layer-mix.js';
export { modelSpecInputSchema, specFromInput } from './core/model/model-spec-schema.js';
export { type ParamCount, paramCount } from './core/model/param-count.js';
export { modelSpecFrom } from './core/model/resolve-model.js';
export type { AttentionSpec, LayerSpec, ModelSpec, MoeSpec } from './core/model/spec.js';
export { DEFAULT_LAYOUT, layoutIssues, type ParallelLayout } from './core/parallelism/layout.js';
export { bytesPerElement, KV_FORMATS, WEIGHT_FORMATS } from './core/precision.js';
export { type SearchResult, searchLayouts } from './core/training/layout-search.js';
export { LayoutDoesNotFitError, planTraining } from './core/training/plan.js';
export { ownedUsdPerGpuHour, trainingRunCost } from './core/training/run-cost.js';
export { type StepTime, type TrainingOptions, trainingStepTime } from './core/training/step-time.js';
export { parseCount, requestsPerSecondFor, tokensPerDayAt } from './core/units.js';
// The memory band of a catalog stack, fitted on catalog/validation/memory.json
export { stackMemoryBand } from './validation/memory-cases.js';
export { runAllTrainingCases, trainingCases } from './validation/training-cases.js';
