import type * as Ort from 'onnxruntime-web/wasm';

/** A one-node ONNX graph (Identity, float32 [1,4]), written with onnx-proto, so the adapter test needs no weights. */
const IDENTITY_ONNX = 'CAgSEGVkZ2UtdmlzaW9uLXRlc3Q6RgoQCgF4EgF5IghJZGVudGl0eRIIaWRlbnRpdHlaEwoBeBIOCgwIARIICgIIAQoCCARiEwoBeRIOCgwIARIICgIIAQoCCARCBAoAEA0=';

export const identityBytes = (): Uint8Array => Uint8Array.from(atob(IDENTITY_ONNX), (c) => c.charCodeAt(0));

export async function identitySession(ort: typeof Ort): Promise<{ session: Ort.InferenceSession }> {
  return { session: await ort.InferenceSession.create(identityBytes(), { executionProviders: ['wasm'] }) };
}
