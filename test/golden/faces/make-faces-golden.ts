// Reference outputs for face detection (BlazeFace): the Worker's decode path (shared/image/decode.ts,
// decoding only as large as the runs need), preprocessing and post-processing (shared/tasks/faces),
// run by native onnxruntime-node instead of onnxruntime-web in workerd. Also checks what a face detector
// must get right on these photos, and fails loudly if it does not.
//   node --experimental-strip-types test/golden/faces/make-faces-golden.ts                 (writes the JSON files)
//   node --experimental-strip-types test/golden/faces/make-faces-golden.ts --check         (fails if they changed)
//   node --experimental-strip-types test/golden/faces/make-faces-golden.ts --make-fixture  (re-creates the small-face photo with sharp)
// Writes:
//   test/golden/faces/blazeface-front.json  the front model alone, one run per photo (MediaPipe's short-range detector)
//   test/golden/faces/faces-policy.json     front + back + tiles (shared/tasks/faces/tiles.ts), as the faces route runs it
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import type { Face } from '../../../shared/tasks/faces/decode-faces.ts';
import { decodeFile } from '../node-decode.ts';
import { detectFaces, facesDecodeTarget, type DetectFacesOptions, type FaceModel, type FaceModelManifest } from '../../../shared/tasks/faces/run-faces.ts';

const root = new URL('../../../', import.meta.url);
const path = (p: string) => fileURLToPath(new URL(p, root));

const SMALL_FACE_PHOTO = 'test/fixtures/faces/small-face-large-photo.jpg';
/**
 * How SMALL_FACE_PHOTO was made (sharp 0.35.5): the meadow photo cover-resized to 3000x2000,
 * the Grace Hopper portrait resized to 300 px wide (10% of the width; 300x352) pasted at
 * (1850, 1250), saved as mozjpeg quality 80 (664 KB). Her face (196 px in the 512 px
 * portrait) is ~115 px there: ~3.8% of the long side, 5 px in the front model's 128 input.
 */
const PASTE = { left: 1850, top: 1250, width: 300 };
/** Where the face lands: the portrait's face box (x 169-365, y 144-340 of 512x600) scaled by 300/512 and moved. */
const PASTED_FACE = { xmin: 1850 + 99, ymin: 1250 + 84, xmax: 1850 + 214, ymax: 1250 + 199 };

async function makeSmallFaceFixture(): Promise<void> {
  const { default: sharp } = await import('sharp');
  const photos = path('test/fixtures/photos/');
  const portrait = await sharp(`${photos}portrait-grace-hopper.jpg`).resize({ width: PASTE.width }).toBuffer();
  await sharp(`${photos}landscape-mountain-meadow.jpg`)
    .resize(3000, 2000, { fit: 'cover' })
    .composite([{ input: portrait, left: PASTE.left, top: PASTE.top }])
    .jpeg({ quality: 80, mozjpeg: true })
    .toFile(path(SMALL_FACE_PHOTO));
  console.log(`wrote ${SMALL_FACE_PHOTO}`);
}

if (process.argv.includes('--make-fixture')) {
  await makeSmallFaceFixture();
  process.exit(0);
}

/**
 * The faces route, on Node: decode only as large as the runs need (shared/image/decode.ts,
 * same codecs), then detect, reporting in the original image's pixels.
 */
async function detect(file: string, models: { front?: FaceModel<ort.Tensor>; back?: FaceModel<ort.Tensor> }, options: DetectFacesOptions) {
  const { pixels, info } = await decodeFile(file, (i) =>
    facesDecodeTarget(i.width, i.height, { front: models.front?.manifest, back: models.back?.manifest }, options.tiles),
  );
  return detectFaces(pixels, models, { ...options, imageSize: { width: info.width, height: info.height } }, runtime);
}

async function loadModel(id: string): Promise<FaceModel<ort.Tensor>> {
  // JSON typing aside, the shape is checked by the registry's zod schema in the Worker.
  const manifest = JSON.parse(readFileSync(path(`models/${id}/manifest.json`), 'utf8')) as FaceModelManifest;
  const session = await ort.InferenceSession.create(path(`models/${id}/model.onnx`), { logSeverityLevel: 3 });
  return { manifest, session };
}

const front = await loadModel('blazeface-front');
const back = await loadModel('blazeface-back');
const runtime = { tensor: (data: Float32Array, dims: readonly number[]) => new ort.Tensor('float32', data, dims as number[]) };

const PORTRAITS = ['test/fixtures/photos/portrait-grace-hopper.jpg', 'test/fixtures/photos/portrait-astronaut-eileen-collins.png'];
const NO_FACE = ['test/fixtures/photos/person-dog-horse.jpg'];
const ANIMALS = ['test/fixtures/photos/dogs-two-spaniels.jpg', 'test/fixtures/photos/cat-chelsea.jpg'];
const PHOTOS = [...PORTRAITS, ...NO_FACE, ...ANIMALS, SMALL_FACE_PHOTO];

const problems: string[] = [];
const expect = (ok: boolean, what: string) => {
  if (!ok) problems.push(what);
};

/** A frontal face the right way up: eyes and nose inside the box, the subject's left eye on the image's right, nose below the eyes. */
function checkFrontalFace(face: Face, label: string): void {
  const at = (name: string) => face.keypoints.find((k) => k.name === name)!;
  const inside = (k: { x: number; y: number }) => k.x >= face.box.xmin && k.x <= face.box.xmax && k.y >= face.box.ymin && k.y <= face.box.ymax;
  const [re, le, nose] = [at('right_eye'), at('left_eye'), at('nose_tip')];
  expect(inside(re) && inside(le) && inside(nose), `${label}: eyes and nose inside the box`);
  expect(le.x > re.x, `${label}: left eye (subject's) right of the right eye in the image`);
  expect(nose.y > re.y && nose.y > le.y, `${label}: nose below the eyes`);
  expect(nose.x > re.x && nose.x < le.x, `${label}: nose between the eyes`);
}

function iou(a: Face['box'], b: Face['box']): number {
  const ix = Math.max(0, Math.min(a.xmax, b.xmax) - Math.max(a.xmin, b.xmin));
  const iy = Math.max(0, Math.min(a.ymax, b.ymax) - Math.max(a.ymin, b.ymin));
  const inter = ix * iy;
  return inter / ((a.xmax - a.xmin) * (a.ymax - a.ymin) + (b.xmax - b.xmin) * (b.ymax - b.ymin) - inter);
}

const frontCases: Array<{ photo: string; output: { faces: Face[] } }> = [];
const policyCases: Array<{ photo: string; output: { faces: Face[]; runs: unknown[] } }> = [];
for (const photo of PHOTOS) {
  const alone = await detect(photo, { front }, { max: 20, tiles: 'off' });
  const policy = await detect(photo, { front, back }, { max: 20, tiles: 'auto' });
  frontCases.push({ photo, output: { faces: alone.faces } });
  policyCases.push({ photo, output: { faces: policy.faces, runs: policy.runs } });

  if (PORTRAITS.includes(photo)) {
    for (const [name, faces] of [['front', alone.faces], ['policy', policy.faces]] as const) {
      expect(faces.length === 1, `${photo} (${name}): exactly one face, got ${faces.length}`);
      if (faces[0]) checkFrontalFace(faces[0], `${photo} (${name})`);
    }
  }
  if (NO_FACE.includes(photo)) {
    expect(alone.faces.length === 0 && policy.faces.length === 0, `${photo}: no face (the person is seen from behind)`);
  }
  if (ANIMALS.includes(photo)) {
    expect(alone.faces.length === 0 && policy.faces.length === 0, `${photo}: no human face`);
  }
  if (photo === SMALL_FACE_PHOTO) {
    expect(alone.faces.length === 0, `${photo}: the front model alone cannot see a 5 px face (if it can, the fixture no longer tests tiling)`);
    expect(policy.faces.length === 1, `${photo}: the policy finds the one small face, got ${policy.faces.length}`);
    const face = policy.faces[0];
    if (face) {
      expect(iou(face.box, PASTED_FACE) > 0.6, `${photo}: the face box ${JSON.stringify(face.box)} is where the face was pasted ${JSON.stringify(PASTED_FACE)}`);
      checkFrontalFace(face, `${photo} (policy)`);
    }
  }
}

const runtimeName = `onnxruntime-node ${ort.env.versions.common}`;
const FILES: Record<string, object> = {
  'test/golden/faces/blazeface-front.json': { model: 'blazeface-front', runtime: runtimeName, cases: frontCases },
  'test/golden/faces/faces-policy.json': {
    models: ['blazeface-front', 'blazeface-back'],
    policy: 'front + back on the whole image, back on tiles (shared/tasks/faces/tiles.ts); default thresholds',
    runtime: runtimeName,
    cases: policyCases,
  },
};

const check = process.argv.includes('--check');
let changed = false;
for (const [file, content] of Object.entries(FILES)) {
  const text = `${JSON.stringify(content, null, 1)}\n`;
  if (check) {
    if (readFileSync(path(file), 'utf8') !== text) {
      console.error(`${file} differs from a fresh reference run`);
      changed = true;
    }
  } else {
    writeFileSync(path(file), text);
    console.log(`wrote ${file}`);
  }
}
for (const p of problems) console.error(`FAILED: ${p}`);
if (changed || problems.length > 0) process.exit(1);
