// Types of bench/lib/flops.mjs for the TypeScript tests that import it.
export interface Compute {
  macs: number;
  flops: number;
  byOp: Record<string, number>;
  nodes: number;
}
export function modelCompute(bytes: Uint8Array, feeds: Record<string, { type: 'float32' | 'uint8' | 'int64'; dims: number[] }>): Promise<Compute>;
