/**
 * Gradients of elementwise ops. Binary ops broadcast, so each input gradient is summed back to
 * the input's shape (`sumToShape`); dtype promotion is undone by the engine, which casts every
 * gradient to its input's dtype.
 */
import {
  add,
  cos,
  div,
  eq,
  exp,
  floor,
  gt,
  log,
  mul,
  neg,
  pow,
  reluBackward,
  sign,
  sin,
  square,
  sub,
  where,
  zerosLike,
  type Tensor,
} from '@tessera/core';
import { registerGradRule, type RuleContext } from './registry.js';
import { sumToShape } from './util.js';

type BinaryGrad = (ctx: RuleContext, g: Tensor) => [Tensor | null, Tensor | null];

/** Registers a broadcasting binary op: `f` returns gradients in the output's shape. */
function binary(name: string, f: BinaryGrad, save: { inputs?: boolean; outputs?: boolean } = {}): void {
  registerGradRule(name, {
    save,
    backward(ctx, [g]) {
      const [ga, gb] = f(ctx, g!);
      return [
        ctx.needsInputGrad[0] && ga ? sumToShape(ga, ctx.inputShapes[0]!) : null,
        ctx.needsInputGrad[1] && gb ? sumToShape(gb, ctx.inputShapes[1]!) : null,
      ];
    },
  });
}

binary('add', (_, g) => [g, g], { inputs: false });
binary('sub', (ctx, g) => [g, ctx.needsInputGrad[1] ? neg(g) : null], { inputs: false });
binary('mul', (ctx, g) => {
  const [a, b] = ctx.inputs;
  return [ctx.needsInputGrad[0] ? mul(g, b!) : null, ctx.needsInputGrad[1] ? mul(g, a!) : null];
});
binary('div', (ctx, g) => {
  const [a, b] = ctx.inputs;
  const ga = div(g, b!);
  // d(a/b)/db = -a / b^2 = -(g / b) * (a / b)
  return [ga, ctx.needsInputGrad[1] ? neg(mul(ga, div(a!, b!))) : null];
});
binary(
  'pow',
  (ctx, g) => {
    const [a, b] = ctx.inputs;
    const [y] = ctx.outputs;
    // b * a^(b-1), with 0 where b == 0 (so 0^0 has derivative 0, not 0 * inf), as PyTorch does.
    const ga = ctx.needsInputGrad[0] ? mul(g, where(eq(b!, 0), 0, mul(b!, pow(a!, sub(b!, 1))))) : null;
    // a^b * log(a), with 0 where a == 0 and b >= 0 (the limit), as PyTorch does.
    const gb = ctx.needsInputGrad[1] ? mul(g, where(eq(a!, 0), 0, mul(y!, log(a!)))) : null;
    return [ga, gb];
  },
  { inputs: true, outputs: true },
);
binary('remainder', (ctx, g) => {
  // a mod b = a - floor(a / b) * b
  const [a, b] = ctx.inputs;
  return [g, ctx.needsInputGrad[1] ? neg(mul(g, floor(div(a!, b!)))) : null];
});
binary('atan2', (ctx, g) => {
  const [a, b] = ctx.inputs;
  const scale = div(g, add(square(a!), square(b!)));
  return [ctx.needsInputGrad[0] ? mul(scale, b!) : null, ctx.needsInputGrad[1] ? neg(mul(scale, a!)) : null];
});

/**
 * maximum/minimum: the gradient goes to the selected input; on ties it is split evenly between
 * both (PyTorch's choice, which keeps `maximum(x, x)` with derivative 1).
 */
function extremum(name: 'maximum' | 'minimum'): void {
  binary(name, (ctx, g) => {
    const [a, b] = ctx.inputs;
    const aWins = name === 'maximum' ? gt(a!, b!) : gt(b!, a!);
    const half = mul(g, 0.5);
    const tie = eq(a!, b!);
    return [
      ctx.needsInputGrad[0] ? where(tie, half, where(aWins, g, 0)) : null,
      ctx.needsInputGrad[1] ? where(tie, half, where(aWins, 0, g)) : null,
    ];
  });
}
extremum('maximum');
extremum('minimum');

/** Registers a unary op whose gradient is `f(ctx, g)`. */
function unary(name: string, f: (ctx: RuleContext, g: Tensor) => Tensor, save: { inputs?: boolean; outputs?: boolean } = {}): void {
  registerGradRule(name, { save, backward: (ctx, [g]) => [f(ctx, g!)] });
}
const x0 = (ctx: RuleContext): Tensor => ctx.inputs[0]!;
const y0 = (ctx: RuleContext): Tensor => ctx.outputs[0]!;
const OUT = { inputs: false, outputs: true };

unary('neg', (_, g) => neg(g), { inputs: false });
unary('abs', (ctx, g) => mul(g, sign(x0(ctx))));
unary('exp', (ctx, g) => mul(g, y0(ctx)), OUT);
unary('expm1', (ctx, g) => mul(g, add(y0(ctx), 1)), OUT);
unary('log', (ctx, g) => div(g, x0(ctx)));
unary('log1p', (ctx, g) => div(g, add(x0(ctx), 1)));
unary('sqrt', (ctx, g) => div(g, mul(y0(ctx), 2)), OUT);
// d/dx x^(-1/2) = -1/2 x^(-3/2) = -1/2 y^3
unary('rsqrt', (ctx, g) => mul(g, mul(pow(y0(ctx), 3), -0.5)), OUT);
unary('reciprocal', (ctx, g) => neg(mul(g, square(y0(ctx)))), OUT);
unary('sin', (ctx, g) => mul(g, cos(x0(ctx))));
unary('cos', (ctx, g) => neg(mul(g, sin(x0(ctx)))));
unary('tanh', (ctx, g) => mul(g, sub(1, square(y0(ctx)))), OUT);
unary('sigmoid', (ctx, g) => {
  const y = y0(ctx);
  return mul(g, mul(y, sub(1, y)));
}, OUT);
unary('erf', (ctx, g) => mul(g, mul(exp(neg(square(x0(ctx)))), 2 / Math.sqrt(Math.PI))));
// relu'(0) = 0, as in PyTorch. The mask comes from the output (y > 0 exactly where x > 0).
unary('relu', (ctx, g) => reluBackward(y0(ctx), g), OUT);

// Piecewise constant: the gradient is zero almost everywhere (PyTorch returns zeros too, and the
// outputs still require grad so that `x.round().sum().backward()` works).
for (const name of ['floor', 'ceil', 'round', 'sign']) unary(name, (_, g) => zerosLike(g), { inputs: false });

// where(cond, a, b): the gradient goes to the branch each element came from.
registerGradRule('where', {
  save: { inputs: [0] },
  backward(ctx, [g]) {
    const cond = ctx.inputs[0]!;
    return [
      null,
      ctx.needsInputGrad[1] ? sumToShape(where(cond, g!, 0), ctx.inputShapes[1]!) : null,
      ctx.needsInputGrad[2] ? sumToShape(where(cond, 0, g!), ctx.inputShapes[2]!) : null,
    ];
  },
});
