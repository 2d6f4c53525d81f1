// A small thread pool for data-parallel kernels. The calling thread takes part in the work, so a
// one-thread configuration never touches another thread. Kernels call parallel_for only where the
// work is large enough to pay for waking the workers (see the grain sizes at the call sites).
#pragma once

#include <functional>
#include <vector>

#include "common.h"

namespace tn {

// Threads used by kernels (the caller included). Defaults to the CPUs this process may run on,
// or TESSERA_NUM_THREADS when set.
int num_threads();
// Changes the thread count (1..256); idle workers are stopped and restarted lazily.
void set_num_threads(int n);
// Logical CPUs available to the process.
int hardware_threads();

// Runs fn(task) for every task in [0, ntasks), spread over the pool. Nested calls, and calls while
// another thread uses the pool, run serially on the caller. The first exception is rethrown.
void parallel_tasks(int ntasks, const std::function<void(int)>& fn);

// Splits [0, n) into contiguous chunks of at least `grain` elements, up to four per thread, and
// runs fn(begin, end) on each; a single chunk runs inline. The threads claim chunks as they go, so
// a core slowed down by another process takes fewer of them. Chunk bounds depend only on n, grain
// and the thread count, never on timing, so results are reproducible.
template <class F> void parallel_for(i64 n, i64 grain, F&& fn) {
  if (n <= 0) return;
  i64 chunks = grain > 0 ? n / grain : n;
  int t = num_threads();
  // a multiple of the thread count (an even share each when no core is slowed)
  if (chunks > 4 * (i64)t) chunks = 4 * (i64)t;
  else if (chunks > t) chunks = chunks / t * t;
  if (chunks <= 1) {
    fn(i64(0), n);
    return;
  }
  const int c = (int)chunks;
  parallel_tasks(c, [&](int i) { fn(n * i / c, n * (i + 1) / c); });
}

// Bounds of blocks covering [0, units), claimed in order by `threads` threads: each block is
// 1/(`divisor` * threads) of what is left, but at least `min_units` ("guided" scheduling: large
// blocks first, small ones last, so the threads finish close together). Depends only on its
// arguments. Returns the block starts followed by `units`.
std::vector<i64> shrinking_blocks(i64 units, int threads, int divisor, i64 min_units);

}  // namespace tn
