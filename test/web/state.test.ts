/**
 * The web app's URL state (issue 15): a shared link goes through the same domain bounds as the CLI,
 * and any JSON in a link — fuzzed with fast-check — gives a valid state and messages, never a throw.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inDomain } from '../../src/core/domain.js';
import { OFFLOAD_MODES } from '../../src/core/memory/offload.js';
import { defaultState, ETP_CHOICES, STATE_CHOICES, STATE_DOMAINS } from '../../web/src/state.js';
import { checkState } from '../../web/src/state-check.js';
import { decodeState, encodeState } from '../../web/src/state-link.js';

const fallback = defaultState('name: x');

function expectValid(state: ReturnType<typeof checkState>['state']) {
  for (const [section, domains] of Object.entries(STATE_DOMAINS))
    for (const [field, d] of Object.entries(domains)) {
      const value = (state as unknown as Record<string, Record<string, unknown>>)[section]![field];
      if (value === null && section === 'train' && field === 'usdPerGpuHour') continue;
      expect(typeof value === 'number' && inDomain(value, d), `${section}.${field} = ${value}`).toBe(true);
    }
  for (const [section, choices] of Object.entries(STATE_CHOICES))
    for (const [field, allowed] of Object.entries(choices)) {
      const value = (state as unknown as Record<string, Record<string, unknown>>)[section]![field];
      expect(allowed, `${section}.${field} = ${String(value)}`).toContain(value);
    }
  // The choices the engine takes as flags (`--etp`, `--offload`), whatever STATE_CHOICES lists.
  for (const s of [state.train, state.adapt]) expect(ETP_CHOICES).toContain(s.etp);
  for (const s of [state.train, state.adapt, state.rl]) expect(OFFLOAD_MODES).toContain(s.offload);
}

describe('shared links are validated like every other input', () => {
  it('an RL price of −3 is replaced by the default, with a message naming the field and the domain', async () => {
    const link = `#s=${await encodeState({ ...fallback, view: 'adapt', rl: { ...fallback.rl, usdPerGpuHour: -3 } })}`;
    const decoded = await decodeState(link, fallback);
    expect(decoded?.state.rl.usdPerGpuHour).toBe(2);
    expect(decoded?.issues).toEqual([
      'rl.usdPerGpuHour: must be at least 0 and at most 10,000 (USD per GPU-hour), got -3; using 2',
    ]);
  });
  it('a sample count that is not a multiple of 1,000 is accepted; one above the maximum is not', () => {
    const ok = checkState({ project: { samples: 1234 } }, fallback);
    expect(ok.state.project.samples).toBe(1234);
    expect(ok.issues).toEqual([]);
    expect(checkState({ project: { samples: 1e9 } }, fallback).issues[0]).toMatch(
      /^project\.samples: must be/,
    );
  });
  it('the Serve view: engine, lengths, arrival and simulation sizes are checked; the request count is bounded', () => {
    const ok = checkState(
      {
        serve: {
          engine: 'sglang',
          lengths: 'lognormal',
          inputP90: 4000,
          arrival: 'concurrency',
          concurrency: 32,
          requests: 5000,
          ttftSloSeconds: 0.5,
        },
      },
      fallback,
    );
    expect(ok.issues).toEqual([]);
    expect(ok.state.serve).toMatchObject({ engine: 'sglang', arrival: 'concurrency', requests: 5000 });
    const bad = checkState(
      { serve: { engine: '<script>', requests: 1e7, concurrency: -1, seed: 1.5, ttftSloSeconds: 1e9 } },
      fallback,
    );
    expect(bad.state.serve).toEqual(fallback.serve);
    expect(bad.issues).toEqual([
      `serve.engine: must be one of none, vllm, sglang, trt-llm, got "<script>"; using "none"`,
      'serve.requests: must be a whole number ≥ 1 and ≤ 10,000 (simulated requests), got 10000000; using 1000',
      'serve.concurrency: must be a whole number ≥ 0 and ≤ 1e8 (sequences), got -1; using 0',
      'serve.seed: must be a whole number ≥ 0 and ≤ 2,147,483,647 (a seed), got 1.5; using 1',
      'serve.ttftSloSeconds: must be at least 0 and at most 3,600 (seconds), got 1000000000; using 0',
    ]);
  });
  it('pure BF16 and the llm-foundry stack are accepted from a link; fp32 is CLI-only and named as not allowed', () => {
    const ok = checkState({ train: { precision: 'bf16-pure', stack: 'llm-foundry' } }, fallback);
    expect(ok.issues).toEqual([]);
    expect(ok.state.train).toMatchObject({ precision: 'bf16-pure', stack: 'llm-foundry' });
    const bad = checkState({ train: { precision: 'fp32' } }, fallback);
    expect(bad.state.train.precision).toBe(fallback.train.precision);
    expect(bad.issues).toEqual([
      'train.precision: must be one of bf16, bf16-pure, fp8, got "fp32"; using "bf16"',
    ]);
  });
  it('expert tensor parallelism and offload: checked as choices; a link from before them keeps working', async () => {
    const ok = checkState(
      {
        train: { etp: '1', offload: 'optimizer' },
        adapt: { tp: 2, etp: 'tp', offload: 'optimizer+params' },
      },
      fallback,
    );
    expect(ok.issues).toEqual([]);
    expect(ok.state.train).toMatchObject({ etp: '1', offload: 'optimizer' });
    expect(ok.state.adapt).toMatchObject({ tp: 2, etp: 'tp', offload: 'optimizer+params' });
    const bad = checkState(
      { train: { etp: 2, offload: 'gpu' }, adapt: { etp: 'TP', offload: null, tp: 1.5 } },
      fallback,
    );
    expect(bad.state.train).toEqual(fallback.train);
    expect(bad.state.adapt).toEqual(fallback.adapt);
    expect(bad.issues).toEqual([
      'train.etp: must be one of search, tp, 1, got 2; using "search"',
      'train.offload: must be one of none, optimizer, optimizer+params, got "gpu"; using "none"',
      'adapt.etp: must be one of search, tp, 1, got "TP"; using "search"',
      'adapt.offload: must be one of none, optimizer, optimizer+params, got null; using "none"',
      'adapt.tp: must be a whole number ≥ 0 and ≤ 10,000,000 (a parallel degree), got 1.5; using 0',
    ]);
    // A link written before these fields existed (the Train and Adapt inputs of the previous version).
    const { etp: _e, offload: _o, ...oldTrain } = fallback.train;
    const { tp: _t, etp: _ae, offload: _ao, ...oldAdapt } = fallback.adapt;
    const { offload: _ro, ...oldRl } = fallback.rl;
    const old = await decodeState(
      `#s=${await encodeState({ ...fallback, train: { ...oldTrain, model: 'mixtral-8x7b', stack: 'torchtitan' }, adapt: oldAdapt, rl: { ...oldRl, method: 'lora' } } as never)}`,
      fallback,
    );
    expect(old?.issues).toEqual([]);
    expect(old?.state.train).toEqual({ ...fallback.train, model: 'mixtral-8x7b', stack: 'torchtitan' });
    expect(old?.state.adapt).toEqual(fallback.adapt);
    expect(old?.state.rl).toEqual({ ...fallback.rl, method: 'lora' });
  });
  it('the Adapt view’s embedding-and-head switch is a boolean and its QLoRA base a choice; a link from before them keeps working', async () => {
    expect(checkState({ adapt: { trainEmbeddings: true } }, fallback).state.adapt.trainEmbeddings).toBe(true);
    const bad = checkState({ adapt: { trainEmbeddings: 'yes' } }, fallback);
    expect(bad.state.adapt.trainEmbeddings).toBe(false);
    expect(bad.issues).toEqual(['adapt.trainEmbeddings: expected boolean; using false']);
    expect(checkState({ adapt: { qloraBase: 'gptq' } }, fallback).state.adapt.qloraBase).toBe('gptq');
    expect(checkState({ adapt: { qloraBase: 'int4' } }, fallback).issues).toEqual([
      'adapt.qloraBase: must be one of nf4, gptq, got "int4"; using "nf4"',
    ]);
    const { trainEmbeddings: _t, qloraBase: _q, ...oldAdapt } = fallback.adapt;
    const old = await decodeState(
      `#s=${await encodeState({ ...fallback, adapt: oldAdapt } as never)}`,
      fallback,
    );
    expect(old?.issues).toEqual([]);
    expect(old?.state.adapt).toEqual(fallback.adapt);
  });
  it('a link that is not ours is ignored', async () => {
    expect(await decodeState('#s=not-deflate', fallback)).toBeNull();
    expect(await decodeState('#other', fallback)).toBeNull();
  });
  it('fuzz: any JSON gives a state inside every domain and never throws', () => {
    const sections = Object.keys(fallback).filter((k) => k !== 'view');
    const fieldNames = [...new Set(sections.flatMap((s) => Object.keys((fallback as never)[s])))];
    // Every allowed choice too (the ETP and offload choices, stacks, engines…), so valid values mix with bad ones.
    const choices = [...new Set(Object.values(STATE_CHOICES).flatMap((c) => Object.values(c ?? {}).flat()))];
    const value = fc.oneof(
      fc.constantFrom(...choices),
      fc.double(),
      fc.integer(),
      fc.string(),
      fc.constant(null),
      fc.boolean(),
      fc.array(fc.anything(), { maxLength: 3 }),
    );
    const section = fc.oneof(fc.dictionary(fc.constantFrom(...fieldNames), value), fc.anything());
    const raw = fc.oneof(
      fc.anything(),
      fc.record({ view: fc.oneof(fc.string(), fc.constantFrom('train', 'serve')) }, { requiredKeys: [] }),
      fc.dictionary(fc.constantFrom(...sections, 'view', 'extra'), section),
    );
    fc.assert(
      fc.property(raw, (r) => {
        const { state, issues } = checkState(r, fallback);
        expectValid(state);
        expect(Array.isArray(issues)).toBe(true);
        // Our own words never say NaN or undefined (what follows "got" echoes the link's value).
        for (const i of issues) expect(i.split(' got ')[0]).not.toMatch(/NaN|undefined/);
      }),
      { numRuns: 500 },
    );
  });
});
