/**
 * HRM-Text (`hrm_text`, sapientinc/HRM-Text-1B): a Hierarchical Reasoning Model, two stacks of
 * transformer blocks run over and over per token. Shapes from transformers
 * `models/hrm_text/modular_hrm_text.py`, `modeling_hrm_text.py` and `configuration_hrm_text.py`:
 * - HrmTextStack (two: `L_module` and `H_module`), each `num_layers_per_stack` HrmTextDecoderLayers
 *   and a `final_norm`. A layer is Llama's (pre-norm, residuals) with HrmTextRMSNorm — NanoChat's,
 *   no weight — as input_layernorm and post_attention_layernorm.
 * - HrmTextAttention: MHA (`num_key_value_heads` is ignored: k_proj and v_proj are
 *   h → num_attention_heads·head_dim), q/k/v/o of `head_dim` (class default 128), bias per
 *   `attention_bias`, RoPE, and a sigmoid output gate from its own gate_proj (h → heads·head_dim,
 *   bias per `attention_bias`) before o_proj.
 * - HrmTextMLP (LlamaMLP): gate_proj, up_proj h → I, down_proj I → h, bias per `mlp_bias`, `hidden_act`.
 * - HrmTextModel: embed_tokens (V × h, scaled by `embedding_scale`), `z_L_init` (an nn.Parameter of h,
 *   the L state's start), no norm of its own; HrmTextForCausalLM's lm_head untied by default. No
 *   halting or Q head.
 * - The recurrence: for each of `H_cycles`, the L stack runs `L_cycles` times on z_L + z_H, then the H
 *   stack once on z_H + z_L; z_H is the output. Each stack call caches its own keys and values
 *   (slot (h·(L_cycles + 1) + l)·n + layer), so `num_hidden_layers` is saved as
 *   n·H_cycles·(L_cycles + 1) beside `num_layers_per_stack` = n; a config without
 *   `num_layers_per_stack` (the released one) carries n in `num_hidden_layers`.
 * Read unrolled, in forward order: n·H_cycles·(L_cycles + 1) layers, the first call of each stack
 * holding its weights and every later call running them (LayerSpec.reusesWeights) with its own
 * compute, activations and KV cache. z_L_init is read by every token without a matmul, like an
 * embedding row: it is held as `lookupTableParams`.
 */
import type { GqaAttention, LayerSpec, ModelSpec } from '../spec.js';
import { type Fields, type Json, MAX, shown } from './fields.js';
import { loopedLayers, repeatedPasses } from './looped.js';
import {
  baseSpec,
  type Family,
  readCommon,
  readGatedMlp,
  readHeadDim,
  withClassDefaults,
} from './readers.js';

/** HrmTextConfig's class defaults; save_pretrained leaves out keys equal to them. */
const HRM_TEXT_DEFAULTS: Json = {
  vocab_size: 151_808,
  hidden_size: 1536,
  intermediate_size: 4096,
  num_hidden_layers: 16,
  num_attention_heads: 12,
  head_dim: 128,
  hidden_act: 'silu',
  max_position_embeddings: 2048,
  tie_word_embeddings: false,
  attention_bias: false,
  mlp_bias: false,
  H_cycles: 2,
  L_cycles: 3,
};

const count = (n: number): string => n.toLocaleString('en-US');

/** HrmTextAttention: MHA with a sigmoid output gate of its own gate_proj. */
function readAttention(f: Fields): GqaAttention {
  const numHeads = f.positiveInt('num_attention_heads', { max: MAX.heads });
  const bias = f.bool('attention_bias', false);
  return {
    kind: 'gqa',
    numHeads,
    numKvHeads: numHeads,
    headDim: readHeadDim(f),
    qkvBias: bias,
    outputBias: bias,
    qkNorm: 'none',
    sinks: false,
    outputGate: true,
    gateProjection: true,
  };
}

/**
 * The unrolled stack calls in forward order: per H cycle, `cycles` L-stack calls then one H-stack
 * call, each of `perStack` layers (physical layers 0 … n − 1 the L stack, n … 2n − 1 the H stack).
 */
function unrolledLayers(perStack: number, hCycles: number, lCycles: number): LayerSpec[] {
  const cycle = [...repeatedPasses(perStack, lCycles), ...repeatedPasses(perStack, 1, perStack)];
  const order = Array.from({ length: hCycles }, () => cycle).flat();
  const physical: LayerSpec[] = Array.from({ length: 2 * perStack }, () => ({
    attention: 'full',
    mlp: 'dense',
  }));
  return loopedLayers(physical, order);
}

export const hrmText: Family = (top, name): ModelSpec => {
  const f = withClassDefaults(top, HRM_TEXT_DEFAULTS);
  const hCycles = f.positiveInt('H_cycles', { max: MAX.layers });
  const lCycles = f.positiveInt('L_cycles', { max: MAX.layers });
  const calls = hCycles * (lCycles + 1);
  // HrmTextConfig.__post_init__: without num_layers_per_stack, num_hidden_layers is the per-stack count.
  const stackKey = f.has('num_layers_per_stack') ? 'num_layers_per_stack' : 'num_hidden_layers';
  const perStack = f.positiveInt(stackKey, { max: MAX.layers });
  if (perStack * calls > MAX.layers)
    f.fail(
      stackKey,
      `(${perStack}) × H_cycles (${hCycles}) × (L_cycles (${lCycles}) + 1) exceeds ${count(MAX.layers)} layer calls`,
    );
  const layers = unrolledLayers(perStack, hCycles, lCycles);
  const g = f.with({ num_hidden_layers: layers.length });
  const attention = readAttention(g);
  const common = readCommon(g, name);
  const h = common.hiddenSize;

  const warnings: string[] = [
    `hrm_text: the two stacks of ${perStack} layers (L and H) are read unrolled, ${layers.length} layers in all — per H cycle (${hCycles}) the L stack ${lCycles} times, then the H stack once; each stack's weights are counted at its first call and run by the later ones, whose compute, activations and KV cache are their own; z_L_init (${count(h)} parameters, read by every token without a matmul) is counted as a lookup table`,
  ];
  const statedTotal = f.raw('num_hidden_layers');
  if (stackKey === 'num_layers_per_stack' && statedTotal !== layers.length)
    warnings.push(
      `hrm_text: num_hidden_layers (${shown(statedTotal)}) is not num_layers_per_stack × H_cycles × (L_cycles + 1) (${layers.length}); the model is built from num_layers_per_stack`,
    );
  const kvHeads = f.raw('num_key_value_heads');
  if (kvHeads !== undefined && kvHeads !== null && kvHeads !== attention.numHeads)
    warnings.push(
      `hrm_text: num_key_value_heads (${shown(kvHeads)}) is ignored — HrmTextAttention is MHA with ${attention.numHeads} KV heads`,
    );
  if (attention.qkvBias)
    warnings.push(
      `hrm_text: gate_proj's bias (${count(2 * perStack * attention.numHeads * attention.headDim)} parameters over both stacks) is not counted`,
    );

  return {
    ...baseSpec(g, common, {
      attention,
      mlp: readGatedMlp(g, 'intermediate_size', g.bool('mlp_bias', false)),
      layers,
    }),
    // HrmTextRMSNorm (NanoChat's) has no weight; each stack's final_norm is the last one.
    norm: { kind: 'rmsnorm', perLayer: 2, affine: false },
    lookupTableParams: h,
    warnings,
  };
};
