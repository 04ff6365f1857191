// The exact tiling of gladnet_tf/tflite_engine.py, shared by the page and its tests (which run
// these functions in Node against the Python ones). Pure arithmetic, no DOM.
export const HALO = 5;         // one pixel per 3x3 conv of the detail branch
export const GLOBAL_SIZE = 96; // the global branch sees the photo as 96x96

// TF1's nearest resize from `size` to `outSize` pixels: output i reads input
// min(floor(i * (size / outSize)), size - 1), all in float32 as TensorFlow computes it (a float32
// quotient and product are exact in doubles before Math.fround rounds them once).
export function sourceIndices(size, outSize) {
  const scale = Math.fround(size / outSize);
  const indices = new Int32Array(outSize);
  for (let i = 0; i < outSize; i++) indices[i] = Math.min(Math.floor(Math.fround(i * scale)), size - 1);
  return indices;
}

// [start, stop, lo] of each tile along an axis of `length` pixels: the core [start, stop) is read
// from the window [lo, lo + window), which holds the core's halo or ends where the photo does;
// cores split the axis evenly. A photo shorter than the window gets one window, masked past it.
export function windows(length, window, halo = HALO) {
  if (length <= window) return [[0, length, 0]];
  const count = Math.ceil(length / (window - 2 * halo));
  const result = [];
  for (let i = 0; i < count; i++) {
    const start = Math.floor(i * length / count), stop = Math.floor((i + 1) * length / count);
    result.push([start, stop, Math.min(Math.max(start - halo, 0), length - window)]);
  }
  return result;
}

// The window the page runs along an axis of `length` pixels: the whole axis up to `largest`, else
// as few windows of at most `largest` as cover it, shrunk to their largest core plus two halos, so
// no window runs past the photo and only the halos are computed twice (tflite_engine.fit_window).
export function fitWindow(length, largest, halo = HALO) {
  if (length <= largest) return length;
  const count = Math.ceil(length / (largest - 2 * halo));
  return Math.ceil(length / count) + 2 * halo;
}

// The detail model's .tflite bytes over a height x width window: the sizes written at the byte
// offsets gladnet-web lists beside the model (LiteRT.js cannot resize inputs;
// gladnet_tf/tflite_model.py's window_offsets and resize_window).
export function resizeWindow(bytes, offsets, height, width) {
  const resized = new Uint8Array(bytes);
  const view = new DataView(resized.buffer);
  for (const offset of offsets.height) view.setInt32(offset, height, true);
  for (const offset of offsets.width) view.setInt32(offset, width, true);
  return resized;
}
