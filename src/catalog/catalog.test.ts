import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import FINETUNE_RUNS from '../../catalog/validation/finetune-runs.json' with { type: 'json' };
import MEGATRON_BRIDGE_FINETUNE from '../../catalog/validation/megatron-bridge-finetune.json' with {
  type: 'json',
};
import MEGATRON_BRIDGE_ARCHIVE from '../../catalog/validation/megatron-bridge-performance-archive.json' with {
  type: 'json',
};
import MEMORY_VALIDATION from '../../catalog/validation/memory.json' with { type: 'json' };
import RL_RUNS from '../../catalog/validation/rl-runs.json' with { type: 'json' };
import SERVING_VALIDATION from '../../catalog/validation/serving.json' with { type: 'json' };
import STACK_CALIBRATION from '../../catalog/validation/stack-calibration.json' with { type: 'json' };
import TRAINING_VALIDATION from '../../catalog/validation/training.json' with { type: 'json' };
import { InputError } from '../core/errors.js';
import { toSi } from '../core/units.js';
import { findGpu, findModel, loadCatalog, withFamilyKernels } from './catalog.js';
import {
  APIS_FILES,
  ASSUMPTIONS,
  CLUSTERS_FILES,
  EFFICIENCY_FILES,
  GPUS_FILES,
  GRIDS_FILES,
  HOSTS,
  KERNELS_FILES,
  MODELS_FILES,
  QUALITY_RESULTS,
  SOURCES,
  STACKS_FILES,
} from './data.js';
import { ENGINES_FILES, loadEngines } from './engines.js';
import { LINT_RULES, lintCatalog } from './lint/index.js';

const KINDS = {
  gpus: GPUS_FILES,
  models: MODELS_FILES,
  clusters: CLUSTERS_FILES,
  efficiency: EFFICIENCY_FILES,
  kernels: KERNELS_FILES,
  grids: GRIDS_FILES,
  apis: APIS_FILES,
  engines: ENGINES_FILES,
  stacks: STACKS_FILES,
};

function rawCatalog() {
  const files: Record<string, unknown> = {};
  for (const [kind, map] of Object.entries(KINDS))
    for (const [name, json] of Object.entries(map)) files[`${kind}/${name}`] = json;
  files.assumptions = ASSUMPTIONS;
  files.hosts = HOSTS;
  files['quality-results'] = QUALITY_RESULTS;
  files['validation/training'] = TRAINING_VALIDATION;
  files['validation/serving'] = SERVING_VALIDATION;
  files['validation/stack-calibration'] = STACK_CALIBRATION;
  files['validation/finetune-runs'] = FINETUNE_RUNS;
  files['validation/rl-runs'] = RL_RUNS;
  files['validation/memory'] = MEMORY_VALIDATION;
  files['validation/megatron-bridge-performance-archive'] = MEGATRON_BRIDGE_ARCHIVE;
  files['validation/megatron-bridge-finetune'] = MEGATRON_BRIDGE_FINETUNE;
  return { files, sources: SOURCES as Record<string, unknown> };
}

describe('catalog', () => {
  it('imports every data file in catalog/ (src/catalog/data.ts is complete)', () => {
    for (const [kind, map] of Object.entries(KINDS)) {
      const onDisk = readdirSync(new URL(`../../catalog/${kind}/`, import.meta.url)).filter((f) =>
        f.endsWith('.json'),
      );
      expect(Object.keys(map).sort()).toEqual(onDisk.map((f) => f.replace(/\.json$/, '')).sort());
      for (const file of onDisk) {
        const json = JSON.parse(
          readFileSync(new URL(`../../catalog/${kind}/${file}`, import.meta.url), 'utf8'),
        );
        expect(map[file.replace(/\.json$/, '')]).toEqual(json);
      }
    }
  });

  it('loads and validates, converting to SI', () => {
    const catalog = loadCatalog();
    expect(catalog.gpus.size).toBeGreaterThanOrEqual(19);
    const h100 = findGpu('h100');
    expect(h100.id).toBe('h100-sxm');
    expect(h100.peakFlopsPerSecond.bf16).toBeCloseTo(989.4e12);
    // The device's capacity (nvidia-smi memory.total 81,559 MiB), not the datasheet's 80 GB.
    expect(h100.memoryBytes).toBe(81559 * 1024 ** 2);
    expect(h100.file.memory.capacity).toMatchObject({ value: 80, unit: 'GB' });
    expect(h100.memoryBytesPerSecond).toBeCloseTo(3.35e12);
    expect(h100.scaleUp.bytesPerSecondPerDirection).toBe(450e9);
    expect(findGpu('A100').id).toBe('a100-80gb');
    expect(findGpu('tpu-v4').memoryBytes).toBe(32 * 1024 ** 3);
    expect(findGpu('mi300x').memoryBytes).toBeCloseTo(191.98 * 1024 ** 3, -3);
    const deepseek = catalog.clusters.get('hgx-h800-deepseek')!;
    expect(deepseek.scaleUp.bytesPerSecond * deepseek.scaleUp.efficiency).toBeCloseTo(160e9);
    expect(catalog.grids.get('us-2021-meta')!.kgCo2PerKWh).toBe(0.385);
  });

  it('every GPU states the capacity its device reports, within -5%..+8% of the datasheet figure in decimal GB', () => {
    // HBM stacks are binary (80 GiB = 85.9 GB, +7.4%); drivers reserve a little of it (H100: 81,559 of
    // 81,920 MiB); GDDR boards (L4, A10, L40S) print decimal GB. A value outside the band is a typo.
    for (const gpu of loadCatalog().gpus.values()) {
      const datasheetBytes = toSi(gpu.file.memory.capacity.value, gpu.file.memory.capacity.unit);
      const ratio = gpu.memoryBytes / datasheetBytes;
      expect(ratio, gpu.id).toBeGreaterThan(0.95);
      expect(ratio, gpu.id).toBeLessThan(1.08);
      expect(['measured', 'estimate', 'vendor-spec'], gpu.id).toContain(gpu.file.memory.deviceCapacity.kind);
    }
  });

  it('loads the engine profiles (catalog/engines) into the core shape', () => {
    expect([...loadEngines().keys()].sort()).toEqual(['sglang', 'trt-llm', 'vllm']);
    expect(loadEngines().get('trt-llm')).toMatchObject({
      memoryFractionOf: 'free-after-weights',
      kvBlockTokens: 32,
    });
  });

  it('a GPU profile without per-implementation attention curves takes its family’s (the H200 times FlashAttention-2 on the H100 tables)', () => {
    const { efficiencyProfiles } = loadCatalog();
    const hopper = efficiencyProfiles.get('hopper')!;
    const h200 = findGpu('h200').efficiency;
    expect(h200.id).toBe('h200');
    expect(h200.family).toBe('hopper');
    expect(h200.attentionImplementations).toBe(hopper.attentionImplementations);
    // Its own measured medians (PyTorch SDPA) stay the unnamed FlashAttention efficiency.
    expect(h200.attentionForward).not.toBe(hopper.attentionForward);
    // A family profile, or one with tables of its own, is returned as it is.
    expect(withFamilyKernels(hopper, efficiencyProfiles)).toBe(hopper);
    const own = { ...h200, attentionImplementations: {} };
    expect(withFamilyKernels(own, efficiencyProfiles)).toBe(own);
  });

  it('passes the lint with 100% of values sourced', () => {
    expect(lintCatalog(rawCatalog())).toEqual([]);
  });

  it('suggests near matches for unknown ids', () => {
    expect(() => findGpu('h10')).toThrowError(InputError);
    expect(() => findGpu('h1000')).toThrowError(/unknown GPU 'h1000'; did you mean 'h100'/);
    expect(() => findModel('deepseek-v5')).toThrowError(
      /unknown model 'deepseek-v5'; did you mean 'deepseek-v2', 'deepseek-v3'/,
    );
  });
});

describe('catalog lint rules catch what they are for', () => {
  const good = { id: 'x', memory: { capacity: { value: 1, unit: 'GB', source: 's', kind: 'vendor-spec' } } };
  const sources = { s: { url: 'https://example.org', accessed: '2026-01-01' } };

  it('file-name-matches-id', () => {
    expect(LINT_RULES.fileNameMatchesId({ files: { 'gpus/y': good }, sources })).toHaveLength(1);
    expect(LINT_RULES.fileNameMatchesId({ files: { 'gpus/x': good }, sources })).toHaveLength(0);
  });
  it('every-number-sourced', () => {
    const bare = { id: 'x', tdp: 700, memory: { capacity: { value: 1, source: 's' } } };
    const issues = LINT_RULES.everyNumberSourced({ files: { 'gpus/x': bare }, sources });
    expect(issues.map((i) => i.message)).toEqual([
      'tdp is a bare number; wrap it as {value, unit, source, kind}',
      'memory.capacity lacks unit and kind',
    ]);
  });
  it('sources-exist', () => {
    const issues = LINT_RULES.sourcesExist({ files: { 'gpus/x': good }, sources: {} });
    expect(issues[0]?.message).toBe("memory.capacity cites unknown source 's'");
  });
  it('sources-used', () => {
    const issues = LINT_RULES.sourcesUsed({ files: { 'gpus/x': good }, sources: { ...sources, orphan: {} } });
    expect(issues.map((i) => i.message)).toEqual(["source 'orphan' is never cited"]);
  });
  it('stack-version-dated', () => {
    const files = (lossCompiled?: boolean, published = '2024-12') => ({
      files: {
        'stacks/t': { memory: { compiledLoss: { since: '2025-04-01' } } },
        'validation/training': {
          cases: [
            {
              id: 'c',
              stack: 't',
              source: 's',
              training: lossCompiled === undefined ? {} : { lossCompiled },
            },
          ],
        },
      },
      sources: { s: { published } },
    });
    expect(LINT_RULES.stackVersionDated(files(false)).map((i) => i.message)).toEqual([]);
    expect(LINT_RULES.stackVersionDated(files()).map((i) => i.message)).toEqual([
      "case 'c' (source published 2024-12) predates t's compiled loss (since 2025-04-01): it needs lossCompiled: false",
    ]);
    expect(LINT_RULES.stackVersionDated(files(false, '2025-06'))).toHaveLength(1);
    expect(LINT_RULES.stackVersionDated(files(undefined, '2025-06'))).toHaveLength(0);
    expect(LINT_RULES.stackVersionDated(files(undefined, '2025'))).toHaveLength(0);
  });
  it('sources-dated', () => {
    const undated = { s: { url: 'ftp://x' } };
    const priced = { rentalPrices: [{ usdPerGpuHour: { value: 2 } }] };
    const issues = LINT_RULES.sourcesDated({ files: { 'gpus/x': priced }, sources: undated });
    expect(issues.map((i) => i.message)).toEqual([
      "source 's' has no http(s) url or docs/ path",
      "source 's' has no accessed date (YYYY-MM-DD)",
      'rentalPrices[0] has no asOf date',
    ]);
  });
});
