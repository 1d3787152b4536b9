/**
 * The model families llmecon reads, by Hugging Face `model_type`. Each family is one small file
 * over the shared readers (`readers.ts`); a new family is a new file and one line here.
 */

import type { VisionTowerSpec } from '../spec.js';
import { afmoe } from './afmoe.js';
import { qwen2AudioWrapper, voxtralWrapper } from './audio-llm.js';
import { bailingMoeLinear, bailingMoeV2 } from './bailing-v2.js';
import { bamba } from './bamba.js';
import {
  cohere,
  cohere2,
  gemma,
  gptNeox,
  nemotron,
  olmoe,
  persimmon,
  phi,
  qwen2Moe,
  stablelm,
  starcoder2,
} from './classic.js';
import { deepseek, deepseekV32, glm4MoeLite, glmMoeDsa } from './deepseek.js';
import { deepseekV4 } from './deepseek-v4.js';
import { jais2, nanochat } from './dense-2026.js';
import { bloom, dbrx, mpt, opt } from './early-decoders.js';
import { ernie45Moe } from './ernie45.js';
import { ernie45MoeVl, ernie45VlMoe } from './ernie45-vl.js';
import { exaoneMoe } from './exaone-moe.js';
import { exaone45Wrapper } from './exaone45.js';
import { falcon } from './falcon.js';
import { falconH1 } from './falcon-h1.js';
import type { Fields } from './fields.js';
import { flexOlmo } from './flex-olmo.js';
import { gemma2 } from './gemma2.js';
import { gemma3Text } from './gemma3.js';
import { gemma3nText, gemma3nWrapper } from './gemma3n.js';
import { gemma4Text, gemma4Wrapper } from './gemma4.js';
import { dots1, glm, glm4, glm4Moe, solarOpen } from './glm4-moe.js';
import { readGlm4vVision } from './glm4v.js';
import { gptOss } from './gpt-oss.js';
import { codegen, gpt2, gptBigcode, gptj, gptNeo } from './gpt2.js';
import { graniteMoeHybrid } from './granite-hybrid.js';
import { graniteSpeechWrapper } from './granite-speech.js';
import { graniteMoeShared } from './granitemoe-shared.js';
import { hunyuanV1Dense, hunyuanV1Moe } from './hunyuan.js';
import { readHunyuanVlVision } from './hunyuan-vl.js';
import { internvlFamily } from './internvl.js';
import { kimiK25Wrapper } from './kimi-k25.js';
import { kimiLinear } from './kimi-linear.js';
import { lfm2, lfm2Moe } from './lfm2.js';
import { lfm2VlWrapper } from './lfm2-vl.js';
import { llama, ministral3, mistral, qwen2 } from './llama.js';
import { bitnet, cwm, helium, ministral } from './llama-likes-2025.js';
import {
  arcee,
  baichuan,
  bailingMoe,
  chatglm,
  exaone,
  internlm2,
  minicpm,
  qwenV1,
} from './llama-variants.js';
import { llama4Text } from './llama4.js';
import { llavaOriginalFamily } from './llava-original.js';
import { longcatFlash } from './longcat-flash.js';
import { jamba, mamba, mamba2 } from './mamba.js';
import { mimo, mimoV2Flash } from './mimo.js';
import { minimax } from './minimax.js';
import { minimaxM2, minimaxM3 } from './minimax-m2.js';
import { mixtral, phimoe } from './mixtral.js';
import { minicpm3, youtu } from './mla-dense.js';
import { mllamaText, mllamaWrapper } from './mllama.js';
import { nemotronH } from './nemotron-h.js';
import { nemotronNas } from './nemotron-nas.js';
import { olmo, olmo2, olmo3 } from './olmo2.js';
import { phi3 } from './phi3.js';
import { phi4Multimodal, phi4mm } from './phi4mm.js';
import { readPixtralVision } from './pixtral-vision.js';
import { qwen3, qwen3Moe } from './qwen3.js';
import { qwen3Next, qwen35, qwen35Moe } from './qwen3-next.js';
import { qwen3OmniMoe, qwen3OmniMoeThinker } from './qwen3-omni.js';
import { qwen25Omni, qwen25OmniThinker } from './qwen25-omni.js';
import type { Family } from './readers.js';
import { recentFamilies } from './recent-families.js';
import { sarvamMla } from './sarvam-mla.js';
import { sarvamMoe } from './sarvam-moe.js';
import { apertus, exaone4, seedOss, smollm3 } from './small-dense.js';
import { step3Text, step3VlWrapper } from './step3.js';
import { step3p5, step3p7Wrapper } from './step3p5.js';
import { vaultgemma } from './vaultgemma.js';
import {
  readKimiK3Vision,
  readLlama4Vision,
  readLlavaVision,
  readMinimaxM3Vision,
  readQwen2Vision,
  readQwenVision,
  readSiglipVision,
} from './vision.js';
import { ayaVisionWrapper, cohere2VisionWrapper, paddleOcrVlFamily } from './vlm-2025.js';
import { deepseekVl2Family, idefics3Wrapper, kimiVlWrapper } from './vlm-wrappers.js';
import { subConfig, wrapped } from './wrappers.js';
import { zamba2 } from './zamba2.js';

/** The vision tower of sub-config `vision_config` (class defaults of `defaultType`), or null when absent. */
function vision<T>(top: Fields, defaultType: string, read: (f: Fields) => T): T | null {
  const child = subConfig(top, 'vision_config', defaultType);
  return child ? read(child) : null;
}

/** A text family by `model_type` (for the `text_config` of a wrapper). */
const familyOf = (modelType: string): Family | undefined =>
  Object.hasOwn(FAMILIES, modelType) ? (FAMILIES as Record<string, Family>)[modelType] : undefined;

const qwenVision = (top: Fields) => vision(top, 'qwen3_vl', readQwenVision);

/**
 * Fuyu's only vision module: vision_embed_tokens, a Linear (with bias) from a flattened
 * `patch_size`² × `num_channels` patch to the text width; images keep their own size.
 */
function readFuyuPatches(top: Fields, textHidden: number): VisionTowerSpec {
  const patch = top.positiveInt('patch_size', { fallback: 30, max: 4096 });
  const channels = top.positiveInt('num_channels', { fallback: 3, max: 64 });
  return {
    description: `linear patch embedding ${patch}×${patch}×${channels} → ${textHidden} (no encoder)`,
    params: patch * patch * channels * textHidden + textHidden,
    patchSize: patch,
    imageSize: null,
    flopsPerImage: null,
  };
}

/** GLM-4.1V (modeling_glm4v.py): a glm4v_text decoder (or what text_config names) and the GLM-4V ViT. */
const glm4vWrapper = wrapped(familyOf, {
  textType: 'glm4v_text',
  vision: (top) => vision(top, 'glm4v_vision', readGlm4vVision),
});

/**
 * A LLaVA wrapper: text model of `textType` unless its text_config names one, tower of `towerType`; a
 * `pixtral` tower (mistral-community/pixtral-12b, Apriel 1.5/1.6) with LLaVA's projector on every patch.
 * LLaVA's own flat format (no `vision_config`, the tower named by `mm_vision_tower`) goes to llava-original.ts.
 */
function llavaFamily(textType: string, towerType: string, anyres: boolean): Family {
  const hf = wrapped(familyOf, {
    textType,
    vision: (top, textHidden) =>
      vision(top, towerType, (v) =>
        !anyres && v.string('model_type', towerType) === 'pixtral'
          ? readPixtralVision(top, v, textHidden, 'llava')
          : readLlavaVision(top, v, textHidden, anyres, towerType),
      ),
  });
  return (top, name) =>
    !top.has('vision_config') && top.has('mm_vision_tower')
      ? llavaOriginalFamily(familyOf)(top, name)
      : hf(top, name);
}

export const FAMILIES = {
  llama,
  mistral,
  mixtral,
  qwen2_moe: qwen2Moe,
  olmoe,
  gpt_neox: gptNeox,
  phi,
  starcoder2,
  nemotron,
  gemma,
  cohere,
  cohere2,
  arcee,
  exaone,
  bailing_moe: bailingMoe,
  bailing_moe_v2: bailingMoeV2,
  bailing_moe_linear: bailingMoeLinear,
  chatglm,
  internlm2,
  qwen: qwenV1,
  stablelm,
  gpt_bigcode: gptBigcode,
  glm,
  phimoe,
  minicpm,
  olmo,
  // GraniteForCausalLM is Llama's layer with scalar multipliers (no parameters); GraniteMoe's
  // input_linear/output_linear experts and bias-free router count as Mixtral's.
  granite: llama,
  granitemoe: mixtral,
  granitemoeshared: graniteMoeShared,
  ernie4_5: ernie45Moe,
  hunyuan_v1_dense: hunyuanV1Dense,
  qwen2_vl: wrapped(familyOf, {
    textType: 'qwen2_vl_text',
    vision: (top, textHidden) => vision(top, 'qwen2_vl', (v) => readQwen2Vision(v, textHidden, '2')),
  }),
  qwen2_vl_text: qwen2,
  qwen2_5_vl: wrapped(familyOf, {
    textType: 'qwen2_5_vl_text',
    vision: (top, textHidden) => vision(top, 'qwen2_5_vl', (v) => readQwen2Vision(v, textHidden, '2.5')),
  }),
  qwen2_5_vl_text: qwen2,
  qwen2,
  qwen3,
  qwen3_moe: qwen3Moe,
  gemma2,
  phi3,
  // Phi-4-multimodal: the release's remote-code spelling and transformers' port.
  phi4mm,
  phi4_multimodal: phi4Multimodal,
  olmo2,
  gpt2,
  falcon,
  deepseek_v2: deepseek,
  deepseek_v3: deepseek,
  kimi_k2: deepseek,
  glm4_moe: glm4Moe,
  glm4,
  glm4v: glm4vWrapper,
  // GLM-4.6V (modular_glm46v.py): GLM-4.1V's wrapper over any text and vision model its sub-configs name
  // (AutoModel.from_config), glm4v_text and glm4v_vision by default.
  glm46v: glm4vWrapper,
  glm4v_text: glm4,
  glm4_moe_lite: glm4MoeLite,
  glm4v_moe: wrapped(familyOf, {
    textType: 'glm4v_moe_text',
    vision: (top) => vision(top, 'glm4v_moe_vision', readGlm4vVision),
  }),
  glm4v_moe_text: glm4Moe,
  hunyuan_vl: wrapped(familyOf, {
    textType: 'hunyuan_vl_text',
    vision: (top, textHidden) => vision(top, 'hunyuan_vl_vision', (v) => readHunyuanVlVision(v, textHidden)),
  }),
  hunyuan_vl_text: hunyuanV1Dense,
  // Fuyu-8B (modeling_fuyu.py): a Persimmon language model fed image patches through one linear layer.
  fuyu: wrapped(familyOf, {
    textType: 'persimmon',
    vision: (top, textHidden) => readFuyuPatches(top, textHidden),
  }),
  gpt_oss: gptOss,
  deepseek_v32: deepseekV32,
  glm_moe_dsa: glmMoeDsa,
  qwen3_next: qwen3Next,
  qwen3_5: wrapped(familyOf, { textType: 'qwen3_5_text', vision: qwenVision }),
  qwen3_5_text: qwen35,
  qwen3_5_moe: wrapped(familyOf, { textType: 'qwen3_5_moe_text', vision: qwenVision }),
  qwen3_5_moe_text: qwen35Moe,
  qwen3_vl: wrapped(familyOf, { textType: 'qwen3_vl_text', vision: qwenVision }),
  qwen3_vl_text: qwen3,
  qwen3_vl_moe: wrapped(familyOf, { textType: 'qwen3_vl_moe_text', vision: qwenVision }),
  qwen3_vl_moe_text: qwen3Moe,
  llama4: wrapped(familyOf, {
    textType: 'llama4_text',
    vision: (top, textHidden) => vision(top, 'llama4_vision_model', (v) => readLlama4Vision(v, textHidden)),
  }),
  llama4_text: llama4Text,
  gemma3: wrapped(familyOf, {
    textType: 'gemma3_text',
    vision: (top, textHidden) =>
      vision(top, 'siglip_vision_model', (v) =>
        readSiglipVision(
          v,
          textHidden,
          top.positiveInt('mm_tokens_per_image', { fallback: 256, max: 1_000_000 }),
        ),
      ),
  }),
  gemma3_text: gemma3Text,
  gemma3n: gemma3nWrapper(familyOf),
  gemma3n_text: gemma3nText,
  gemma4: gemma4Wrapper(familyOf),
  gemma4_text: gemma4Text,
  // LLaVA 1.5, LLaVA-NeXT (anyres, image_newline), LLaVA-OneVision (SigLIP, Qwen2): their
  // text_config's family, the tower by vision_config.model_type (LlavaConfig's default CLIP).
  internvl: internvlFamily(familyOf, 'hf'),
  internvl_chat: internvlFamily(familyOf, 'original'),
  mllama: mllamaWrapper(familyOf),
  mllama_text_model: mllamaText,
  llava: llavaFamily('llama', 'clip_vision_model', false),
  llava_next: llavaFamily('llama', 'clip_vision_model', true),
  llava_onevision: llavaFamily('qwen2', 'siglip_vision_model', true),
  // LLaVA's own flat configs (haotian-liu/LLaVA, LLaVA-NeXT): the text model its class names, the
  // vision side from mm_vision_tower, mm_projector_type and mm_patch_merge_type.
  llava_llama: llavaOriginalFamily(familyOf),
  llava_mistral: llavaOriginalFamily(familyOf),
  llava_qwen: llavaOriginalFamily(familyOf),
  mistral3: wrapped(familyOf, {
    textType: 'mistral',
    vision: (top, textHidden) => vision(top, 'pixtral', (v) => readPixtralVision(top, v, textHidden)),
  }),
  minimax,
  // The checkpoints' own config.json (remote code): MiniMaxText01Config / MiniMaxM1Config.
  minimax_text_01: minimax,
  minimax_m1: minimax,
  // MiniMax-VL-01: LLaVA-NeXT's anyres CLIP tower, projector and image_newline on MiniMax-Text-01.
  minimax_vl_01: llavaFamily('minimax_text_01', 'clip_vision_model', true),
  minimax_vl_01_text: minimax,
  minimax_m2: minimaxM2,
  minimax_m3: minimaxM3,
  minimax_m3_vl: wrapped(familyOf, {
    textType: 'minimax_m3',
    vision: (top, textHidden) =>
      vision(top, 'minimax_m3_vl_vision', (v) => readMinimaxM3Vision(top, v, textHidden)),
  }),
  minimax_m3_vl_text: minimaxM3,
  nemotron_h: nemotronH,
  'nemotron-nas': nemotronNas,
  olmo3,
  smollm3,
  seed_oss: seedOss,
  exaone4,
  // EXAONE 4.5: EXAONE 4.0's text model and a Qwen2.5-VL ViT with grouped KV heads.
  exaone4_5: exaone45Wrapper(familyOf),
  dots1,
  granitemoehybrid: graniteMoeHybrid,
  kimi_linear: kimiLinear,
  kimi_k25: kimiK25Wrapper(familyOf),
  kimi_vl: kimiVlWrapper(familyOf),
  deepseek_vl_v2: deepseekVl2Family(familyOf),
  idefics3: idefics3Wrapper(familyOf, 'idefics3_vision'),
  smolvlm: idefics3Wrapper(familyOf, 'smolvlm_vision'),
  cohere2_vision: cohere2VisionWrapper(familyOf),
  aya_vision: ayaVisionWrapper(familyOf),
  ...recentFamilies(familyOf),
  paddleocr_vl: paddleOcrVlFamily(familyOf),
  voxtral: voxtralWrapper(familyOf),
  qwen2_audio: qwen2AudioWrapper(familyOf),
  granite_speech: graniteSpeechWrapper(familyOf),
  kimi_k3: wrapped(familyOf, {
    textType: 'kimi_linear',
    vision: (top, textHidden) => vision(top, 'kimi_k3_vision', (v) => readKimiK3Vision(v, textHidden)),
  }),
  falcon_h1: falconH1,
  zamba2,
  bamba,
  afmoe,
  longcat_flash: longcatFlash,
  lfm2,
  lfm2_moe: lfm2Moe,
  // LFM2-VL: transformers' native type, and the release's remote-code spelling.
  lfm2_vl: lfm2VlWrapper(familyOf),
  'lfm2-vl': lfm2VlWrapper(familyOf),
  qwen3_omni_moe: qwen3OmniMoe,
  qwen3_omni_moe_thinker: qwen3OmniMoeThinker,
  qwen2_5_omni: qwen25Omni,
  qwen2_5_omni_thinker: qwen25OmniThinker,
  apertus,
  bitnet,
  nanochat,
  jais2,
  youtu,
  minicpm3,
  ministral,
  ministral3,
  solar_open: solarOpen,
  cwm,
  helium,
  mimo,
  mimo_v2_flash: mimoV2Flash,
  deepseek_v4: deepseekV4,
  step3_text: step3Text,
  step3_vl: step3VlWrapper(familyOf),
  step3p5,
  exaone_moe: exaoneMoe,
  sarvam_moe: sarvamMoe,
  sarvam_mla: sarvamMla,
  step3p7: step3p7Wrapper(familyOf),
  flex_olmo: flexOlmo,
  vaultgemma,
  ernie4_5_moe: ernie45Moe,
  // ERNIE-4.5-VL: the release's flat config, and transformers' native nesting.
  ernie4_5_moe_vl: ernie45MoeVl,
  ernie4_5_vl_moe: ernie45VlMoe,
  hunyuan_v1_moe: hunyuanV1Moe,
  mamba,
  falcon_mamba: mamba,
  mamba2,
  jamba,
  bloom,
  opt,
  dbrx,
  mpt,
  persimmon,
  baichuan,
  gptj,
  codegen,
  gpt_neo: gptNeo,
} as const satisfies Record<string, Family>;

export type SupportedModelType = keyof typeof FAMILIES;

export const SUPPORTED_MODEL_TYPES = Object.keys(FAMILIES) as readonly SupportedModelType[];
