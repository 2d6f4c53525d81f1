// A short tour of Tessera: run with `pnpm demo` from the repository root.
import { arange, manualSeed, randn, tensor, zeros } from '@tessera/core';
import '@tessera/backend-cpu'; // registers the CPU backend

function show(title, t) {
  console.log(`\n# ${title}`);
  console.log(t.toString());
}

// Creation.
const x = tensor([[1, 2, 3], [4, 5, 6]]);
show('x = tensor([[1, 2, 3], [4, 5, 6]])', x);
show('zeros(2, 3)', zeros(2, 3));
show('arange(6)', arange(6));

manualSeed(0);
const w = randn([3, 2]);
show('w = randn([3, 2]) after manualSeed(0)', w);

// Broadcasting: a [2, 3] tensor plus a [3] row, and a tensor plus a number.
show('x.add(tensor([10, 20, 30]))', x.add(tensor([10, 20, 30])));
show('x.add(1)', x.add(1));

// Matrix product: [2, 3] @ [3, 2] -> [2, 2].
const y = x.matmul(w);
show('y = x.matmul(w)', y);

// Reductions.
show('x.sum(1)', x.sum(1));
show('x.sum()', x.sum());

// Softmax over the last dimension: each row sums to 1.
const p = x.softmax(-1);
show('x.softmax(-1)', p);
console.log('row sums:', Array.from(await p.sum(-1).data(), (v) => v.toFixed(6)).join(', '));
