// Fused kernels for layers and losses: softmax/log-softmax and their gradients, cross-entropy
// (forward and gradient in one pass), bias + activation and its gradient, and linear layers
// (GEMM with a bias/activation epilogue). Also the fused-kernel dispatcher.
#include <algorithm>
#include <limits>
#include <vector>

#include "fused.h"
#include "gemm.h"
#include "simd.h"
#include "threadpool.h"

namespace tn {

bool is_contiguous(const View& v) {
  i64 expected = 1;
  for (int i = v.nd - 1; i >= 0; i--) {
    if (v.shape[i] != 1 && v.strides[i] != expected) return false;
    expected *= v.shape[i];
  }
  return true;
}

void require_contiguous(const View& v, const char* op, const char* what) {
  if (!is_contiguous(v)) range_error(std::string(op) + ": " + what + " must be contiguous");
}

void require_float(const View& v, const char* op, const char* what) {
  if (!is_float(v.dtype)) type_error(std::string(op) + ": " + what + " must be float32 or float64, got " + dtype_name(v.dtype));
}

namespace {

// ---------------------------------------------------------------------------------------------
// softmax

template <class T> inline T nan_max(T m, T v) { return max_nan(m, v); }

template <class T> void softmax_block(const T* x, T* y, i64 n, i64 inner, bool log, std::vector<double>& acc, std::vector<T>& mx) {
  if (inner == 1) {
    T m = -std::numeric_limits<T>::infinity();
    for (i64 j = 0; j < n; j++) m = nan_max(m, x[j]);
    double s;
    if (!log) {
      s = exp_into(x, m, y, n);
      const T inv = (T)(1.0 / s);
      for (i64 j = 0; j < n; j++) y[j] *= inv;
    } else {
      s = exp_sum(x, m, n);
      const T ls = (T)std::log(s);
      for (i64 j = 0; j < n; j++) y[j] = (x[j] - m) - ls;
    }
    return;
  }
  acc.assign((size_t)inner, 0.0);
  mx.assign((size_t)inner, -std::numeric_limits<T>::infinity());
  for (i64 k = 0; k < n; k++)
    for (i64 j = 0; j < inner; j++) mx[(size_t)j] = nan_max(mx[(size_t)j], x[k * inner + j]);
  for (i64 k = 0; k < n; k++)
    for (i64 j = 0; j < inner; j++) {
      const T e = std::exp(x[k * inner + j] - mx[(size_t)j]);
      if (!log) y[k * inner + j] = e;
      acc[(size_t)j] += e;
    }
  for (i64 k = 0; k < n; k++)
    for (i64 j = 0; j < inner; j++) {
      if (log) y[k * inner + j] = (x[k * inner + j] - mx[(size_t)j]) - (T)std::log(acc[(size_t)j]);
      else y[k * inner + j] = (T)(y[k * inner + j] / acc[(size_t)j]);
    }
}

struct Split {
  i64 outer, n, inner;
};

Split split_at(const View& v, int dim) {
  Split s{1, v.nd == 0 ? 1 : v.shape[dim], 1};
  for (int d = 0; d < dim; d++) s.outer *= v.shape[d];
  for (int d = dim + 1; d < v.nd; d++) s.inner *= v.shape[d];
  return s;
}

i64 rows_grain(i64 row_work) { return std::max<i64>(1, (1 << 15) / std::max<i64>(1, row_work)); }

template <class T> void softmax_t(const View& x, int dim, bool log, T* y) {
  const Split s = split_at(x, dim);
  const T* xp = x.ptr<T>();
  parallel_for(s.outer, rows_grain(s.n * s.inner * 8), [&](i64 b, i64 e) {
    std::vector<double> acc;
    std::vector<T> mx;
    for (i64 o = b; o < e; o++) softmax_block(xp + o * s.n * s.inner, y + o * s.n * s.inner, s.n, s.inner, log, acc, mx);
  });
}

template <class T> void softmax_backward_t(const View& yv, const View& dyv, int dim, bool log, T* dx) {
  const Split s = split_at(yv, dim);
  const T* y = yv.ptr<T>();
  const T* dy = dyv.ptr<T>();
  parallel_for(s.outer, rows_grain(s.n * s.inner * 4), [&](i64 b, i64 e) {
    std::vector<double> acc((size_t)s.inner);
    for (i64 o = b; o < e; o++) {
      const i64 base = o * s.n * s.inner;
      std::fill(acc.begin(), acc.end(), 0.0);
      for (i64 k = 0; k < s.n; k++)
        for (i64 j = 0; j < s.inner; j++) {
          const i64 i = base + k * s.inner + j;
          acc[(size_t)j] += log ? (double)dy[i] : (double)dy[i] * (double)y[i];
        }
      for (i64 k = 0; k < s.n; k++)
        for (i64 j = 0; j < s.inner; j++) {
          const i64 i = base + k * s.inner + j;
          const T a = (T)acc[(size_t)j];
          dx[i] = log ? dy[i] - std::exp(y[i]) * a : y[i] * (dy[i] - a);
        }
    }
  });
}

// ---------------------------------------------------------------------------------------------
// activations

template <class T> inline T sigmoid(T v) {
  if (v >= 0) return T(1) / (T(1) + std::exp(-v));
  const T e = std::exp(v);
  return e / (T(1) + e);
}

constexpr double SQRT1_2 = 0.70710678118654752440;
constexpr double SQRT2_PI = 0.79788456080286535588;  // sqrt(2 / pi)
constexpr double INV_SQRT_2PI = 0.39894228040143267794;

template <class T> inline T act_fn(int act, T v) {
  switch (act) {
    case ACT_RELU: return v < 0 ? T(0) : v;
    case ACT_GELU: return T(0.5) * v * (T(1) + std::erf(v * T(SQRT1_2)));
    case ACT_GELU_TANH: return T(0.5) * v * (T(1) + std::tanh(T(SQRT2_PI) * (v + T(0.044715) * v * v * v)));
    case ACT_SIGMOID: return sigmoid(v);
    case ACT_TANH: return std::tanh(v);
    case ACT_SILU: return v * sigmoid(v);
    default: return v;
  }
}

// d act(x) / dx * dy
template <class T> inline T act_grad(int act, T x, T dy) {
  switch (act) {
    case ACT_RELU: return x <= 0 ? T(0) : dy;  // NaN passes dy, as PyTorch
    case ACT_GELU: {
      const T cdf = T(0.5) * (T(1) + std::erf(x * T(SQRT1_2)));
      const T pdf = T(INV_SQRT_2PI) * std::exp(T(-0.5) * x * x);
      return dy * (cdf + x * pdf);
    }
    case ACT_GELU_TANH: {
      const T inner = T(SQRT2_PI) * (x + T(0.044715) * x * x * x);
      const T t = std::tanh(inner);
      const T dinner = T(SQRT2_PI) * (T(1) + T(3 * 0.044715) * x * x);
      return dy * (T(0.5) * (T(1) + t) + T(0.5) * x * (T(1) - t * t) * dinner);
    }
    case ACT_SIGMOID: {
      const T s = sigmoid(x);
      return dy * s * (T(1) - s);
    }
    case ACT_TANH: {
      const T t = std::tanh(x);
      return dy * (T(1) - t * t);
    }
    case ACT_SILU: {
      const T s = sigmoid(x);
      return dy * s * (T(1) + x * (T(1) - s));
    }
    default: return dy;
  }
}

// y[r, c] = act(y[r, c] + bias[c]) in place over rows [r0, r1).
template <class T> void epilogue(T* y, i64 r0, i64 r1, i64 cols, const T* bias, int act) {
  for (i64 r = r0; r < r1; r++) {
    T* row = y + r * cols;
    if (bias)
      for (i64 j = 0; j < cols; j++) row[j] += bias[j];
    if (act == ACT_RELU) {
      for (i64 j = 0; j < cols; j++) row[j] = row[j] < 0 ? T(0) : row[j];
    } else if (act != ACT_NONE) {
      for (i64 j = 0; j < cols; j++) row[j] = act_fn(act, row[j]);
    }
  }
}

template <class T> void bias_act_t(const T* x, const T* bias, T* y, i64 rows, i64 cols, int act) {
  parallel_for(rows, rows_grain(cols * (act <= ACT_RELU ? 1 : 16)), [&](i64 b, i64 e) {
    if (!bias && act == ACT_RELU) {
      // relu alone (a convnet's activation): one vectorised pass; NaN passes through
      for (i64 i = b * cols; i < e * cols; i++) y[i] = x[i] < 0 ? T(0) : x[i];
      return;
    }
    // Blocks of about 16 KB: copied, then the epilogue while the block is still in L1 (not a
    // second pass over the whole chunk); without a bias a block is one long row (vectorised).
    const i64 step = std::max<i64>(1, (i64)(16384 / sizeof(T)) / std::max<i64>(1, cols));
    for (i64 r = b; r < e; r += step) {
      const i64 re = std::min(e, r + step);
      std::memcpy(y + r * cols, x + r * cols, sizeof(T) * (size_t)((re - r) * cols));
      if (bias) epilogue(y, r, re, cols, bias, act);
      else epilogue(y + r * cols, 0, 1, (re - r) * cols, bias, act);
    }
  });
}

template <class T> void act_backward_t(const T* x, const T* dy, T* dx, i64 n, int act) {
  parallel_for(n, act == ACT_RELU ? 1 << 16 : 1 << 14, [&](i64 b, i64 e) {
    if (act == ACT_RELU) {
      // the common case, as a vectorisable select (random signs would mispredict a branch)
      for (i64 i = b; i < e; i++) dx[i] = select(!(x[i] <= T(0)), dy[i], T(0));  // NaN passes dy
      return;
    }
    for (i64 i = b; i < e; i++) dx[i] = act_grad(act, x[i], dy[i]);
  });
}

// ---------------------------------------------------------------------------------------------
// cross-entropy

template <class T, class I>
void cross_entropy_t(const T* x, const I* target, i64 ts, i64 N, i64 C, int reduction, i64 ignore, double smoothing, T* loss, T* grad) {
  i64 count = 0;
  for (i64 i = 0; i < N; i++) {
    const i64 t = (i64)target[i * ts];
    if (t == ignore) continue;
    if (t < 0 || t >= C)
      range_error("crossEntropy: target " + std::to_string(t) + " is out of bounds for " + std::to_string(C) + " classes");
    count++;
  }
  const double scale = reduction == 1 ? 1.0 / (double)count : 1.0;  // mean over non-ignored rows
  std::vector<double> row_loss((size_t)N, 0.0);
  const double off = smoothing / (double)C;
  parallel_for(N, rows_grain(C * 8), [&](i64 b, i64 e) {
    for (i64 i = b; i < e; i++) {
      const T* xi = x + i * C;
      T* gi = grad + i * C;
      const i64 t = (i64)target[i * ts];
      if (t == ignore) {
        for (i64 c = 0; c < C; c++) gi[c] = 0;
        continue;
      }
      T m = -std::numeric_limits<T>::infinity();
      for (i64 c = 0; c < C; c++) m = nan_max(m, xi[c]);
      const double s = exp_sum(xi, m, C);
      const double lse = (double)m + std::log(s);
      double l = -(1.0 - smoothing) * ((double)xi[t] - lse);
      if (smoothing != 0) {
        double sum_logp = 0;
        for (i64 c = 0; c < C; c++) sum_logp += (double)xi[c] - lse;
        l -= off * sum_logp;
      }
      row_loss[(size_t)i] = l;
      const double inv = 1.0 / s;
      for (i64 c = 0; c < C; c++) {
        const double p = std::exp((double)(xi[c] - m)) * inv;
        gi[c] = (T)((p - off - (c == t ? 1.0 - smoothing : 0.0)) * scale);
      }
    }
  });
  if (reduction == 0) {
    for (i64 i = 0; i < N; i++) loss[i] = (T)row_loss[(size_t)i];
  } else {
    double total = 0;
    for (i64 i = 0; i < N; i++) total += row_loss[(size_t)i];
    loss[0] = (T)(total * scale);
  }
}

}  // namespace

// ---- kernels ----

void fused_softmax(FusedCall& c) {
  const char* op = "softmax";
  View x = c.view(op, "input");
  const int dim = (int)c.integer(0, std::max(0, x.nd - 1), op, "dim");
  const bool log = c.integer(0, 1, op, "log") == 1;
  require_float(x, op, "input");
  require_contiguous(x, op, "input");
  char* y = c.output(x.dtype, x.numel);
  if (x.numel == 0) return;
  if (x.dtype == F32) softmax_t<float>(x, dim, log, reinterpret_cast<float*>(y));
  else softmax_t<double>(x, dim, log, reinterpret_cast<double*>(y));
}

void fused_softmax_backward(FusedCall& c) {
  const char* op = "softmaxBackward";
  View y = c.view(op, "output");
  View dy = c.view(op, "gradient");
  const int dim = (int)c.integer(0, std::max(0, y.nd - 1), op, "dim");
  const bool log = c.integer(0, 1, op, "log") == 1;
  require_float(y, op, "output");
  require_contiguous(y, op, "output");
  require_contiguous(dy, op, "gradient");
  if (dy.dtype != y.dtype || dy.numel != y.numel || dy.nd != y.nd) type_error(std::string(op) + ": gradient must match the output");
  for (int d = 0; d < y.nd; d++)
    if (dy.shape[d] != y.shape[d]) range_error(std::string(op) + ": gradient shape differs from the output's");
  char* dx = c.output(y.dtype, y.numel);
  if (y.numel == 0) return;
  if (y.dtype == F32) softmax_backward_t<float>(y, dy, dim, log, reinterpret_cast<float*>(dx));
  else softmax_backward_t<double>(y, dy, dim, log, reinterpret_cast<double*>(dx));
}

void fused_cross_entropy(FusedCall& c) {
  const char* op = "crossEntropy";
  View x = c.view(op, "logits");
  View t = c.view(op, "target");
  const int reduction = (int)c.integer(0, 2, op, "reduction");
  const i64 ignore = c.integer(-MAX_INDEX, MAX_INDEX, op, "ignoreIndex");
  const double smoothing = c.real(op, "labelSmoothing");
  if (!(smoothing >= 0 && smoothing <= 1)) range_error("crossEntropy: labelSmoothing must be in [0, 1]");
  require_float(x, op, "logits");
  require_contiguous(x, op, "logits");
  if (x.nd != 2) range_error("crossEntropy: logits must be [N, C], got " + fmt_shape(x.shape, x.nd));
  if (t.nd != 1 || t.shape[0] != x.shape[0])
    range_error("crossEntropy: target must be [N] with N = " + std::to_string(x.shape[0]) + ", got " + fmt_shape(t.shape, t.nd));
  if (t.dtype != I32 && t.dtype != U8) type_error(std::string("crossEntropy: target must be int32, got ") + dtype_name(t.dtype));
  const i64 N = x.shape[0], C = x.shape[1];
  char* loss = c.output(x.dtype, reduction == 0 ? N : 1);
  char* grad = c.output(x.dtype, x.numel);
  if (N > 0 && C == 0) range_error("crossEntropy: logits have no classes");
  auto run = [&](auto* xp, auto* lp, auto* gp) {
    using T = std::remove_pointer_t<decltype(lp)>;
    if (t.dtype == I32)
      cross_entropy_t<T, int32_t>(xp, t.ptr<int32_t>(), t.strides[0], N, C, reduction, ignore, smoothing, lp, gp);
    else
      cross_entropy_t<T, uint8_t>(xp, t.ptr<uint8_t>(), t.strides[0], N, C, reduction, ignore, smoothing, lp, gp);
  };
  if (x.dtype == F32) run(x.ptr<float>(), reinterpret_cast<float*>(loss), reinterpret_cast<float*>(grad));
  else run(x.ptr<double>(), reinterpret_cast<double*>(loss), reinterpret_cast<double*>(grad));
}

void fused_bias_act(FusedCall& c) {
  const char* op = "biasAct";
  View x = c.view(op, "input");
  require_float(x, op, "input");
  require_contiguous(x, op, "input");
  const i64 cols = x.nd == 0 ? 1 : x.shape[x.nd - 1];
  const bool has_bias = c.has(op);
  View b;
  if (has_bias) {
    b = c.view(op, "bias");
    require_contiguous(b, op, "bias");
    if (b.dtype != x.dtype || b.numel != cols) range_error(std::string(op) + ": bias must have " + std::to_string(cols) + " elements of the input's dtype");
  }
  const int act = (int)c.integer(0, ACT_COUNT - 1, op, "activation");
  char* y = c.output(x.dtype, x.numel);
  if (x.numel == 0) return;
  const i64 rows = x.numel / cols;
  if (x.dtype == F32)
    bias_act_t<float>(x.ptr<float>(), has_bias ? b.ptr<float>() : nullptr, reinterpret_cast<float*>(y), rows, cols, act);
  else
    bias_act_t<double>(x.ptr<double>(), has_bias ? b.ptr<double>() : nullptr, reinterpret_cast<double*>(y), rows, cols, act);
}

void fused_act_backward(FusedCall& c) {
  const char* op = "activationBackward";
  View x = c.view(op, "input");
  View dy = c.view(op, "gradient");
  const int act = (int)c.integer(0, ACT_COUNT - 1, op, "activation");
  require_float(x, op, "input");
  require_contiguous(x, op, "input");
  require_contiguous(dy, op, "gradient");
  if (dy.dtype != x.dtype || dy.numel != x.numel) type_error(std::string(op) + ": gradient must match the input");
  char* dx = c.output(x.dtype, x.numel);
  if (x.dtype == F32) act_backward_t<float>(x.ptr<float>(), dy.ptr<float>(), reinterpret_cast<float*>(dx), x.numel, act);
  else act_backward_t<double>(x.ptr<double>(), dy.ptr<double>(), reinterpret_cast<double*>(dx), x.numel, act);
}

void fused_linear(FusedCall& c) {
  const char* op = "linear";
  View x = c.view(op, "input");
  View w = c.view(op, "weight");
  const bool has_bias = c.has(op);
  View b;
  if (has_bias) b = c.view(op, "bias");
  const int act = (int)c.integer(0, ACT_COUNT - 1, op, "activation");
  require_float(x, op, "input");
  if (x.nd != 2 || w.nd != 2) range_error("linear: expected input [M, K] and weight [N, K], got " + fmt_shape(x.shape, x.nd) + " and " + fmt_shape(w.shape, w.nd));
  if (w.dtype != x.dtype) type_error("linear: weight dtype differs from the input's");
  const i64 M = x.shape[0], K = x.shape[1], N = w.shape[0];
  if (w.shape[1] != K) range_error("linear: input " + fmt_shape(x.shape, 2) + " and weight " + fmt_shape(w.shape, 2) + " do not match");
  if (has_bias) {
    require_contiguous(b, op, "bias");
    if (b.dtype != x.dtype || b.numel != N) range_error("linear: bias must have " + std::to_string(N) + " elements of the input's dtype");
  }
  i64 size;
  if (!mul_ok(M, N, &size)) range_error("linear: the result is too large");
  char* y = c.output(x.dtype, size);
  if (size == 0) return;
  if (x.dtype == F32) {
    float* yp = reinterpret_cast<float*>(y);
    sgemm(M, N, K, x.ptr<float>(), x.strides[0], x.strides[1], w.ptr<float>(), w.strides[1], w.strides[0], yp, N, false);
    if (has_bias || act != ACT_NONE)
      parallel_for(M, rows_grain(N * 4), [&](i64 r0, i64 r1) { epilogue(yp, r0, r1, N, has_bias ? b.ptr<float>() : nullptr, act); });
  } else {
    double* yp = reinterpret_cast<double*>(y);
    dgemm(M, N, K, x.ptr<double>(), x.strides[0], x.strides[1], w.ptr<double>(), w.strides[1], w.strides[0], yp, N, false);
    if (has_bias || act != ACT_NONE)
      parallel_for(M, rows_grain(N * 4), [&](i64 r0, i64 r1) { epilogue(yp, r0, r1, N, has_bias ? b.ptr<double>() : nullptr, act); });
  }
}

std::vector<double> run_fused(int code, FusedCall& c) {
  try {
    switch (code) {
      case F_SOFTMAX: fused_softmax(c); break;
      case F_SOFTMAX_BACKWARD: fused_softmax_backward(c); break;
      case F_CROSS_ENTROPY: fused_cross_entropy(c); break;
      case F_BIAS_ACT: fused_bias_act(c); break;
      case F_ACT_BACKWARD: fused_act_backward(c); break;
      case F_LINEAR: fused_linear(c); break;
      case F_CONV2D: fused_conv2d(c); break;
      case F_CONV2D_BACKWARD_INPUT: fused_conv2d_backward_input(c); break;
      case F_CONV2D_BACKWARD_WEIGHT: fused_conv2d_backward_weight(c); break;
      case F_MAXPOOL2D: fused_maxpool2d(c); break;
      case F_MAXPOOL2D_BACKWARD: fused_maxpool2d_backward(c); break;
      case F_AVGPOOL2D: fused_avgpool2d(c); break;
      case F_AVGPOOL2D_BACKWARD: fused_avgpool2d_backward(c); break;
      case F_ADAM: fused_adam(c); break;
      case F_SGD: fused_sgd(c); break;
      case F_FOLD_WINDOWS: fused_fold_windows(c); break;
      default: type_error("fused: unknown kernel " + std::to_string(code));
    }
  } catch (...) {
    for (double id : c.outs) c.table.release(id);
    c.outs.clear();
    throw;
  }
  return c.outs;
}

}  // namespace tn
