/**
 * The builder that stamps each operation record (operation-types.ts) with its request's datatype and
 * pass logic: forward GEMMs, or input- and weight-gradient GEMMs in the backward phase; attention,
 * mixer, memory-bound and collective ops. Split out of operation-types.ts.
 */
import type { Collective } from '../hardware/collectives.js';
import type { Datatype } from '../hardware/hardware-spec.js';
import type {
  CollectiveOp,
  GemmOp,
  GemmPass,
  MixerOp,
  OpComponent,
  Operation,
  OperationRequest,
} from './operation-types.js';

/** The datatypes 16 bits wide or wider; the output head runs any other (8- and 4-bit) in BF16. */
const AT_LEAST_16_BIT: ReadonlySet<Datatype> = new Set(['fp32', 'tf32', 'bf16', 'fp16']);

/**
 * A component's GEMM datatype and input bytes under `request`. The output head stays BF16 under FP8 and
 * 4-bit recipes: DeepSeek-V3 keeps it in higher precision (arXiv:2412.19437, Sec. 3.3.1), Megatron-Core's
 * output layer is not a Transformer Engine module, torchtitan's Float8 converter skips it, and quantized
 * checkpoints leave lm_head unquantized (ModelOpt's default disabled quantizers, transformers'
 * modules_to_not_convert). Attention projections take `attentionGemm` where the checkpoint set one.
 */
function gemmFormat(
  component: OpComponent,
  request: Pick<OperationRequest, 'datatype' | 'gemmInputBytes' | 'attentionGemm'>,
): { datatype: Datatype; inputBytes: number } {
  if (component === 'head' && (!AT_LEAST_16_BIT.has(request.datatype) || request.gemmInputBytes < 2))
    return { datatype: 'bf16', inputBytes: 2 };
  if (component === 'attentionProjections' && request.attentionGemm) return request.attentionGemm;
  return { datatype: request.datatype, inputBytes: request.gemmInputBytes };
}

function gemmOp(
  name: string,
  component: OpComponent,
  pass: GemmPass,
  m: number,
  n: number,
  k: number,
  count: number,
  datatype: Datatype,
  inputBytesPerElement: number,
  sparse24: boolean,
  replicated: boolean,
  serving: boolean,
): GemmOp {
  return {
    type: 'gemm',
    name,
    component,
    pass,
    m,
    n,
    k,
    count,
    datatype,
    inputBytesPerElement,
    sparse24,
    replicated,
    serving,
  };
}

/** Builds op records for one request, so that every op carries the same datatype and pass logic. */
export class OpBuilder {
  readonly ops: Operation[] = [];
  constructor(
    private readonly request: OperationRequest,
    private readonly trainsBase: boolean,
  ) {}

  get backward(): boolean {
    return this.request.phase === 'backward';
  }

  /** A forward GEMM, or its input- and weight-gradient GEMMs in the backward phase. */
  gemm(
    name: string,
    component: OpComponent,
    m: number,
    n: number,
    k: number,
    options: {
      count?: number;
      datatype?: Datatype;
      bytes?: number;
      trains?: boolean;
      activations?: boolean;
      replicated?: boolean;
    } = {},
  ): void {
    if (m <= 0 || n <= 0 || k <= 0) return;
    const count = options.count ?? 1;
    if (count <= 0) return;
    const format = gemmFormat(component, this.request);
    const datatype = options.datatype ?? format.datatype;
    const bytes = options.bytes ?? format.inputBytes;
    const replicated = options.replicated === true;
    if (!this.backward) {
      const sparse = this.request.sparse24 === true && component !== 'head' && component !== 'router';
      const serving =
        (this.request.phase === 'decode' || this.request.phase === 'prefill') &&
        component !== 'routedExperts';
      this.ops.push(
        gemmOp(name, component, 'forward', m, n, k, count, datatype, bytes, sparse, replicated, serving),
      );
      return;
    }
    const grad = (suffix: string, pass: GemmPass, gm: number, gn: number, gk: number) =>
      this.ops.push(
        gemmOp(
          `${name}.${suffix}`,
          component,
          pass,
          gm,
          gn,
          gk,
          count,
          datatype,
          bytes,
          false,
          replicated,
          false,
        ),
      );
    grad('dgrad', 'input-gradient', m, k, n);
    // Both operands are activations (QKᵀ, softmax·V): two input gradients, no weight gradient.
    if (options.activations) grad('dgrad2', 'input-gradient', k, n, m);
    else if (options.trains ?? this.trainsBase) grad('wgrad', 'weight-gradient', k, n, m);
  }

  /** A memory-bound kernel; its backward reads and writes twice the bytes (gradients of both). */
  memory(name: string, component: OpComponent, bytesRead: number, bytesWritten: number, count = 1): void {
    this.memoryOnce(name, component, bytesRead, bytesWritten, this.backward ? 2 * count : count);
  }

  /** A memory-bound kernel moving exactly these bytes in this pass (a backward stated on its own). */
  memoryOnce(name: string, component: OpComponent, bytesRead: number, bytesWritten: number, count = 1): void {
    if (bytesRead + bytesWritten <= 0 || count <= 0) return;
    this.ops.push({ type: 'memory', name, component, bytesRead, bytesWritten, count });
  }

  /**
   * A token-mixing kernel with its forward FLOPs and bytes. Its backward computes two gradients per
   * product and recomputes what the forward did not keep (fla's chunk_gated_delta_rule_bwd recomputes
   * W, U and the chunk states; mamba_ssm's SSD backward the chunk states): FlashAttention-2's 2.5×
   * forward FLOPs (Sec. 3.2), as for attention; it reads the output gradient and writes input gradients
   * besides the forward's tensors (2× the bytes). Convolutions have nothing to recompute: 2×.
   */
  mixer(
    name: string,
    kernel: MixerOp['kernel'],
    tokens: number,
    flops: number,
    bytesRead: number,
    bytesWritten: number,
    options: { recurrent?: boolean; replicated?: boolean; savedBytes?: number } = {},
  ): void {
    if (tokens <= 0 || flops + bytesRead + bytesWritten <= 0) return;
    const backward = this.backward;
    const flopsFactor = backward ? (kernel === 'causal-conv1d' ? 2 : 2.5) : 1;
    const bytesFactor = backward ? 2 : 1;
    this.ops.push({
      type: 'mixer',
      name,
      component: 'attentionScores',
      pass: backward ? 'backward' : 'forward',
      kernel,
      tokens,
      recurrent: options.recurrent ?? false,
      flops: flops * flopsFactor,
      bytesRead: bytesRead * bytesFactor,
      bytesWritten: bytesWritten * bytesFactor,
      savedBytes: options.savedBytes ?? 0,
      ...(options.replicated ? { replicated: true } : {}),
    });
  }

  collective(
    name: string,
    component: CollectiveOp['component'],
    collective: Collective,
    bytes: number,
    groupSize: number,
    ranksApart: number,
    overlapsAttention?: boolean,
  ): void {
    if (groupSize <= 1 || bytes <= 0) return;
    const perNode = this.request.layout.gpusPerNode;
    const tier = perNode === undefined ? null : ranksApart * groupSize <= perNode ? 'scale-up' : 'scale-out';
    this.ops.push({
      type: 'collective',
      name,
      component,
      collective,
      bytes,
      groupSize,
      ranksApart,
      tier,
      ...(overlapsAttention ? { overlapsAttention } : {}),
    });
  }
}
