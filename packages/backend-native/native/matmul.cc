// Batched matrix product over strided [B, M, K] @ [B, K, N] views (batch broadcast by stride 0).
#include <algorithm>

#include "gemm.h"
#include "kernels.h"
#include "threadpool.h"

namespace tn {
namespace {

struct Problem {
  i64 B, M, K, N;
  i64 sab, sam, sak, sbb, sbk, sbn;
};

// Integer product with C's 32-bit wrap-around (exact, unlike a float accumulator).
void matmul_int(const Problem& p, const int32_t* a, const int32_t* b, int32_t* c) {
  for (i64 bt = 0; bt < p.B; bt++) {
    for (i64 i = 0; i < p.M; i++) {
      uint32_t* row = reinterpret_cast<uint32_t*>(c + (bt * p.M + i) * p.N);
      for (i64 j = 0; j < p.N; j++) row[j] = 0;
      const int32_t* ai = a + bt * p.sab + i * p.sam;
      for (i64 k = 0; k < p.K; k++) {
        const uint32_t v = (uint32_t)ai[k * p.sak];
        if (v == 0) continue;
        const int32_t* bk = b + bt * p.sbb + k * p.sbk;
        for (i64 j = 0; j < p.N; j++) row[j] += v * (uint32_t)bk[j * p.sbn];
      }
    }
  }
}

template <class T, class G> void matmul_float(const Problem& p, const T* a, const T* b, T* c, G gemm) {
  const i64 per = p.M * p.N * p.K;
  const int threads = num_threads();
  if (p.B > 1 && threads > 1 && per < (1 << 21) && p.B * per >= (1 << 18)) {
    // Many small products: one thread per group of batches.
    parallel_for(p.B, 1, [&](i64 b0, i64 b1) {
      for (i64 bt = b0; bt < b1; bt++)
        gemm(p.M, p.N, p.K, a + bt * p.sab, p.sam, p.sak, b + bt * p.sbb, p.sbk, p.sbn, c + bt * p.M * p.N, p.N, false, 1);
    });
    return;
  }
  for (i64 bt = 0; bt < p.B; bt++)
    gemm(p.M, p.N, p.K, a + bt * p.sab, p.sam, p.sak, b + bt * p.sbb, p.sbk, p.sbn, c + bt * p.M * p.N, p.N, false, 0);
}

}  // namespace

void matmul(const View& a, const View& b, void* out) {
  if (a.nd != 3 || b.nd != 3)
    range_error("matmul: expected 3-d views [B,M,K] and [B,K,N], got " + fmt_shape(a.shape, a.nd) + " and " + fmt_shape(b.shape, b.nd));
  const i64 ba = a.shape[0], M = a.shape[1], K = a.shape[2];
  const i64 bb = b.shape[0], K2 = b.shape[1], N = b.shape[2];
  if (K != K2 || (ba != bb && ba != 1 && bb != 1))
    range_error("matmul: shapes " + fmt_shape(a.shape, 3) + " and " + fmt_shape(b.shape, 3) + " cannot be multiplied");
  if (a.dtype != b.dtype)
    type_error(std::string("matmul: dtypes differ (") + dtype_name(a.dtype) + " and " + dtype_name(b.dtype) + ")");
  if (a.dtype != F32 && a.dtype != F64 && a.dtype != I32)
    type_error(std::string("matmul: not implemented for dtype ") + dtype_name(a.dtype));
  Problem p{std::max(ba, bb), M, K, N, ba == 1 ? 0 : a.strides[0], a.strides[1], a.strides[2], bb == 1 ? 0 : b.strides[0],
            b.strides[1], b.strides[2]};
  if (p.B * M * N == 0) return;
  if (K == 0) {
    std::memset(out, 0, (size_t)(p.B * M * N * elem_size(a.dtype)));
    return;
  }
  // A shared B and batches of A that lie one after another form a single taller product.
  if (p.B > 1 && p.sbb == 0 && (p.sab == M * p.sam || M == 1)) {
    if (M == 1) p.sam = p.sab;
    p.M = p.B * M;
    p.B = 1;
    p.sab = 0;
  }
  switch (a.dtype) {
    case F32:
      return matmul_float<float>(p, a.ptr<float>(), b.ptr<float>(), static_cast<float*>(out),
                                 [](i64 m, i64 n, i64 k, const float* A, i64 rsa, i64 csa, const float* B, i64 rsb, i64 csb, float* C,
                                    i64 ldc, bool acc, int th) { sgemm(m, n, k, A, rsa, csa, B, rsb, csb, C, ldc, acc, th); });
    case F64:
      return matmul_float<double>(p, a.ptr<double>(), b.ptr<double>(), static_cast<double*>(out),
                                  [](i64 m, i64 n, i64 k, const double* A, i64 rsa, i64 csa, const double* B, i64 rsb, i64 csb,
                                     double* C, i64 ldc, bool acc, int th) { dgemm(m, n, k, A, rsa, csa, B, rsb, csb, C, ldc, acc, th); });
    default:
      return matmul_int(p, a.ptr<int32_t>(), b.ptr<int32_t>(), static_cast<int32_t*>(out));
  }
}

}  // namespace tn
