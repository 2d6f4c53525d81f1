import type { DType, TypedArray } from './dtype.js';

const THRESHOLD = 1000;
const EDGE = 3;
const LINE_WIDTH = 80;

/** Formats tensor data like PyTorch's `repr`, summarising with `...` past 1000 elements. */
export function formatTensor(
  data: TypedArray,
  shape: readonly number[],
  dtype: DType,
  device: string,
  requiresGrad: boolean,
  gradFnName?: string,
): string {
  const summarise = data.length > THRESHOLD;
  const fmt = makeFormatter(data, shape, dtype, summarise);
  const prefix = 'tensor(';
  let body: string;
  if (data.length === 0) body = '[]';
  else if (shape.length === 0) body = fmt(data[0]!).trim();
  else body = formatDims(data, shape, 0, 0, fmt, summarise, prefix.length);
  const extras: string[] = [];
  // PyTorch's order: device, size, dtype, grad
  if (device !== 'cpu') extras.push(`device='${device}'`);
  if (data.length === 0 && shape.length !== 1) extras.push(`size=(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`);
  if (dtype !== 'float32' && dtype !== 'bool') extras.push(`dtype=${dtype}`);
  if (gradFnName) extras.push(`gradFn=<${gradFnName}>`);
  else if (requiresGrad) extras.push('requiresGrad=true');
  return `${prefix}${body}${extras.map((e) => `, ${e}`).join('')})`;
}

function strideOf(shape: readonly number[], dim: number): number {
  let s = 1;
  for (let i = dim + 1; i < shape.length; i++) s *= shape[i]!;
  return s;
}

function formatDims(
  data: TypedArray,
  shape: readonly number[],
  dim: number,
  base: number,
  fmt: Formatter,
  summarise: boolean,
  indent: number,
): string {
  const n = shape[dim]!;
  const stride = strideOf(shape, dim);
  const idx = summarise && n > 2 * EDGE ? [...range(0, EDGE), -1, ...range(n - EDGE, n)] : range(0, n);
  if (dim === shape.length - 1) {
    const items = idx.map((i) => (i < 0 ? ' ...' : fmt(data[base + i]!)));
    const perLine = Math.max(1, Math.floor((LINE_WIDTH - indent) / (fmtWidth(fmt) + 2)));
    const lines: string[] = [];
    for (let i = 0; i < items.length; i += perLine) lines.push(items.slice(i, i + perLine).join(', '));
    return `[${lines.join(`,\n${' '.repeat(indent + 1)}`)}]`;
  }
  const sep = `,${'\n'.repeat(shape.length - dim - 1)}${' '.repeat(indent + 1)}`;
  const parts = idx.map((i) => (i < 0 ? '...' : formatDims(data, shape, dim + 1, base + i * stride, fmt, summarise, indent + 1)));
  return `[${parts.join(sep)}]`;
}

function range(a: number, b: number): number[] {
  const out: number[] = [];
  for (let i = a; i < b; i++) out.push(i);
  return out;
}

function shownValues(data: TypedArray, shape: readonly number[], summarise: boolean): number[] {
  if (!summarise) return Array.from(data);
  // Only the printed edge elements decide the format, as in PyTorch.
  const out: number[] = [];
  const collect = (dim: number, base: number): void => {
    if (dim === shape.length) {
      out.push(data[base]!);
      return;
    }
    const n = shape[dim]!;
    const stride = strideOf(shape, dim);
    const idx = n > 2 * EDGE ? [...range(0, EDGE), ...range(n - EDGE, n)] : range(0, n);
    for (const i of idx) collect(dim + 1, base + i * stride);
  };
  collect(0, 0);
  return out;
}

type Formatter = ((x: number) => string) & { width?: number };

function fmtWidth(f: Formatter): number {
  return f.width ?? 1;
}

/** PyTorch's `_Formatter`: the mode and width come from the finite, nonzero values shown. */
function makeFormatter(data: TypedArray, shape: readonly number[], dtype: DType, summarise: boolean): Formatter {
  let out: Formatter;
  if (dtype === 'bool') {
    const w = data.some((x) => x === 0) ? 5 : 4;
    out = (x) => (x !== 0 ? 'True' : 'False').padStart(w);
    out.width = w;
    return out;
  }
  const values = shownValues(data, shape, summarise);
  if (dtype === 'int32' || dtype === 'uint8') {
    const w = Math.max(1, ...values.map((v) => String(v).length));
    out = (x) => String(x).padStart(w);
    out.width = w;
    return out;
  }
  const nz = values.filter((v) => Number.isFinite(v) && v !== 0).map(Math.abs);
  const absMax = nz.length ? Math.max(...nz) : 0;
  const absMin = nz.length ? Math.min(...nz) : 0;
  const intMode = values.every((v) => !Number.isFinite(v) || Number.isInteger(v));
  const sciMode = nz.length > 0 && (absMax / absMin > 1000 || absMax > 1e8 || (!intMode && absMin < 1e-4));
  let f: (x: number) => string;
  if (sciMode) f = sci;
  else if (intMode) f = (x) => `${x.toFixed(0)}.`;
  else f = (x) => x.toFixed(4);
  const base = (x: number): string => (Number.isFinite(x) ? (Object.is(x, -0) ? `-${f(0)}` : f(x)) : special(x));
  let w = nz.length ? Math.max(...values.filter((v) => Number.isFinite(v) && v !== 0).map((v) => f(v).length)) : 1;
  if (nz.length === 0) w = Math.max(1, ...values.map((v) => base(v).length));
  else if (intMode && !sciMode) w = Math.max(w, ...values.filter((v) => v === 0).map(() => 2));
  out = (x) => base(x).padStart(w);
  out.width = w;
  return out;
}

function special(x: number): string {
  return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
}

function sci(x: number): string {
  const s = x.toExponential(4);
  const [m, e] = s.split('e') as [string, string];
  const sign = e[0] === '-' ? '-' : '+';
  const digits = e.replace(/^[+-]/, '').padStart(2, '0');
  return `${m}e${sign}${digits}`;
}
