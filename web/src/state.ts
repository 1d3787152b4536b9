/** The app's state in the URL: JSON, deflate-compressed, base64url — a link reproduces the view. */

export type View = 'train' | 'adapt' | 'serve' | 'project' | 'levers' | 'scaling' | 'validate';
export const VIEWS: readonly { id: View; label: string }[] = [
  { id: 'train', label: 'Train' },
  { id: 'adapt', label: 'Adapt' },
  { id: 'serve', label: 'Serve' },
  { id: 'project', label: 'Project' },
  { id: 'levers', label: 'Levers' },
  { id: 'scaling', label: 'Scaling laws' },
  { id: 'validate', label: 'Validate' },
];

export interface TrainInput {
  model: string;
  /** An uploaded Hugging Face config.json (its text), used instead of `model` when set. */
  config: string | null;
  configName: string | null;
  gpu: string;
  gpus: number;
  tokens: number;
  precision: 'bf16' | 'fp8';
  seqLen: number;
  usdPerGpuHour: number | null;
  /** Fixed parallel degrees (0: searched). */
  tp: number;
  pp: number;
}

export interface AdaptInput {
  model: string;
  gpu: string;
  gpus: number;
  tokens: number;
  epochs: number;
  seqLen: number;
  globalBatch: number;
  rank: number;
  usdPerGpuHour: number;
}

export interface RlInput {
  model: string;
  gpu: string;
  gpus: number;
  method: 'full' | 'lora' | 'dora' | 'qlora';
  prompts: number;
  samplesPerPrompt: number;
  promptTokens: number;
  responseTokens: number;
  steps: number;
  usdPerGpuHour: number;
}

export interface ServeInput {
  model: string;
  gpu: string;
  weights: string;
  kv: string;
  inputTokens: number;
  outputTokens: number;
  tokensPerDay: number;
  tpotSloSeconds: number;
  usdPerGpuHour: number;
  api: string;
}

export interface AppState {
  view: View;
  train: TrainInput;
  adapt: AdaptInput;
  rl: RlInput;
  serve: ServeInput;
  project: { example: string; yaml: string; samples: number; seed: number };
  levers: { preset: string };
  scaling: { mode: 'flops' | 'usd'; flops: number; usd: number; gpu: string; inferenceTokens: number };
}

export function defaultState(exampleYaml: string): AppState {
  return {
    view: 'train',
    train: {
      model: 'llama-3-8b',
      config: null,
      configName: null,
      gpu: 'h100',
      gpus: 64,
      tokens: 1e12,
      precision: 'bf16',
      seqLen: 4096,
      usdPerGpuHour: 2,
      tp: 0,
      pp: 0,
    },
    adapt: {
      model: 'llama-3-8b',
      gpu: 'h100-sxm',
      gpus: 8,
      tokens: 100e6,
      epochs: 3,
      seqLen: 4096,
      globalBatch: 64,
      rank: 16,
      usdPerGpuHour: 2,
    },
    rl: {
      model: 'qwen2.5-7b',
      gpu: 'h100-sxm',
      gpus: 8,
      method: 'full',
      prompts: 64,
      samplesPerPrompt: 16,
      promptTokens: 512,
      responseTokens: 4096,
      steps: 500,
      usdPerGpuHour: 2,
    },
    serve: {
      model: 'llama-3.1-70b',
      gpu: 'h100-sxm',
      weights: 'fp8',
      kv: 'fp8',
      inputTokens: 1000,
      outputTokens: 300,
      tokensPerDay: 2e9,
      tpotSloSeconds: 0.05,
      usdPerGpuHour: 2,
      api: 'gpt-4o-mini',
    },
    project: { example: 'deepseek-v3.yaml', yaml: exampleYaml, samples: 2000, seed: 1 },
    levers: { preset: 'deepseek-v3-recipe' },
    scaling: { mode: 'flops', flops: 5.76e23, usd: 5e6, gpu: 'h100', inferenceTokens: 0 },
  };
}

const toBase64Url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
const fromBase64Url = (text: string) =>
  Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));

async function pipe(
  bytes: Uint8Array<ArrayBuffer>,
  stream: CompressionStream | DecompressionStream,
): Promise<Uint8Array<ArrayBuffer>> {
  const out = new Blob([bytes]).stream().pipeThrough(stream);
  return new Uint8Array(await new Response(out).arrayBuffer());
}

export async function encodeState(state: AppState): Promise<string> {
  const json = new TextEncoder().encode(JSON.stringify(state));
  return toBase64Url(await pipe(json, new CompressionStream('deflate-raw')));
}

/** The state in a URL hash, or null when there is none or it is not ours (never throws). */
export async function decodeState(hash: string, fallback: AppState): Promise<AppState | null> {
  const text = hash.replace(/^#s=/, '');
  if (!text || text === hash) return null;
  try {
    const json = new TextDecoder().decode(
      await pipe(fromBase64Url(text), new DecompressionStream('deflate-raw')),
    );
    const parsed = JSON.parse(json) as Partial<AppState>;
    const view = VIEWS.some((v) => v.id === parsed.view) ? (parsed.view as View) : fallback.view;
    return {
      view,
      train: { ...fallback.train, ...parsed.train },
      adapt: { ...fallback.adapt, ...parsed.adapt },
      rl: { ...fallback.rl, ...parsed.rl },
      serve: { ...fallback.serve, ...parsed.serve },
      project: { ...fallback.project, ...parsed.project },
      levers: { ...fallback.levers, ...parsed.levers },
      scaling: { ...fallback.scaling, ...parsed.scaling },
    };
  } catch {
    return null;
  }
}
