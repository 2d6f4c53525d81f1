/** Gradients of dtype casts and device moves: the gradient goes back unchanged (the engine casts it to the input's dtype). */
import { to } from '@tessera/core';
import { registerGradRule } from './registry.js';

registerGradRule('cast', { save: { inputs: false }, backward: (_, [g]) => [g!] });
registerGradRule('toDevice', { save: { inputs: false }, backward: (ctx, [g]) => [to(g!, ctx.device)] });
