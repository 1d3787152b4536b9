/** Whether a serving replica spans nodes, in words: what crosses the NICs (serve, the web app's Serve view). */
import type { DeploymentCandidate } from './deployment.js';

/** A replica that spans nodes, in words, or null: its all-reduces, or its pipeline's sends, cross the NICs. */
export function acrossNodesStatement(c: DeploymentCandidate): string | null {
  const { tensorParallel: tp, pipelineParallel: pp = 1 } = c.replica;
  const node = c.cluster.gpusPerNode;
  if (tp * pp <= node) return null;
  const spans = `a replica spans ${Math.ceil((tp * pp) / node)} nodes of ${node} GPUs`;
  return tp > node
    ? `${spans}: TP${tp}, its all-reduces over the NICs, is what is costed (engines often pipeline across nodes instead, PP in the layouts)`
    : `${spans}: PP${pp} stages of TP${tp}, the hidden states sent between stages over the NICs`;
}
