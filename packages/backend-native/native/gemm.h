// General matrix products on raw strided operands, used by matmul, conv2d and the fused kernels.
#pragma once

#include <vector>

#include "common.h"

namespace tn {

// A packed once for several products that share it and K (a convolution's weights, the same for
// every image): sgemm/dgemm given it skip packing A where they run on one thread. It records
// which A and layout it holds, and is ignored when a call's operands differ.
template <class T> struct PackedA {
  std::vector<T> data;
  const T* a = nullptr;
  i64 M = 0, K = 0, rsa = 0, csa = 0;
  int mr = 0, kc = 0;
};
void pack_a_once(i64 M, i64 K, const float* A, i64 rsa, i64 csa, PackedA<float>& out);
void pack_a_once(i64 M, i64 K, const double* A, i64 rsa, i64 csa, PackedA<double>& out);

// C[i*ldc + j] = (accumulate ? C[i*ldc + j] : 0) + sum_k A[i*rsa + k*csa] * B[k*rsb + j*csb]
// for i < M, j < N. Any strides (transposes are free: packing absorbs them). Uses the thread
// pool when the product is large and `threads` allows; `threads` = 1 keeps it on the caller.
void sgemm(i64 M, i64 N, i64 K, const float* A, i64 rsa, i64 csa, const float* B, i64 rsb, i64 csb, float* C, i64 ldc,
           bool accumulate, int threads = 0, const PackedA<float>* packed = nullptr);
void dgemm(i64 M, i64 N, i64 K, const double* A, i64 rsa, i64 csa, const double* B, i64 rsb, i64 csb, double* C, i64 ldc,
           bool accumulate, int threads = 0, const PackedA<double>* packed = nullptr);

// Which micro-kernel sgemm uses ("avx2-fma 6x16" or "portable 6x16").
const char* sgemm_kernel_name();
// Whether the AVX2/FMA kernels are in use (x86-64 CPUs that have them, unless TESSERA_NATIVE_SIMD=portable).
bool use_avx2();

}  // namespace tn
