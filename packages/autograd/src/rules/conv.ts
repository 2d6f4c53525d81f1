/**
 * Sliding windows are each other's adjoint: the gradient of taking windows is summing them back
 * (col2im), and the gradient of summing windows back is taking windows again. Convolution and
 * pooling compose from these, pad and matmul, so their gradients need no rules of their own.
 */
import { foldWindows2d, windows2d, type WindowGeometry } from '@tessera/core';
import { registerGradRule } from './registry.js';

function geometryOf(attrs: Readonly<Record<string, unknown>>): WindowGeometry {
  return {
    kernel: attrs.kernel as [number, number],
    stride: attrs.stride as [number, number],
    dilation: attrs.dilation as [number, number],
  };
}

registerGradRule('windows2d', {
  save: { inputs: false },
  backward(ctx, [g]) {
    const shape = ctx.inputShapes[0]!;
    const size: [number, number] = [shape[shape.length - 2]!, shape[shape.length - 1]!];
    return [foldWindows2d(g!, size, geometryOf(ctx.attrs))];
  },
});

registerGradRule('foldWindows2d', {
  save: { inputs: false },
  backward(ctx, [g]) {
    const shape = ctx.inputShapes[0]!;
    const win = windows2d(g!, geometryOf(ctx.attrs));
    const nd = shape.length;
    // The fold's output may extend past the last window; keep only the window positions.
    return [win.shape[nd - 4] === shape[nd - 4] && win.shape[nd - 3] === shape[nd - 3] ? win : win.slice(nd - 4, 0, shape[nd - 4]!).slice(nd - 3, 0, shape[nd - 3]!)];
  },
});
