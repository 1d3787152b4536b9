/**
 * The families added in the 2026 passes (PaliGemma onwards), by Hugging Face `model_type`, spread
 * into `FAMILIES` (index.ts); wrappers read their text models through `familyOf`.
 */
import { apriel } from './apriel.js';
import { arctic } from './arctic.js';
import { aria, ariaText } from './aria.js';
import { audioFlamingo3Wrapper, glmAsrWrapper } from './audio-flamingo-glmasr.js';
import { bailingHybrid } from './bailing-hybrid.js';
import { blip2Wrapper } from './blip2.js';
import { chameleon } from './chameleon.js';
import { cohere2Moe } from './cohere2-moe.js';
import { cosmos3EdgeText, cosmos3EdgeWrapper } from './cosmos3-edge.js';
import { decilm } from './decilm.js';
import { deepseekMoe } from './deepseek-moe.js';
import { deepseekVlHybridWrapper, deepseekVlWrapper } from './deepseek-vl.js';
import { diffllama } from './diffllama.js';
import { diffusionGemma, diffusionGemmaText } from './diffusion-gemma.js';
import { dream, llada, llada2Moe } from './diffusion-lms.js';
import { doge, doge2 } from './doge.js';
import { dotsOcr } from './dots-ocr.js';
import { emu3, emu3Text } from './emu3.js';
import { fastVlmWrapper } from './fast-vlm.js';
import { gemma4Unified, gemma4UnifiedText } from './gemma4-unified.js';
import { gigachat35 } from './gigachat.js';
import { glmOcr, glmOcrText } from './glm-ocr.js';
import { glm5Next, glm5NextText } from './glm5-next.js';
import { gotOcr2Wrapper } from './got-ocr2.js';
import { graniteMoeSwa, graniteSwa } from './granite-swa.js';
import { granite4VisionWrapper } from './granite4-vision.js';
import { grok1 } from './grok.js';
import { hgrn, hgrn2, hgrnBit } from './hgrn.js';
import { hrmText } from './hrm-text.js';
import { hunyuanLarge } from './hunyuan-large.js';
import { hyV3 } from './hy-v3-v4.js';
import { hyV4 } from './hy-v4.js';
import { hymba } from './hymba.js';
import { hyperclovax } from './hyperclovax.js';
import { idefics } from './idefics.js';
import { idefics2Wrapper } from './idefics2.js';
import { inklingMm, inklingText } from './inkling.js';
import { aquila, internlm } from './internlm-aquila.js';
import { internlm3 } from './internlm3.js';
import { isaac } from './isaac.js';
import { jais } from './jais.js';
import { janusWrapper } from './janus.js';
import { jetmoe } from './jetmoe.js';
import { klear } from './klear.js';
import { kosmos2, kosmos2Text } from './kosmos2.js';
import { laguna } from './laguna.js';
import { biogpt, ctrl, gptNeoxJapanese, openaiGpt, xglm } from './legacy-decoders.js';
import { lightonOcrWrapper } from './lighton-ocr.js';
import { llavaNextVideoWrapper } from './llava-next-video.js';
import { videoLlavaWrapper, vipLlavaWrapper } from './llava-variants.js';
import { mellum } from './mellum.js';
import { mimoV2 } from './mimo-v2.js';
import { minicpmoWrapper } from './minicpmo.js';
import { minicpmvWrapper } from './minicpmv.js';
import { minicpmV46Wrapper } from './minicpmv4-6.js';
import { mistral4 } from './mistral4.js';
import { molmo } from './molmo.js';
import { molmo2 } from './molmo2.js';
import { moondream1, moondream3 } from './moondream.js';
import { museGlimmerText, museGlimmerWrapper } from './muse-glimmer.js';
import { nanbeige } from './nanbeige.js';
import { nemotronHOmniFamily } from './nemotron-h-omni.js';
import { llamaNemotronNanoVlFamily, nemotronNanoVlV2Family } from './nemotron-nano-vl.js';
import { olmoHybrid } from './olmo-hybrid.js';
import { openelm } from './openelm.js';
import { openPanguEmbedded, openPanguUltraMoe } from './openpangu.js';
import { orion } from './orion.js';
import { ouro } from './ouro.js';
import { ovis2Wrapper } from './ovis2.js';
import { ovis25Wrapper } from './ovis2-5.js';
import { paligemmaWrapper } from './paligemma.js';
import { perceptionLmWrapper } from './perception-lm.js';
import { phi3V } from './phi3-v.js';
import { phi3small } from './phi3small.js';
import { phi4flash } from './phi4flash.js';
import { plamo2 } from './plamo2.js';
import { plamo3 } from './plamo3.js';
import { qianfanOcrWrapper } from './qianfan-ocr.js';
import { qwen3Asr } from './qwen3-asr.js';
import { qwen4ExpText, qwen4ExpWrapper } from './qwen4-exp.js';
import type { Family } from './readers.js';
import { recurrentGemma } from './recurrent-gemma.js';
import { rwkv, rwkv7 } from './rwkv.js';
import { rwkv5 } from './rwkv5.js';
import { rwkv6 } from './rwkv6.js';
import { shieldGemma2Wrapper } from './shieldgemma2.js';
import { bluelm, skywork } from './skywork-bluelm.js';
import { skyworkMoe } from './skywork-moe.js';
import { smallthinker } from './smallthinker.js';
import { telechat, telechat2 } from './telechat.js';
import { ultravoxWrapper } from './ultravox.js';
import { videoLlama3Wrapper } from './video-llama3.js';
import { voxtralRealtime } from './voxtral-realtime.js';
import type { FamilyOf } from './wrappers.js';
import { xlstm } from './xlstm.js';
import { xverse } from './xverse.js';
import { yuan } from './yuan.js';
import { zamba } from './zamba.js';
import { zaya } from './zaya.js';

export const recentFamilies = (familyOf: FamilyOf) =>
  ({
    // PaliGemma (Gemma 2B) and PaliGemma 2 (Gemma 2): SigLIP patch tokens through one linear projector.
    paligemma: paligemmaWrapper(familyOf),
    // Idefics2: a Mistral text model, a SigLIP tower, a gated modality MLP and a perceiver resampler.
    idefics2: idefics2Wrapper(familyOf),
    // poolside Laguna: per-kind heads and softplus output gates over full/sliding GQA, sigmoid-routed MoE.
    laguna,
    // Meta Muse Glimmer: Gemma 2 layers with an elementwise gate_proj, a windowed ViT and adapter.
    muse_glimmer_text: museGlimmerText,
    muse_glimmer: museGlimmerWrapper(familyOf),
    // Mistral 4 (Mistral Small 4's text model): DeepSeek-V3 MLA, shared and softmax-routed experts, no MTP.
    mistral4,
    // Tencent Hunyuan 3 (Hy3-preview): q/k-normed GQA, dense layer 0, 192 sigmoid-routed experts + bias + a shared one, MTP apart.
    hy_v3: hyV3,
    // OLMo Hybrid: Gated DeltaNet on 3 of 4 layers, OLMo 3 attention (q/k norms over all heads) on the 4th.
    olmo_hybrid: olmoHybrid,
    // Granite SWASH: full and 128-token sliding layers with a learned sink per head; dense, or GraniteMoE experts.
    granite_swa: graniteSwa,
    granitemoe_swa: graniteMoeSwa,
    // GLM-5.3-Flash: KDA and NoPE MLA/DSA layers with a k-pool indexer, mHC streams, MoE; GLM-OCR-style ViT.
    glm5_next: glm5Next,
    glm5_next_text: glm5NextText,
    // Qwen4-Exp: Gated DeltaNet and QSA block-sparse gated attention, MoE with a gated shared expert, Qwen3.5 ViT.
    qwen4_exp: qwen4ExpWrapper(familyOf),
    qwen4_exp_text: qwen4ExpText,
    // Cohere 2 MoE: Cohere 2's parallel block, a dense prefix, Mixtral-style experts with an optional shared one.
    cohere2_moe: cohere2Moe,
    // HyperCLOVA X SEED: Granite's decoder with Peri-LN post-norms (use_post_norm) and MuP scalars.
    hyperclovax,
    // Aria: an aria_text MoE (64 experts top-6 + 2 shared), an Idefics3 tower and a cross-attention projector.
    aria,
    aria_text: ariaText,
    // Nemotron 3 Nano Omni: a Nemotron-H text model, a C-RADIO tower and a Parakeet audio encoder counted apart.
    nemotron_h_omni: nemotronHOmniFamily(familyOf),
    // IBM Granite 4 Vision: a Granite text model, a SigLIP tower, deepstack and spatial Q-Former projectors.
    granite4_vision: granite4VisionWrapper(familyOf),
    // JetBrains Mellum 2: Qwen3-MoE attention on full and sliding layer_types, dense or 64-expert MoE layers.
    mellum,
    // LightOnOCR: a text model by its own type (Qwen3), a Pixtral encoder and a bias-free patch-merger projector.
    lighton_ocr: lightonOcrWrapper(familyOf),
    // GLM-OCR: GLM-4's dense layer without q/k/v bias, its MTP layer and the GLM-OCR ViT counted apart.
    glm_ocr: glmOcr,
    glm_ocr_text: glmOcrText,
    // Zyphra Zamba-7B-v1: a Mamba-1 backbone; one shared attention + MLP block called by every hybrid layer.
    zamba,
    // Gemma 4 unified (gemma-4-12B): Gemma 4's decoder without PLE or MoE; encoder-free patch and audio embedders.
    gemma4_unified: gemma4Unified,
    gemma4_unified_text: gemma4UnifiedText,
    // MiniCPM-V 4.6: a Qwen3.5 text model (no MTP), a SigLIP NaViT tower with window and MLP mergers.
    minicpmv4_6: minicpmV46Wrapper(familyOf),
    // Baidu Qianfan-OCR: an InternVL-style Qianfan-ViT and pixel-shuffle projector over a Qwen3 text model.
    qianfan_ocr: qianfanOcrWrapper(familyOf),
    // RecurrentGemma (Griffin): RG-LRU blocks read as Mamba-1 of state size 1, local MQA every third block.
    recurrent_gemma: recurrentGemma,
    // AIDC-AI Ovis2 (transformers format): a Qwen2 text model, an AIMv2 visual tokenizer with its visual-vocabulary head and table.
    ovis2: ovis2Wrapper(familyOf),
    // NVIDIA Cosmos 3 Edge: Llama GQA layers with an ungated ReLU² MLP, an untied head, a SigLIP2 tower and patch merger.
    cosmos3_edge: cosmos3EdgeWrapper(familyOf),
    cosmos3_edge_text: cosmos3EdgeText,
    // LLaVA-NeXT-Video: LLaVA-NeXT's modules plus the frame pooler (a Conv2d only in 'conv' mode).
    llava_next_video: llavaNextVideoWrapper(familyOf),
    // Meta Chameleon: a Llama-like decoder with per-head q/k LayerNorms; the VQ-VAE image tokenizer apart.
    chameleon,
    // BAAI Emu3: a Llama decoder over a vocabulary with visual tokens; the VQ-VAE tokenizer apart.
    emu3,
    emu3_text_model: emu3Text,
    // DeepSeek Janus / Janus-Pro: a Llama text model; the ViT and aligner, VQ-VAE and generation modules as the tower.
    janus: janusWrapper(familyOf),
    // DiffusionGemma: Gemma 4 26B-A4B's text stack tied across a causal encoder and a block-diffusion decoder.
    diffusion_gemma: diffusionGemma,
    diffusion_gemma_text: diffusionGemmaText,
    // HRM-Text: L and H stacks unrolled over their cycles, each stack's weights counted once.
    hrm_text: hrmText,
    // DiffLlama: Llama with differential attention (the 4·head_dim lambdas a layer as lookup tables; 2× score FLOPs warned).
    diffllama,
    // Zyphra ZAYA1: CCA attention read as GQA (convolutions, key temperatures, the MLP router as lookup tables), top-1 MoE.
    zaya,
    // Tencent Hy4: gated MLA with sinks, DSA with shared indexers, iHC hyper-connections, 256 experts with a shared one.
    hy_v4: hyV4,
    // GOT-OCR 2.0: a Qwen2 text model; the SAM ViT-B, its neck and the conv/linear projector counted apart.
    got_ocr2: gotOcr2Wrapper(familyOf),
    // DeepSeek-VL (transformers format): a Llama text model; SigLIP and the aligner, and for the hybrid a SAM ViT-B with its necks and proj.
    deepseek_vl: deepseekVlWrapper(familyOf),
    deepseek_vl_hybrid: deepseekVlHybridWrapper(familyOf),
    // Meta PerceptionLM: a Llama text model, a timm Perception Encoder tower and the pooling projector.
    perception_lm: perceptionLmWrapper(familyOf),
    // NX-AI xLSTM-7B: mLSTM blocks (linear attention's mlstm variant) and a gated feed-forward.
    xlstm,
    // NVIDIA Nemotron Nano VL (remote code, spelled as the configs spell them): the text model by its family; RADIO ViT and mlp1 apart.
    NemotronH_Nano_VL_V2: nemotronNanoVlV2Family(familyOf),
    Llama_Nemotron_Nano_VL: llamaNemotronNanoVlFamily(familyOf),
    // rednote-hilab dots.ocr: a Qwen2 text model at the top level; the 42-layer NaViT and patch merger apart.
    dots_ocr: dotsOcr,
    // MiniCPM-V 2.5/2.6/4.0/4.5 (remote code): the top-level text model by its LLM class per `version`; SigLIP NaViT and resampler apart.
    minicpmv: minicpmvWrapper(familyOf),
    // Phi-3/3.5-vision: the Phi-3-mini decoder at the top level; CLIP ViT-L/14-336, HD separators and projector apart.
    phi3_v: phi3V,
    // MiniCPM-o 2.6: MiniCPM-V 2.6 plus a Whisper-medium encoder and projector as audio; the ChatTTS decoder's size warned.
    minicpmo: minicpmoWrapper(familyOf),
    // Molmo (allenai, 0924): an OLMo-style decoder with 128 extra embedding rows; CLIP ViT-L (23 blocks), attention pooling and projector apart.
    molmo,
    // Fixie Ultravox v0.4–v0.6: the text model by its own family; the Whisper encoder and stacking SwiGLU projector as audio.
    ultravox: ultravoxWrapper(familyOf),
    // NVIDIA Audio Flamingo 3: a Qwen2 text model; a Whisper-style encoder (2× average pool) and a 2-layer GELU projector as audio.
    audioflamingo3: audioFlamingo3Wrapper(familyOf),
    // Z.ai GLM-ASR: a Llama text model (head tied by the top-level tie_word_embeddings); a RoPE audio encoder and frame-stacking projector as audio.
    glmasr: glmAsrWrapper(familyOf),
    // Older decoder-only LMs transformers still ships: GPT-1, CTRL, XGLM, BioGPT, GPT-NeoX-Japanese.
    'openai-gpt': openaiGpt,
    ctrl,
    xglm,
    biogpt,
    gpt_neox_japanese: gptNeoxJapanese,
    // ViP-LLaVA: a LLaVA-1.5 text model and CLIP tower; a LayerNorm + MLP projector over 5 concatenated hidden states.
    vipllava: vipLlavaWrapper(familyOf),
    // Video-LLaVA: a Vicuna text model, separate image and video CLIP-L/14 towers, LLaVA's projector.
    video_llava: videoLlavaWrapper(familyOf),
    // ShieldGemma 2: Gemma3ForConditionalGeneration under an image-safety head that adds no weights (read as `gemma3`).
    shieldgemma2: shieldGemma2Wrapper(familyOf),
    // BLIP-2: the text model by its own model_type (OPT by default; a T5 one refused); EVA ViT-g, Q-Former and projection apart.
    'blip-2': blip2Wrapper(familyOf),
    // Kosmos-2: a sub-LN decoder (Kosmos2TextForCausalLM); CLIP ViT-L/14 and the latent-query image-to-text projection apart.
    'kosmos-2': kosmos2,
    kosmos_2_text_model: kosmos2Text,
    // Apple FastVLM: a Qwen2 text model; timm's reparameterised FastViTHD (fastvit_mci3/mci4) and the 2-layer projector apart.
    fast_vlm: fastVlmWrapper(familyOf),
    // VideoLLaMA3: the text model by its own model_type; a SigLIP-NaViT encoder (no position table) and 2-layer projector apart.
    video_llama_3: videoLlama3Wrapper(familyOf),
    // RWKV-4 (RwkvForCausalLM): linear attention's rwkv4 variant — per-channel WKV scan, token shift, ln0.
    rwkv,
    // RWKV-7 Goose (fla RWKV7ForCausalLM): the rwkv7 variant — DPLR delta rule, low-rank w/a/v/g, no v_lora on layer 0.
    rwkv7,
    // IDEFICS v1 (idefics-9b/-80b): LLaMA with gated cross-attention layers (k/v from the vision width); CLIP ViT-H and perceiver apart.
    idefics,
    // JetMoE: a mixture of attention heads read as GQA of kv·top-k heads (router, biases, unrouted experts' q/o as layer extras), top-2 of 8 GLU experts.
    jetmoe,
    // Voxtral Realtime: Mistral text layers with a per-layer ada_rms_norm on the delay (extras); a causal RoPE encoder and projector as audio.
    voxtral_realtime: voxtralRealtime,
    // Snowflake Arctic: a dense-MoE hybrid, 128 experts top-2 beside a residual SwiGLU MLP of width h on each MoE layer.
    arctic,
    // xAI Grok-1 (hpcai-tech/grok-1): bias-free GQA, 8 GeLU-gated experts top-2 per layer, four RMSNorms a layer, tied head.
    'grok-1': grok1,
    // Molmo 2: a Qwen3- or OLMo-style decoder with 128 extra embedding rows; SigLIP 2 (25 of 27 blocks), pooling attention and SwiGLU projector apart.
    molmo2,
    // Apple OpenELM: per-layer query/KV heads and FFN widths (layer-wise scaling), fused qkv_proj, q/k RMSNorms, GLU proj_1/proj_2.
    openelm,
    // Jais (jais-13b, jais-30b, jais-family-*): GPT-2 blocks with a SwiGLU c_fc/c_fc2, ALiBi (its frozen slopes counted) or learned positions, tied head.
    jais,
    // Perceptron Isaac: Qwen3 text (the remote code's flat layout or a nested text_config); SigLIP2 NaFlex, pixel shuffle and SiLU projector apart.
    isaac,
    // Ouro (ByteDance LoopLM): Qwen2-style layers with sandwich RMSNorms run total_ut_steps times on shared weights (unrolled, each pass its own KV), early_exit_gate after each pass.
    ouro,
    // Nanbeige 4.2: Llama-style layers (optional q/k RMSNorms) run num_loops times on shared weights, or LoopSplit's repeated middle block; each call its own KV.
    nanbeige,
    // NVIDIA Hymba: attention heads and a Mamba-1 scan in parallel in every layer (one fused in_proj, one out_proj), cross-layer KV reuse, learned meta tokens.
    hymba,
    // PFN PLaMo 3: fused qkv with per-head q/k RMSNorms, four sandwich norms, one full layer in sliding_window_pattern, tied head.
    plamo3,
    // PowerInfer SmallThinker: bias-free GQA over full and sliding layers (sliding_window_layout), a pre-attention-routed MoE of ReGLU experts in every layer.
    smallthinker,
    // Masked-diffusion LMs (bidirectional; decoding re-runs the sequence each denoising step, warned): LLaDA-8B (OLMo-style LLaDAModelLM),
    // Dream-v0-7B (Qwen2 layout, q/k/v always biased), LLaDA2.0 (BailingMoeV2 modules under LLaDA2MoeConfig's defaults, block diffusion).
    llada,
    Dream: dream,
    llada2_moe: llada2Moe,
    // PFN PLaMo 2: Mamba layers (Mamba-1 projections, Δ per head, SSD scan) alternating with sliding-window GQA per mamba_step.
    plamo2,
    // XVERSE: dense 7B/13B/65B and MoE-A4.2B/A36B under one type (num_experts, moe_top_k and num_shared_experts make every layer MoE).
    xverse,
    // Skywork-MoE: Skywork-13B's layers (MHA, no bias) with 16 SwiGLU experts top-2 behind an h → E gate (a two-layer gate as extras when moe_2layer_gate).
    skywork_moe: skyworkMoe,
    // openPangu-Ultra-MoE-718B: DeepSeek-V3 MLA + MoE (sigmoid router, no bias) with sandwich norms; either key spelling.
    pangu_ultra_moe: openPanguUltraMoe,
    // openPangu-Embedded-1B/7B: Llama with biases on q/k/v/o (`bias`); `openpangu_dense` is the class's name in the transformers port.
    PanguEmbedded: openPanguEmbedded,
    openpangu_dense: openPanguEmbedded,
    // ServiceNow Apriel-5B (remote code): Llama's decoder under its own model_type and AprielConfig's defaults.
    apriel,
    // IEIT Yuan 2.0 (2B/51B/102B) and Yuan2.0-M32: Localized Filtering attention (two causal convs as extras + a third norm), SwiGLU or 32 experts top-2 behind an attention router.
    yuan,
    // TeleChat 1 and TeleChat2 (3B/7B/35B/115B): n_embd-style keys, query + key_value without bias, dense and down_proj (extras) with bias.
    telechat,
    // transformers' TeleChat2 port: Llama keys, o_proj and down_proj biased.
    telechat2,
    // InternLM3 (internlm3-8b-instruct, remote code): Llama's layer, separate q/k/v/o, biases per qkv_bias (q, k, v) and bias (o, MLP).
    internlm3,
    // OrionStar Orion-14B: Llama layers with biased nn.LayerNorm norms, bias-free q/k/v/o and SwiGLU, untied head.
    orion,
    // Kwai Klear-46B-A2.5B: Qwen3-MoE's layers at head_dim hidden/heads, sigmoid experts with expert_bias, a shared expert blended by a coefficient head (extras).
    Klear: klear,
    klear,
    // Phi-4-mini-flash-reasoning (SambaY): Mamba + sliding self-decoder, one full KV layer shared by the cross-decoder's q-only layers, GMUs as extras.
    phi4flash,
    // DeepSeekMoE 16B (remote code): Llama MHA, dense first_k_dense_replace layers, then softmax-routed fine-grained experts + fused shared experts.
    deepseek: deepseekMoe,
    // Tencent Hunyuan-Large (remote code): q/k-normed GQA with cross-layer KV sharing (use_cla), 16 experts top-1 + a shared MLP.
    hunyuan: hunyuanLarge,
    // AIDC-AI Ovis2.5 (remote-code format): a Qwen3 text model, a SigLIP2-NaViT visual tokenizer with its visual-vocabulary head and table.
    ovis2_5: ovis25Wrapper(familyOf),
    // Ling 2.5/2.6 (MLA every layer_group_size-th layer, lightning attention elsewhere) and Ling 3.0 (MLA + KDA with full-rank gates), Ling 2.0's MoE.
    bailing_hybrid: bailingHybrid,
    // Microsoft Phi-3-small (remote code): LayerNorm GQA with biased fused query_key_value/dense, GeGeLU up_proj h→2I; block-sparse layers counted as full (warned).
    phi3small,
    // Qwen3-ASR (0.6B, 1.7B): a Qwen3 text model under thinker_config; Qwen3-Omni's AuT encoder as audio. The forced aligner is refused.
    qwen3_asr: qwen3Asr,
    // Moondream 2 (vikhyatk/moondream2): Phi-style parallel blocks, SigLIP crops and region head apart; sizes from config.py's defaults.
    moondream1,
    // Moondream 3 (moondream/moondream3-preview): tau attention scaling as extras, 64 GeGLU experts top-8 from layer 4.
    moondream3,
    // Xiaomi MiMo-V2.5 / V2.5-Pro / V2.6: MiMo-V2-Flash's decoder with a fused qkv_proj; a MiMo ViT and an RVQ audio code tower counted apart.
    mimo_v2: mimoV2,
    // GigaChat 3.5: Gated DeltaNet + MLA (every 4th layer) hybrid, DeepSeek MoE, gated sandwich norms (their gates as extras).
    gigachat3_5: gigachat35,
    // Thinking Machines Inkling / Inkling-Small: local/global GQA with their own heads, a hidden-conditioned relative bias for RoPE and four short convs per layer (extras), sigmoid MoE with shared experts; hMLP and dMel towers apart.
    inkling_mm_model: inklingMm,
    // Inkling's bare text config (SGLang InklingModelConfig): the same text model, no towers.
    inkling_model: inklingText,
    // InternLM v1 (remote code): Llama layers with q/k/v/o biases per `bias` (default true), KV heads always the query heads.
    internlm,
    // BAAI Aquila / Aquila2 (remote code): bias-free Llama layers, GQA per num_key_value_heads (Aquila2-34B).
    aquila,
    // Skywork-13B (remote code): a thin-deep bias-free Llama; a GPT-2-style config under the same type (n_inner) is refused.
    skywork,
    // vivo BlueLM-7B (remote code): Llama layers behind a LayerNorm'd embedding (use_stable_embedding), NTK-mixed RoPE for 32K.
    BlueLM: bluelm,
    // Deci AI DeciLM-7B (remote code): Llama layers with num_key_value_heads_per_layer (variable GQA), each layer its own KV heads.
    deci: decilm,
    // SmallDoge Doge: q/k-normed GQA with a dynamic mask (A, dt_proj) and residual scales as extras; CDMoE's router and embeddings as extras.
    doge,
    // SmallDoge Doge2: transformers' Doge (A and dt_proj over the KV heads, q/k norms) with bias-free MLPs.
    doge2,
    // RWKV-5 Eagle (Hub remote code): static token shift, a decay per channel, multi-headed WKV with a gate and ln_x.
    rwkv5,
    // RWKV-6 Finch (Hub remote code and fla formats): data-dependent token shift and decay, RWKV-6's own time mix and WKV.
    rwkv6,
    // MatMul-free LM (HGRN-Bit): BitLinear layers counted as full matrices, HGRN's element-wise recurrence as a linear mixer.
    hgrn_bit: hgrnBit,
    // fla HGRN: HGRN's element-wise recurrence (i, f, g, g_norm, o; lower bounds) with nn.Linear projections and a GatedMLP.
    hgrn,
    // fla HGRN2: gated linear attention (q, f, i, a whole-width norm, o) with its H × d_k × d_v state.
    hgrn2,
  }) as const satisfies Record<string, Family>;
