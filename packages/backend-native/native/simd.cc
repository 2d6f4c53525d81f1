#include "simd.h"

#include "gemm.h"

#if TN_X86_KERNELS
#include <immintrin.h>
#endif

namespace tn {
namespace {

template <class T> double exp_into_portable(const T* x, T m, T* y, i64 n) {
  double s = 0;
  for (i64 i = 0; i < n; i++) {
    const T e = std::exp(x[i] - m);
    y[i] = e;
    s += e;
  }
  return s;
}

template <class T> double exp_sum_portable(const T* x, T m, i64 n) {
  double s = 0;
  for (i64 i = 0; i < n; i++) s += std::exp(x[i] - m);
  return s;
}

#if TN_X86_KERNELS
// expf after Cephes (about 2 ulp): exp(x) = 2^n * exp(r) with r = x - n ln2 and a degree-5
// polynomial for exp(r). NaN propagates; results below the smallest normal flush to 0.
__attribute__((target("avx2,fma"))) inline __m256 exp256(__m256 x) {
  const __m256 hi = _mm256_set1_ps(88.3762626647949f);
  const __m256 lo = _mm256_set1_ps(-87.3365447505531f);
  const __m256 nan_mask = _mm256_cmp_ps(x, x, _CMP_UNORD_Q);
  const __m256 under = _mm256_cmp_ps(x, lo, _CMP_LT_OQ);
  const __m256 over = _mm256_cmp_ps(x, hi, _CMP_GT_OQ);
  __m256 v = _mm256_min_ps(_mm256_max_ps(x, lo), hi);
  __m256 fx = _mm256_fmadd_ps(v, _mm256_set1_ps(1.44269504088896341f), _mm256_set1_ps(0.5f));
  fx = _mm256_floor_ps(fx);
  v = _mm256_fnmadd_ps(fx, _mm256_set1_ps(0.693359375f), v);
  v = _mm256_fnmadd_ps(fx, _mm256_set1_ps(-2.12194440e-4f), v);
  __m256 y = _mm256_set1_ps(1.9875691500E-4f);
  y = _mm256_fmadd_ps(y, v, _mm256_set1_ps(1.3981999507E-3f));
  y = _mm256_fmadd_ps(y, v, _mm256_set1_ps(8.3334519073E-3f));
  y = _mm256_fmadd_ps(y, v, _mm256_set1_ps(4.1665795894E-2f));
  y = _mm256_fmadd_ps(y, v, _mm256_set1_ps(1.6666665459E-1f));
  y = _mm256_fmadd_ps(y, v, _mm256_set1_ps(5.0000001201E-1f));
  y = _mm256_fmadd_ps(y, _mm256_mul_ps(v, v), _mm256_add_ps(v, _mm256_set1_ps(1.0f)));
  __m256i n = _mm256_cvttps_epi32(fx);
  n = _mm256_slli_epi32(_mm256_add_epi32(n, _mm256_set1_epi32(127)), 23);
  y = _mm256_mul_ps(y, _mm256_castsi256_ps(n));
  y = _mm256_blendv_ps(y, _mm256_setzero_ps(), under);
  y = _mm256_blendv_ps(y, _mm256_set1_ps(INFINITY), over);
  return _mm256_blendv_ps(y, x, nan_mask);
}

__attribute__((target("avx2,fma"))) inline void add_pd(__m256d& s, __m256 e) {
  s = _mm256_add_pd(s, _mm256_cvtps_pd(_mm256_castps256_ps128(e)));
  s = _mm256_add_pd(s, _mm256_cvtps_pd(_mm256_extractf128_ps(e, 1)));
}

__attribute__((target("avx2,fma"))) double hsum(__m256d s) {
  alignas(32) double t[4];
  _mm256_store_pd(t, s);
  return (t[0] + t[1]) + (t[2] + t[3]);
}

__attribute__((target("avx2,fma"))) double exp_into_avx2(const float* x, float m, float* y, i64 n) {
  const __m256 mv = _mm256_set1_ps(m);
  __m256d s = _mm256_setzero_pd();
  i64 i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 e = exp256(_mm256_sub_ps(_mm256_loadu_ps(x + i), mv));
    _mm256_storeu_ps(y + i, e);
    add_pd(s, e);
  }
  double r = hsum(s);
  for (; i < n; i++) {
    const float e = std::exp(x[i] - m);
    y[i] = e;
    r += e;
  }
  return r;
}

__attribute__((target("avx2,fma"))) double exp_sum_avx2(const float* x, float m, i64 n) {
  const __m256 mv = _mm256_set1_ps(m);
  __m256d s = _mm256_setzero_pd();
  i64 i = 0;
  for (; i + 8 <= n; i += 8) add_pd(s, exp256(_mm256_sub_ps(_mm256_loadu_ps(x + i), mv)));
  double r = hsum(s);
  for (; i < n; i++) r += std::exp(x[i] - m);
  return r;
}
#endif

}  // namespace

double exp_into(const float* x, float m, float* y, i64 n) {
#if TN_X86_KERNELS
  if (use_avx2()) return exp_into_avx2(x, m, y, n);
#endif
  return exp_into_portable(x, m, y, n);
}
double exp_into(const double* x, double m, double* y, i64 n) { return exp_into_portable(x, m, y, n); }
double exp_sum(const float* x, float m, i64 n) {
#if TN_X86_KERNELS
  if (use_avx2()) return exp_sum_avx2(x, m, n);
#endif
  return exp_sum_portable(x, m, n);
}
double exp_sum(const double* x, double m, i64 n) { return exp_sum_portable(x, m, n); }

}  // namespace tn
