// GLADNet with LiteRT.js at full resolution: the split pair that gladnet-web exports runs in the
// page (WebGPU when the browser offers it, else WebAssembly, multi-threaded when the page is
// cross-origin isolated). The global branch sees the photo once, as its 96x96 sample; the detail
// branch runs over tiles with a halo, so any size gives gladnet-enhance's pixels
// (gladnet_tf/tflite_engine.py does the same in Python). The tiles are fitted to each photo (up to
// LARGEST pixels a side, nothing past its edge): the window's size is written into the detail
// model's bytes before it is compiled, since LiteRT.js takes fixed shapes only. Nothing leaves the
// device; nothing is fetched from elsewhere: LiteRT.js and its WebAssembly files come from
// node_modules beside this page.
import {isWebGPUSupported, loadAndCompile, loadLiteRt, Tensor} from '@litertjs/core';
import {GLOBAL_SIZE, fitWindow, resizeWindow, sourceIndices, windows} from './tiling.js';

const LARGEST = 512;       // the detail window's largest side, halo included
const FEATURES = 64;       // global features per pixel
const MAX_PIXELS = 50e6;   // larger photos are refused up front rather than run out of memory
const DETAIL = new URLSearchParams(location.search).get('detail') === 'int8' ? 'int8' : 'fp32';
const DETAIL_MODEL = `model/gladnet_detail_${DETAIL}_256x256`;  // .tflite, and .json: where its window is

const $ = (id) => document.getElementById(id);
let models = null;   // {global, detail: {bytes, offsets, compiled: {key, model}}, options}
let backend = null;
let current = null;  // the run in progress: {cancelled}

async function compile(accelerator) {
  const options = accelerator === 'wasm' ?
    {accelerator, cpuOptions: {numThreads: self.crossOriginIsolated ? navigator.hardwareConcurrency : 1}} :
    {accelerator};
  const [bytes, offsets] = await Promise.all([fetch(`${DETAIL_MODEL}.tflite`).then((r) => r.arrayBuffer()),
                                              fetch(`${DETAIL_MODEL}.json`).then((r) => r.json())]);
  const loaded = {global: await loadAndCompile('model/gladnet_global_fp32.tflite', options),
                  detail: {bytes: new Uint8Array(bytes), offsets, compiled: {key: null, model: null}}, options};
  await detailModel(loaded, 64, 64);  // fails here, not on the first photo, where the backend cannot run it
  return loaded;
}

// The detail model over a height x width window, compiled once per window size.
async function detailModel(loaded, height, width) {
  const {detail} = loaded;
  if (detail.compiled.key !== `${height}x${width}`) {
    if (detail.compiled.model) detail.compiled.model.delete();
    detail.compiled = {key: null, model: null};
    const model = await loadAndCompile(resizeWindow(detail.bytes, detail.offsets, height, width), loaded.options);
    detail.compiled = {key: `${height}x${width}`, model};
  }
  return detail.compiled.model;
}

async function init() {
  const threads = self.crossOriginIsolated === true;
  await loadLiteRt('./node_modules/@litertjs/core/wasm/', {threads});
  if (isWebGPUSupported()) {
    try {
      models = await compile('webgpu');
      backend = 'webgpu';
    } catch (error) {
      console.warn('WebGPU unavailable, using WebAssembly:', error);
    }
  }
  if (!models) {
    models = await compile('wasm');
    backend = threads ? `wasm, ${navigator.hardwareConcurrency} threads` : 'wasm, 1 thread';
  }
  $('status').textContent = `Ready: LiteRT.js on ${backend === 'webgpu' ? 'WebGPU' : `WebAssembly (${backend.slice(6)})`}.`;
  document.body.dataset.backend = backend;
}

let modelSeconds = 0;  // time inside LiteRT.js in the current run (the rest is this page's own work)

// Runs one model on named Float32Array inputs of the given shapes; returns its output's data.
async function run(model, inputs) {
  const started = performance.now();
  const tensors = {};
  for (const [name, [data, shape]] of Object.entries(inputs)) {
    const tensor = new Tensor(data, shape);
    tensors[name] = backend === 'webgpu' ? await tensor.moveTo('webgpu') : tensor;
  }
  const outputs = await model.run(tensors);
  const output = Object.values(outputs)[0];
  const data = await output.data();
  for (const t of [...Object.values(tensors), ...Object.values(outputs)]) t.delete();
  modelSeconds += (performance.now() - started) / 1000;
  return data;
}

class Cancelled extends Error {}

// The photo's pixels (RGBA bytes, EXIF orientation applied by createImageBitmap).
function pixels(bitmap) {
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext('2d', {willReadFrequently: true});
  context.drawImage(bitmap, 0, 0);
  return context.getImageData(0, 0, bitmap.width, bitmap.height).data;
}

// GLADNet on RGBA bytes of any size: the global features once, then the detail model tile by tile.
// Returns the enhanced RGBA bytes; `progress(fraction)` after each tile; throws Cancelled.
async function enhancePixels(rgba, width, height, progress, job) {
  const sampleRows = sourceIndices(height, GLOBAL_SIZE), sampleCols = sourceIndices(width, GLOBAL_SIZE);
  const sample = new Float32Array(GLOBAL_SIZE * GLOBAL_SIZE * 3);
  for (let i = 0; i < GLOBAL_SIZE; i++) {
    for (let j = 0; j < GLOBAL_SIZE; j++) {
      const s = (sampleRows[i] * width + sampleCols[j]) * 4, t = (i * GLOBAL_SIZE + j) * 3;
      for (let c = 0; c < 3; c++) sample[t + c] = rgba[s + c] / 255;
    }
  }
  const features = await run(models.global, {sample: [sample, [1, GLOBAL_SIZE, GLOBAL_SIZE, 3]]});
  const rows = sourceIndices(GLOBAL_SIZE, height), cols = sourceIndices(GLOBAL_SIZE, width);
  // Windows fitted to the photo never run past its edge: the mask stays all ones.
  const tileHeight = fitWindow(height, LARGEST), tileWidth = fitWindow(width, LARGEST);
  const detail = await detailModel(models, tileHeight, tileWidth);
  const tile = new Float32Array(tileHeight * tileWidth * 3);
  const tileFeatures = new Float32Array(tileHeight * tileWidth * FEATURES);
  const mask = new Float32Array(tileHeight * tileWidth).fill(1);
  const output = new Uint8ClampedArray(width * height * 4);  // stores round-half-even, as numpy
  const ys = windows(height, tileHeight), xs = windows(width, tileWidth);
  let done = 0;
  for (const [y0, y1, ya] of ys) {
    for (const [x0, x1, xa] of xs) {
      if (job.cancelled) throw new Cancelled();
      for (let y = ya; y < ya + tileHeight; y++) {
        const featureRow = rows[y] * GLOBAL_SIZE * FEATURES;
        for (let x = xa; x < xa + tileWidth; x++) {
          const t = (y - ya) * tileWidth + (x - xa), s = (y * width + x) * 4, f = featureRow + cols[x] * FEATURES;
          tile[t * 3] = rgba[s] / 255; tile[t * 3 + 1] = rgba[s + 1] / 255; tile[t * 3 + 2] = rgba[s + 2] / 255;
          tileFeatures.set(features.subarray(f, f + FEATURES), t * FEATURES);
        }
      }
      const shape = (channels) => [1, tileHeight, tileWidth, channels];
      const result = await run(detail, {
        image: [tile, shape(3)], features: [tileFeatures, shape(FEATURES)], mask: [mask, shape(1)]});
      for (let y = y0; y < y1; y++) {
        for (let x = x0; x < x1; x++) {
          const r = ((y - ya) * tileWidth + (x - xa)) * 3, o = (y * width + x) * 4;
          output[o] = result[r] * 255; output[o + 1] = result[r + 1] * 255; output[o + 2] = result[r + 2] * 255;
          output[o + 3] = 255;
        }
      }
      progress(++done / (ys.length * xs.length));
      await new Promise((resolve) => setTimeout(resolve, 0));  // let the page draw the progress
    }
  }
  return output;
}

function show(canvas, rgba, width, height) {
  canvas.width = width;
  canvas.height = height;
  canvas.getContext('2d').putImageData(new ImageData(rgba, width, height), 0, 0);
}

// Enhances a decoded photo at full size; returns the output pixels and timing (for the tests).
async function enhance(bitmap, name) {
  if (current) current.cancelled = true;
  const job = current = {cancelled: false};
  const {width, height} = bitmap;
  if (width * height > MAX_PIXELS) {
    throw new Error(`${width}×${height} is ${(width * height / 1e6).toFixed(0)} MP, over the ` +
                    `${MAX_PIXELS / 1e6} MP this page holds in memory; use gladnet-enhance`);
  }
  const rgba = pixels(bitmap);
  show($('before'), rgba, width, height);
  $('progress').hidden = $('cancel').hidden = false;
  $('progress').value = 0;
  $('note').textContent = `Enhancing ${name} (${width}×${height})…`;
  const started = performance.now();
  modelSeconds = 0;
  try {
    const output = await enhancePixels(rgba, width, height, (f) => { $('progress').value = f; }, job);
    const seconds = (performance.now() - started) / 1000;
    show($('after'), output, width, height);
    $('note').textContent = `${name}: ${width}×${height} enhanced in ${seconds.toFixed(1)} s on ${backend} ` +
        `(${(seconds / (width * height / 1e6)).toFixed(2)} s per megapixel).`;
    $('download').download = name.replace(/\.[^.]*$/, '') + '_gladnet.png';
    $('download').href = URL.createObjectURL(await new Promise((resolve) => $('after').toBlob(resolve, 'image/png')));
    $('download').hidden = false;
    return {output, width, height, backend, seconds, modelSeconds};
  } finally {
    $('progress').hidden = $('cancel').hidden = true;
    if (current === job) current = null;
  }
}

// One line for whatever went wrong; nothing half-done is offered for download.
function explain(name, error) {
  if (error instanceof Cancelled) return `${name}: cancelled.`;
  if (error instanceof RangeError) return `${name}: too large for this device's memory (${error.message}).`;
  return `${name}: could not be enhanced (${error.message || error}).`;
}

// A new photo: the last result and its download go.
async function decode(blob) {
  $('download').hidden = true;
  $('after').width = $('after').height = 0;
  try {
    return await createImageBitmap(blob, {imageOrientation: 'from-image'});
  } catch (error) {
    throw new Error(`not an image this browser can read`);
  }
}

async function enhanceFile(file) {
  try {
    await enhance(await decode(file), file.name);
  } catch (error) {
    $('note').textContent = explain(file.name, error);
  }
}

$('file').addEventListener('change', (event) => event.target.files[0] && enhanceFile(event.target.files[0]));
$('cancel').addEventListener('click', () => { if (current) current.cancelled = true; });
const drop = $('drop');
drop.addEventListener('dragover', (event) => { event.preventDefault(); drop.classList.add('over'); });
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (event) => {
  event.preventDefault();
  drop.classList.remove('over');
  if (event.dataTransfer.files[0]) enhanceFile(event.dataTransfer.files[0]);
});

// For tests and scripts: enhance the photo at a URL as a dropped file would be; resolves with the
// output RGBA bytes (every `rowStep`-th row, to keep big results small), or rejects with the
// page's one-line message.
window.gladnet = {
  ready: init().catch((error) => { $('status').textContent = `Could not start: ${error}`; throw error; }),
  async enhanceUrl(url, {rowStep = 1, name = url.split('/').pop().slice(0, 40)} = {}) {
    try {
      const blob = await (await fetch(url)).blob();
      const result = await enhance(await decode(blob), name);
      const rows = [];
      for (let y = 0; y < result.height; y += rowStep) {
        rows.push(result.output.subarray(y * result.width * 4, (y + 1) * result.width * 4));
      }
      const sampled = new Uint8Array(rows.length * result.width * 4);
      rows.forEach((row, i) => sampled.set(row, i * result.width * 4));
      return {...result, output: sampled};
    } catch (error) {
      $('note').textContent = explain(name, error);
      throw new Error($('note').textContent);
    }
  },
  cancel() { if (current) current.cancelled = true; },
};
