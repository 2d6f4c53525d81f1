// conv2d (NCHW, PyTorch semantics: stride, padding, dilation, groups) and both of its gradients,
// as im2col + SGEMM. Per image and group: y = W_g @ col(x), dcol = W_g^T @ dy then col2im,
// dW_g += dy_g @ col(x)^T. 1x1 convolutions with stride 1 and no padding skip im2col. Batches
// are split between threads (each with its own column buffer) when there are enough images;
// otherwise the GEMMs themselves use the threads.
#include <algorithm>
#include <vector>

#include "fused.h"
#include "gemm.h"
#include "threadpool.h"

namespace tn {
namespace {

struct ConvParams {
  // ph/pw: padding at the top/left; pb/pr: at the bottom/right (they differ for 'same' padding).
  i64 N, C, H, W, O, kh, kw, sh, sw, ph, pw, pb, pr, dh, dw, groups, OH, OW;
  i64 Cg() const { return C / groups; }
  i64 Og() const { return O / groups; }
  i64 Kg() const { return Cg() * kh * kw; }
  i64 P() const { return OH * OW; }
  bool pointwise() const { return kh == 1 && kw == 1 && sh == 1 && sw == 1 && ph == 0 && pw == 0 && pb == 0 && pr == 0; }
};

void read_params(FusedCall& c, const char* op, ConvParams& p) {
  p.sh = c.integer(1, 1 << 20, op, "stride");
  p.sw = c.integer(1, 1 << 20, op, "stride");
  p.ph = c.integer(0, 1 << 20, op, "padding");
  p.pb = c.integer(0, 1 << 20, op, "padding");
  p.pw = c.integer(0, 1 << 20, op, "padding");
  p.pr = c.integer(0, 1 << 20, op, "padding");
  p.dh = c.integer(1, 1 << 20, op, "dilation");
  p.dw = c.integer(1, 1 << 20, op, "dilation");
  p.groups = c.integer(1, 1 << 20, op, "groups");
}

// Validates the geometry given input [N, C, H, W] and weight [O, C/groups, kh, kw].
void finish_params(const char* op, ConvParams& p) {
  if (p.C % p.groups != 0) range_error(std::string(op) + ": " + std::to_string(p.C) + " input channels are not divisible by groups " + std::to_string(p.groups));
  if (p.O % p.groups != 0) range_error(std::string(op) + ": " + std::to_string(p.O) + " output channels are not divisible by groups " + std::to_string(p.groups));
  if (p.kh > (1 << 20) || p.kw > (1 << 20)) range_error(std::string(op) + ": the kernel is too large");
  const i64 eh = p.dh * (p.kh - 1) + 1, ew = p.dw * (p.kw - 1) + 1;
  const i64 hh = p.H + p.ph + p.pb, ww = p.W + p.pw + p.pr;
  if (p.kh < 1 || p.kw < 1 || eh > hh || ew > ww)
    range_error(std::string(op) + ": kernel " + std::to_string(p.kh) + "x" + std::to_string(p.kw) + " (dilated " + std::to_string(eh) + "x" +
                std::to_string(ew) + ") is larger than the padded input " + std::to_string(hh) + "x" + std::to_string(ww));
  p.OH = (hh - eh) / p.sh + 1;
  p.OW = (ww - ew) / p.sw + 1;
  // Every size the kernels compute must be representable.
  checked_product({p.N, p.O, p.OH, p.OW}, op);
  checked_product({p.N, p.C, p.H, p.W}, op);
  checked_product({p.C, p.kh, p.kw, p.OH, p.OW}, op);
  checked_product({p.O, p.C, p.kh, p.kw}, op);
}

void check_4d(const View& v, const char* op, const char* what) {
  if (v.nd != 4) range_error(std::string(op) + ": " + what + " must be 4-d, got " + fmt_shape(v.shape, v.nd));
  require_contiguous(v, op, what);
}

// dst[0, n) = src[0, n) for the short rows of im2col (11 to 28 columns in a small convnet) as
// two overlapping fixed-size moves, which compile to single vector loads and stores; a loop over
// the row, or a memcpy per row, costs several times more (GCC turns such loops into calls).
template <class T> inline void copy_short(T* __restrict dst, const T* __restrict src, i64 n) {
  constexpr i64 C = 32 / sizeof(T);
  if (n > 2 * C) {
    std::memcpy(dst, src, sizeof(T) * (size_t)n);
  } else if (n >= C) {
    std::memcpy(dst, src, 32);
    std::memcpy(dst + n - C, src + n - C, 32);
  } else if (2 * n >= C) {
    std::memcpy(dst, src, 16);
    std::memcpy(dst + n - C / 2, src + n - C / 2, 16);
  } else {
    for (i64 i = 0; i < n; i++) dst[i] = src[i];
  }
}

// The output positions [lo, hi) whose input position o*stride - pad + off lies inside [0, size).
inline void valid_range(i64 out, i64 stride, i64 pad, i64 off, i64 size, i64& lo, i64& hi) {
  const i64 d = off - pad;
  lo = std::min<i64>(out, d >= 0 ? 0 : (-d + stride - 1) / stride);
  hi = std::max<i64>(lo, size - d <= 0 ? 0 : std::min<i64>(out, (size - 1 - d) / stride + 1));
}

// col[Kg, P] of one image and group (x points at that group's first channel).
template <class T> void im2col(const T* x, const ConvParams& p, T* col) {
  const i64 H = p.H, W = p.W, OH = p.OH, OW = p.OW, sh = p.sh, sw = p.sw, Cg = p.Cg(), kh = p.kh, kw = p.kw;
  T* r = col;
  for (i64 c = 0; c < Cg; c++) {
    const T* xc = x + c * H * W;
    for (i64 i = 0; i < kh; i++) {
      i64 oh0, oh1;
      valid_range(OH, sh, p.ph, i * p.dh, H, oh0, oh1);
      for (i64 j = 0; j < kw; j++) {
        i64 ow0, ow1;
        valid_range(OW, sw, p.pw, j * p.dw, W, ow0, ow1);
        const i64 dj = j * p.dw - p.pw;
        const i64 n = ow1 - ow0;
        std::fill(r, r + oh0 * OW, T(0));
        r += oh0 * OW;
        constexpr i64 L = 32 / sizeof(T);
        if (sw == 1 && ow0 == 0 && ow1 == OW && OW >= L && OW <= 2 * L) {
          // The common case (stride 1, rows of 8 to 16 floats inside the input): two overlapping
          // vector moves per row and nothing else.
          const T* xr = xc + (oh0 * sh - p.ph + i * p.dh) * W + dj;
          for (i64 oh = oh0; oh < oh1; oh++, r += OW, xr += sh * W) {
            std::memcpy(r, xr, 32);
            std::memcpy(r + OW - L, xr + OW - L, 32);
          }
        } else {
          for (i64 oh = oh0; oh < oh1; oh++, r += OW) {
            const T* xr = xc + (oh * sh - p.ph + i * p.dh) * W + dj;
            // Short rows: no memcpy/memset calls per row (the guards keep GCC from turning the
            // zeroing loops into memset calls).
            if (ow0 > 0)
              for (i64 ow = 0; ow < ow0; ow++) r[ow] = T(0);
            if (sw == 1) copy_short(r + ow0, xr + ow0, n);
            else
              for (i64 ow = ow0; ow < ow1; ow++) r[ow] = xr[ow * sw];
            if (ow1 < OW)
              for (i64 ow = ow1; ow < OW; ow++) r[ow] = T(0);
          }
        }
        std::fill(r, r + (OH - oh1) * OW, T(0));
        r += (OH - oh1) * OW;
      }
    }
  }
}

// dst[0, L) += src[0, L) and dst[n - L, n) += src[n - L, n) for L <= n <= 2L: both halves are
// loaded before either is stored, so the overlap gets its sum once (fixed-size moves that compile
// to vector registers, as in copy_short).
template <class T, int L> inline void add_two_halves(T* __restrict dst, const T* __restrict src, i64 n) {
  T a[L], b[L], c[L], d[L];
  std::memcpy(a, dst, sizeof a);
  std::memcpy(b, src, sizeof b);
  std::memcpy(c, dst + n - L, sizeof c);
  std::memcpy(d, src + n - L, sizeof d);
  for (int l = 0; l < L; l++) a[l] += b[l], c[l] += d[l];
  std::memcpy(dst, a, sizeof a);
  std::memcpy(dst + n - L, c, sizeof c);
}

// dst[0, n) += src[0, n) for the short rows of col2im.
template <class T> inline void add_short(T* __restrict dst, const T* __restrict src, i64 n) {
  constexpr int C = 32 / sizeof(T);
  if (n >= C && n <= 2 * C) return add_two_halves<T, C>(dst, src, n);
  if (2 * n >= C && n < C) return add_two_halves<T, C / 2>(dst, src, n);
  for (i64 i = 0; i < n; i++) dst[i] += src[i];
}

// dx (one image and group) += col2im(dcol).
template <class T> void col2im(const T* col, const ConvParams& p, T* dx) {
  const i64 H = p.H, W = p.W, OH = p.OH, OW = p.OW, sh = p.sh, sw = p.sw, Cg = p.Cg(), kh = p.kh, kw = p.kw;
  const T* r = col;
  for (i64 c = 0; c < Cg; c++) {
    T* xc = dx + c * H * W;
    for (i64 i = 0; i < kh; i++) {
      i64 oh0, oh1;
      valid_range(OH, sh, p.ph, i * p.dh, H, oh0, oh1);
      for (i64 j = 0; j < kw; j++, r += OH * OW) {
        i64 ow0, ow1;
        valid_range(OW, sw, p.pw, j * p.dw, W, ow0, ow1);
        const i64 dj = j * p.dw - p.pw;
        for (i64 oh = oh0; oh < oh1; oh++) {
          T* xr = xc + (oh * sh - p.ph + i * p.dh) * W + dj;
          const T* rr = r + oh * OW;
          if (sw == 1) add_short(xr + ow0, rr + ow0, ow1 - ow0);
          else
            for (i64 ow = ow0; ow < ow1; ow++) xr[ow * sw] += rr[ow];
        }
      }
    }
  }
}

template <class T>
void gemm_t(i64 M, i64 N, i64 K, const T* A, i64 rsa, i64 csa, const T* B, i64 rsb, i64 csb, T* C, i64 ldc, bool acc, int threads,
            const PackedA<T>* packed = nullptr) {
  if constexpr (std::is_same_v<T, float>) sgemm(M, N, K, A, rsa, csa, B, rsb, csb, C, ldc, acc, threads, packed);
  else dgemm(M, N, K, A, rsa, csa, B, rsb, csb, C, ldc, acc, threads, packed);
}

// The weights of every group packed once per call, for the per-image products (A operand
// [rows, K] at w + g * group_stride with strides rsa, csa).
template <class T>
std::vector<PackedA<T>> pack_weights(const ConvParams& p, const T* w, i64 rows, i64 K, i64 rsa, i64 csa, i64 group_stride) {
  std::vector<PackedA<T>> packed((size_t)p.groups);
  for (i64 g = 0; g < p.groups; g++) pack_a_once(rows, K, w + g * group_stride, rsa, csa, packed[(size_t)g]);
  return packed;
}

// A column buffer of at least n elements for the calling thread, kept between calls (a fresh one
// per call would be zero-filled and page-faulted in each time).
template <class T> T* column_buffer(i64 n) {
  thread_local std::vector<T> buf;
  if ((i64)buf.size() < n) buf.resize((size_t)n);
  return buf.data();
}

// Chunks of images per thread: the threads claim chunks as they go, so a thread slowed down by
// another process does not hold the others up at the end.
constexpr i64 CHUNKS_PER_THREAD = 4;

// Runs body(n, threads_for_gemm, scratch) for every image, split between threads when the batch
// is large enough; otherwise image by image with threaded GEMMs.
template <class T, class F> void for_images(const ConvParams& p, i64 scratch_elems, F&& body) {
  const int threads = num_threads();
  const double per_image = 2.0 * (double)p.O * (double)p.Kg() * (double)p.P();
  const bool by_image = threads > 1 && p.N >= threads && (p.N >= 4 * threads || per_image < (1 << 23));
  if (by_image) {
    const int tasks = (int)std::min<i64>(p.N, (i64)threads * CHUNKS_PER_THREAD);
    parallel_tasks(tasks, [&](int t) {
      T* scratch = column_buffer<T>(scratch_elems);
      for (i64 n = p.N * t / tasks; n < p.N * (t + 1) / tasks; n++) body(n, 1, scratch);
    });
  } else {
    T* scratch = column_buffer<T>(scratch_elems);
    for (i64 n = 0; n < p.N; n++) body(n, 0, scratch);
  }
}

template <class T> void conv_forward(const ConvParams& p, const T* x, const T* w, const T* bias, T* y) {
  const i64 P = p.P(), Kg = p.Kg(), Og = p.Og(), Cg = p.Cg();
  const bool direct = p.pointwise();
  const auto packed = pack_weights(p, w, Og, Kg, Kg, 1, Og * Kg);
  for_images<T>(p, direct ? 0 : Kg * P, [&](i64 n, int threads, T* col) {
    for (i64 g = 0; g < p.groups; g++) {
      const T* xg = x + (n * p.C + g * Cg) * p.H * p.W;
      const T* b = xg;
      if (!direct) {
        im2col(xg, p, col);
        b = col;
      }
      T* yg = y + (n * p.O + g * Og) * P;
      gemm_t<T>(Og, P, Kg, w + g * Og * Kg, Kg, 1, b, P, 1, yg, P, false, threads, &packed[(size_t)g]);
      if (bias)
        for (i64 o = 0; o < Og; o++) {
          const T v = bias[g * Og + o];
          T* r = yg + o * P;
          for (i64 q = 0; q < P; q++) r[q] += v;
        }
    }
  });
}

template <class T> void conv_backward_input(const ConvParams& p, const T* dy, const T* w, T* dx) {
  const i64 P = p.P(), Kg = p.Kg(), Og = p.Og(), Cg = p.Cg();
  const bool direct = p.pointwise();
  const auto packed = pack_weights(p, w, Kg, Og, 1, Kg, Og * Kg);
  for_images<T>(p, direct ? 0 : Kg * P, [&](i64 n, int threads, T* dcol) {
    for (i64 g = 0; g < p.groups; g++) {
      T* dxg = dx + (n * p.C + g * Cg) * p.H * p.W;
      const T* dyg = dy + (n * p.O + g * Og) * P;
      const T* wg = w + g * Og * Kg;
      if (direct) {
        gemm_t<T>(Kg, P, Og, wg, 1, Kg, dyg, P, 1, dxg, P, false, threads, &packed[(size_t)g]);
      } else {
        gemm_t<T>(Kg, P, Og, wg, 1, Kg, dyg, P, 1, dcol, P, false, threads, &packed[(size_t)g]);
        std::fill(dxg, dxg + Cg * p.H * p.W, T(0));
        col2im(dcol, p, dxg);
      }
    }
  });
}

// Sum of a row of dy: eight independent partial sums (vectorisable), in the row's dtype.
template <class T> inline double row_sum(const T* r, i64 P) {
  T part[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  i64 q = 0;
  for (; q + 8 <= P; q += 8)
    for (int j = 0; j < 8; j++) part[j] += r[q + j];
  T rest = 0;
  for (; q < P; q++) rest += r[q];
  return (double)(((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7]))) + (double)rest;
}

// dW_g = sum over images of dy_g @ col^T, computed transposed (dW_g^T += col @ dy_g^T: the long
// operand, col, is then packed along its contiguous rows; 15% faster for the MNIST convnet's
// conv2) into one private [groups, Kg, Og] buffer per thread, summed and transposed at the end.
template <class T> void conv_backward_weight(const ConvParams& p, const T* x, const T* dy, T* dw, T* db) {
  const i64 P = p.P(), Kg = p.Kg(), Og = p.Og(), Cg = p.Cg();
  const bool direct = p.pointwise();
  const i64 wsize = p.O * Kg;
  const int threads = num_threads();
  const bool by_image = threads > 1 && p.N >= threads;
  // One part per thread, each summing into its own buffer (finer chunks, as in for_images, were
  // 10% slower here: every chunk brings its own accumulator through the cache).
  const int parts = by_image ? (int)std::min<i64>(threads, p.N) : 1;
  std::vector<std::vector<T>> acc_t((size_t)parts, std::vector<T>((size_t)wsize, T(0)));
  // The bias gradient (row sums of dy per channel, in double) per part, taken image by image
  // right after that image's GEMM has read its rows of dy (still in cache).
  std::vector<std::vector<double>> bsum(db ? (size_t)parts : 0, std::vector<double>((size_t)p.O, 0.0));
  auto images = [&](int part, i64 b, i64 e, int gemm_threads) {
    T* acc = acc_t[(size_t)part].data();
    T* col = column_buffer<T>(direct ? 0 : Kg * P);
    for (i64 n = b; n < e; n++)
      for (i64 g = 0; g < p.groups; g++) {
        const T* xg = x + (n * p.C + g * Cg) * p.H * p.W;
        const T* c = xg;
        if (!direct) {
          im2col(xg, p, col);
          c = col;
        }
        const T* dyg = dy + (n * p.O + g * Og) * P;
        gemm_t<T>(Kg, Og, P, c, P, 1, dyg, 1, P, acc + g * Kg * Og, Og, true, gemm_threads);
        if (db) {
          double* bs = bsum[(size_t)part].data() + g * Og;
          for (i64 o = 0; o < Og; o++) bs[o] += row_sum(dyg + o * P, P);
        }
      }
  };
  if (parts > 1) parallel_tasks(parts, [&](int t) { images(t, p.N * t / parts, p.N * (t + 1) / parts, 1); });
  else images(0, 0, p.N, 0);
  for (i64 g = 0; g < p.groups; g++)
    for (i64 o = 0; o < Og; o++)
      for (i64 k = 0; k < Kg; k++) {
        const i64 src = (g * Kg + k) * Og + o;
        T s = acc_t[0][(size_t)src];
        for (int t = 1; t < parts; t++) s += acc_t[(size_t)t][(size_t)src];
        dw[(g * Og + o) * Kg + k] = s;
      }
  if (db)
    for (i64 o = 0; o < p.O; o++) {
      double s = 0;
      for (int t = 0; t < parts; t++) s += bsum[(size_t)t][(size_t)o];
      db[o] = (T)s;
    }
}

}  // namespace

void fused_conv2d(FusedCall& c) {
  const char* op = "conv2d";
  View x = c.view(op, "input");
  View w = c.view(op, "weight");
  const bool has_bias = c.has(op);
  View b;
  if (has_bias) b = c.view(op, "bias");
  ConvParams p;
  read_params(c, op, p);
  check_4d(x, op, "input");
  check_4d(w, op, "weight");
  require_float(x, op, "input");
  if (w.dtype != x.dtype) type_error("conv2d: weight dtype differs from the input's");
  p.N = x.shape[0], p.C = x.shape[1], p.H = x.shape[2], p.W = x.shape[3];
  p.O = w.shape[0], p.kh = w.shape[2], p.kw = w.shape[3];
  if (w.shape[1] * p.groups != p.C)
    range_error("conv2d: weight " + fmt_shape(w.shape, 4) + " expects " + std::to_string(w.shape[1] * p.groups) + " input channels, got input " +
                fmt_shape(x.shape, 4));
  finish_params(op, p);
  if (has_bias) {
    require_contiguous(b, op, "bias");
    if (b.dtype != x.dtype || b.numel != p.O) range_error("conv2d: bias must have " + std::to_string(p.O) + " elements of the input's dtype");
  }
  char* y = c.output(x.dtype, p.N * p.O * p.P());
  if (p.N * p.O * p.P() == 0) return;
  if (p.Kg() == 0) {
    std::memset(y, 0, (size_t)(p.N * p.O * p.P() * elem_size(x.dtype)));
    return;
  }
  if (x.dtype == F32)
    conv_forward<float>(p, x.ptr<float>(), w.ptr<float>(), has_bias ? b.ptr<float>() : nullptr, reinterpret_cast<float*>(y));
  else
    conv_forward<double>(p, x.ptr<double>(), w.ptr<double>(), has_bias ? b.ptr<double>() : nullptr, reinterpret_cast<double*>(y));
}

void fused_conv2d_backward_input(FusedCall& c) {
  const char* op = "conv2dBackwardInput";
  View dy = c.view(op, "gradient");
  View w = c.view(op, "weight");
  ConvParams p;
  p.N = c.integer(0, MAX_INDEX, op, "input shape"), p.C = c.integer(0, MAX_INDEX, op, "input shape");
  p.H = c.integer(0, MAX_INDEX, op, "input shape"), p.W = c.integer(0, MAX_INDEX, op, "input shape");
  read_params(c, op, p);
  check_4d(dy, op, "gradient");
  check_4d(w, op, "weight");
  require_float(dy, op, "gradient");
  if (w.dtype != dy.dtype) type_error(std::string(op) + ": weight dtype differs from the gradient's");
  p.O = w.shape[0], p.kh = w.shape[2], p.kw = w.shape[3];
  if (w.shape[1] * p.groups != p.C) range_error(std::string(op) + ": weight " + fmt_shape(w.shape, 4) + " does not match " + std::to_string(p.C) + " input channels");
  finish_params(op, p);
  if (dy.shape[0] != p.N || dy.shape[1] != p.O || dy.shape[2] != p.OH || dy.shape[3] != p.OW)
    range_error(std::string(op) + ": gradient shape " + fmt_shape(dy.shape, 4) + " does not match the output [" + std::to_string(p.N) + "," +
                std::to_string(p.O) + "," + std::to_string(p.OH) + "," + std::to_string(p.OW) + "]");
  const i64 size = checked_product({p.N, p.C, p.H, p.W}, op);
  char* dx = c.output(dy.dtype, size);
  if (size == 0) return;
  if (p.Og() == 0 || p.P() == 0) {
    std::memset(dx, 0, (size_t)(size * elem_size(dy.dtype)));
    return;
  }
  if (dy.dtype == F32) conv_backward_input<float>(p, dy.ptr<float>(), w.ptr<float>(), reinterpret_cast<float*>(dx));
  else conv_backward_input<double>(p, dy.ptr<double>(), w.ptr<double>(), reinterpret_cast<double*>(dx));
}

void fused_conv2d_backward_weight(FusedCall& c) {
  const char* op = "conv2dBackwardWeight";
  View x = c.view(op, "input");
  View dy = c.view(op, "gradient");
  ConvParams p;
  p.O = c.integer(1, MAX_INDEX, op, "weight shape");
  const i64 wc = c.integer(0, MAX_INDEX, op, "weight shape");
  p.kh = c.integer(1, 1 << 20, op, "weight shape"), p.kw = c.integer(1, 1 << 20, op, "weight shape");
  read_params(c, op, p);
  const bool with_bias = c.integer(0, 1, op, "bias flag") == 1;
  check_4d(x, op, "input");
  check_4d(dy, op, "gradient");
  require_float(x, op, "input");
  if (dy.dtype != x.dtype) type_error(std::string(op) + ": gradient dtype differs from the input's");
  p.N = x.shape[0], p.C = x.shape[1], p.H = x.shape[2], p.W = x.shape[3];
  if (wc * p.groups != p.C) range_error(std::string(op) + ": weight shape does not match " + std::to_string(p.C) + " input channels");
  finish_params(op, p);
  if (dy.shape[0] != p.N || dy.shape[1] != p.O || dy.shape[2] != p.OH || dy.shape[3] != p.OW)
    range_error(std::string(op) + ": gradient shape " + fmt_shape(dy.shape, 4) + " does not match the output");
  char* dw = c.output(x.dtype, p.O * p.Kg());
  char* db = with_bias ? c.output(x.dtype, p.O) : nullptr;
  if (x.dtype == F32)
    conv_backward_weight<float>(p, x.ptr<float>(), dy.ptr<float>(), reinterpret_cast<float*>(dw), reinterpret_cast<float*>(db));
  else
    conv_backward_weight<double>(p, x.ptr<double>(), dy.ptr<double>(), reinterpret_cast<double*>(dw), reinterpret_cast<double*>(db));
}

namespace {

template <class T>
void fold_windows_t(const View& v, i64 planes, i64 H, i64 W, i64 s0, i64 s1, i64 d0, i64 d1, T* out) {
  const int nd = v.nd;
  const i64 OH = v.shape[nd - 4], OW = v.shape[nd - 3], KH = v.shape[nd - 2], KW = v.shape[nd - 1];
  const i64 soh = v.strides[nd - 4], sow = v.strides[nd - 3], skh = v.strides[nd - 2], skw = v.strides[nd - 1];
  const T* base = reinterpret_cast<const T*>(v.base);
  parallel_for(planes, std::max<i64>(1, (1 << 15) / std::max<i64>(1, OH * OW * KH * KW)), [&](i64 b, i64 e) {
    for (i64 l = b; l < e; l++) {
      // offset of plane l in the windows view (lead dims decomposed row-major)
      i64 off = v.offset, rest = l;
      for (int d = nd - 5; d >= 0; d--) {
        off += (rest % v.shape[d]) * v.strides[d];
        rest /= v.shape[d];
      }
      T* o = out + l * H * W;
      std::fill(o, o + H * W, T(0));
      const T* w = base + off;
      for (i64 kh = 0; kh < KH; kh++)
        for (i64 kw = 0; kw < KW; kw++)
          for (i64 oh = 0; oh < OH; oh++) {
            T* orow = o + (oh * s0 + kh * d0) * W + kw * d1;
            const T* wrow = w + oh * soh + kh * skh + kw * skw;
            for (i64 ow = 0; ow < OW; ow++) orow[ow * s1] += wrow[ow * sow];
          }
    }
  });
}

}  // namespace

void fused_fold_windows(FusedCall& c) {
  const char* op = "foldWindows2d";
  View v = c.view(op, "windows");
  const i64 H = c.integer(1, MAX_INDEX, op, "height"), W = c.integer(1, MAX_INDEX, op, "width");
  const i64 s0 = c.integer(1, 1 << 20, op, "stride"), s1 = c.integer(1, 1 << 20, op, "stride");
  const i64 d0 = c.integer(1, 1 << 20, op, "dilation"), d1 = c.integer(1, 1 << 20, op, "dilation");
  require_float(v, op, "windows");
  if (v.nd < 4) range_error(std::string(op) + ": expected windows [..., OH, OW, KH, KW], got " + fmt_shape(v.shape, v.nd));
  const int nd = v.nd;
  const i64 OH = v.shape[nd - 4], OW = v.shape[nd - 3], KH = v.shape[nd - 2], KW = v.shape[nd - 1];
  i64 planes = 1;
  for (int d = 0; d < nd - 4; d++) planes = checked_product({planes, v.shape[d]}, op);
  const i64 size = checked_product({planes, H, W}, op);
  if (OH > 0 && OW > 0 && KH > 0 && KW > 0) {
    if (KH > (1 << 20) || KW > (1 << 20) || (OH - 1) * s0 + d0 * (KH - 1) + 1 > H || (OW - 1) * s1 + d1 * (KW - 1) + 1 > W)
      range_error(std::string(op) + ": windows " + fmt_shape(v.shape, nd) + " do not fit in " + std::to_string(H) + "x" + std::to_string(W));
  }
  char* out = c.output(v.dtype, size);
  if (size == 0) return;
  if (v.numel == 0) {
    std::memset(out, 0, (size_t)(size * elem_size(v.dtype)));
    return;
  }
  if (v.dtype == F32) fold_windows_t<float>(v, planes, H, W, s0, s1, d0, d1, reinterpret_cast<float*>(out));
  else fold_windows_t<double>(v, planes, H, W, s0, s1, d0, d1, reinterpret_cast<double*>(out));
}

}  // namespace tn
