/**
 * Batched matrix multiplication, blocked for the cache and for registers.
 *
 * The float path follows the GotoBLAS layout: B is packed once into panels of NR columns per
 * K-block, A into panels of MR rows per (M-block, K-block), so the 4x4 micro-kernel streams
 * contiguous float64 panels whatever the original strides (transposes included), holds its 16
 * partial sums in locals, and accumulates in float64. Packed B is reused across the batch when B
 * is broadcast over it. Measured on one core: about 4-5 GFLOP/s from 128^3 to 1024^3 (float32 or
 * float64), several times tfjs-backend-cpu; `bench/matmul.mjs` reproduces it.
 */
import type { TypedArray } from '@tessera/core';
import type { ArrayView } from './strided.js';

const MR = 4;
const NR = 4;
/** Depth of one packed block: a KC x NR panel of B (8 KiB) stays in L1 while A's panels stream by. */
const KC = 256;
/** Rows of A packed at once: MC x KC doubles (128 KiB) stay in L2. */
const MC = 64;
/** Below this many multiply-adds the packing does not pay for itself. */
const SMALL = 32 * 32 * 32;

/**
 * Computes `out[bt] = a[bt] @ b[bt]` for `a` [B, M, K] and `b` [B, K, N] (strided, batch stride 0
 * for broadcast) into contiguous `out` [B, M, N]. Integer inputs into an Int32Array multiply with
 * 32-bit wrap-around; everything else accumulates in float64.
 */
export function matmulImpl(a: ArrayView, b: ArrayView, out: TypedArray): void {
  if (a.shape.length !== 3 || b.shape.length !== 3) {
    throw new RangeError(`matmul: expected 3-d views [B,M,K] and [B,K,N], got [${a.shape.join(',')}] and [${b.shape.join(',')}]`);
  }
  const [ba, M, K] = a.shape as [number, number, number];
  const [bb, K2, N] = b.shape as [number, number, number];
  if (K !== K2 || (ba !== bb && ba !== 1 && bb !== 1)) {
    throw new RangeError(`matmul: shapes [${a.shape.join(',')}] and [${b.shape.join(',')}] cannot be multiplied`);
  }
  const B = Math.max(ba, bb);
  const p: MatmulProblem = {
    B,
    M,
    K,
    N,
    a: a.values,
    aOff: a.offset,
    sab: ba === 1 ? 0 : a.strides[0]!,
    sam: a.strides[1]!,
    sak: a.strides[2]!,
    b: b.values,
    bOff: b.offset,
    sbb: bb === 1 ? 0 : b.strides[0]!,
    sbk: b.strides[1]!,
    sbn: b.strides[2]!,
    c: out,
  };
  if (B * M * N === 0) return;
  if (K === 0) {
    out.fill(0, 0, B * M * N);
    return;
  }
  // A shared B and batches of A that lie one after another form a single taller product.
  if (p.B > 1 && p.sbb === 0 && (p.sab === M * p.sam || M === 1)) {
    p.sam = M === 1 ? p.sab : p.sam;
    p.M = B * M;
    p.B = 1;
    p.sab = 0;
  }
  if (out instanceof Int32Array && !isFloatArray(a.values) && !isFloatArray(b.values)) matmulInt(p);
  else if (p.M < MR || p.N < NR || p.M * p.N * p.K < SMALL) matmulSimple(p);
  else matmulPacked(p);
}

interface MatmulProblem {
  B: number;
  M: number;
  K: number;
  N: number;
  a: TypedArray;
  aOff: number;
  sab: number;
  sam: number;
  sak: number;
  b: TypedArray;
  bOff: number;
  sbb: number;
  sbk: number;
  sbn: number;
  c: TypedArray;
}

function isFloatArray(v: TypedArray): boolean {
  return v instanceof Float32Array || v instanceof Float64Array;
}

/** Small or skinny products: a float64 row accumulator (ikj order), or dot products when N is tiny. */
function matmulSimple(p: MatmulProblem): void {
  const { B, M, K, N, a, sab, sam, sak, b, sbb, sbk, sbn, c } = p;
  const row = new Float64Array(N);
  for (let bt = 0; bt < B; bt++) {
    const aBase = p.aOff + bt * sab;
    const bBase = p.bOff + bt * sbb;
    let ci = bt * M * N;
    for (let i = 0; i < M; i++) {
      const ai = aBase + i * sam;
      if (N < NR) {
        for (let j = 0; j < N; j++, ci++) c[ci] = dot(a, ai, sak, b, bBase + j * sbn, sbk, K);
        continue;
      }
      row.fill(0);
      for (let k = 0; k < K; k++) {
        // No skipping of zeros: 0 * inf must still give NaN, as in the packed path.
        const v = a[ai + k * sak]!;
        for (let j = 0, y = bBase + k * sbk; j < N; j++, y += sbn) row[j] += v * b[y]!;
      }
      for (let j = 0; j < N; j++, ci++) c[ci] = row[j]!;
    }
  }
}

/** Strided dot product of length n, with four partial sums to hide the add latency. */
function dot(a: TypedArray, x: number, xs: number, b: TypedArray, y: number, ys: number, n: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let k = 0;
  for (; k + 4 <= n; k += 4) {
    s0 += a[x]! * b[y]!;
    s1 += a[x + xs]! * b[y + ys]!;
    s2 += a[x + 2 * xs]! * b[y + 2 * ys]!;
    s3 += a[x + 3 * xs]! * b[y + 3 * ys]!;
    x += 4 * xs;
    y += 4 * ys;
  }
  for (; k < n; k++, x += xs, y += ys) s0 += a[x]! * b[y]!;
  return s0 + s1 + (s2 + s3);
}

/** Integer product with C's 32-bit wrap-around (exact, unlike a float64 accumulator). */
function matmulInt(p: MatmulProblem): void {
  const { B, M, K, N, a, sab, sam, sak, b, sbb, sbk, sbn, c } = p;
  const row = new Int32Array(N);
  for (let bt = 0; bt < B; bt++) {
    const aBase = p.aOff + bt * sab;
    const bBase = p.bOff + bt * sbb;
    let ci = bt * M * N;
    for (let i = 0; i < M; i++) {
      row.fill(0);
      const ai = aBase + i * sam;
      for (let k = 0; k < K; k++) {
        const v = a[ai + k * sak]! | 0;
        if (v === 0) continue;
        for (let j = 0, y = bBase + k * sbk; j < N; j++, y += sbn) row[j] = (row[j]! + Math.imul(v, b[y]!)) | 0;
      }
      for (let j = 0; j < N; j++, ci++) c[ci] = row[j]!;
    }
  }
}

function matmulPacked(p: MatmulProblem): void {
  const { B, M, K, N, c } = p;
  const nPanels = Math.ceil(N / NR);
  const nPad = nPanels * NR;
  // One buffer holds A's packed block, then all of B packed: the micro-kernel then reads a single
  // typed array, which saves V8 a map check and a bounds reload per loop iteration (~8% faster).
  const aSize = Math.ceil(Math.min(MC, M) / MR) * MR * Math.min(KC, K);
  const pack = packBuffer(aSize + K * nPad);
  const tile = new Float64Array(MR * NR);
  for (let bt = 0; bt < B; bt++) {
    if (bt === 0 || p.sbb !== 0) packB(p, p.bOff + bt * p.sbb, nPad, pack, aSize);
    const aBase = p.aOff + bt * p.sab;
    const cBase = bt * M * N;
    for (let p0 = 0; p0 < K; p0 += KC) {
      const kb = Math.min(KC, K - p0);
      const bBlock = aSize + p0 * nPad;
      for (let i0 = 0; i0 < M; i0 += MC) {
        const mb = Math.min(MC, M - i0);
        packA(p, aBase, i0, mb, p0, kb, pack);
        const mPanels = Math.ceil(mb / MR);
        for (let jp = 0; jp < nPanels; jp++) {
          const j0 = jp * NR;
          const nr = Math.min(NR, N - j0);
          const bi = bBlock + jp * kb * NR;
          for (let ip = 0; ip < mPanels; ip++) {
            micro4x4(pack, ip * kb * MR, bi, kb, tile);
            const mr = Math.min(MR, mb - ip * MR);
            for (let r = 0; r < mr; r++) {
              const cr = cBase + (i0 + ip * MR + r) * N + j0;
              // The first K-block initialises C (so it needs no zeroing); later ones accumulate.
              if (p0 === 0) for (let s = 0; s < nr; s++) c[cr + s] = tile[r * NR + s]!;
              else for (let s = 0; s < nr; s++) c[cr + s] += tile[r * NR + s]!;
            }
          }
        }
      }
    }
  }
}

/** Pack buffers up to this many doubles (4 MiB) are kept for the next call. */
const KEEP_PACK = 1 << 19;
let keptPack = new Float64Array(0);

/**
 * Scratch space for packing. Reusing it saves allocating (and zeroing) it on every call, which is
 * a noticeable share of a small product; the packers write every element they use, padding included.
 */
function packBuffer(size: number): Float64Array {
  if (size > KEEP_PACK) return new Float64Array(size);
  if (keptPack.length < size) keptPack = new Float64Array(Math.max(size, Math.min(KEEP_PACK, keptPack.length * 2)));
  return keptPack;
}

/** Packs all of one batch's B from `out[at]` on: per K-block, panels of NR columns, each k-major (zero-padded). */
function packB(p: MatmulProblem, base: number, nPad: number, out: Float64Array, at: number): void {
  const { K, N, b, sbk, sbn } = p;
  for (let p0 = 0; p0 < K; p0 += KC) {
    const kb = Math.min(KC, K - p0);
    for (let j0 = 0; j0 < N; j0 += NR) {
      let d = at + p0 * nPad + j0 * kb;
      const nr = Math.min(NR, N - j0);
      let src = base + p0 * sbk + j0 * sbn;
      for (let k = 0; k < kb; k++, d += NR, src += sbk) {
        let jj = 0;
        for (let s = src; jj < nr; jj++, s += sbn) out[d + jj] = b[s]!;
        for (; jj < NR; jj++) out[d + jj] = 0;
      }
    }
  }
}

/** Packs rows [i0, i0+mb) x cols [p0, p0+kb) of A into panels of MR rows, k-major (zero-padded). */
function packA(p: MatmulProblem, base: number, i0: number, mb: number, p0: number, kb: number, out: Float64Array): void {
  const { a, sam, sak } = p;
  for (let ip = 0; ip * MR < mb; ip++) {
    let d = ip * kb * MR;
    const mr = Math.min(MR, mb - ip * MR);
    let src = base + (i0 + ip * MR) * sam + p0 * sak;
    if (mr === MR) {
      for (let k = 0; k < kb; k++, d += MR, src += sak) {
        out[d] = a[src]!;
        out[d + 1] = a[src + sam]!;
        out[d + 2] = a[src + 2 * sam]!;
        out[d + 3] = a[src + 3 * sam]!;
      }
    } else {
      for (let k = 0; k < kb; k++, d += MR, src += sak) {
        let ii = 0;
        for (let s = src; ii < mr; ii++, s += sam) out[d + ii] = a[s]!;
        for (; ii < MR; ii++) out[d + ii] = 0;
      }
    }
  }
}

/** tile (4x4, row-major) = A panel (kb x 4)^T @ B panel (kb x 4), both in `pk`, with the 16 sums in locals. */
function micro4x4(pk: Float64Array, ai: number, bi: number, kb: number, tile: Float64Array): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  // (Stepping ai/bi at the end of the body rather than in the for-header is measurably faster in V8.)
  for (let k = 0; k < kb; k++) {
    const a0 = pk[ai]!, a1 = pk[ai + 1]!, a2 = pk[ai + 2]!, a3 = pk[ai + 3]!;
    const b0 = pk[bi]!, b1 = pk[bi + 1]!, b2 = pk[bi + 2]!, b3 = pk[bi + 3]!;
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
    ai += 4;
    bi += 4;
  }
  tile[0] = c00; tile[1] = c01; tile[2] = c02; tile[3] = c03;
  tile[4] = c10; tile[5] = c11; tile[6] = c12; tile[7] = c13;
  tile[8] = c20; tile[9] = c21; tile[10] = c22; tile[11] = c23;
  tile[12] = c30; tile[13] = c31; tile[14] = c32; tile[15] = c33;
}
