// Elementwise primitives (unary, binary, where) and dtype conversion/copies over strided views.
// Semantics follow the reference CPU backend exactly: NaN propagation in maximum/minimum,
// round-half-even, Python's remainder sign, integer pow with 32-bit wrap-around, and the
// typed-array conversions of JavaScript for every store (see cvt in common.h).
#include <vector>

#include "gemm.h"
#include "kernels.h"
#include "threadpool.h"

#define TN_HAS_AVX2_TARGET TN_X86_KERNELS

namespace tn {
namespace {

constexpr i64 GRAIN_CHEAP = 1 << 16;  // elements per thread for memory-bound ops
constexpr i64 GRAIN_MATH = 1 << 12;   // elements per thread for transcendental ops

bool is_dense(const View& v) {
  i64 expected = 1;
  for (int i = v.nd - 1; i >= 0; i--) {
    if (v.shape[i] != 1 && v.strides[i] != expected) return false;
    expected *= v.shape[i];
  }
  return true;
}

// A dense view over a contiguous scratch or output buffer of `like`'s shape.
View dense_like(const View& like, void* data, int dtype) {
  View v;
  v.base = static_cast<char*>(data);
  v.dtype = dtype;
  v.nd = like.nd;
  v.offset = 0;
  v.numel = like.numel;
  for (int d = 0; d < like.nd; d++) v.shape[d] = like.shape[d];
  dense_strides(like.nd, like.shape, v.strides);
  return v;
}

// ---------------------------------------------------------------------------------------------
// unary

template <class C> inline C sigmoid_of(C v) {
  if (v >= 0) return C(1) / (C(1) + std::exp(-v));
  C e = std::exp(v);
  return e / (C(1) + e);
}

// op(x) in compute type C (float for float32, double otherwise).
template <int OP, class C> inline auto ufn(C x) {
  if constexpr (OP == U_NEG) return -x;
  else if constexpr (OP == U_ABS) return std::fabs(x);
  else if constexpr (OP == U_EXP) return std::exp(x);
  else if constexpr (OP == U_LOG) return std::log(x);
  else if constexpr (OP == U_LOG1P) return std::log1p(x);
  else if constexpr (OP == U_EXPM1) return std::expm1(x);
  else if constexpr (OP == U_SQRT) return std::sqrt(x);
  else if constexpr (OP == U_RSQRT) return C(1) / std::sqrt(x);
  else if constexpr (OP == U_RECIPROCAL) return C(1) / x;
  else if constexpr (OP == U_SIN) return std::sin(x);
  else if constexpr (OP == U_COS) return std::cos(x);
  else if constexpr (OP == U_TANH) return std::tanh(x);
  else if constexpr (OP == U_SIGMOID) return sigmoid_of(x);
  else if constexpr (OP == U_RELU) return x < 0 ? C(0) : x;  // NaN passes through
  else if constexpr (OP == U_ERF) return std::erf(x);
  else if constexpr (OP == U_FLOOR) return std::floor(x);
  else if constexpr (OP == U_CEIL) return std::ceil(x);
  else if constexpr (OP == U_ROUND) return std::nearbyint(x);  // half to even
  else if constexpr (OP == U_SIGN) return x > 0 ? C(1) : x < 0 ? C(-1) : x;  // keeps -0 and NaN
  else if constexpr (OP == U_LOGICAL_NOT) return x == 0;
  else if constexpr (OP == U_ISNAN) return x != x;
  else return x - x == 0;  // U_ISFINITE
}

template <int OP> constexpr i64 unary_grain() {
  return (OP == U_NEG || OP == U_ABS || OP == U_RELU || OP == U_FLOOR || OP == U_CEIL || OP == U_SIGN ||
          OP == U_LOGICAL_NOT || OP == U_ISNAN || OP == U_ISFINITE || OP == U_RECIPROCAL || OP == U_SQRT)
             ? GRAIN_CHEAP
             : GRAIN_MATH;
}

// Contiguous rows, compiled twice: for the baseline ISA and (x86-64) for AVX2, chosen at run time.
#define TN_UNARY_CONTIG(NAME, ATTR)                                                        \
  template <int OP, int IDT, int ODT, class C, class T, class O>                            \
  ATTR void NAME(const T* src, O* dst, i64 n) {                                             \
    for (i64 i = 0; i < n; i++) dst[i] = cvt<ODT>(ufn<OP>((C)src[i]));                      \
  }
#define TN_BINARY_CONTIG(NAME, ATTR)                                                       \
  template <int OP, int DT, int ODT, class T, class O>                                      \
  ATTR void NAME(const T* x, const T* y, O* z, i64 n, int mode) {                           \
    if (mode == 0) {                                                                        \
      for (i64 i = 0; i < n; i++) z[i] = cvt<ODT>(bfn<OP, DT>(x[i], y[i]));                 \
    } else if (mode == 1) {                                                                 \
      const T yv = *y;                                                                      \
      for (i64 i = 0; i < n; i++) z[i] = cvt<ODT>(bfn<OP, DT>(x[i], yv));                   \
    } else {                                                                                \
      const T xv = *x;                                                                      \
      for (i64 i = 0; i < n; i++) z[i] = cvt<ODT>(bfn<OP, DT>(xv, y[i]));                   \
    }                                                                                       \
  }

TN_UNARY_CONTIG(unary_contig, )
#if TN_HAS_AVX2_TARGET
TN_UNARY_CONTIG(unary_contig_avx2, __attribute__((target("avx2,fma"))))
#endif

template <int OP, int IDT, int ODT> void unary_t(const View& x, void* out) {
  using T = typename Ty<IDT>::type;
  using O = typename Ty<ODT>::type;
  using C = std::conditional_t<IDT == F32, float, double>;
  const T* xp = reinterpret_cast<const T*>(x.base);
  O* yp = static_cast<O*>(out);
  i64 ost[MAX_DIMS];
  dense_strides(x.nd, x.shape, ost);
  const i64* st[2] = {x.strides, ost};
  const i64 off[2] = {x.offset, 0};
  Iter<2> it(x.nd, x.shape, st, off, true);
  auto row = [&](const i64* o, const i64* s, i64 n) {
    const T* src = xp + o[0];
    O* dst = yp + o[1];
    const i64 xs = s[0];
    if (s[1] != 1) {
      for (i64 i = 0; i < n; i++) dst[i * s[1]] = cvt<ODT>(ufn<OP>((C)src[i * xs]));
    } else if (xs == 1) {
#if TN_HAS_AVX2_TARGET
      if (use_avx2()) return unary_contig_avx2<OP, IDT, ODT, C>(src, dst, n);
#endif
      unary_contig<OP, IDT, ODT, C>(src, dst, n);
    } else
      for (i64 i = 0; i < n; i++) dst[i] = cvt<ODT>(ufn<OP>((C)src[i * xs]));
  };
  parallel_for(it.numel, unary_grain<OP>(), [&](i64 b, i64 e) { it.run(b, e, row); });
}

template <int OP> void unary_op(const View& x, void* out) {
  constexpr bool pred = OP == U_LOGICAL_NOT || OP == U_ISNAN || OP == U_ISFINITE;
  switch (x.dtype) {
    case F32: return unary_t<OP, F32, pred ? BOOL : F32>(x, out);
    case F64: return unary_t<OP, F64, pred ? BOOL : F64>(x, out);
    case I32: return unary_t<OP, I32, pred ? BOOL : I32>(x, out);
    case U8: return unary_t<OP, U8, pred ? BOOL : U8>(x, out);
    default: return unary_t<OP, BOOL, BOOL>(x, out);
  }
}

// ---------------------------------------------------------------------------------------------
// binary

inline int32_t int_pow(i64 base, i64 e) {
  if (e < 0) return base == 1 ? 1 : base == -1 ? ((e & 1) ? -1 : 1) : 0;
  uint32_t r = 1, b = (uint32_t)base;
  while (e > 0) {
    if (e & 1) r *= b;
    b *= b;
    e >>= 1;
  }
  return (int32_t)r;
}

template <class C> inline C py_remainder(C a, C b) {
  C m = std::fmod(a, b);
  if (m != 0 && ((m < 0) != (b < 0))) m += b;
  return m;
}

// a op b with the semantics of dtype DT; the result type is converted by cvt afterwards.
template <int OP, int DT, class T> inline auto bfn(T a, T b) {
  constexpr bool FL = DT == F32 || DT == F64;
  if constexpr (OP == B_ADD) {
    if constexpr (FL) return a + b;
    else if constexpr (DT == I32) return (int32_t)((uint32_t)a + (uint32_t)b);
    else return (int)a + (int)b;
  } else if constexpr (OP == B_SUB) {
    if constexpr (FL) return a - b;
    else if constexpr (DT == I32) return (int32_t)((uint32_t)a - (uint32_t)b);
    else return (int)a - (int)b;
  } else if constexpr (OP == B_MUL) {
    if constexpr (FL) return a * b;
    else if constexpr (DT == I32) return (int32_t)((uint32_t)a * (uint32_t)b);
    else return (int)a * (int)b;
  } else if constexpr (OP == B_DIV) {
    if constexpr (FL) return a / b;
    else return (double)a / (double)b;
  } else if constexpr (OP == B_POW) {
    if constexpr (DT == F32) return (float)std::pow((double)a, (double)b);
    else if constexpr (DT == F64) return std::pow(a, b);
    else return int_pow(a, b);
  } else if constexpr (OP == B_MAXIMUM) {
    // a NaN on either side propagates (max_nan(b, a) prefers a NaN a; a NaN b loses a > b)
    if constexpr (FL) return b != b ? b : max_nan(b, a);
    else return a > b ? a : b;
  } else if constexpr (OP == B_MINIMUM) {
    if constexpr (FL) return b != b ? b : min_nan(b, a);
    else return a < b ? a : b;
  } else if constexpr (OP == B_REMAINDER) {
    if constexpr (FL) return py_remainder(a, b);
    else {
      if (b == 0) return i64(0);  // JavaScript: x % 0 is NaN, stored as 0
      i64 m = (i64)a % (i64)b;
      if (m != 0 && ((m < 0) != (b < 0))) m += b;
      return m;
    }
  } else if constexpr (OP == B_ATAN2) {
    if constexpr (DT == F32) return (float)std::atan2((double)a, (double)b);
    else return std::atan2((double)a, (double)b);
  } else if constexpr (OP == B_EQ) return a == b;
  else if constexpr (OP == B_NE) return a != b;
  else if constexpr (OP == B_LT) return a < b;
  else if constexpr (OP == B_LE) return a <= b;
  else if constexpr (OP == B_GT) return a > b;
  else if constexpr (OP == B_GE) return a >= b;
  else if constexpr (OP == B_LOGICAL_AND) return a != 0 && b != 0;
  else return a != 0 || b != 0;  // B_LOGICAL_OR
}

template <int OP> constexpr i64 binary_grain() {
  return (OP == B_POW || OP == B_ATAN2 || OP == B_REMAINDER) ? GRAIN_MATH : GRAIN_CHEAP;
}

TN_BINARY_CONTIG(binary_contig, )
#if TN_HAS_AVX2_TARGET
TN_BINARY_CONTIG(binary_contig_avx2, __attribute__((target("avx2,fma"))))
#endif

template <int OP, int DT, int ODT> void binary_t(const View& a, const View& b, void* out) {
  using T = typename Ty<DT>::type;
  using O = typename Ty<ODT>::type;
  const T* ap = reinterpret_cast<const T*>(a.base);
  const T* bp = reinterpret_cast<const T*>(b.base);
  O* yp = static_cast<O*>(out);
  i64 ost[MAX_DIMS];
  dense_strides(a.nd, a.shape, ost);
  const i64* st[3] = {a.strides, b.strides, ost};
  const i64 off[3] = {a.offset, b.offset, 0};
  Iter<3> it(a.nd, a.shape, st, off, true);
  auto row = [&](const i64* o, const i64* s, i64 n) {
    const T* x = ap + o[0];
    const T* y = bp + o[1];
    O* z = yp + o[2];
    const i64 xs = s[0], ys = s[1], zs = s[2];
    if (zs != 1) {
      for (i64 i = 0; i < n; i++) z[i * zs] = cvt<ODT>(bfn<OP, DT>(x[i * xs], y[i * ys]));
      return;
    }
    const int mode = xs == 1 && ys == 1 ? 0 : xs == 1 && ys == 0 ? 1 : xs == 0 && ys == 1 ? 2 : -1;
    if (mode >= 0) {
#if TN_HAS_AVX2_TARGET
      if (use_avx2()) return binary_contig_avx2<OP, DT, ODT>(x, y, z, n, mode);
#endif
      binary_contig<OP, DT, ODT>(x, y, z, n, mode);
    } else {
      for (i64 i = 0; i < n; i++) z[i] = cvt<ODT>(bfn<OP, DT>(x[i * xs], y[i * ys]));
    }
  };
  parallel_for(it.numel, binary_grain<OP>(), [&](i64 b0, i64 e0) { it.run(b0, e0, row); });
}

template <int OP> void binary_op(const View& a, const View& b, void* out) {
  constexpr bool pred = OP >= B_EQ;
  switch (a.dtype) {
    case F32: return binary_t<OP, F32, pred ? BOOL : F32>(a, b, out);
    case F64: return binary_t<OP, F64, pred ? BOOL : F64>(a, b, out);
    case I32: return binary_t<OP, I32, pred ? BOOL : I32>(a, b, out);
    case U8: return binary_t<OP, U8, pred ? BOOL : U8>(a, b, out);
    default: return binary_t<OP, BOOL, BOOL>(a, b, out);
  }
}

// ---------------------------------------------------------------------------------------------
// where

// Rows whose operands are contiguous or broadcast (step 1 or 0, as in relu's backward
// where(x > 0, g, 0)), compiled for the baseline ISA and for AVX2.
#define TN_WHERE_CONTIG(NAME, ATTR)                                                              \
  template <bool KS, bool XS, bool YS, class CT, class T>                                         \
  ATTR void NAME(const CT* k, const T* x, const T* y, T* z, i64 n) {                              \
    for (i64 i = 0; i < n; i++) {                                                                 \
      z[i] = select(k[KS ? i : 0] != 0, x[XS ? i : 0], y[YS ? i : 0]);                            \
    }                                                                                             \
  }
TN_WHERE_CONTIG(where_contig, )
#if TN_HAS_AVX2_TARGET
TN_WHERE_CONTIG(where_contig_avx2, __attribute__((target("avx2,fma"))))
#endif

template <bool KS, bool XS, bool YS, class CT, class T> inline void where_row(const CT* k, const T* x, const T* y, T* z, i64 n) {
#if TN_HAS_AVX2_TARGET
  if (use_avx2()) return where_contig_avx2<KS, XS, YS>(k, x, y, z, n);
#endif
  where_contig<KS, XS, YS>(k, x, y, z, n);
}

template <class CT, class T> void where_t(const View& c, const View& a, const View& b, void* out) {
  const CT* cp = reinterpret_cast<const CT*>(c.base);
  const T* ap = reinterpret_cast<const T*>(a.base);
  const T* bp = reinterpret_cast<const T*>(b.base);
  T* yp = static_cast<T*>(out);
  i64 ost[MAX_DIMS];
  dense_strides(c.nd, c.shape, ost);
  const i64* st[4] = {c.strides, a.strides, b.strides, ost};
  const i64 off[4] = {c.offset, a.offset, b.offset, 0};
  Iter<4> it(c.nd, c.shape, st, off, true);
  auto row = [&](const i64* o, const i64* s, i64 n) {
    const CT* k = cp + o[0];
    const T* x = ap + o[1];
    const T* y = bp + o[2];
    T* z = yp + o[3];
    const i64 ks = s[0], xs = s[1], ys = s[2], zs = s[3];
    if (zs != 1) {
      for (i64 i = 0; i < n; i++) z[i * zs] = select(k[i * ks] != 0, x[i * xs], y[i * ys]);
      return;
    }
    if ((ks | xs | ys) == 1 || ((ks == 0 || ks == 1) && (xs == 0 || xs == 1) && (ys == 0 || ys == 1))) {
      switch (ks * 4 + xs * 2 + ys) {
        case 7: return where_row<1, 1, 1>(k, x, y, z, n);
        case 6: return where_row<1, 1, 0>(k, x, y, z, n);
        case 5: return where_row<1, 0, 1>(k, x, y, z, n);
        case 4: return where_row<1, 0, 0>(k, x, y, z, n);
        case 3: return where_row<0, 1, 1>(k, x, y, z, n);
        case 2: return where_row<0, 1, 0>(k, x, y, z, n);
        case 1: return where_row<0, 0, 1>(k, x, y, z, n);
        default: return where_row<0, 0, 0>(k, x, y, z, n);
      }
    }
    for (i64 i = 0; i < n; i++) z[i] = select(k[i * ks] != 0, x[i * xs], y[i * ys]);
  };
  parallel_for(it.numel, GRAIN_CHEAP, [&](i64 b0, i64 e0) { it.run(b0, e0, row); });
}

template <class CT> void where_c(const View& c, const View& a, const View& b, void* out) {
  switch (storage_kind(a.dtype)) {
    case F32: return where_t<CT, float>(c, a, b, out);
    case F64: return where_t<CT, double>(c, a, b, out);
    case I32: return where_t<CT, int32_t>(c, a, b, out);
    default: return where_t<CT, uint8_t>(c, a, b, out);
  }
}

// ---------------------------------------------------------------------------------------------
// conversion and copies

template <class T> void copy_raw_t(const View& s, const View& d, bool parallel) {
  const T* sp = reinterpret_cast<const T*>(s.base);
  T* dp = reinterpret_cast<T*>(d.base);
  const i64* st[2] = {s.strides, d.strides};
  const i64 off[2] = {s.offset, d.offset};
  Iter<2> it(s.nd, s.shape, st, off, parallel);
  auto row = [&](const i64* o, const i64* stp, i64 n) {
    const T* x = sp + o[0];
    T* y = dp + o[1];
    const i64 xs = stp[0], ys = stp[1];
    if (xs == 1 && ys == 1) std::memmove(y, x, (size_t)n * sizeof(T));
    else
      for (i64 i = 0; i < n; i++) y[i * ys] = x[i * xs];
  };
  if (parallel) parallel_for(it.numel, GRAIN_CHEAP * 4, [&](i64 b, i64 e) { it.run(b, e, row); });
  else it.run(0, it.numel, row);
}

template <int SDT, int DDT> void convert_t(const View& s, const View& d, bool parallel) {
  using S = typename Ty<SDT>::type;
  using D = typename Ty<DDT>::type;
  const S* sp = reinterpret_cast<const S*>(s.base);
  D* dp = reinterpret_cast<D*>(d.base);
  const i64* st[2] = {s.strides, d.strides};
  const i64 off[2] = {s.offset, d.offset};
  Iter<2> it(s.nd, s.shape, st, off, parallel);
  auto row = [&](const i64* o, const i64* stp, i64 n) {
    const S* x = sp + o[0];
    D* y = dp + o[1];
    const i64 xs = stp[0], ys = stp[1];
    if (xs == 1 && ys == 1)
      for (i64 i = 0; i < n; i++) y[i] = cvt<DDT>(x[i]);
    else
      for (i64 i = 0; i < n; i++) y[i * ys] = cvt<DDT>(x[i * xs]);
  };
  if (parallel) parallel_for(it.numel, GRAIN_CHEAP, [&](i64 b, i64 e) { it.run(b, e, row); });
  else it.run(0, it.numel, row);
}

template <int SDT> void convert_s(const View& s, const View& d, bool parallel) {
  switch (d.dtype) {
    case F32: return convert_t<SDT, F32>(s, d, parallel);
    case F64: return convert_t<SDT, F64>(s, d, parallel);
    case I32: return convert_t<SDT, I32>(s, d, parallel);
    case U8: return convert_t<SDT, U8>(s, d, parallel);
    default: return convert_t<SDT, BOOL>(s, d, parallel);
  }
}

}  // namespace

void convert(const View& s, const View& d) {
  if (s.numel == 0) return;
  // Overlapping source and destination (one buffer) must be copied in order.
  const bool parallel = s.base != d.base;
  const bool raw = storage_kind(s.dtype) == storage_kind(d.dtype) && !(d.dtype == BOOL && s.dtype != BOOL);
  if (raw) {
    const int es = elem_size(s.dtype);
    if (is_dense(s) && is_dense(d)) {
      std::memmove(d.at_bytes(), s.at_bytes(), (size_t)(s.numel * es));
      return;
    }
    if (es == 8) return copy_raw_t<uint64_t>(s, d, parallel);
    if (es == 4) return copy_raw_t<uint32_t>(s, d, parallel);
    return copy_raw_t<uint8_t>(s, d, parallel);
  }
  switch (s.dtype) {
    case F32: return convert_s<F32>(s, d, parallel);
    case F64: return convert_s<F64>(s, d, parallel);
    case I32: return convert_s<I32>(s, d, parallel);
    case U8: return convert_s<U8>(s, d, parallel);
    default: return convert_s<BOOL>(s, d, parallel);
  }
}

void unary(int op, const View& x, int out_dtype, void* out) {
  if (x.numel == 0) return;
  const int natural = unary_is_predicate(op) ? BOOL : x.dtype;
  if (out_dtype != natural) {
    // Uncommon: compute in the natural dtype, then convert.
    std::vector<char> tmp((size_t)(x.numel * elem_size(natural)));
    unary(op, x, natural, tmp.data());
    convert(dense_like(x, tmp.data(), natural), dense_like(x, out, out_dtype));
    return;
  }
#define TN_U(OP) \
  case OP: return unary_op<OP>(x, out);
  switch (op) {
    TN_U(U_NEG) TN_U(U_ABS) TN_U(U_EXP) TN_U(U_LOG) TN_U(U_LOG1P) TN_U(U_EXPM1) TN_U(U_SQRT) TN_U(U_RSQRT)
    TN_U(U_RECIPROCAL) TN_U(U_SIN) TN_U(U_COS) TN_U(U_TANH) TN_U(U_SIGMOID) TN_U(U_RELU) TN_U(U_ERF)
    TN_U(U_FLOOR) TN_U(U_CEIL) TN_U(U_ROUND) TN_U(U_SIGN) TN_U(U_LOGICAL_NOT) TN_U(U_ISNAN) TN_U(U_ISFINITE)
    default: type_error("unary: unknown op code " + std::to_string(op));
  }
#undef TN_U
}

void binary(int op, const View& a, const View& b, int out_dtype, void* out) {
  if (a.numel == 0) return;
  const int natural = binary_is_predicate(op) ? BOOL : a.dtype;
  if (out_dtype != natural) {
    std::vector<char> tmp((size_t)(a.numel * elem_size(natural)));
    binary(op, a, b, natural, tmp.data());
    convert(dense_like(a, tmp.data(), natural), dense_like(a, out, out_dtype));
    return;
  }
#define TN_B(OP) \
  case OP: return binary_op<OP>(a, b, out);
  switch (op) {
    TN_B(B_ADD) TN_B(B_SUB) TN_B(B_MUL) TN_B(B_DIV) TN_B(B_POW) TN_B(B_MAXIMUM) TN_B(B_MINIMUM) TN_B(B_REMAINDER)
    TN_B(B_ATAN2) TN_B(B_EQ) TN_B(B_NE) TN_B(B_LT) TN_B(B_LE) TN_B(B_GT) TN_B(B_GE) TN_B(B_LOGICAL_AND)
    TN_B(B_LOGICAL_OR)
    default: type_error("binary: unknown op code " + std::to_string(op));
  }
#undef TN_B
}

void where(const View& c, const View& a, const View& b, int out_dtype, void* out) {
  if (c.numel == 0) return;
  if (out_dtype != a.dtype) {
    std::vector<char> tmp((size_t)(c.numel * elem_size(a.dtype)));
    where(c, a, b, a.dtype, tmp.data());
    convert(dense_like(c, tmp.data(), a.dtype), dense_like(c, out, out_dtype));
    return;
  }
  switch (storage_kind(c.dtype)) {
    case F32: return where_c<float>(c, a, b, out);
    case F64: return where_c<double>(c, a, b, out);
    case I32: return where_c<int32_t>(c, a, b, out);
    default: return where_c<uint8_t>(c, a, b, out);
  }
}

}  // namespace tn
