/**
 * Sliding windows are each other's adjoint: the gradient of taking windows is summing them back
 * (col2im), and the gradient of summing windows back is taking windows again.
 *
 * conv2d and pooling have rules that call core's gradient ops (conv2dBackwardInput,
 * conv2dBackwardWeight, maxPool2dBackward, avgPool2dBackward), so a backend's fused kernels for
 * those run in training. The gradient ops themselves have no rules: they are differentiated
 * through their compositions (matmul, windows2d/foldWindows2d, scatterAdd), which gives second
 * derivatives. convTranspose2d and adaptive pooling are differentiated through their compositions.
 */
import {
  avgPool2dBackward,
  cast,
  conv2dBackwardInput,
  conv2dBackwardWeight,
  conv2dBackwardWeightBias,
  foldWindows2d,
  maxPool2dBackward,
  maxPool2dWithIndices,
  sum,
  windows2d,
  type AvgPool2dAttrs,
  type ConvAttrs,
  type WindowGeometry,
} from '@tessera/core';
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

function convAttrs(attrs: Readonly<Record<string, unknown>>): ConvAttrs {
  return {
    stride: attrs.stride as [number, number],
    padding: attrs.padding as [number, number, number, number],
    dilation: attrs.dilation as [number, number],
    groups: attrs.groups as number,
  };
}

// conv2d(x, w, b): dx = conv2dBackwardInput(g, w), dw = conv2dBackwardWeight(x, g), db = sum of g
// over N, OH, OW; dw and db in one op (conv2dBackwardWeightBias: one pass over g in a fused
// kernel) when both are needed and the bias has the input's dtype.
registerGradRule('conv2d', {
  save: { inputs: [0, 1] },
  backward(ctx, [g]) {
    const a = convAttrs(ctx.attrs);
    // A bias of another dtype promotes the output: take the gradient back to the input's dtype.
    const gx = g!.dtype === ctx.inputDtypes[0] ? g! : cast(g!, ctx.inputDtypes[0]!);
    const dx = ctx.needsInputGrad[0] ? conv2dBackwardInput(gx, ctx.inputs[1]!, ctx.inputShapes[0]!, a) : null;
    const needsDb = ctx.needsInputGrad.length > 2 && ctx.needsInputGrad[2]!;
    if (needsDb && ctx.needsInputGrad[1] && gx === g) {
      const { gradWeight, gradBias } = conv2dBackwardWeightBias(ctx.inputs[0]!, gx, ctx.inputShapes[1]!, a);
      return [dx, gradWeight, gradBias];
    }
    const dw = ctx.needsInputGrad[1] ? conv2dBackwardWeight(ctx.inputs[0]!, gx, ctx.inputShapes[1]!, a) : null;
    const db = needsDb ? sum(g!, [0, 2, 3]) : null;
    return ctx.needsInputGrad.length > 2 ? [dx, dw, db] : [dx, dw];
  },
});

// Core records 'maxPool2dWithIndices' for a max pooling that needs a gradient: the positions of
// the maxima are an output, and the gradient goes back to them.
registerGradRule('maxPool2dWithIndices', {
  save: { inputs: false, outputs: [1] },
  backward(ctx, [g]) {
    return [maxPool2dBackward(g!, ctx.outputs[1]!, ctx.inputShapes[0]!)];
  },
});

// 'maxPool2d' itself is recorded only when dispatched directly (core records the variant with
// indices): the positions are recomputed from the saved input.
registerGradRule('maxPool2d', {
  save: { inputs: true },
  backward(ctx, [g]) {
    const x = ctx.inputs[0]!;
    const a = ctx.attrs;
    const { output, indices } = maxPool2dWithIndices(x, a.kernel as [number, number], {
      stride: a.stride as [number, number],
      padding: a.padding as [number, number],
      dilation: a.dilation as [number, number],
      ceilMode: a.ceilMode as boolean,
    });
    output.dispose();
    try {
      return [maxPool2dBackward(g!, indices, ctx.inputShapes[0]!)];
    } finally {
      indices.dispose();
    }
  },
});

registerGradRule('avgPool2d', {
  save: { inputs: false },
  backward(ctx, [g]) {
    return [avgPool2dBackward(g!, ctx.inputShapes[0]!, ctx.attrs as unknown as AvgPool2dAttrs)];
  },
});
