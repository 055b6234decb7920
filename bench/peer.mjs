// A peer library on the same job, where this environment can run it:
// transformers.js (@huggingface/transformers) on Node with a local model path.
// It is not a dependency of this repository; when it is not installed the
// bench says so instead of measuring it.
export const PEER_PACKAGE = '@huggingface/transformers';

export async function peerStatus() {
  try {
    const module = await import(PEER_PACKAGE);
    return { installed: true, version: module.env?.version ?? 'unknown' };
  } catch {
    return { installed: false };
  }
}

export function peerText(status) {
  if (!status.installed) {
    return `transformers.js (\`${PEER_PACKAGE}\`) is not installed in this repository, so no peer library was measured. It runs ONNX models on Node through onnxruntime-node (the native reference above), from a local folder with \`env.localModelPath\` and \`env.allowRemoteModels = false\`, given a config.json and preprocessor_config.json beside the ONNX file.`;
  }
  return `transformers.js ${status.version} is installed, but this bench does not drive it yet.`;
}
