// Vectorised exponentials for softmax and cross-entropy: AVX2/FMA on x86-64 CPUs that have it,
// portable loops elsewhere.
#pragma once

#include "common.h"

namespace tn {

// y[i] = exp(x[i] - m); returns the sum of the y[i] (accumulated in double).
double exp_into(const float* x, float m, float* y, i64 n);
double exp_into(const double* x, double m, double* y, i64 n);
// sum of exp(x[i] - m), accumulated in double.
double exp_sum(const float* x, float m, i64 n);
double exp_sum(const double* x, double m, i64 n);

}  // namespace tn
