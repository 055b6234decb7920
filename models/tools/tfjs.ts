// Reader for a TFJS layers model as nsfwjs ships it: model.json and the binary weight
// shards wrapped into browserify UMD modules (`model.min.js` exports the model.json
// object, `group1-shardNofM.min.js` exports the shard as one base64 string).
import vm from 'node:vm';

export interface KerasLayer {
  name: string;
  class_name: string;
  config: Record<string, unknown>;
  inbound_nodes: [string, number, number, Record<string, unknown>][][];
}

export interface TfjsWeight {
  name: string;
  shape: number[];
  // Stored uint8 codes and their affine map (value = code * scale + min), when quantised.
  quantized: { codes: Uint8Array; scale: number; min: number } | null;
  // Values exactly as tfjs decodes them into a Float32Array.
  values: Float32Array;
}

export interface TfjsLayersModel {
  kerasVersion: string;
  layers: KerasLayer[];
  inputLayers: string[];
  outputLayers: string[];
  weights: Map<string, TfjsWeight>;
}

interface ManifestEntry {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; scale: number; min: number };
}

// The modules are plain data wrapped in UMD boilerplate; they are evaluated in an empty
// context with only `module`/`exports` (no require, no globals). The build checks their
// sha256 before this runs, so only the pinned nsfwjs@4.3.0 files are ever evaluated.
function evalUmd(source: string): unknown {
  const module = { exports: {} as unknown };
  vm.runInNewContext(source, { module, exports: module.exports }, { timeout: 10000 });
  return module.exports;
}

export function readTfjsLayersModel(modelJs: string, shardJs: string[]): TfjsLayersModel {
  const model = evalUmd(modelJs) as {
    modelTopology: { keras_version: string; model_config: { class_name: string; config: { layers: KerasLayer[]; input_layers: [string, number, number][]; output_layers: [string, number, number][] } } };
    weightsManifest: { paths: string[]; weights: ManifestEntry[] }[];
  };
  const cfg = model.modelTopology.model_config;
  if (cfg.class_name !== 'Model' && cfg.class_name !== 'Functional') throw new Error(`unexpected model class ${cfg.class_name}`);
  if (model.weightsManifest.length !== 1) throw new Error('expected one weight group');
  const group = model.weightsManifest[0];
  if (group.paths.length !== shardJs.length) throw new Error(`expected ${group.paths.length} shards, got ${shardJs.length}`);
  const parts = shardJs.map((s) => {
    const b64 = evalUmd(s);
    if (typeof b64 !== 'string') throw new Error('weight shard module did not export a base64 string');
    return Buffer.from(b64, 'base64');
  });
  const data = new Uint8Array(Buffer.concat(parts));
  const weights = new Map<string, TfjsWeight>();
  let offset = 0;
  for (const w of group.weights) {
    const count = w.shape.reduce((a, b) => a * b, 1);
    if (w.dtype !== 'float32') throw new Error(`${w.name}: dtype ${w.dtype} not supported`);
    if (w.quantization) {
      if (w.quantization.dtype !== 'uint8') throw new Error(`${w.name}: ${w.quantization.dtype} quantisation not supported`);
      const codes = data.slice(offset, offset + count);
      offset += count;
      const { scale, min } = w.quantization;
      // tfjs io.decodeWeights: v * scale + min, stored as float32
      const values = Float32Array.from(codes, (v) => v * scale + min);
      weights.set(w.name, { name: w.name, shape: w.shape, quantized: { codes, scale, min }, values });
    } else {
      const values = new Float32Array(data.slice(offset, offset + 4 * count).buffer);
      offset += 4 * count;
      weights.set(w.name, { name: w.name, shape: w.shape, quantized: null, values });
    }
  }
  if (offset !== data.length) throw new Error(`weights use ${offset} of ${data.length} shard bytes`);
  return {
    kerasVersion: model.modelTopology.keras_version,
    layers: cfg.config.layers,
    inputLayers: cfg.config.input_layers.map((l) => l[0]),
    outputLayers: cfg.config.output_layers.map((l) => l[0]),
    weights,
  };
}
