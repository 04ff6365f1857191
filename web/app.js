// GLADNet with LiteRT.js: the exported fixed-size TFLite model runs in the page (WebGPU when the
// browser offers it, else WebAssembly on the CPU). Nothing leaves the device; nothing is fetched
// from elsewhere: LiteRT.js and its WebAssembly files come from node_modules beside this page.
import {isWebGPUSupported, loadAndCompile, loadLiteRt, Tensor} from '@litertjs/core';

const MODEL = 'model/gladnet_fp32_384x512.tflite';
const HEIGHT = 384, WIDTH = 512;  // the model's input; photos are scaled down to fit, then padded

const $ = (id) => document.getElementById(id);
let model = null;
let backend = null;

async function init() {
  await loadLiteRt('./node_modules/@litertjs/core/wasm/');
  if (isWebGPUSupported()) {
    try {
      model = await loadAndCompile(MODEL, {accelerator: 'webgpu'});
      backend = 'webgpu';
    } catch (error) {
      console.warn('WebGPU unavailable, using WebAssembly:', error);
    }
  }
  if (!model) {
    model = await loadAndCompile(MODEL, {accelerator: 'wasm'});
    backend = 'wasm';
  }
  $('status').textContent = `Ready: LiteRT.js on ${backend === 'webgpu' ? 'WebGPU' : 'WebAssembly (CPU)'}.`;
  document.body.dataset.backend = backend;
}

// The photo scaled to fit the model's input (never enlarged), top-left, the rest black; RGB in
// [0, 1], HWC order as the model takes it.
function toInput(image) {
  const scale = Math.min(WIDTH / image.width, HEIGHT / image.height, 1);
  const width = Math.max(1, Math.round(image.width * scale));
  const height = Math.max(1, Math.round(image.height * scale));
  const canvas = new OffscreenCanvas(WIDTH, HEIGHT);
  const context = canvas.getContext('2d');
  context.fillStyle = 'black';
  context.fillRect(0, 0, WIDTH, HEIGHT);
  context.drawImage(image, 0, 0, width, height);
  const rgba = context.getImageData(0, 0, WIDTH, HEIGHT).data;
  const data = new Float32Array(WIDTH * HEIGHT * 3);
  for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
    data[j] = rgba[i] / 255; data[j + 1] = rgba[i + 1] / 255; data[j + 2] = rgba[i + 2] / 255;
  }
  return {data, width, height, scaled: scale < 1};
}

function draw(canvas, data, width, height) {
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext('2d');
  const pixels = context.createImageData(width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * WIDTH + x) * 3, o = (y * width + x) * 4;
      for (let c = 0; c < 3; c++) pixels.data[o + c] = Math.round(Math.min(1, Math.max(0, data[i + c])) * 255);
      pixels.data[o + 3] = 255;
    }
  }
  context.putImageData(pixels, 0, 0);
}

// Enhances an image element or bitmap; returns the model's input and output (for the tests).
async function enhance(image) {
  const input = toInput(image);
  const tensor = new Tensor(input.data, [1, HEIGHT, WIDTH, 3]);
  const onDevice = backend === 'webgpu' ? await tensor.moveTo('webgpu') : tensor;
  const started = performance.now();
  const outputs = await model.run([onDevice]);
  const output = await outputs[0].data();
  const seconds = (performance.now() - started) / 1000;
  onDevice.delete();
  for (const t of outputs) t.delete();
  draw($('before'), input.data, input.width, input.height);
  draw($('after'), output, input.width, input.height);
  $('note').textContent = (input.scaled ? `Scaled down to ${input.width}×${input.height} to fit the ` +
      `in-browser model (${WIDTH}×${HEIGHT}); for full resolution use gladnet-enhance. ` : '') +
      `Enhanced in ${seconds.toFixed(2)} s on ${backend}.`;
  const link = $('download');
  link.href = $('after').toDataURL('image/png');
  link.hidden = false;
  return {input: input.data, output, width: input.width, height: input.height, backend, seconds};
}

async function enhanceFile(file) {
  try {
    await enhance(await createImageBitmap(file));
  } catch (error) {
    $('note').textContent = `${file.name}: could not be enhanced (${error.message || error}).`;
  }
}

$('file').addEventListener('change', (event) => event.target.files[0] && enhanceFile(event.target.files[0]));
const drop = $('drop');
drop.addEventListener('dragover', (event) => { event.preventDefault(); drop.classList.add('over'); });
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (event) => {
  event.preventDefault();
  drop.classList.remove('over');
  if (event.dataTransfer.files[0]) enhanceFile(event.dataTransfer.files[0]);
});

// For tests and scripts: enhance the image at a URL, resolve with input and output pixels.
window.gladnet = {
  ready: init().catch((error) => { $('status').textContent = `Could not start: ${error}`; throw error; }),
  async enhanceUrl(url) {
    const response = await fetch(url);
    return enhance(await createImageBitmap(await response.blob()));
  },
};
