/** The mixture-of-experts block of a decoder layer, as llmecon reasons about it (re-exported by spec.ts). */

export interface MoeSpec {
  /** Routed experts per MoE layer. */
  readonly numExperts: number;
  /** Routed experts each token goes to. */
  readonly topK: number;
  readonly expertIntermediateSize: number;
  readonly gated: boolean;
  /** Bias on expert matrices (gpt-oss). */
  readonly expertBias: boolean;
  /** Shared experts, always active; each of `sharedIntermediateSize`. */
  readonly numSharedExperts: number;
  readonly sharedIntermediateSize: number;
  /**
   * One parameter per expert next to the router weights: a Linear bias (gpt-oss) or DeepSeek-V3's
   * auxiliary-loss-free `e_score_correction_bias` (DeepSeek-V3 report Sec. 2.1.2).
   */
  readonly routerBias: boolean;
  /** A sigmoid gate scalar on the shared expert output (Qwen2-MoE): a `hidden → 1` projection. */
  readonly sharedExpertGate: boolean;
  /**
   * Group-limited routing (DeepSeek-V2/V3 `n_group`/`topk_group`): experts form `groups` groups and a
   * token goes to experts in at most `groupsPerToken` of them; with one group per node this bounds
   * the nodes a token is sent to (DeepSeek-V3 Sec. 2.1.2: at most 4 nodes). Null when unlimited.
   */
  readonly routingGroups: { readonly groups: number; readonly groupsPerToken: number } | null;
  /**
   * A second routed-expert group no text token runs (ERNIE-4.5-VL's vision experts, `moe_num_experts`
   * [text, vision]): its SwiGLU experts, router rows and per-expert bias are held like the text experts
   * (split by expert parallelism) and idle for a text token. Absent = one group.
   */
  readonly modalityExperts?: { readonly numExperts: number; readonly expertIntermediateSize: number };
  /**
   * A learned `hidden`-wide scale on the router's normalised input (Gemma 4 `Gemma4TextRouter.scale`;
   * its `per_expert_scale` is the one-per-expert `routerBias`). Absent = false.
   */
  readonly routerInputScale?: boolean;
  /**
   * The experts are two 3D parameters, gate_up_proj [E, 2I, h] and down_proj [E, h, I] (Gemma 4
   * `Gemma4TextExperts`): same weights and FLOPs, but an adapter on them (PEFT `target_parameters`)
   * is one rank-r pair per expert on the fused h → 2I projection. Absent = separate gate/up/down.
   */
  readonly fusedGateUp?: boolean;
  /**
   * The shared expert is the layer's own dense MLP beside the routed block (Gemma 4 `mlp`, run on
   * every token): adapters name it mlp.gate_proj/up_proj/down_proj. Absent = false.
   */
  readonly sharedIsDenseMlp?: boolean;
  /**
   * LatentMoE (Nemotron 3 Super `moe_latent_size`): the router reads the full hidden state, then
   * fc1_latent_proj (h → latent) feeds the routed experts, which work in the latent (input and
   * output width `latentSize`), and fc2_latent_proj (latent → h) lifts their sum back; dispatch and
   * combine carry latent-wide tokens; the shared experts stay at h. Absent = experts at h.
   */
  readonly latentSize?: number;
  /** LatentMoE: an RMSNorm of the latent after the combine, before the up-projection (Kimi K3 `latent_moe_use_norm`). */
  readonly latentNorm?: boolean;
  /**
   * The router is a module of the layer's extras (LayerSpec.extras: ZAYA1's ZayaRouter, down_proj h → r
   * and an MLP on r), not an h × numExperts Linear; softmax and top-k stay the block's. Absent = false.
   */
  readonly routerInExtras?: boolean;
}
