// Runs an ONNX model exported by minidl in ONNX Runtime (CPU, onnxruntime-node) and compares its
// logits with minidl's for the same inputs: max |difference| <= 1e-4 and the same argmax per row.
// The inputs come as .npy files (float32, C order) written by minidl's write_npy.
//
//   node compare_logits.js MODEL.onnx INPUT.npy LOGITS.npy
//
// Exits 0 and prints the numbers when they agree, 1 with the reason otherwise.
'use strict';
const fs = require('fs');
const ort = require('onnxruntime-node');

const kTolerance = 1e-4;

// A float32 little-endian .npy file (format 1.x-3.x) as {shape, data}.
function readNpy(path) {
  const buf = fs.readFileSync(path);
  if (buf.toString('latin1', 0, 6) !== '\x93NUMPY') throw new Error(`${path}: not a .npy file`);
  const major = buf[6];
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', start, start + headerLen);
  if (!/'descr':\s*'<f4'/.test(header) || /'fortran_order':\s*True/.test(header)) {
    throw new Error(`${path}: expected C-ordered float32, header ${header.trim()}`);
  }
  const shape = header.match(/'shape':\s*\(([^)]*)\)/)[1].split(',').map(s => s.trim()).filter(s => s).map(Number);
  const offset = start + headerLen;
  const count = shape.reduce((a, b) => a * b, 1);
  if (buf.length - offset !== 4 * count) throw new Error(`${path}: ${buf.length - offset} data bytes for shape (${shape})`);
  const data = new Float32Array(count);
  for (let i = 0; i < count; ++i) data[i] = buf.readFloatLE(offset + 4 * i);
  return {shape, data};
}

function argmax(data, row, width) {
  let best = 0;
  for (let j = 1; j < width; ++j) if (data[row * width + j] > data[row * width + best]) best = j;
  return best;
}

async function main() {
  const [modelPath, inputPath, logitsPath] = process.argv.slice(2);
  if (!logitsPath) throw new Error('usage: node compare_logits.js MODEL.onnx INPUT.npy LOGITS.npy');
  const input = readNpy(inputPath);
  const want = readNpy(logitsPath);
  const session = await ort.InferenceSession.create(modelPath, {executionProviders: ['cpu']});
  if (session.inputNames.join() !== 'input' || session.outputNames.join() !== 'logits') {
    throw new Error(`names: inputs [${session.inputNames}], outputs [${session.outputNames}]`);
  }
  const result = await session.run({input: new ort.Tensor('float32', input.data, input.shape)});
  const got = result.logits;
  if (got.dims.join() !== want.shape.join()) throw new Error(`logits shape (${got.dims}) vs minidl (${want.shape})`);
  const [rows, width] = want.shape;
  let maxDiff = 0, worst = 0, argmaxDiffers = 0;
  for (let i = 0; i < got.data.length; ++i) {
    const d = Math.abs(got.data[i] - want.data[i]);
    if (Number.isNaN(d)) { maxDiff = NaN; worst = i; break; }  // a NaN on either side fails
    if (d > maxDiff) { maxDiff = d; worst = i; }
  }
  for (let r = 0; r < rows; ++r) if (argmax(got.data, r, width) !== argmax(want.data, r, width)) ++argmaxDiffers;
  const summary = `${rows} images: max |ORT - minidl| = ${maxDiff.toExponential(2)} ` +
                  `(row ${Math.floor(worst / width)}, class ${worst % width}), argmax differs on ${argmaxDiffers}`;
  if (!(maxDiff <= kTolerance) || argmaxDiffers > 0) {
    console.error(`compare_logits: FAIL: ${modelPath}: ${summary} (tolerance ${kTolerance})`);
    process.exit(1);
  }
  console.log(`compare_logits: ${modelPath} in ONNX Runtime ${ort.env.versions.common}: ${summary}`);
}

main().catch(e => {
  console.error(`compare_logits: FAIL: ${e.message}`);
  process.exit(1);
});
