// Reductions (sum, max, min, prod) over any set of axes of a strided view.
//
// As in the CPU backend, the input is walked in its own memory order (dims sorted by stride)
// against an accumulator that is dense over the kept dims and has stride 0 over the reduced ones.
// Each innermost row is either folded into one accumulator (a reduced innermost dim: row sums)
// or accumulated elementwise into a row of them (a kept innermost dim: column sums), so both
// read memory sequentially. Floats accumulate in double, integer sums in int64 (exact), integer
// products into int32/uint8 wrap like C; max/min propagate NaN; empty reductions give the identity.
#include <algorithm>
#include <limits>
#include <vector>

#include "kernels.h"
#include "threadpool.h"

namespace tn {
namespace {

template <class A> A identity(int op) {
  if constexpr (std::is_same_v<A, double>) {
    switch (op) {
      case R_SUM: return 0.0;
      case R_PROD: return 1.0;
      case R_MAX: return -std::numeric_limits<double>::infinity();
      default: return std::numeric_limits<double>::infinity();
    }
  } else {
    return op == R_PROD ? A(1) : A(0);
  }
}

template <int OP, class A> inline A combine(A x, A y) {
  if constexpr (OP == R_SUM) {
    return x + y;
  } else if constexpr (OP == R_PROD) {
    return x * y;
  } else if constexpr (OP == R_MAX) {
    return max_nan(x, y);
  } else {
    return min_nan(x, y);
  }
}

// One row folded into a single value.
template <int OP, class A, class T> inline A fold_row(const T* v, i64 s, i64 n) {
  if constexpr (OP == R_SUM && std::is_same_v<A, double>) {
    double p0 = 0, p1 = 0, p2 = 0, p3 = 0, p4 = 0, p5 = 0, p6 = 0, p7 = 0;
    i64 j = 0;
    if (s == 1) {
      for (; j + 8 <= n; j += 8) {
        p0 += (double)v[j];
        p1 += (double)v[j + 1];
        p2 += (double)v[j + 2];
        p3 += (double)v[j + 3];
        p4 += (double)v[j + 4];
        p5 += (double)v[j + 5];
        p6 += (double)v[j + 6];
        p7 += (double)v[j + 7];
      }
    }
    for (; j < n; j++) p0 += (double)v[j * s];
    return ((p0 + p1) + (p2 + p3)) + ((p4 + p5) + (p6 + p7));
  } else {
    A acc = identity<A>(OP);
    for (i64 j = 0; j < n; j++) acc = combine<OP, A>(acc, (A)v[j * s]);
    return acc;
  }
}

template <int OP, class A, class T> inline void accumulate_row(const T* v, i64 s, A* acc, i64 as, i64 n) {
  if (s == 1 && as == 1) {
    for (i64 j = 0; j < n; j++) acc[j] = combine<OP, A>(acc[j], (A)v[j]);
  } else {
    for (i64 j = 0; j < n; j++) acc[j * as] = combine<OP, A>(acc[j * as], (A)v[j * s]);
  }
}

struct Plan {
  int nd;
  i64 shape[MAX_DIMS];
  i64 xst[MAX_DIMS];
  i64 ast[MAX_DIMS];
  i64 out_size;
};

template <int OP, class A, class T> void run_range(const Plan& p, const T* x, i64 xoff, A* acc, i64 begin, i64 end) {
  const i64* st[2] = {p.xst, p.ast};
  const i64 off[2] = {xoff, 0};
  Iter<2> it(p.nd, p.shape, st, off);
  it.run(begin, end, [&](const i64* o, const i64* s, i64 n) {
    if (s[1] == 0) acc[o[1]] = combine<OP, A>(acc[o[1]], fold_row<OP, A>(x + o[0], s[0], n));
    else accumulate_row<OP, A>(x + o[0], s[0], acc + o[1], s[1], n);
  });
}

template <int OP, class A, class T, int ODT> void reduce_t(const View& x, const Plan& p, void* out) {
  using O = typename Ty<ODT>::type;
  const T* xp = reinterpret_cast<const T*>(x.base);
  const i64 n = x.numel, m = p.out_size;
  std::vector<A> acc((size_t)m, identity<A>(OP));
  const int threads = num_threads();
  // Split the input between threads when it is large and the accumulator small: each thread
  // folds its range into a private accumulator, merged at the end.
  int parts = 1;
  if (threads > 1 && n >= (1 << 16) && m * 8 <= n) parts = (int)std::min<i64>(threads, n / (1 << 15));
  if (parts <= 1) {
    run_range<OP, A, T>(p, xp, x.offset, acc.data(), 0, n);
  } else {
    std::vector<std::vector<A>> priv((size_t)parts - 1, std::vector<A>((size_t)m, identity<A>(OP)));
    parallel_tasks(parts, [&](int t) {
      A* a = t == 0 ? acc.data() : priv[(size_t)t - 1].data();
      run_range<OP, A, T>(p, xp, x.offset, a, n * t / parts, n * (t + 1) / parts);
    });
    for (auto& q : priv)
      for (i64 i = 0; i < m; i++) acc[(size_t)i] = combine<OP, A>(acc[(size_t)i], q[(size_t)i]);
  }
  O* y = static_cast<O*>(out);
  for (i64 i = 0; i < m; i++) y[i] = cvt<ODT>(acc[(size_t)i]);
}

template <int OP, class A, class T> void reduce_o(const View& x, const Plan& p, int odt, void* out) {
  switch (odt) {
    case F32: return reduce_t<OP, A, T, F32>(x, p, out);
    case F64: return reduce_t<OP, A, T, F64>(x, p, out);
    case I32: return reduce_t<OP, A, T, I32>(x, p, out);
    case U8: return reduce_t<OP, A, T, U8>(x, p, out);
    default: return reduce_t<OP, A, T, BOOL>(x, p, out);
  }
}

template <int OP, class T> void reduce_in(const View& x, const Plan& p, int odt, void* out) {
  constexpr bool integral = std::is_integral_v<T>;
  if constexpr (integral && OP == R_SUM) {
    reduce_o<OP, int64_t, T>(x, p, odt, out);
  } else if constexpr (integral && OP == R_PROD) {
    // Integer products into an integer output wrap like 32-bit C arithmetic.
    if (odt == I32 || odt == U8) reduce_o<OP, uint32_t, T>(x, p, odt, out);
    else reduce_o<OP, double, T>(x, p, odt, out);
  } else {
    reduce_o<OP, double, T>(x, p, odt, out);
  }
}

template <int OP> void reduce_op(const View& x, const Plan& p, int odt, void* out) {
  switch (storage_kind(x.dtype)) {
    case F32: return reduce_in<OP, float>(x, p, odt, out);
    case F64: return reduce_in<OP, double>(x, p, odt, out);
    case I32: return reduce_in<OP, int32_t>(x, p, odt, out);
    default: return reduce_in<OP, uint8_t>(x, p, odt, out);
  }
}

}  // namespace

void reduce(int op, const View& x, const bool* reduced, int out_dtype, void* out) {
  Plan p;
  i64 kept_shape[MAX_DIMS];
  int nk = 0;
  for (int d = 0; d < x.nd; d++)
    if (!reduced[d]) kept_shape[nk++] = x.shape[d];
  p.out_size = 1;
  for (int d = 0; d < nk; d++) p.out_size *= kept_shape[d];
  if (p.out_size == 0) return;
  i64 kept_strides[MAX_DIMS];
  dense_strides(nk, kept_shape, kept_strides);
  i64 acc_strides[MAX_DIMS];
  for (int d = 0, k = 0; d < x.nd; d++) acc_strides[d] = reduced[d] ? 0 : kept_strides[k++];
  // Walk in memory order: larger input strides outside; ties keep the logical order.
  int order[MAX_DIMS];
  for (int d = 0; d < x.nd; d++) order[d] = d;
  std::stable_sort(order, order + x.nd, [&](int a, int b) { return x.strides[a] > x.strides[b]; });
  // When the innermost dims (in memory order) are reduced and tiny, as in pooling over window
  // views [..., OH, OW, KH, KW], rows of 2 or 3 elements cost more in bookkeeping than in work:
  // then walk the smallest-strided kept dim innermost instead, accumulating a row of outputs.
  {
    i64 inner = 1;
    int k = x.nd - 1;
    while (k >= 0 && reduced[order[k]]) inner *= x.shape[order[k--]];
    if (k >= 0 && k < x.nd - 1 && inner < 16 && x.shape[order[k]] >= 8) {
      const int kept = order[k];
      for (int i = k; i < x.nd - 1; i++) order[i] = order[i + 1];
      order[x.nd - 1] = kept;
    }
  }
  p.nd = x.nd;
  for (int i = 0; i < x.nd; i++) {
    p.shape[i] = x.shape[order[i]];
    p.xst[i] = x.strides[order[i]];
    p.ast[i] = acc_strides[order[i]];
  }
  // An empty input walks nothing and leaves the identities.
  switch (op) {
    case R_SUM: return reduce_op<R_SUM>(x, p, out_dtype, out);
    case R_MAX: return reduce_op<R_MAX>(x, p, out_dtype, out);
    case R_MIN: return reduce_op<R_MIN>(x, p, out_dtype, out);
    case R_PROD: return reduce_op<R_PROD>(x, p, out_dtype, out);
    default: type_error("reduce: unknown op code " + std::to_string(op));
  }
}

}  // namespace tn
