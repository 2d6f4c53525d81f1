// Optimizer updates as single in-place kernels, with PyTorch's formulas (torch.optim.Adam/AdamW
// and SGD, non-foreach): one pass over param, grad and state instead of about ten elementwise ops.
#include <algorithm>

#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
#include <xmmintrin.h>
#define TN_MXCSR 1
#endif

#include "fused.h"
#include "gemm.h"
#include "threadpool.h"

#define TN_X86_TARGETS TN_X86_KERNELS

namespace tn {
namespace {

void check_state(const View& v, const View& param, const char* op, const char* what) {
  require_contiguous(v, op, what);
  if (v.dtype != param.dtype || v.numel != param.numel)
    range_error(std::string(op) + ": " + what + " must have the parameter's dtype and " + std::to_string(param.numel) + " elements");
}

// Optimizer state decays geometrically where a gradient is zero (a dead ReLU unit's weights):
// Adam's first moment falls by 0.9 per step into the subnormal range within a few hundred steps,
// where x86 arithmetic runs about 35x slower (measured: a 100k-parameter step went from 75 us to
// 2.6 ms). Within these loops subnormal inputs and results are flushed to zero (SSE FTZ and DAZ);
// state that small changes no update by a representable amount. The caller's floating-point
// mode is restored afterwards; on other CPUs the loops run in the default mode.
struct FlushSubnormals {
#if TN_MXCSR
  unsigned saved = _mm_getcsr();
  FlushSubnormals() { _mm_setcsr(saved | 0x8040u); }
  ~FlushSubnormals() { _mm_setcsr(saved); }
#endif
};

struct AdamHyper {
  double lr, beta1, beta2, eps, wd;
  double step;
  bool decoupled, maximize;
};

// Branch-free loops (the options become constants) so compilers vectorise them; compiled twice,
// for the baseline ISA and for AVX2, chosen at run time.
#define TN_ADAM_LOOP(NAME, ATTR)                                                                          \
  template <class T>                                                                                      \
  ATTR void NAME(T* p, const T* g, T* m, T* v, T* vmax, i64 n, T sign, T wdc, T decay, T b1, T b2, T step_size, \
                 T inv_sqrt_bc2, T eps) {                                                                  \
    const T one_b1 = T(1) - b1, one_b2 = T(1) - b2;                                                       \
    if (!vmax) {                                                                                          \
      for (i64 i = 0; i < n; i++) {                                                                       \
        const T pi = p[i] * decay;                                                                        \
        const T gi = sign * g[i] + wdc * p[i];                                                            \
        const T mi = m[i] + (gi - m[i]) * one_b1;                                                         \
        const T vi = v[i] * b2 + one_b2 * gi * gi;                                                        \
        m[i] = mi;                                                                                        \
        v[i] = vi;                                                                                        \
        p[i] = pi - step_size * mi / (std::sqrt(vi) * inv_sqrt_bc2 + eps);                                \
      }                                                                                                   \
    } else {                                                                                              \
      for (i64 i = 0; i < n; i++) {                                                                       \
        const T pi = p[i] * decay;                                                                        \
        const T gi = sign * g[i] + wdc * p[i];                                                            \
        const T mi = m[i] + (gi - m[i]) * one_b1;                                                         \
        const T vi = v[i] * b2 + one_b2 * gi * gi;                                                        \
        const T vv = vmax[i] > vi ? vmax[i] : vi;                                                         \
        m[i] = mi;                                                                                        \
        v[i] = vi;                                                                                        \
        vmax[i] = vv;                                                                                     \
        p[i] = pi - step_size * mi / (std::sqrt(vv) * inv_sqrt_bc2 + eps);                                \
      }                                                                                                   \
    }                                                                                                     \
  }

TN_ADAM_LOOP(adam_loop, )
#if TN_X86_TARGETS
TN_ADAM_LOOP(adam_loop_avx2, __attribute__((target("avx2,fma"))))
#endif

template <class T> void adam_t(const AdamHyper& h, T* p, const T* g, T* m, T* v, T* vmax, i64 n) {
  const double bc1 = 1.0 - std::pow(h.beta1, h.step);
  const double bc2 = 1.0 - std::pow(h.beta2, h.step);
  const T step_size = (T)(h.lr / bc1);
  const T inv_sqrt_bc2 = (T)(1.0 / std::sqrt(bc2));
  const T sign = h.maximize ? T(-1) : T(1);
  // AdamW decays the parameter; Adam adds weight_decay * param to the gradient.
  const T wdc = h.decoupled ? T(0) : (T)h.wd;
  const T decay = h.decoupled ? (T)(1.0 - h.lr * h.wd) : T(1);
  // Memory-bound: threads pay off only for large parameters.
  parallel_for(n, 1 << 17, [&](i64 b, i64 e) {
    [[maybe_unused]] const FlushSubnormals ftz;
#if TN_X86_TARGETS
    if (use_avx2())
      return adam_loop_avx2<T>(p + b, g + b, m + b, v + b, vmax ? vmax + b : nullptr, e - b, sign, wdc, decay, (T)h.beta1, (T)h.beta2,
                               step_size, inv_sqrt_bc2, (T)h.eps);
#endif
    adam_loop<T>(p + b, g + b, m + b, v + b, vmax ? vmax + b : nullptr, e - b, sign, wdc, decay, (T)h.beta1, (T)h.beta2, step_size,
                 inv_sqrt_bc2, (T)h.eps);
  });
}

struct SgdHyper {
  double lr, momentum, dampening, wd;
  bool nesterov, maximize, first;
};

template <class T> void sgd_t(const SgdHyper& h, T* p, const T* g, T* buf, i64 n) {
  const T lr = (T)h.lr, mom = (T)h.momentum, damp = (T)(1.0 - h.dampening), wd = (T)h.wd;
  parallel_for(n, 1 << 15, [&](i64 b, i64 e) {
    [[maybe_unused]] const FlushSubnormals ftz;
    for (i64 i = b; i < e; i++) {
      T gi = h.maximize ? -g[i] : g[i];
      if (h.wd != 0) gi += wd * p[i];
      if (buf) {
        const T bi = h.first ? gi : buf[i] * mom + damp * gi;
        buf[i] = bi;
        gi = h.nesterov ? gi + mom * bi : bi;
      }
      p[i] -= lr * gi;
    }
  });
}

}  // namespace

void fused_adam(FusedCall& c) {
  const char* op = "adamStep";
  View p = c.view(op, "param");
  View g = c.view(op, "grad");
  View m = c.view(op, "exp_avg");
  View v = c.view(op, "exp_avg_sq");
  const bool ams = c.has(op);
  View vm;
  if (ams) vm = c.view(op, "max_exp_avg_sq");
  AdamHyper h;
  h.lr = c.real(op, "lr");
  h.beta1 = c.real(op, "beta1");
  h.beta2 = c.real(op, "beta2");
  h.eps = c.real(op, "eps");
  h.wd = c.real(op, "weightDecay");
  h.step = (double)c.integer(1, MAX_INDEX, op, "step");
  h.decoupled = c.integer(0, 1, op, "decoupled") == 1;
  h.maximize = c.integer(0, 1, op, "maximize") == 1;
  if (!(h.beta1 >= 0 && h.beta1 < 1) || !(h.beta2 >= 0 && h.beta2 < 1)) range_error("adamStep: betas must be in [0, 1)");
  require_float(p, op, "param");
  require_contiguous(p, op, "param");
  check_state(g, p, op, "grad");
  check_state(m, p, op, "exp_avg");
  check_state(v, p, op, "exp_avg_sq");
  if (ams) check_state(vm, p, op, "max_exp_avg_sq");
  if (p.dtype == F32)
    adam_t<float>(h, p.ptr<float>(), g.ptr<float>(), m.ptr<float>(), v.ptr<float>(), ams ? vm.ptr<float>() : nullptr, p.numel);
  else
    adam_t<double>(h, p.ptr<double>(), g.ptr<double>(), m.ptr<double>(), v.ptr<double>(), ams ? vm.ptr<double>() : nullptr, p.numel);
}

void fused_sgd(FusedCall& c) {
  const char* op = "sgdStep";
  View p = c.view(op, "param");
  View g = c.view(op, "grad");
  const bool has_buf = c.has(op);
  View buf;
  if (has_buf) buf = c.view(op, "momentum_buffer");
  SgdHyper h;
  h.lr = c.real(op, "lr");
  h.momentum = c.real(op, "momentum");
  h.dampening = c.real(op, "dampening");
  h.wd = c.real(op, "weightDecay");
  h.nesterov = c.integer(0, 1, op, "nesterov") == 1;
  h.maximize = c.integer(0, 1, op, "maximize") == 1;
  h.first = c.integer(0, 1, op, "first") == 1;
  require_float(p, op, "param");
  require_contiguous(p, op, "param");
  check_state(g, p, op, "grad");
  if (has_buf) check_state(buf, p, op, "momentum_buffer");
  if (p.dtype == F32) sgd_t<float>(h, p.ptr<float>(), g.ptr<float>(), has_buf ? buf.ptr<float>() : nullptr, p.numel);
  else sgd_t<double>(h, p.ptr<double>(), g.ptr<double>(), has_buf ? buf.ptr<double>() : nullptr, p.numel);
}

}  // namespace tn
