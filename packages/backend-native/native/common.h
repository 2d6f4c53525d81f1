// Shared definitions of the native backend: dtypes, errors, validated views, JavaScript-exact
// numeric conversions and strided iteration. Everything here is header-only and portable.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <type_traits>

// x86-64 SIMD kernels (compiled per function with target attributes, chosen at run time).
// -DTN_NO_X86_KERNELS builds only the portable code, as on arm64 (used to check that it compiles).
#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__)) && !defined(TN_NO_X86_KERNELS)
#define TN_X86_KERNELS 1
#else
#define TN_X86_KERNELS 0
#endif

#if defined(__GNUC__) || defined(__clang__)
#define TN_COLD __attribute__((noinline, cold))
#define TN_LIKELY(x) __builtin_expect(!!(x), 1)
#else
#define TN_COLD
#define TN_LIKELY(x) (x)
#endif

namespace tn {

using i64 = int64_t;

// Dtype codes shared with src/backend.ts.
enum DType : int { F32 = 0, F64 = 1, I32 = 2, U8 = 3, BOOL = 4 };
constexpr int NUM_DTYPES = 5;
constexpr int MAX_DIMS = 32;
// Largest element count, stride or offset accepted from JavaScript (2^53: exact as a double).
constexpr i64 MAX_INDEX = i64(1) << 53;

inline int elem_size(int dt) { return dt == F64 ? 8 : (dt == F32 || dt == I32) ? 4 : 1; }
inline const char* dtype_name(int dt) {
  switch (dt) {
    case F32: return "float32";
    case F64: return "float64";
    case I32: return "int32";
    case U8: return "uint8";
    case BOOL: return "bool";
    default: return "unknown";
  }
}
inline bool is_float(int dt) { return dt == F32 || dt == F64; }
// bool and uint8 share their storage (one byte per element).
inline int storage_kind(int dt) { return dt == BOOL ? U8 : dt; }

template <int DT> struct Ty;
template <> struct Ty<F32> { using type = float; };
template <> struct Ty<F64> { using type = double; };
template <> struct Ty<I32> { using type = int32_t; };
template <> struct Ty<U8> { using type = uint8_t; };
template <> struct Ty<BOOL> { using type = uint8_t; };

// ---- errors: thrown by validation and kernels, turned into JS TypeError/RangeError/Error ----

struct KernelError : std::runtime_error {
  enum Kind { Type, Range, Generic } kind;
  KernelError(Kind k, const std::string& m) : std::runtime_error(m), kind(k) {}
};
[[noreturn]] inline void type_error(const std::string& m) { throw KernelError(KernelError::Type, m); }
[[noreturn]] inline void range_error(const std::string& m) { throw KernelError(KernelError::Range, m); }
[[noreturn]] inline void generic_error(const std::string& m) { throw KernelError(KernelError::Generic, m); }

inline std::string fmt_shape(const i64* s, int nd) {
  std::string r = "[";
  for (int i = 0; i < nd; i++) {
    if (i) r += ",";
    r += std::to_string(s[i]);
  }
  return r + "]";
}

// Overflow-checked arithmetic on values already known to be within +-2^53.
inline bool mul_ok(i64 a, i64 b, i64* out) {
  if (a == 0 || b == 0) {
    *out = 0;
    return true;
  }
  i64 aa = a < 0 ? -a : a, bb = b < 0 ? -b : b;
  if (aa > MAX_INDEX / bb) return false;
  *out = a * b;
  return true;
}

// Product of sizes that must stay within 2^53; throws a RangeError naming `op` otherwise.
inline i64 checked_product(std::initializer_list<i64> xs, const char* op) {
  i64 r = 1;
  for (i64 x : xs) {
    if (x < 0 || !mul_ok(r, x, &r)) throw KernelError(KernelError::Range, std::string(op) + ": sizes are too large");
  }
  return r;
}

// ---- a validated strided view (see storage.cc: parse_view) ----

struct View {
  char* base = nullptr;  // start of the buffer (element 0), not including the offset
  int dtype = F32;
  int nd = 0;
  i64 offset = 0;
  i64 numel = 1;
  i64 shape[MAX_DIMS];
  i64 strides[MAX_DIMS];

  template <class T> T* ptr() const { return reinterpret_cast<T*>(base) + offset; }
  char* at_bytes() const { return base + offset * elem_size(dtype); }
};

// ---- conversions with the semantics of JavaScript typed-array stores ----

// ToInt32: truncate toward zero, wrap modulo 2^32; NaN and +-inf give 0.
inline int32_t to_i32(double v) {
  if (v > -2147483649.0 && v < 2147483648.0) return (int32_t)v;
  if (!std::isfinite(v)) return 0;
  double m = std::fmod(std::trunc(v), 4294967296.0);
  if (m < 0) m += 4294967296.0;
  return (int32_t)(uint32_t)m;
}
// ToUint8: truncate toward zero, wrap modulo 256; NaN and +-inf give 0.
inline uint8_t to_u8(double v) {
  if (v > -1.0 && v < 256.0) return (uint8_t)(int)v;
  if (!std::isfinite(v)) return 0;
  double m = std::fmod(std::trunc(v), 256.0);
  if (m < 0) m += 256.0;
  return (uint8_t)(int)m;
}

// Converts a computed value to the storage of dtype DT (bool: x != 0, so NaN is true).
template <int DT, class R> inline typename Ty<DT>::type cvt(R r) {
  if constexpr (DT == BOOL) {
    return r != 0 ? 1 : 0;
  } else if constexpr (DT == F32) {
    return (float)r;
  } else if constexpr (DT == F64) {
    return (double)r;
  } else if constexpr (DT == I32) {
    if constexpr (std::is_integral_v<R>) return (int32_t)(uint32_t)r;
    else return to_i32((double)r);
  } else {
    if constexpr (std::is_integral_v<R>) return (uint8_t)(uint32_t)r;
    else return to_u8((double)r);
  }
}

// NaN-propagating max/min written so that compilers emit maxsd/minsd-style selects: `y > x ? y : x`
// is exactly MAXSD's semantics (no branch to mispredict on random data); the NaN test that
// follows is almost never taken, so its branch predicts well.
template <class T> inline T max_nan(T x, T y) {
  const T r = y > x ? y : x;
  return y != y ? y : r;
}
template <class T> inline T min_nan(T x, T y) {
  const T r = y < x ? y : x;
  return y != y ? y : r;
}

// c ? a : b through integer masks: never a branch (which random conditions would mispredict).
template <class T> inline T select(bool c, T a, T b) {
  using U = std::conditional_t<sizeof(T) == 8, uint64_t, std::conditional_t<sizeof(T) == 4, uint32_t, uint8_t>>;
  U ua, ub;
  std::memcpy(&ua, &a, sizeof(T));
  std::memcpy(&ub, &b, sizeof(T));
  const U m = (U)((U)0 - (U)c);
  const U r = (U)((ua & m) | (ub & (U)~m));
  T out;
  std::memcpy(&out, &r, sizeof(T));
  return out;
}

// ---- strided iteration ----

// Walks K operands of one shape as rows of the innermost merged dim. Size-1 dims are dropped and
// neighbouring dims laid out consecutively in every operand are merged, so dense operands become
// one long row. Any linear range of elements can be visited, which is how work is split between
// threads.
template <int K> struct Iter {
  int nd = 0;         // merged dims (>= 1)
  i64 dims[MAX_DIMS];  // merged sizes, innermost last
  i64 st[K][MAX_DIMS];
  i64 base[K];
  i64 numel = 0;

  // `reorder`: when the innermost merged row is short (e.g. the 2x2 windows of pooling), walk the
  // dim that gives long rows with the smallest strides innermost instead. Operands then may have
  // any step along a row, the output included.
  Iter(int ndim, const i64* shape, const i64* const strides[K], const i64 offsets[K], bool reorder = false) {
    numel = 1;
    for (int d = 0; d < ndim; d++) numel *= shape[d];
    for (int o = 0; o < K; o++) base[o] = offsets[o];
    nd = 0;
    for (int d = 0; d < ndim; d++) {
      i64 size = shape[d];
      if (size == 1) continue;
      bool merge = nd > 0;
      for (int o = 0; o < K && merge; o++)
        if (st[o][nd - 1] != strides[o][d] * size) merge = false;
      if (merge) {
        dims[nd - 1] *= size;
        for (int o = 0; o < K; o++) st[o][nd - 1] = strides[o][d];
      } else {
        dims[nd] = size;
        for (int o = 0; o < K; o++) st[o][nd] = strides[o][d];
        nd++;
      }
    }
    if (nd == 0) {
      nd = 1;
      dims[0] = 1;
      for (int o = 0; o < K; o++) st[o][0] = 0;
    }
    if (reorder && nd >= 2 && dims[nd - 1] < 16) {
      int best = -1;
      i64 best_stride = 0;
      for (int d = 0; d < nd - 1; d++) {
        if (dims[d] < 8 || dims[d] <= dims[nd - 1]) continue;
        i64 m = 0;
        for (int o = 0; o < K; o++) m = std::max<i64>(m, st[o][d] < 0 ? -st[o][d] : st[o][d]);
        if (best < 0 || m <= best_stride) best = d, best_stride = m;
      }
      if (best >= 0) {
        const i64 size = dims[best];
        i64 moved[K];
        for (int o = 0; o < K; o++) moved[o] = st[o][best];
        for (int d = best; d < nd - 1; d++) {
          dims[d] = dims[d + 1];
          for (int o = 0; o < K; o++) st[o][d] = st[o][d + 1];
        }
        dims[nd - 1] = size;
        for (int o = 0; o < K; o++) st[o][nd - 1] = moved[o];
      }
    }
  }

  i64 row_len() const { return dims[nd - 1]; }

  // Calls f(offs[K], steps[K], len) for every row piece of elements [begin, end).
  template <class F> void run(i64 begin, i64 end, F&& f) const {
    if (begin >= end) return;
    const int last = nd - 1;
    const i64 L = dims[last];
    i64 coord[MAX_DIMS];
    i64 offs[K], steps[K];
    for (int o = 0; o < K; o++) steps[o] = st[o][last];
    i64 row = begin / L, col = begin % L;
    for (int d = last - 1; d >= 0; d--) {
      coord[d] = row % dims[d];
      row /= dims[d];
    }
    for (int o = 0; o < K; o++) {
      i64 off = base[o] + col * st[o][last];
      for (int d = 0; d < last; d++) off += coord[d] * st[o][d];
      offs[o] = off;
    }
    i64 pos = begin;
    while (pos < end) {
      i64 len = L - col;
      if (len > end - pos) len = end - pos;
      f(offs, steps, len);
      pos += len;
      if (pos >= end) break;
      // next row: rewind the column, step the odometer
      for (int o = 0; o < K; o++) offs[o] -= col * st[o][last];
      col = 0;
      for (int d = last - 1; d >= 0; d--) {
        if (++coord[d] < dims[d]) {
          for (int o = 0; o < K; o++) offs[o] += st[o][d];
          break;
        }
        coord[d] = 0;
        for (int o = 0; o < K; o++) offs[o] -= st[o][d] * (dims[d] - 1);
      }
    }
  }
};

// Dense row-major strides of a shape.
inline void dense_strides(int nd, const i64* shape, i64* out) {
  i64 s = 1;
  for (int i = nd - 1; i >= 0; i--) {
    out[i] = s;
    s *= shape[i];
  }
}

}  // namespace tn
