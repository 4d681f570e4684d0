import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module'; import path from 'node:path';
setWasmPaths(path.join(path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep);
function treeA(rows) { // [C, m], per-level sums
  const c = rows.shape[0]; let s = rows; let lo = tf.zeros([c]);
  while (s.shape[1] > 1) {
    if (s.shape[1] % 2 === 1) s = tf.pad(s, [[0, 0], [0, 1]]);
    const half = s.shape[1] / 2;
    const a = tf.slice(s, [0, 0], [c, half]), b = tf.slice(s, [0, half], [c, half]);
    const sum = tf.add(a, b); const bv = tf.sub(sum, a);
    const err = tf.add(tf.sub(a, tf.sub(sum, bv)), tf.sub(b, bv));
    lo = tf.add(lo, tf.sum(err, 1)); s = sum;
  }
  return [s, lo];
}
function treeB(rows) { // [m, C], errors accumulated elementwise on the first half, summed once at the end
  const c = rows.shape[1]; let s = rows; const errs = [];
  while (s.shape[0] > 1) {
    if (s.shape[0] % 2 === 1) s = tf.pad(s, [[0, 1], [0, 0]]);
    const half = s.shape[0] / 2;
    const [a, b] = tf.split(s, 2, 0);
    const sum = tf.add(a, b); const bv = tf.sub(sum, a);
    errs.push(tf.add(tf.sub(a, tf.sub(sum, bv)), tf.sub(b, bv)));
    s = sum;
  }
  const lo = tf.sum(tf.concat(errs, 0), 0);
  return [s, lo];
}
await tf.setBackend('wasm');
const N=16,C=32,S=784;
const xc = tf.randomNormal([N, C, S]);
function t(name, f) { tf.tidy(f); const s = performance.now(); for (let i=0;i<10;i++) tf.tidy(f); console.log(name, ((performance.now()-s)/10).toFixed(2)); }
t('A [C,m]', () => treeA(tf.reshape(tf.transpose(xc, [1, 0, 2]), [C, N*S])));
t('B [m,C]', () => treeB(tf.reshape(tf.transpose(xc, [0, 2, 1]), [N*S, C])));
t('transpose only', () => tf.transpose(xc, [1, 0, 2]));
t('add full', () => tf.add(xc, xc));
const prof = await tf.profile(() => treeA(tf.reshape(tf.transpose(xc, [1, 0, 2]), [C, N*S])));
const agg = {}; for (const k of prof.kernels) agg[k.name] = (agg[k.name] ?? 0) + k.kernelTimeMs; console.log(agg, prof.kernels.length);
const y = tf.randomNormal([N, C, S]);
t('sub full', () => tf.sub(xc, y));
t('add full2', () => tf.add(xc, y));
t('mul full', () => tf.mul(xc, y));
t('neg full', () => tf.neg(y));
t('add(neg)', () => tf.add(xc, tf.neg(y)));
