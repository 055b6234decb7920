import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { Tensor } from 'onnxruntime-web/wasm';
import { ApiError } from '../errors/api-error.ts';
import type { AppEnv } from '../http/app-env.ts';
import { decodeTensors, encodeTensors, WireError, type WireTensor } from '../inference/tensor-wire.ts';
import { runFailure } from '../inference/run-failure.ts';
import { readCapped } from '../ingest/read-capped.ts';
import { models } from './bundled.ts';
import type { ModelManifest } from './manifest.ts';
import { loadModel, type LoadedModel } from './model-store.ts';
import { MAX_TENSOR_MESSAGE_BYTES } from './remote-model.ts';

/**
 * The model Worker's side of shared/models/remote-model.ts:
 *   POST /internal/models/<id>/<file>/open  loads the graph, answers its input metadata;
 *   POST /internal/models/<id>/<file>/run   runs it on a tensor message, answers the outputs.
 * A Worker serves only the graphs whose manifest names it (`hostBinding`, the
 * service binding callers reach it through): a graph placed elsewhere would
 * load beside this one and overrun the isolate's memory. Only service
 * bindings reach these routes (the Worker has no public route).
 */
export function serveModels(app: OpenAPIHono<AppEnv>, hostBinding: (env: Env) => string): void {
  app.post('/internal/models/:id/:file/open', async (c) => {
    const model = await hostedModel(c, hostBinding(c.env));
    return c.json({ inputMetadata: model.session.inputMetadata, loadMs: Math.round(model.loadMs) });
  });

  app.post('/internal/models/:id/:file/run', async (c) => {
    const model = await hostedModel(c, hostBinding(c.env));
    const timing = c.get('timing');
    let feeds: Record<string, WireTensor>;
    let fetches: string[];
    try {
      const message = decodeTensors(await readCapped(c.req.raw.body, MAX_TENSOR_MESSAGE_BYTES, c.req.header('content-length') ?? null, 'The tensor message'));
      feeds = message.tensors;
      fetches = message.fetches ?? [];
    } catch (error) {
      if (error instanceof WireError) throw new ApiError(400, 'invalid_request', `Malformed tensor message: ${error.message}`);
      throw error;
    }
    const inputs = Object.fromEntries(Object.entries(feeds).map(([name, t]) => [name, new Tensor(t.type, t.data as Float32Array, t.dims)]));
    let outputs: Readonly<Record<string, Tensor>>;
    try {
      outputs = await timing.measure('infer', () => model.session.run(inputs, fetches), model.manifest.id);
    } catch (error) {
      throw runFailure(model.manifest.id, error);
    } finally {
      for (const tensor of Object.values(inputs)) tensor.dispose();
    }
    const answer: Record<string, WireTensor> = {};
    for (const name of fetches) {
      const output = outputs[name];
      if (!output) throw new ApiError(500, 'model_failed', `Model ${model.manifest.id} has no output ${name}.`);
      answer[name] = { type: output.type as WireTensor['type'], data: output.data as WireTensor['data'], dims: output.dims };
    }
    let body: Uint8Array;
    try {
      body = encodeTensors({ tensors: answer });
    } finally {
      for (const tensor of Object.values(outputs)) tensor.dispose();
    }
    return new Response(body, { headers: { 'content-type': 'application/octet-stream' } });
  });
}

async function hostedModel(c: Context<AppEnv>, host: string): Promise<LoadedModel> {
  const id = c.req.param('id') ?? '';
  const file = c.req.param('file') ?? '';
  const manifest: ModelManifest | undefined = models().all.find((m) => m.id === id);
  if (!manifest?.files[file]) throw new ApiError(404, 'not_found', `No model file ${id}/${file} here.`);
  if (manifest.files[file].worker !== host) {
    throw new ApiError(404, 'not_found', `Model ${id} (${file}) is not placed in this Worker (${host}); its manifest places it in ${manifest.files[file].worker ?? 'the calling Worker'}.`);
  }
  return c.get('timing').measure('load', () => loadModel(c.env.MODEL_FILES, manifest, { file, bucket: c.env.MODEL_BUCKET }));
}
