// Entry points of the primitive kernels. Every View passed here has been validated against its
// buffer (parse_view), and every output pointer holds the contiguous result size. Kernels that
// can fail on data (gather/scatter indices) throw KernelError before writing out of bounds.
#pragma once

#include "common.h"

namespace tn {

// Op codes, in the order of UNARY_OPS / BINARY_OPS / REDUCE_OPS in src/backend.ts.
enum UnaryOp {
  U_NEG, U_ABS, U_EXP, U_LOG, U_LOG1P, U_EXPM1, U_SQRT, U_RSQRT, U_RECIPROCAL, U_SIN, U_COS, U_TANH,
  U_SIGMOID, U_RELU, U_ERF, U_FLOOR, U_CEIL, U_ROUND, U_SIGN, U_LOGICAL_NOT, U_ISNAN, U_ISFINITE,
  U_COUNT
};
enum BinaryOp {
  B_ADD, B_SUB, B_MUL, B_DIV, B_POW, B_MAXIMUM, B_MINIMUM, B_REMAINDER, B_ATAN2,
  B_EQ, B_NE, B_LT, B_LE, B_GT, B_GE, B_LOGICAL_AND, B_LOGICAL_OR,
  B_COUNT
};
enum ReduceOp { R_SUM, R_MAX, R_MIN, R_PROD, R_COUNT };

inline bool unary_is_predicate(int op) { return op == U_LOGICAL_NOT || op == U_ISNAN || op == U_ISFINITE; }
inline bool binary_is_predicate(int op) { return op >= B_EQ; }

// out (contiguous, out_dtype) = op(x)
void unary(int op, const View& x, int out_dtype, void* out);
// out = a op b; a and b have the same shape and dtype
void binary(int op, const View& a, const View& b, int out_dtype, void* out);
// out = cond != 0 ? a : b
void where(const View& cond, const View& a, const View& b, int out_dtype, void* out);
// dst = src elementwise, converting dtypes with typed-array semantics (bool: x != 0)
void convert(const View& src, const View& dst);
// out (contiguous, reduced axes removed) = op over the axes with reduced[d] set
void reduce(int op, const View& x, const bool* reduced, int out_dtype, void* out);
// out (contiguous, index's shape) = torch.gather(x, dim, index)
void gather(const View& x, int dim, const View& index, void* out);
// target (contiguous, tshape, dtype) += scatter of src along dim at index
void scatter_add(char* target, int dtype, int nd, const i64* tshape, int dim, const View& index, const View& src);
// out[B, M, N] = a[B, M, K] @ b[B, K, N] (batch broadcast by stride 0)
void matmul(const View& a, const View& b, void* out);

// The fast paths for training (fused kernels), see nn.cc, conv.cc, pool.cc, optim.cc.
}  // namespace tn
