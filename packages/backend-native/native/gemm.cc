// GEMM after the GotoBLAS/BLIS layout. B is packed per (NC x KC) block into panels of NR columns,
// A per (MC x KC) block into panels of MR rows, both k-major and zero-padded, so the micro-kernel
// streams two contiguous panels whatever the operands' strides and keeps an MR x NR tile of C in
// registers. On x86-64 with AVX2/FMA the float micro-kernel is 6x16 (12 ymm accumulators, two B
// loads and six broadcasts per k); elsewhere a portable kernel of the same shape, which compilers
// vectorise for SSE2/NEON. Threads split C into a grid of blocks that each pack their own panels,
// so they never wait for each other.
#include "gemm.h"

#include <algorithm>
#include <cstdlib>
#include <type_traits>
#include <utility>
#include <vector>

#include "threadpool.h"

#if TN_X86_KERNELS
#include <immintrin.h>
#endif

namespace tn {
namespace {

// ---- CPU features ----

bool detect_avx2() {
  const char* env = std::getenv("TESSERA_NATIVE_SIMD");
  if (env && (std::strcmp(env, "portable") == 0 || std::strcmp(env, "scalar") == 0)) return false;
#if TN_X86_KERNELS
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return false;
#endif
}

const bool AVX2 = detect_avx2();

// AVX-512F doubles the width of the float micro-kernel and its height (12x32 on zmm registers: 24
// accumulators, so two B loads and twelve broadcasts feed 24 FMAs per k). Off with
// TESSERA_NATIVE_SIMD=avx2 (or portable), so both x86 kernels can be tested on one machine.
bool detect_avx512() {
  if (!AVX2) return false;
  const char* env = std::getenv("TESSERA_NATIVE_SIMD");
  if (env && std::strcmp(env, "avx2") == 0) return false;
#if TN_X86_KERNELS
  return __builtin_cpu_supports("avx512f");
#else
  return false;
#endif
}

const bool AVX512 = detect_avx512();

// ---- scratch space, one per thread ----

template <class T> T* scratch(int which, size_t n) {
  struct Buf {
    void* p = nullptr;
    size_t cap = 0;
    ~Buf() { std::free(p); }
  };
  thread_local Buf bufs[3];
  Buf& b = bufs[which];
  size_t bytes = n * sizeof(T) + 64;
  if (b.cap < bytes) {
    std::free(b.p);
    b.p = nullptr;
    b.cap = 0;
    void* p = nullptr;
#if defined(_WIN32)
    p = _aligned_malloc(bytes, 64);
#else
    if (posix_memalign(&p, 64, bytes) != 0) p = nullptr;
#endif
    if (!p) throw std::bad_alloc();
    b.p = p;
    b.cap = bytes;
  }
  return static_cast<T*>(b.p);
}

// ---- packing ----

// A block (mc x kc) into panels of MR rows: panel p at out + p*MR*kc, element (r, k) at k*MR + r.
template <class T, int MR> void pack_a(i64 mc, i64 kc, const T* A, i64 rsa, i64 csa, T* out) {
  for (i64 i = 0; i < mc; i += MR) {
    const int mr = (int)std::min<i64>(MR, mc - i);
    const T* a = A + i * rsa;
    T* o = out + i * kc;
    if (mr == MR && csa == 1) {
      const T* rows[MR];
      for (int r = 0; r < MR; r++) rows[r] = a + r * rsa;
      for (i64 k = 0; k < kc; k++, o += MR)
        for (int r = 0; r < MR; r++) o[r] = rows[r][k];
    } else if (mr == MR && rsa == 1) {
      for (i64 k = 0; k < kc; k++, o += MR)
        for (int r = 0; r < MR; r++) o[r] = a[k * csa + r];
    } else {
      for (i64 k = 0; k < kc; k++, o += MR) {
        int r = 0;
        for (; r < mr; r++) o[r] = a[r * rsa + k * csa];
        for (; r < MR; r++) o[r] = 0;
      }
    }
  }
}

// B block (kc x nc) into panels of NR columns: panel q at out + q*NR*kc, element (k, j) at k*NR + j.
template <class T, int NR> void pack_b(i64 kc, i64 nc, const T* B, i64 rsb, i64 csb, T* out) {
  for (i64 j = 0; j < nc; j += NR) {
    const int nr = (int)std::min<i64>(NR, nc - j);
    const T* b = B + j * csb;
    T* o = out + j * kc;
    if (nr == NR && csb == 1) {
      for (i64 k = 0; k < kc; k++, o += NR) std::memcpy(o, b + k * rsb, sizeof(T) * NR);
    } else if (nr == NR && rsb == 1) {
      for (int jj = 0; jj < NR; jj++) {
        const T* col = b + jj * csb;
        for (i64 k = 0; k < kc; k++) o[k * NR + jj] = col[k];
      }
    } else {
      for (i64 k = 0; k < kc; k++, o += NR) {
        int jj = 0;
        for (; jj < nr; jj++) o[jj] = b[k * rsb + jj * csb];
        for (; jj < NR; jj++) o[jj] = 0;
      }
    }
  }
}

// ---- micro-kernels: C[mr x nr] (+)= Ap (kc x MR) ^T Bp (kc x NR) ----

template <class T, int MR, int NR>
void ukr_portable(i64 kc, const T* __restrict A, const T* __restrict B, i64 ldb, T* C, i64 ldc, bool acc, int mr, int nr) {
  T t[MR][NR];
  for (int r = 0; r < MR; r++)
    for (int j = 0; j < NR; j++) t[r][j] = 0;
  for (i64 k = 0; k < kc; k++, A += MR, B += ldb) {
    for (int r = 0; r < MR; r++) {
      const T a = A[r];
      for (int j = 0; j < NR; j++) t[r][j] += a * B[j];
    }
  }
  for (int r = 0; r < mr; r++) {
    T* c = C + r * ldc;
    if (acc)
      for (int j = 0; j < nr; j++) c[j] += t[r][j];
    else
      for (int j = 0; j < nr; j++) c[j] = t[r][j];
  }
}

#if TN_X86_KERNELS
// ROWS (1..6) rows of the 6-row A panel: partial panels (M % 6) skip the rows they do not need.
template <int ROWS>
__attribute__((target("avx2,fma"))) void ukr_avx2_rows(i64 kc, const float* __restrict A, const float* __restrict B, i64 ldb, float* C,
                                                       i64 ldc, bool acc, int mr, int nr) {
  __m256 c[ROWS][2];
  for (int r = 0; r < ROWS; r++) c[r][0] = c[r][1] = _mm256_setzero_ps();
  for (int r = 0; r < mr; r++) _mm_prefetch(reinterpret_cast<const char*>(C + r * ldc), _MM_HINT_T0);
  i64 k = 0;
  for (; k + 4 <= kc; k += 4) {
    _mm_prefetch(reinterpret_cast<const char*>(B + ldb * 8), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(A + 6 * 8), _MM_HINT_T0);
#pragma GCC unroll 4
    for (int u = 0; u < 4; u++) {
      const __m256 b0 = _mm256_loadu_ps(B + ldb * u);
      const __m256 b1 = _mm256_loadu_ps(B + ldb * u + 8);
#pragma GCC unroll 6
      for (int r = 0; r < ROWS; r++) {
        const __m256 a = _mm256_broadcast_ss(A + 6 * u + r);
        c[r][0] = _mm256_fmadd_ps(a, b0, c[r][0]);
        c[r][1] = _mm256_fmadd_ps(a, b1, c[r][1]);
      }
    }
    A += 24;
    B += 4 * ldb;
  }
  for (; k < kc; k++) {
    const __m256 b0 = _mm256_loadu_ps(B);
    const __m256 b1 = _mm256_loadu_ps(B + 8);
#pragma GCC unroll 6
    for (int r = 0; r < ROWS; r++) {
      const __m256 a = _mm256_broadcast_ss(A + r);
      c[r][0] = _mm256_fmadd_ps(a, b0, c[r][0]);
      c[r][1] = _mm256_fmadd_ps(a, b1, c[r][1]);
    }
    A += 6;
    B += ldb;
  }
  if (nr == 16) {
#pragma GCC unroll 6
    for (int r = 0; r < ROWS; r++) {
      if (r >= mr) break;
      float* cr = C + r * ldc;
      __m256 v0 = c[r][0], v1 = c[r][1];
      if (acc) {
        v0 = _mm256_add_ps(v0, _mm256_loadu_ps(cr));
        v1 = _mm256_add_ps(v1, _mm256_loadu_ps(cr + 8));
      }
      _mm256_storeu_ps(cr, v0);
      _mm256_storeu_ps(cr + 8, v1);
    }
    return;
  }
  alignas(32) float t[ROWS][16];
  for (int r = 0; r < ROWS; r++) {
    _mm256_store_ps(t[r], c[r][0]);
    _mm256_store_ps(t[r] + 8, c[r][1]);
  }
  for (int r = 0; r < mr; r++) {
    float* cr = C + r * ldc;
    if (acc)
      for (int j = 0; j < nr; j++) cr[j] += t[r][j];
    else
      for (int j = 0; j < nr; j++) cr[j] = t[r][j];
  }
}

// The full 6x16 tile, written out (the compilers' register allocation of the templated version
// above is a few percent slower).
__attribute__((target("avx2,fma"))) void ukr_avx2_full(i64 kc, const float* __restrict A, const float* __restrict B, i64 ldb, float* C,
                                                       i64 ldc, bool acc, int nr) {
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
  __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
  __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
  __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
  for (int r = 0; r < 6; r++) _mm_prefetch(reinterpret_cast<const char*>(C + r * ldc), _MM_HINT_T0);
#define TN_STEP(k)                                        \
  {                                                       \
    const __m256 b0 = _mm256_loadu_ps(B + ldb * (k));     \
    const __m256 b1 = _mm256_loadu_ps(B + ldb * (k) + 8); \
    __m256 a = _mm256_broadcast_ss(A + 6 * (k));          \
    c00 = _mm256_fmadd_ps(a, b0, c00);                    \
    c01 = _mm256_fmadd_ps(a, b1, c01);                    \
    a = _mm256_broadcast_ss(A + 6 * (k) + 1);             \
    c10 = _mm256_fmadd_ps(a, b0, c10);                    \
    c11 = _mm256_fmadd_ps(a, b1, c11);                    \
    a = _mm256_broadcast_ss(A + 6 * (k) + 2);             \
    c20 = _mm256_fmadd_ps(a, b0, c20);                    \
    c21 = _mm256_fmadd_ps(a, b1, c21);                    \
    a = _mm256_broadcast_ss(A + 6 * (k) + 3);             \
    c30 = _mm256_fmadd_ps(a, b0, c30);                    \
    c31 = _mm256_fmadd_ps(a, b1, c31);                    \
    a = _mm256_broadcast_ss(A + 6 * (k) + 4);             \
    c40 = _mm256_fmadd_ps(a, b0, c40);                    \
    c41 = _mm256_fmadd_ps(a, b1, c41);                    \
    a = _mm256_broadcast_ss(A + 6 * (k) + 5);             \
    c50 = _mm256_fmadd_ps(a, b0, c50);                    \
    c51 = _mm256_fmadd_ps(a, b1, c51);                    \
  }
  i64 k = 0;
  for (; k + 4 <= kc; k += 4) {
    _mm_prefetch(reinterpret_cast<const char*>(B + ldb * 8), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(A + 6 * 8), _MM_HINT_T0);
    TN_STEP(0) TN_STEP(1) TN_STEP(2) TN_STEP(3)
    A += 24;
    B += 4 * ldb;
  }
  for (; k < kc; k++) {
    TN_STEP(0)
    A += 6;
    B += ldb;
  }
#undef TN_STEP
  __m256 rows[12] = {c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51};
  if (nr == 16) {
    for (int r = 0; r < 6; r++) {
      float* c = C + r * ldc;
      __m256 v0 = rows[2 * r], v1 = rows[2 * r + 1];
      if (acc) {
        v0 = _mm256_add_ps(v0, _mm256_loadu_ps(c));
        v1 = _mm256_add_ps(v1, _mm256_loadu_ps(c + 8));
      }
      _mm256_storeu_ps(c, v0);
      _mm256_storeu_ps(c + 8, v1);
    }
    return;
  }
  alignas(32) float t[6][16];
  for (int r = 0; r < 6; r++) {
    _mm256_store_ps(t[r], rows[2 * r]);
    _mm256_store_ps(t[r] + 8, rows[2 * r + 1]);
  }
  for (int r = 0; r < 6; r++) {
    float* c = C + r * ldc;
    if (acc)
      for (int j = 0; j < nr; j++) c[j] += t[r][j];
    else
      for (int j = 0; j < nr; j++) c[j] = t[r][j];
  }
}

// "NT" products with few rows: A's rows and B's columns both contiguous along k, as in
// x @ W^T with PyTorch's [out, in] weights. Dot products of 4 rows by 3 columns, 8 lanes of k at
// a time, read both operands in place: packing W^T would cost as much as the product itself.
__attribute__((target("avx2,fma"))) inline float hsum8(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

template <int R, int Q>
__attribute__((target("avx2,fma"))) void nt_tile(i64 K, const float* A, i64 rsa, const float* B, i64 csb, float* C, i64 ldc, bool acc) {
  __m256 c[R][Q];
  for (int r = 0; r < R; r++)
    for (int q = 0; q < Q; q++) c[r][q] = _mm256_setzero_ps();
  i64 k = 0;
  for (; k + 8 <= K; k += 8) {
    __m256 b[Q];
    for (int q = 0; q < Q; q++) b[q] = _mm256_loadu_ps(B + q * csb + k);
    for (int r = 0; r < R; r++) {
      const __m256 a = _mm256_loadu_ps(A + r * rsa + k);
      for (int q = 0; q < Q; q++) c[r][q] = _mm256_fmadd_ps(a, b[q], c[r][q]);
    }
  }
  for (int r = 0; r < R; r++)
    for (int q = 0; q < Q; q++) {
      float v = hsum8(c[r][q]);
      for (i64 t = k; t < K; t++) v += A[r * rsa + t] * B[q * csb + t];
      float* out = C + r * ldc + q;
      *out = acc ? *out + v : v;
    }
}

template <int R>
__attribute__((target("avx2,fma"))) void nt_rows(i64 j0, i64 j1, i64 K, const float* A, i64 rsa, const float* B, i64 csb, float* C, i64 ldc,
                                                 bool acc) {
  i64 j = j0;
  for (; j + 3 <= j1; j += 3) nt_tile<R, 3>(K, A, rsa, B + j * csb, csb, C + j, ldc, acc);
  for (; j < j1; j++) nt_tile<R, 1>(K, A, rsa, B + j * csb, csb, C + j, ldc, acc);
}

void gemm_nt_avx2(i64 M, i64 j0, i64 j1, i64 K, const float* A, i64 rsa, const float* B, i64 csb, float* C, i64 ldc, bool acc) {
  i64 i = 0;
  for (; i + 4 <= M; i += 4) nt_rows<4>(j0, j1, K, A + i * rsa, rsa, B, csb, C + i * ldc, ldc, acc);
  switch (M - i) {
    case 3: nt_rows<3>(j0, j1, K, A + i * rsa, rsa, B, csb, C + i * ldc, ldc, acc); break;
    case 2: nt_rows<2>(j0, j1, K, A + i * rsa, rsa, B, csb, C + i * ldc, ldc, acc); break;
    case 1: nt_rows<1>(j0, j1, K, A + i * rsa, rsa, B, csb, C + i * ldc, ldc, acc); break;
    default: break;
  }
}

// The AVX-512 micro-kernel: ROWS (1..MR) rows of an MR-row A panel by 32 columns, two zmm loads
// of B and ROWS broadcasts of A per k; partial tiles (nr < 32) load and store through lane masks.
template <int MR, int ROWS>
__attribute__((target("avx512f,avx2,fma"))) void ukr_avx512_rows(i64 kc, const float* __restrict A, const float* __restrict B, i64 ldb,
                                                                 float* C, i64 ldc, bool acc, int mr, int nr) {
  __m512 c[ROWS][2];
  for (int r = 0; r < ROWS; r++) c[r][0] = c[r][1] = _mm512_setzero_ps();
  for (int r = 0; r < mr; r++) _mm_prefetch(reinterpret_cast<const char*>(C + r * ldc), _MM_HINT_T0);
  i64 k = 0;
  for (; k + 4 <= kc; k += 4) {
    _mm_prefetch(reinterpret_cast<const char*>(B + ldb * 8), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(B + ldb * 8 + 16), _MM_HINT_T0);
#pragma GCC unroll 4
    for (int u = 0; u < 4; u++) {
      const __m512 b0 = _mm512_loadu_ps(B + ldb * u);
      const __m512 b1 = _mm512_loadu_ps(B + ldb * u + 16);
#pragma GCC unroll 16
      for (int r = 0; r < ROWS; r++) {
        const __m512 a = _mm512_set1_ps(A[MR * u + r]);
        c[r][0] = _mm512_fmadd_ps(a, b0, c[r][0]);
        c[r][1] = _mm512_fmadd_ps(a, b1, c[r][1]);
      }
    }
    A += 4 * MR;
    B += 4 * ldb;
  }
  for (; k < kc; k++) {
    const __m512 b0 = _mm512_loadu_ps(B);
    const __m512 b1 = _mm512_loadu_ps(B + 16);
#pragma GCC unroll 16
    for (int r = 0; r < ROWS; r++) {
      const __m512 a = _mm512_set1_ps(A[r]);
      c[r][0] = _mm512_fmadd_ps(a, b0, c[r][0]);
      c[r][1] = _mm512_fmadd_ps(a, b1, c[r][1]);
    }
    A += MR;
    B += ldb;
  }
  const __mmask16 m0 = nr >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << nr) - 1);
  const __mmask16 m1 = nr >= 32 ? (__mmask16)0xFFFF : nr > 16 ? (__mmask16)((1u << (nr - 16)) - 1) : (__mmask16)0;
#pragma GCC unroll 16
  for (int r = 0; r < ROWS; r++) {
    if (r >= mr) break;
    float* cr = C + r * ldc;
    __m512 v0 = c[r][0], v1 = c[r][1];
    if (acc) {
      v0 = _mm512_add_ps(v0, _mm512_maskz_loadu_ps(m0, cr));
      v1 = _mm512_add_ps(v1, _mm512_maskz_loadu_ps(m1, cr + 16));
    }
    _mm512_mask_storeu_ps(cr, m0, v0);
    _mm512_mask_storeu_ps(cr + 16, m1, v1);
  }
}

// Dispatches on the rows a panel actually has (partial panels skip the FMAs of missing rows).
template <int MR, int... R>
void ukr_avx512_dispatch(std::integer_sequence<int, R...>, i64 kc, const float* A, const float* B, i64 ldb, float* C, i64 ldc, bool acc,
                         int mr, int nr) {
  using Fn = void (*)(i64, const float*, const float*, i64, float*, i64, bool, int, int);
  static constexpr Fn table[] = {ukr_avx512_rows<MR, R + 1>...};
  table[std::min(mr, MR) - 1](kc, A, B, ldb, C, ldc, acc, mr, nr);
}

template <int MR> void ukr_avx512(i64 kc, const float* A, const float* B, i64 ldb, float* C, i64 ldc, bool acc, int mr, int nr) {
  ukr_avx512_dispatch<MR>(std::make_integer_sequence<int, MR>{}, kc, A, B, ldb, C, ldc, acc, mr, nr);
}

// Picks the kernel for the rows a panel actually has.
void ukr_avx2_6x16(i64 kc, const float* A, const float* B, i64 ldb, float* C, i64 ldc, bool acc, int mr, int nr) {
  switch (mr) {
    case 1: return ukr_avx2_rows<1>(kc, A, B, ldb, C, ldc, acc, mr, nr);
    case 2: return ukr_avx2_rows<2>(kc, A, B, ldb, C, ldc, acc, mr, nr);
    case 3: return ukr_avx2_rows<3>(kc, A, B, ldb, C, ldc, acc, mr, nr);
    case 4: return ukr_avx2_rows<4>(kc, A, B, ldb, C, ldc, acc, mr, nr);
    case 5: return ukr_avx2_rows<5>(kc, A, B, ldb, C, ldc, acc, mr, nr);
    default: return ukr_avx2_full(kc, A, B, ldb, C, ldc, acc, nr);
  }
}
#endif

// ---- the blocked driver ----

template <class T> using Ukr = void (*)(i64, const T*, const T*, i64, T*, i64, bool, int, int);

// K blocks of equal size (at most KC, a multiple of 8): K = 784 as 4 x 196, not 3 x 256 + 16.
inline i64 balanced_kc(i64 K, i64 KC) {
  const i64 blocks = (K + KC - 1) / KC;
  const i64 kc = (K + blocks - 1) / blocks;
  return std::min<i64>(KC, (kc + 7) / 8 * 8);
}

// Up to this many rows of C, B is read in place when its rows are contiguous (csb == 1) instead
// of being packed: with few rows each B element is used by only a few micro-kernel calls, so
// copying it costs more than the strided reads (the last, partial panel is still packed). With
// the 12-row AVX-512 tile a B panel is reused by fewer tiles and its 32-float rows span three
// cache lines: packing wins from about 48 rows (conv2 of the MNIST convnet, 64 x 121 x 288:
// 97-110 -> 105-111 GFLOP/s).
template <int MR> constexpr i64 direct_b_max_m() { return MR >= 12 ? 3 * MR : 96; }

// A packed whole, K block after K block: block pc at out + pc * mpad, its rows in MR-row panels
// (row i of the block at + i * kc), as gemm_serial reads it. Rows [r0, r1) only (r0 a multiple
// of MR), so that threads can share the packing.
template <class T, int MR, int KC>
void pack_a_whole(i64 M, i64 K, const T* A, i64 rsa, i64 csa, T* out, i64 r0 = 0, i64 r1 = -1) {
  if (r1 < 0) r1 = M;
  if (r1 <= r0) return;
  const i64 mpad = (M + MR - 1) / MR * MR;
  const i64 kb = balanced_kc(K, KC);
  for (i64 pc = 0; pc < K; pc += kb) {
    const i64 kc = std::min<i64>(kb, K - pc);
    pack_a<T, MR>(r1 - r0, kc, A + r0 * rsa + pc * csa, rsa, csa, out + pc * mpad + r0 * kc);
  }
}

// `apre`: A already packed by pack_a_whole, or null.
template <class T, int MR, int NR, int MC, int KC, int NC>
void gemm_serial(i64 M, i64 N, i64 K, const T* A, i64 rsa, i64 csa, const T* B, i64 rsb, i64 csb, T* C, i64 ldc, bool accumulate,
                 Ukr<T> ukr, const T* apre = nullptr) {
  const i64 mpad = (M + MR - 1) / MR * MR;
  const bool direct = csb == 1 && M <= direct_b_max_m<MR>();
  T* ap = apre ? nullptr : scratch<T>(0, (size_t)MC * KC);
  T* bp = scratch<T>(1, (size_t)KC * (size_t)(direct ? NR : std::min<i64>(NC, (N + NR - 1) / NR * NR)));
  const i64 kb = balanced_kc(K, KC);
  for (i64 jc = 0; jc < N; jc += NC) {
    const i64 nc = std::min<i64>(NC, N - jc);
    const i64 full = direct ? nc / NR * NR : 0;  // columns read in place
    for (i64 pc = 0; pc < K; pc += kb) {
      const i64 kc = std::min<i64>(kb, K - pc);
      const T* bsrc = B + pc * rsb + jc * csb;
      if (direct) {
        if (full < nc) pack_b<T, NR>(kc, nc - full, bsrc + full * csb, rsb, csb, bp);
      } else {
        pack_b<T, NR>(kc, nc, bsrc, rsb, csb, bp);
      }
      const bool acc = accumulate || pc > 0;
      for (i64 ic = 0; ic < M; ic += MC) {
        const i64 mc = std::min<i64>(MC, M - ic);
        const T* a = apre ? apre + pc * mpad + ic * kc : ap;
        if (!apre) pack_a<T, MR>(mc, kc, A + ic * rsa + pc * csa, rsa, csa, ap);
        for (i64 jr = 0; jr < nc; jr += NR) {
          const int nr = (int)std::min<i64>(NR, nc - jr);
          const T* bpanel;
          i64 ldb;
          if (jr < full) {
            bpanel = bsrc + jr;
            ldb = rsb;
          } else {
            bpanel = bp + (jr - full) * kc;
            ldb = NR;
          }
          for (i64 ir = 0; ir < mc; ir += MR) {
            const int mr = (int)std::min<i64>(MR, mc - ir);
            ukr(kc, a + ir * kc, bpanel, ldb, C + (ic + ir) * ldc + jc + jr, ldc, acc, mr, nr);
          }
        }
      }
    }
  }
}

// Matrix-vector shapes, where packing would mostly copy padding.
template <class T>
void gemv_rows(i64 N, i64 K, const T* A, i64 csa, const T* B, i64 rsb, i64 csb, T* C, bool accumulate) {
  // C[0, :] = A[0, :] @ B  (M == 1): accumulate rows of B.
  if (!accumulate)
    for (i64 j = 0; j < N; j++) C[j] = 0;
  for (i64 k = 0; k < K; k++) {
    const T a = A[k * csa];
    const T* b = B + k * rsb;
    if (csb == 1)
      for (i64 j = 0; j < N; j++) C[j] += a * b[j];
    else
      for (i64 j = 0; j < N; j++) C[j] += a * b[j * csb];
  }
}

template <class T>
void gemv_cols(i64 M, i64 K, const T* A, i64 rsa, i64 csa, const T* B, i64 rsb, T* C, i64 ldc, bool accumulate) {
  // C[:, 0] = A @ B[:, 0]  (N == 1): dot products.
  for (i64 i = 0; i < M; i++) {
    const T* a = A + i * rsa;
    T s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    i64 k = 0;
    if (csa == 1 && rsb == 1) {
      for (; k + 4 <= K; k += 4) {
        s0 += a[k] * B[k];
        s1 += a[k + 1] * B[k + 1];
        s2 += a[k + 2] * B[k + 2];
        s3 += a[k + 3] * B[k + 3];
      }
    }
    for (; k < K; k++) s0 += a[k * csa] * B[k * rsb];
    const T s = (s0 + s1) + (s2 + s3);
    C[i * ldc] = accumulate ? C[i * ldc] + s : s;
  }
}

// Few rows (M <= MC), many columns, several threads: A is packed once for all K blocks and
// shared, and the columns are cut into more tasks than threads, so a worker that wakes late
// still takes a share instead of leaving the caller to wait for it.
template <class T, int MR, int NR, int MC, int KC>
void gemm_small_m_parallel(i64 M, i64 N, i64 K, const T* A, i64 rsa, i64 csa, const T* B, i64 rsb, i64 csb, T* C, i64 ldc,
                           bool accumulate, int threads, Ukr<T> ukr) {
  const i64 mpad = (M + MR - 1) / MR * MR;
  std::vector<T> apack((size_t)(mpad * K));
  const i64 kb = balanced_kc(K, KC);
  pack_a_whole<T, MR, KC>(M, K, A, rsa, csa, apack.data());
  const i64 panels = (N + NR - 1) / NR;
  const int tasks = (int)std::min<i64>(panels, (i64)threads * 4);
  const bool direct = csb == 1;
  parallel_tasks(tasks, [&](int t) {
    const i64 j0 = panels * t / tasks * NR, j1 = std::min<i64>(N, panels * (t + 1) / tasks * NR);
    if (j1 <= j0) return;
    T* bp = scratch<T>(1, (size_t)KC * (size_t)(j1 - j0 + NR));
    for (i64 pc = 0; pc < K; pc += kb) {
      const i64 kc = std::min<i64>(kb, K - pc);
      const T* bsrc = B + pc * rsb + j0 * csb;
      const i64 nc = j1 - j0;
      const i64 full = direct ? nc / NR * NR : 0;
      if (full < nc) pack_b<T, NR>(kc, nc - full, bsrc + full * csb, rsb, csb, bp);
      const bool acc = accumulate || pc > 0;
      const T* ap = apack.data() + pc * mpad;
      for (i64 jr = 0; jr < nc; jr += NR) {
        const int nr = (int)std::min<i64>(NR, nc - jr);
        const T* bpanel = jr < full ? bsrc + jr : bp + (jr - full) * kc;
        const i64 ldb = jr < full ? rsb : NR;
        for (i64 ir = 0; ir < M; ir += MR)
          ukr(kc, ap + ir * kc, bpanel, ldb, C + ir * ldc + j0 + jr, ldc, acc, (int)std::min<i64>(MR, M - ir), nr);
      }
    }
  });
}

template <class T, int MR, int NR, int MC, int KC, int NC>
void gemm_shared_a(i64 M, i64 N, i64 K, const T* A, i64 rsa, i64 csa, const T* B, i64 rsb, i64 csb, T* C, i64 ldc, bool accumulate,
                   int threads, Ukr<T> ukr) {
  const i64 mpad = (M + MR - 1) / MR * MR;
  T* ap = scratch<T>(2, (size_t)(mpad * K));
  // Pack A: each thread a range of MR-row panels.
  const i64 panels = mpad / MR;
  parallel_tasks(threads, [&](int t) {
    pack_a_whole<T, MR, KC>(M, K, A, rsa, csa, ap, panels * t / threads * MR, std::min<i64>(M, panels * (t + 1) / threads * MR));
  });
  // Column blocks of shrinking width (a third of what is left per thread, down to two panels):
  // wide blocks first read the shared A fewer times, and the narrow last ones even out the
  // threads' finishing times. With eight equal blocks the threads, one often slower than the
  // other on a shared VM, finished 1.1-1.7 ms apart at 1024^3 (of about 10 ms); 0.3-0.5 ms with
  // these, and 3-6% faster in calls interleaved with the equal split.
  const std::vector<i64> cut = shrinking_blocks((N + NR - 1) / NR, threads, 3, 2);
  parallel_tasks((int)cut.size() - 1, [&](int t) {
    const i64 j0 = cut[t] * NR, j1 = std::min<i64>(N, cut[t + 1] * NR);
    if (j1 <= j0) return;
    gemm_serial<T, MR, NR, MC, KC, NC>(M, j1 - j0, K, A, rsa, csa, B + j0 * csb, rsb, csb, C + j0, ldc, accumulate, ukr, ap);
  });
}

template <class T, int MR, int NR, int MC, int KC, int NC>
void gemm(i64 M, i64 N, i64 K, const T* A, i64 rsa, i64 csa, const T* B, i64 rsb, i64 csb, T* C, i64 ldc, bool accumulate,
          int threads, Ukr<T> ukr, const PackedA<T>* packed) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    if (!accumulate)
      for (i64 i = 0; i < M; i++) std::memset(C + i * ldc, 0, sizeof(T) * (size_t)N);
    return;
  }
  if (threads <= 0) threads = num_threads();
  const double work = (double)M * (double)N * (double)K;
#if TN_X86_KERNELS
  if constexpr (std::is_same_v<T, float>) {
    if (AVX2 && csa == 1 && rsb == 1 && M <= 48 && K >= 64 && N >= 4) {
      const int tasks = threads > 1 && work >= (1 << 20) ? (int)std::min<i64>((N + 23) / 24, (i64)threads * 4) : 1;
      if (tasks <= 1) return gemm_nt_avx2(M, 0, N, K, A, rsa, B, csb, C, ldc, accumulate);
      parallel_tasks(tasks, [&](int t) {
        gemm_nt_avx2(M, N * t / tasks, N * (t + 1) / tasks, K, A, rsa, B, csb, C, ldc, accumulate);
      });
      return;
    }
    // A few columns and a long K (a classifier head: [64, 1600] @ [1600, 10]): packed panels
    // would be mostly padding (10 of 32 lanes) and packing A would cost as much as the product.
    // Dot products instead, over B's columns made contiguous (a copy of K x N elements).
    if (AVX2 && csa == 1 && N <= 16 && K >= 64 && M >= 4) {
      const T* bt = B;
      i64 ldbt = csb;
      if (rsb != 1) {
        T* t = scratch<T>(1, (size_t)(N * K));
        for (i64 k = 0; k < K; k++)
          for (i64 j = 0; j < N; j++) t[j * K + k] = B[k * rsb + j * csb];
        bt = t;
        ldbt = K;
      }
      const int tasks = threads > 1 && work >= (1 << 20) ? (int)std::min<i64>(M / 4, (i64)threads * 2) : 1;
      if (tasks <= 1) return gemm_nt_avx2(M, 0, N, K, A, rsa, bt, ldbt, C, ldc, accumulate);
      parallel_tasks(tasks, [&](int t) {
        const i64 i0 = M * t / tasks, i1 = M * (t + 1) / tasks;
        gemm_nt_avx2(i1 - i0, 0, N, K, A + i0 * rsa, rsa, bt, ldbt, C + i0 * ldc, ldc, accumulate);
      });
      return;
    }
  }
#endif
  // Tall and narrow C ([1600, 10] = x^T @ dy, a classifier head's weight gradient): computed
  // transposed, C^T = B^T A^T, whose rows are long, into scratch, then transposed back; as is,
  // every micro-tile would be mostly padding (10 of NR columns).
  if (N >= 2 && N <= 16 && N < NR && M >= 8 * N && K >= 8) {
    T* ct = scratch<T>(2, (size_t)(M * N));
    gemm<T, MR, NR, MC, KC, NC>(N, M, K, B, csb, rsb, A, csa, rsa, ct, M, false, threads, ukr, nullptr);
    for (i64 i = 0; i < M; i++) {
      T* c = C + i * ldc;
      if (accumulate)
        for (i64 j = 0; j < N; j++) c[j] += ct[j * M + i];
      else
        for (i64 j = 0; j < N; j++) c[j] = ct[j * M + i];
    }
    return;
  }
  // From 1M multiply-adds (about 10 us on one core) a second thread pays for its wake-up: the
  // MNIST MLP's 32x784x128 products went from 73-85 to 40-60 us with 2 threads (a threshold of
  // 4M measured no gain before the pool's workers spun between kernels).
  if (threads > 1 && work >= (1 << 20) && M <= MC && N >= 4 * NR)
    return gemm_small_m_parallel<T, MR, NR, MC, KC>(M, N, K, A, rsa, csa, B, rsb, csb, C, ldc, accumulate, threads, ukr);
  // Large products: A packed once, shared, then column blocks claimed by the threads as they go.
  // A static split waits for the slowest thread, and on a shared VM one core is often slowed for
  // a while by other tenants (1024^3 halves: 7.6 and 11.2 ms side by side); with more blocks than
  // threads the faster core takes more of them.
  if (threads > 1 && work >= (double)(1 << 27) && M >= 2 * MR && N >= (i64)threads * 4 * NR)
    return gemm_shared_a<T, MR, NR, MC, KC, NC>(M, N, K, A, rsa, csa, B, rsb, csb, C, ldc, accumulate, threads, ukr);
  if (threads > 1 && work >= (1 << 20) && (M >= 2 * MR || N >= 2 * NR)) {
    // A grid of tm x tn blocks of C minimising the packing each thread does.
    int best_m = 1, best_n = threads;
    double best = 1e300;
    for (int tm = 1; tm <= threads; tm++) {
      if (threads % tm) continue;
      const int tn = threads / tm;
      if (M < (i64)tm * MR || N < (i64)tn * NR) continue;
      const double cost = (double)M / tm * K + (double)N / tn * K;
      if (cost < best) best = cost, best_m = tm, best_n = tn;
    }
    if (best < 1e300) {
      const int tm = best_m, tn = best_n;
      // Split points on micro-tile boundaries.
      auto split = [](i64 n, int parts, int unit, int i) {
        const i64 units = (n + unit - 1) / unit;
        return std::min<i64>(n, units * i / parts * unit);
      };
      parallel_tasks(tm * tn, [&](int t) {
        const int bi = t / tn, bj = t % tn;
        const i64 i0 = split(M, tm, MR, bi), i1 = split(M, tm, MR, bi + 1);
        const i64 j0 = split(N, tn, NR, bj), j1 = split(N, tn, NR, bj + 1);
        if (i1 <= i0 || j1 <= j0) return;
        gemm_serial<T, MR, NR, MC, KC, NC>(i1 - i0, j1 - j0, K, A + i0 * rsa, rsa, csa, B + j0 * csb, rsb, csb, C + i0 * ldc + j0, ldc,
                                           accumulate, ukr);
      });
      return;
    }
  }
  if (M == 1) return gemv_rows<T>(N, K, A, csa, B, rsb, csb, C, accumulate);
  if (N == 1) return gemv_cols<T>(M, K, A, rsa, csa, B, rsb, C, ldc, accumulate);
  const bool use_packed = packed && packed->M == M && packed->K == K && packed->mr == MR && packed->kc == KC && packed->a == A &&
                          packed->rsa == rsa && packed->csa == csa;
  gemm_serial<T, MR, NR, MC, KC, NC>(M, N, K, A, rsa, csa, B, rsb, csb, C, ldc, accumulate, ukr, use_packed ? packed->data.data() : nullptr);
}

template <class T, int MR, int KC> void pack_into(i64 M, i64 K, const T* A, i64 rsa, i64 csa, PackedA<T>& out) {
  out.data.resize((size_t)((M + MR - 1) / MR * MR * K));
  pack_a_whole<T, MR, KC>(M, K, A, rsa, csa, out.data.data());
  out.M = M, out.K = K, out.mr = MR, out.kc = KC, out.a = A, out.rsa = rsa, out.csa = csa;
}

}  // namespace

bool use_avx2() { return AVX2; }

const char* sgemm_kernel_name() { return AVX512 ? "avx512 12x32" : AVX2 ? "avx2-fma 6x16" : "portable 6x16"; }

// The kernel configurations: sgemm and pack_a_once must agree. The AVX-512 one keeps a small A
// block (48 x 512) and streams long B panels past it: on a 2-core AVX-512 VM, 2048^3 went from
// 106 to 133 GFLOP/s on one thread and 188 to 201 on two, 1024^3 on two from 181 to 198 (medians
// of runs alternating with the 192 x 256 blocking it replaces).
#define TN_SGEMM_AVX512 float, 12, 32, 48, 512, 4096
#define TN_SGEMM_AVX2 float, 6, 16, 144, 256, 4096
#define TN_DGEMM double, 4, 8, 128, 256, 2048

void sgemm(i64 M, i64 N, i64 K, const float* A, i64 rsa, i64 csa, const float* B, i64 rsb, i64 csb, float* C, i64 ldc, bool accumulate,
           int threads, const PackedA<float>* packed) {
  Ukr<float> ukr = ukr_portable<float, 6, 16>;
#if TN_X86_KERNELS
  // With a short K the wider tile's setup and masked edges outweigh its width (conv1 of the MNIST
  // convnet, K = 9: 12.5 us per image with AVX-512, 9.0 with AVX2).
  if (AVX512 && K >= 32) return gemm<TN_SGEMM_AVX512>(M, N, K, A, rsa, csa, B, rsb, csb, C, ldc, accumulate, threads, ukr_avx512<12>, packed);
  if (AVX2) ukr = ukr_avx2_6x16;
#endif
  gemm<TN_SGEMM_AVX2>(M, N, K, A, rsa, csa, B, rsb, csb, C, ldc, accumulate, threads, ukr, packed);
}

void dgemm(i64 M, i64 N, i64 K, const double* A, i64 rsa, i64 csa, const double* B, i64 rsb, i64 csb, double* C, i64 ldc,
           bool accumulate, int threads, const PackedA<double>* packed) {
  gemm<TN_DGEMM>(M, N, K, A, rsa, csa, B, rsb, csb, C, ldc, accumulate, threads, ukr_portable<double, 4, 8>, packed);
}

void pack_a_once(i64 M, i64 K, const float* A, i64 rsa, i64 csa, PackedA<float>& out) {
#if TN_X86_KERNELS
  if (AVX512 && K >= 32) return pack_into<float, 12, 512>(M, K, A, rsa, csa, out);
#endif
  pack_into<float, 6, 256>(M, K, A, rsa, csa, out);
}

void pack_a_once(i64 M, i64 K, const double* A, i64 rsa, i64 csa, PackedA<double>& out) { pack_into<double, 4, 256>(M, K, A, rsa, csa, out); }

}  // namespace tn
