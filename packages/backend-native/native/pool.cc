// 2-d max and average pooling over NCHW input and their gradients, with PyTorch's semantics:
// output sizes (ceil_mode), padding, dilation (max), count_include_pad and divisor_override (avg),
// NaN propagation and flat in-plane argmax indices (max).
#include <algorithm>
#include <atomic>
#include <limits>
#include <vector>

#include "fused.h"
#include "gemm.h"
#include "threadpool.h"

namespace tn {
namespace {

struct PoolParams {
  i64 N, C, H, W, kh, kw, sh, sw, ph, pw, dh = 1, dw = 1, OH, OW;
  bool ceil = false, include_pad = true;
  double divisor = 0;  // 0: none
};

i64 pool_out(i64 in, i64 k, i64 pad, i64 stride, i64 dil, bool ceil) {
  const i64 span = in + 2 * pad - dil * (k - 1) - 1 + (ceil ? stride - 1 : 0);
  if (span < 0) return 0;
  i64 o = span / stride + 1;
  if (ceil && (o - 1) * stride >= in + pad) o--;
  return o;
}

void finish(const char* op, PoolParams& p) {
  if (2 * p.ph > p.dh * (p.kh - 1) + 1 || 2 * p.pw > p.dw * (p.kw - 1) + 1)
    range_error(std::string(op) + ": padding should be at most half of the effective kernel size");
  checked_product({p.N, p.C, p.H + 1, p.W + 1}, op);
  p.OH = pool_out(p.H, p.kh, p.ph, p.sh, p.dh, p.ceil);
  p.OW = pool_out(p.W, p.kw, p.pw, p.sw, p.dw, p.ceil);
  if (p.OH < 1 || p.OW < 1)
    range_error(std::string(op) + ": output size is too small for input " + std::to_string(p.H) + "x" + std::to_string(p.W) + " and kernel " +
                std::to_string(p.kh) + "x" + std::to_string(p.kw));
}

void read_geometry(FusedCall& c, const char* op, PoolParams& p, bool dilation) {
  p.kh = c.integer(1, 1 << 20, op, "kernel size");
  p.kw = c.integer(1, 1 << 20, op, "kernel size");
  p.sh = c.integer(1, 1 << 20, op, "stride");
  p.sw = c.integer(1, 1 << 20, op, "stride");
  p.ph = c.integer(0, 1 << 20, op, "padding");
  p.pw = c.integer(0, 1 << 20, op, "padding");
  if (dilation) {
    p.dh = c.integer(1, 1 << 20, op, "dilation");
    p.dw = c.integer(1, 1 << 20, op, "dilation");
  }
  p.ceil = c.integer(0, 1, op, "ceilMode") == 1;
}

void input_shape(const View& x, const char* op, PoolParams& p) {
  if (x.nd != 4) range_error(std::string(op) + ": input must be 4-d [N, C, H, W], got " + fmt_shape(x.shape, x.nd));
  require_contiguous(x, op, "input");
  require_float(x, op, "input");
  p.N = x.shape[0], p.C = x.shape[1], p.H = x.shape[2], p.W = x.shape[3];
}

// Windows that lie inside the input (no padding, no dilation, no ceil-mode overhang): no bounds
// checks, and the window's first element starts the search.
template <class T> void maxpool_inner(const PoolParams& p, const T* xp, T* y, int32_t* idx) {
  for (i64 oh = 0; oh < p.OH; oh++)
    for (i64 ow = 0; ow < p.OW; ow++) {
      const i64 h0 = oh * p.sh, w0 = ow * p.sw;
      i64 bi = h0 * p.W + w0;
      T best = xp[bi];
      for (i64 i = 0; i < p.kh; i++) {
        const T* row = xp + (h0 + i) * p.W + w0;
        for (i64 j = 0; j < p.kw; j++) {
          const T v = row[j];
          const i64 at = (h0 + i) * p.W + w0 + j;
          const bool gt = v > best;
          best = gt ? v : best;
          bi = gt ? at : bi;
          if (v != v) best = v, bi = at;
        }
      }
      y[oh * p.OW + ow] = best;
      idx[oh * p.OW + ow] = (int32_t)bi;
    }
}

// The common 2x2 window with stride 2 (no padding or dilation, windows inside the input): one
// output row at a time from two input rows, branch-free, compiled for the baseline ISA and (x86-64)
// for AVX2 so that the compiler can vectorise it. Same scan order and NaN rule as above.
#define TN_MAXPOOL_2X2(NAME, ATTR)                                                               \
  template <class T> ATTR void NAME(const T* r0, const T* r1, i64 W, i64 base, i64 OW, T* y, int32_t* idx) { \
    for (i64 ow = 0; ow < OW; ow++) {                                                            \
      const T a = r0[2 * ow], b = r0[2 * ow + 1], c = r1[2 * ow], d = r1[2 * ow + 1];          \
      const int32_t at = (int32_t)(base + 2 * ow);                                               \
      T best = a;                                                                                \
      int32_t bi = at;                                                                           \
      bool take = (b > best) | (b != b);                                                         \
      best = take ? b : best;                                                                    \
      bi = take ? at + 1 : bi;                                                                   \
      take = (c > best) | (c != c);                                                              \
      best = take ? c : best;                                                                    \
      bi = take ? at + (int32_t)W : bi;                                                          \
      take = (d > best) | (d != d);                                                              \
      best = take ? d : best;                                                                    \
      bi = take ? at + (int32_t)W + 1 : bi;                                                      \
      y[ow] = best;                                                                              \
      idx[ow] = bi;                                                                              \
    }                                                                                            \
  }
TN_MAXPOOL_2X2(maxpool_2x2_row, )
#if TN_X86_KERNELS
TN_MAXPOOL_2X2(maxpool_2x2_row_avx2, __attribute__((target("avx2,fma"))))
#endif

template <class T> void maxpool_2x2(const PoolParams& p, const T* xp, T* y, int32_t* idx) {
  for (i64 oh = 0; oh < p.OH; oh++) {
    const i64 base = 2 * oh * p.W;
#if TN_X86_KERNELS
    if (use_avx2()) {
      maxpool_2x2_row_avx2(xp + base, xp + base + p.W, p.W, base, p.OW, y + oh * p.OW, idx + oh * p.OW);
      continue;
    }
#endif
    maxpool_2x2_row(xp + base, xp + base + p.W, p.W, base, p.OW, y + oh * p.OW, idx + oh * p.OW);
  }
}

template <class T> void maxpool_t(const PoolParams& p, const T* x, T* y, int32_t* idx) {
  const i64 planes = p.N * p.C, HW = p.H * p.W, Q = p.OH * p.OW;
  const bool inner = p.ph == 0 && p.pw == 0 && p.dh == 1 && p.dw == 1 && (p.OH - 1) * p.sh + p.kh <= p.H && (p.OW - 1) * p.sw + p.kw <= p.W;
  const bool k2s2 = inner && p.kh == 2 && p.kw == 2 && p.sh == 2 && p.sw == 2;
  parallel_for(planes, std::max<i64>(1, (1 << 14) / std::max<i64>(1, Q * p.kh * p.kw)), [&](i64 b, i64 e) {
    for (i64 pl = b; pl < e; pl++) {
      const T* xp = x + pl * HW;
      if (k2s2) {
        maxpool_2x2(p, xp, y + pl * Q, idx + pl * Q);
        continue;
      }
      if (inner) {
        maxpool_inner(p, xp, y + pl * Q, idx + pl * Q);
        continue;
      }
      for (i64 oh = 0; oh < p.OH; oh++)
        for (i64 ow = 0; ow < p.OW; ow++) {
          const i64 h0 = oh * p.sh - p.ph, w0 = ow * p.sw - p.pw;
          T best = -std::numeric_limits<T>::infinity();
          i64 bi = -1;
          for (i64 i = 0; i < p.kh; i++) {
            const i64 h = h0 + i * p.dh;
            if (h < 0 || h >= p.H) continue;
            for (i64 j = 0; j < p.kw; j++) {
              const i64 w = w0 + j * p.dw;
              if (w < 0 || w >= p.W) continue;
              const T v = xp[h * p.W + w];
              const i64 at = h * p.W + w;
              if (bi < 0) bi = at;
              // selects rather than a branch on v > best (random data would mispredict it)
              const bool gt = v > best;
              best = gt ? v : best;
              bi = gt ? at : bi;
              if (v != v) best = v, bi = at;  // NaN wins, as in PyTorch (rare: predictable)
            }
          }
          const i64 o = pl * Q + oh * p.OW + ow;
          y[o] = best;
          idx[o] = (int32_t)std::max<i64>(bi, 0);
        }
    }
  });
}

template <class T> void avgpool_t(const PoolParams& p, const T* x, T* y, const T* dy, T* dx) {
  // Forward (x -> y) when dy is null, else backward (dy -> dx, dx zeroed by the caller).
  const i64 planes = p.N * p.C, HW = p.H * p.W, Q = p.OH * p.OW;
  parallel_for(planes, std::max<i64>(1, (1 << 14) / std::max<i64>(1, Q * p.kh * p.kw)), [&](i64 b, i64 e) {
    for (i64 pl = b; pl < e; pl++)
      for (i64 oh = 0; oh < p.OH; oh++)
        for (i64 ow = 0; ow < p.OW; ow++) {
          i64 h0 = oh * p.sh - p.ph, w0 = ow * p.sw - p.pw;
          i64 h1 = std::min(h0 + p.kh, p.H + p.ph), w1 = std::min(w0 + p.kw, p.W + p.pw);
          const i64 pool = (h1 - h0) * (w1 - w0);
          h0 = std::max<i64>(h0, 0), w0 = std::max<i64>(w0, 0);
          h1 = std::min(h1, p.H), w1 = std::min(w1, p.W);
          const double count = p.divisor != 0 ? p.divisor : (double)(p.include_pad ? pool : (h1 - h0) * (w1 - w0));
          const i64 o = pl * Q + oh * p.OW + ow;
          if (!dy) {
            const T* xp = x + pl * HW;
            double s = 0;
            for (i64 h = h0; h < h1; h++)
              for (i64 w = w0; w < w1; w++) s += xp[h * p.W + w];
            y[o] = (T)(s / count);
          } else {
            T* dp = dx + pl * HW;
            const T g = (T)(dy[o] / count);
            for (i64 h = h0; h < h1; h++)
              for (i64 w = w0; w < w1; w++) dp[h * p.W + w] += g;
          }
        }
  });
}

}  // namespace

void fused_maxpool2d(FusedCall& c) {
  const char* op = "maxPool2d";
  View x = c.view(op, "input");
  PoolParams p;
  read_geometry(c, op, p, true);
  const bool with_indices = c.integer(0, 1, op, "withIndices") == 1;
  input_shape(x, op, p);
  finish(op, p);
  const i64 n = p.N * p.C * p.OH * p.OW;
  char* y = c.output(x.dtype, n);
  std::vector<int32_t> scratch;
  char* idx;
  if (with_indices) {
    idx = c.output(I32, n);
  } else {
    scratch.resize((size_t)n);
    idx = reinterpret_cast<char*>(scratch.data());
  }
  if (n == 0) return;
  if (p.H * p.W > (i64)INT32_MAX) range_error("maxPool2d: input planes are too large for int32 indices");
  if (x.dtype == F32) maxpool_t<float>(p, x.ptr<float>(), reinterpret_cast<float*>(y), reinterpret_cast<int32_t*>(idx));
  else maxpool_t<double>(p, x.ptr<double>(), reinterpret_cast<double*>(y), reinterpret_cast<int32_t*>(idx));
}

void fused_maxpool2d_backward(FusedCall& c) {
  const char* op = "maxPool2dBackward";
  View dy = c.view(op, "gradient");
  View idx = c.view(op, "indices");
  const i64 H = c.integer(1, MAX_INDEX, op, "input height"), W = c.integer(1, MAX_INDEX, op, "input width");
  if (dy.nd != 4) range_error(std::string(op) + ": gradient must be 4-d");
  require_contiguous(dy, op, "gradient");
  require_contiguous(idx, op, "indices");
  require_float(dy, op, "gradient");
  if (idx.dtype != I32 || idx.numel != dy.numel) type_error(std::string(op) + ": indices must be int32 of the gradient's shape");
  const i64 planes = dy.shape[0] * dy.shape[1], Q = dy.shape[2] * dy.shape[3];
  const i64 size = checked_product({dy.shape[0], dy.shape[1], H, W}, op);
  if (H * W > (i64)INT32_MAX + 1) range_error(std::string(op) + ": input planes are too large for int32 indices");
  char* dx = c.output(dy.dtype, size);
  const int32_t* ip = idx.ptr<int32_t>();
  const i64 HW = H * W;
  // Per plane (in parallel): zero it, then add the gradient at its indices, checking each (an
  // index outside the plane is skipped and reported after the loop).
  std::atomic<bool> bad{false};
  auto run = [&](auto* g, auto* d) {
    parallel_for(planes, std::max<i64>(1, (1 << 14) / std::max<i64>(1, Q + HW / 4)), [&](i64 b, i64 e) {
      for (i64 pl = b; pl < e; pl++) {
        auto* dp = d + pl * HW;
        std::memset(dp, 0, (size_t)HW * sizeof(*dp));
        const int32_t* pi = ip + pl * Q;
        const auto* pg = g + pl * Q;
        bool ok = true;
        for (i64 q = 0; q < Q; q++) {
          const int32_t at = pi[q];
          if (TN_LIKELY(at >= 0 && at < HW)) dp[at] += pg[q];
          else ok = false;
        }
        if (!ok) bad.store(true, std::memory_order_relaxed);
      }
    });
  };
  if (planes * HW == 0) return;
  if (dy.dtype == F32) run(dy.ptr<float>(), reinterpret_cast<float*>(dx));
  else run(dy.ptr<double>(), reinterpret_cast<double*>(dx));
  if (bad.load())
    for (i64 i = 0; i < dy.numel; i++)
      if (ip[i] < 0 || ip[i] >= HW) range_error(std::string(op) + ": index " + std::to_string(ip[i]) + " is outside the input plane");
}

void fused_avgpool2d(FusedCall& c) {
  const char* op = "avgPool2d";
  View x = c.view(op, "input");
  PoolParams p;
  read_geometry(c, op, p, false);
  p.include_pad = c.integer(0, 1, op, "countIncludePad") == 1;
  p.divisor = c.real(op, "divisorOverride");
  input_shape(x, op, p);
  finish(op, p);
  const i64 n = p.N * p.C * p.OH * p.OW;
  char* y = c.output(x.dtype, n);
  if (n == 0) return;
  if (x.dtype == F32) avgpool_t<float>(p, x.ptr<float>(), reinterpret_cast<float*>(y), nullptr, nullptr);
  else avgpool_t<double>(p, x.ptr<double>(), reinterpret_cast<double*>(y), nullptr, nullptr);
}

void fused_avgpool2d_backward(FusedCall& c) {
  const char* op = "avgPool2dBackward";
  View dy = c.view(op, "gradient");
  PoolParams p;
  p.N = c.integer(0, MAX_INDEX, op, "input shape"), p.C = c.integer(0, MAX_INDEX, op, "input shape");
  p.H = c.integer(1, MAX_INDEX, op, "input shape"), p.W = c.integer(1, MAX_INDEX, op, "input shape");
  read_geometry(c, op, p, false);
  p.include_pad = c.integer(0, 1, op, "countIncludePad") == 1;
  p.divisor = c.real(op, "divisorOverride");
  finish(op, p);
  if (dy.nd != 4 || dy.shape[0] != p.N || dy.shape[1] != p.C || dy.shape[2] != p.OH || dy.shape[3] != p.OW)
    range_error(std::string(op) + ": gradient shape " + fmt_shape(dy.shape, dy.nd) + " does not match the pooled output");
  require_contiguous(dy, op, "gradient");
  require_float(dy, op, "gradient");
  const i64 size = checked_product({p.N, p.C, p.H, p.W}, op);
  char* dx = c.output(dy.dtype, size);
  std::memset(dx, 0, (size_t)(size * elem_size(dy.dtype)));
  if (size == 0) return;
  if (dy.dtype == F32) avgpool_t<float>(p, nullptr, nullptr, dy.ptr<float>(), reinterpret_cast<float*>(dx));
  else avgpool_t<double>(p, nullptr, nullptr, dy.ptr<double>(), reinterpret_cast<double*>(dx));
}

}  // namespace tn
