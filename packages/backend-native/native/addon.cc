// The Node-API surface of the addon. JavaScript describes operands in a shared Float64Array (the
// "meta" buffer: views as [id, dtype, ndim, offset, shape..., strides...], then op arguments), so a
// kernel call passes a few numbers instead of arrays. Every field is validated here (parse_view)
// before any memory is touched, and every failure becomes a JavaScript TypeError/RangeError/Error.
#include <napi.h>

#include <vector>

#include "fused.h"
#include "gemm.h"
#include "kernels.h"
#include "storage.h"
#include "threadpool.h"

namespace tn {

// The meta buffer: operands from 0, the queue of freed ids (count, then ids) at FREE_QUEUE.
constexpr int META_LEN = 3968;
constexpr int FREE_QUEUE = META_LEN;
constexpr int FREE_QUEUE_LEN = 127;
constexpr int META_TOTAL = FREE_QUEUE + 1 + FREE_QUEUE_LEN;

class Addon : public Napi::Addon<Addon> {
 public:
  Addon(Napi::Env env, Napi::Object exports) {
    DefineAddon(exports, {
                              InstanceMethod("initMeta", &Addon::InitMeta),
                              InstanceMethod("alloc", &Addon::Alloc),
                              InstanceMethod("upload", &Addon::Upload),
                              InstanceMethod("read", &Addon::Read),
                              InstanceMethod("free", &Addon::Free),
                              InstanceMethod("memory", &Addon::Memory),
                              InstanceMethod("unary", &Addon::Unary),
                              InstanceMethod("binary", &Addon::Binary),
                              InstanceMethod("where", &Addon::Where),
                              InstanceMethod("cast", &Addon::Cast),
                              InstanceMethod("copy", &Addon::Copy),
                              InstanceMethod("reduce", &Addon::Reduce),
                              InstanceMethod("matmul", &Addon::Matmul),
                              InstanceMethod("gather", &Addon::Gather),
                              InstanceMethod("scatterAdd", &Addon::ScatterAdd),
                              InstanceMethod("fused", &Addon::Fused),
                              InstanceMethod("setNumThreads", &Addon::SetNumThreads),
                              InstanceMethod("getNumThreads", &Addon::GetNumThreads),
                              InstanceMethod("emptyCache", &Addon::EmptyCache),
                          });
  }

 private:
  Table table_;
  double* meta_ = nullptr;
  Napi::Reference<Napi::Float64Array> meta_ref_;

  // ---- helpers ----

  template <class F> Napi::Value guard(const Napi::CallbackInfo& info, F&& f) {
    Napi::Env env = info.Env();
    try {
      drain_frees();
      Napi::Value v = f(env);
      flush_external(env);
      return v;
    } catch (const Napi::Error&) {
      throw;
    } catch (const KernelError& e) {
      flush_external(env);
      if (e.kind == KernelError::Type) throw Napi::TypeError::New(env, e.what());
      if (e.kind == KernelError::Range) throw Napi::RangeError::New(env, e.what());
      throw Napi::Error::New(env, e.what());
    } catch (const std::bad_alloc&) {
      flush_external(env);
      throw Napi::RangeError::New(env, "native: out of memory");
    } catch (const std::exception& e) {
      flush_external(env);
      throw Napi::Error::New(env, std::string("native: ") + e.what());
    }
  }

  // Tells V8 about native memory so that the garbage collector (and with it the finalizer safety
  // net) runs when lots of it is held by unreachable tensors.
  void flush_external(Napi::Env env) {
    i64 d = table_.peek_external_delta();
    if (d >= (1 << 20) || d <= -(1 << 20)) {
      table_.take_external_delta();
      int64_t ignored;
      napi_adjust_external_memory(env, d, &ignored);
    }
  }

  // Buffers JavaScript freed since the last call: free() only queues ids at the end of the meta
  // buffer (saving a call per disposed tensor); they are released before the next call runs.
  void drain_frees() {
    if (!meta_) return;
    double* q = meta_ + FREE_QUEUE;
    const double n = q[0];
    if (n == 0) return;
    const int count = n > 0 && n <= FREE_QUEUE_LEN ? (int)n : 0;
    q[0] = 0;
    for (int i = 0; i < count; i++) table_.release(q[1 + i]);
  }

  const double* meta() {
    if (!meta_) generic_error("native: the addon was not initialised (init(meta) must be called first)");
    return meta_;
  }

  static double num(const Napi::CallbackInfo& info, size_t i) {
    if (i >= info.Length() || !info[i].IsNumber()) type_error("native: argument " + std::to_string(i) + " must be a number");
    return info[i].As<Napi::Number>().DoubleValue();
  }

  static int code(const Napi::CallbackInfo& info, size_t i, int count, const char* op, const char* what) {
    double x = num(info, i);
    if (!(x >= 0 && x < count) || (double)(int)x != x) type_error(std::string(op) + ": unknown " + what);
    return (int)x;
  }

  // Allocates an output, runs `fill` on it and returns its id; frees it again if `fill` throws.
  template <class F> double produce(int dtype, i64 elems, F&& fill) {
    double id = table_.create(dtype, elems, false);
    try {
      fill(table_.get(id, "native").ptr);
    } catch (...) {
      table_.release(id);
      throw;
    }
    return id;
  }

  static void same_shape(const View& a, const View& b, const char* op, const char* what) {
    bool same = a.nd == b.nd;
    for (int d = 0; same && d < a.nd; d++) same = a.shape[d] == b.shape[d];
    if (!same) range_error(std::string(op) + ": " + what + " shape " + fmt_shape(b.shape, b.nd) + " differs from " + fmt_shape(a.shape, a.nd));
  }

  // ---- storage ----

  Napi::Value InitMeta(const Napi::CallbackInfo& info) {
    return guard(info, [&](Napi::Env env) -> Napi::Value {
      if (info.Length() < 1 || !info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
        type_error("init: expected a Float64Array");
      if (meta_) generic_error("init: the addon is already initialised in this thread");
      Napi::Float64Array m = info[0].As<Napi::Float64Array>();
      if (m.ElementLength() != (size_t)META_TOTAL) range_error("init: the meta buffer must hold " + std::to_string(META_TOTAL) + " numbers");
      meta_ref_ = Napi::Persistent(m);
      meta_ = m.Data();
      meta_[FREE_QUEUE] = 0;
      Napi::Object o = Napi::Object::New(env);
      o.Set("metaLength", META_LEN);
      o.Set("freeQueue", FREE_QUEUE);
      o.Set("freeQueueLength", FREE_QUEUE_LEN);
      o.Set("maxDims", MAX_DIMS);
      o.Set("simd", use_avx2() ? "avx2-fma" : "portable");
      o.Set("gemmKernel", sgemm_kernel_name());
      o.Set("threads", num_threads());
      o.Set("hardwareThreads", hardware_threads());
      return o;
    });
  }

  Napi::Value Alloc(const Napi::CallbackInfo& info) {
    return guard(info, [&](Napi::Env env) -> Napi::Value {
      int dt = parse_dtype(num(info, 0), "allocate", "the buffer");
      i64 n = parse_int(num(info, 1), 0, MAX_INDEX, "allocate", "size");
      bool zero = info.Length() > 2 && info[2].ToBoolean().Value();
      return Napi::Number::New(env, table_.create(dt, n, zero));
    });
  }

  Napi::Value Upload(const Napi::CallbackInfo& info) {
    return guard(info, [&](Napi::Env env) -> Napi::Value {
      if (info.Length() < 1 || !info[0].IsTypedArray()) type_error("upload: values must be a typed array");
      napi_typedarray_type type;
      size_t length = 0;
      void* data = nullptr;
      napi_value ab;
      size_t byte_offset;
      if (napi_get_typedarray_info(env, info[0], &type, &length, &data, &ab, &byte_offset) != napi_ok)
        type_error("upload: values must be a typed array");
      int src;
      switch (type) {
        case napi_float32_array: src = F32; break;
        case napi_float64_array: src = F64; break;
        case napi_int32_array: src = I32; break;
        case napi_uint8_array:
        case napi_uint8_clamped_array: src = U8; break;
        default: type_error("upload: values must be a Float32Array, Float64Array, Int32Array or Uint8Array");
      }
      int dt = parse_dtype(num(info, 1), "upload", "the buffer");
      if (length > (size_t)MAX_INDEX) range_error("upload: too many values");
      const i64 n = (i64)length;
      double id = produce(dt, n, [&](char* out) {
        if (n == 0) return;
        View s, d;
        s.base = static_cast<char*>(data);
        s.dtype = src;
        d.base = out;
        d.dtype = dt;
        s.nd = d.nd = 1;
        s.shape[0] = d.shape[0] = n;
        s.strides[0] = d.strides[0] = 1;
        s.offset = d.offset = 0;
        s.numel = d.numel = n;
        convert(s, d);
      });
      return Napi::Number::New(env, id);
    });
  }

  Napi::Value Read(const Napi::CallbackInfo& info) {
    return guard(info, [&](Napi::Env env) -> Napi::Value {
      Buffer& b = table_.get(num(info, 0), "read");
      int dt = parse_dtype(num(info, 1), "read", "the result");
      if (storage_kind(dt) != storage_kind(b.dtype))
        type_error(std::string("read: the data holds ") + dtype_name(b.dtype) + ", not " + dtype_name(dt));
      double sz = num(info, 2);
      if (!(sz >= 0 && sz <= (double)b.elems) || sz != std::floor(sz))
        range_error("read: cannot read " + std::to_string(sz) + " elements from a buffer of " + std::to_string(b.elems));
      const i64 n = (i64)sz;
      const size_t bytes = (size_t)(n * elem_size(dt));
      Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(env, bytes);
      if (bytes) std::memcpy(ab.Data(), b.ptr, bytes);
      switch (storage_kind(dt)) {
        case F32: return Napi::Float32Array::New(env, (size_t)n, ab, 0);
        case F64: return Napi::Float64Array::New(env, (size_t)n, ab, 0);
        case I32: return Napi::Int32Array::New(env, (size_t)n, ab, 0);
        default: return Napi::Uint8Array::New(env, (size_t)n, ab, 0);
      }
    });
  }

  Napi::Value Free(const Napi::CallbackInfo& info) {
    return guard(info, [&](Napi::Env env) -> Napi::Value {
      if (info.Length() > 0 && info[0].IsNumber()) table_.release(info[0].As<Napi::Number>().DoubleValue());
      return env.Undefined();
    });
  }

  Napi::Value Memory(const Napi::CallbackInfo& info) {
    return guard(info, [&](Napi::Env env) -> Napi::Value {
      Napi::Array a = Napi::Array::New(env, 3);
      a.Set(0u, Napi::Number::New(env, (double)table_.live_bytes()));
      a.Set(1u, Napi::Number::New(env, (double)table_.live_buffers()));
      a.Set(2u, Napi::Number::New(env, (double)mem_cached_bytes()));
      return a;
    });
  }

  // ---- primitive kernels ----

  Napi::Value Unary(const Napi::CallbackInfo& info) {
    return guard(info, [&](Napi::Env env) -> Napi::Value {
      const int op = code(info, 0, U_COUNT, "unary", "op");
      const int odt = parse_dtype(num(info, 1), "unary", "the result");
      View x;
      parse_view(table_, meta(), 0, META_LEN, x, "unary", "input");
      return Napi::Number::New(env, produce(odt, x.numel, [&](char* out) { unary(op, x, odt, out); }));
    });
  }

  Napi::Value Binary(const Napi::CallbackInfo& info) {
    return guard(info, [&](Napi::Env env) -> Napi::Value {
      const int op = code(info, 0, B_COUNT, "binary", "op");
      const int odt = parse_dtype(num(info, 1), "binary", "the result");
      View a, b;
      int pos = parse_view(table_, meta(), 0, META_LEN, a, "binary", "input a");
      parse_view(table_, meta(), pos, META_LEN, b, "binary", "input b");
      same_shape(a, b, "binary", "input b");
      if (a.dtype != b.dtype)
        type_error(std::string("binary: operand dtypes differ (") + dtype_name(a.dtype) + " and " + dtype_name(b.dtype) + ")");
      return Napi::Number::New(env, produce(odt, a.numel, [&](char* out) { binary(op, a, b, odt, out); }));
    });
  }

  Napi::Value Where(const Napi::CallbackInfo& info) {
    return guard(info, [&](Napi::Env env) -> Napi::Value {
      const int odt = parse_dtype(num(info, 0), "where", "the result");
      View c, a, b;
      int pos = parse_view(table_, meta(), 0, META_LEN, c, "where", "condition");
      pos = parse_view(table_, meta(), pos, META_LEN, a, "where", "input a");
      parse_view(table_, meta(), pos, META_LEN, b, "where", "input b");
      same_shape(c, a, "where", "input a");
      same_shape(c, b, "where", "input b");
      if (a.dtype != b.dtype)
        type_error(std::string("where: operand dtypes differ (") + dtype_name(a.dtype) + " and " + dtype_name(b.dtype) + ")");
      return Napi::Number::New(env, produce(odt, c.numel, [&](char* out) { where(c, a, b, odt, out); }));
    });
  }

  Napi::Value Cast(const Napi::CallbackInfo& info) {
    return guard(info, [&](Napi::Env env) -> Napi::Value {
      const int odt = parse_dtype(num(info, 0), "cast", "the result");
      View x;
      parse_view(table_, meta(), 0, META_LEN, x, "cast", "input");
      return Napi::Number::New(env, produce(odt, x.numel, [&](char* out) {
                                 View d;
                                 d.base = out;
                                 d.dtype = odt;
                                 d.nd = x.nd;
                                 d.offset = 0;
                                 d.numel = x.numel;
                                 for (int i = 0; i < x.nd; i++) d.shape[i] = x.shape[i];
                                 dense_strides(x.nd, x.shape, d.strides);
                                 convert(x, d);
                               }));
    });
  }

  Napi::Value Copy(const Napi::CallbackInfo& info) {
    return guard(info, [&](Napi::Env env) -> Napi::Value {
      View s, d;
      int pos = parse_view(table_, meta(), 0, META_LEN, s, "copy", "source");
      parse_view(table_, meta(), pos, META_LEN, d, "copy", "destination");
      same_shape(s, d, "copy", "destination");
      convert(s, d);
      return env.Undefined();
    });
  }

  Napi::Value Reduce(const Napi::CallbackInfo& info) {
    return guard(info, [&](Napi::Env env) -> Napi::Value {
      const int op = code(info, 0, R_COUNT, "reduce", "op");
      const int odt = parse_dtype(num(info, 1), "reduce", "the result");
      View x;
      const double* m = meta();
      int pos = parse_view(table_, m, 0, META_LEN, x, "reduce", "input");
      const int na = (int)parse_int(m[pos], 0, x.nd, "reduce", "number of axes");
      bool reduced[MAX_DIMS] = {false};
      int prev = -1;
      for (int i = 0; i < na; i++) {
        const int ax = (int)parse_int(m[pos + 1 + i], 0, x.nd - 1, "reduce", "axis");
        if (ax <= prev) range_error("reduce: axes must be sorted and unique");
        prev = ax;
        reduced[ax] = true;
      }
      i64 size = 1;
      for (int d = 0; d < x.nd; d++)
        if (!reduced[d]) size *= x.shape[d];
      return Napi::Number::New(env, produce(odt, size, [&](char* out) { reduce(op, x, reduced, odt, out); }));
    });
  }

  Napi::Value Matmul(const Napi::CallbackInfo& info) {
    return guard(info, [&](Napi::Env env) -> Napi::Value {
      const int odt = parse_dtype(num(info, 0), "matmul", "the result");
      View a, b;
      int pos = parse_view(table_, meta(), 0, META_LEN, a, "matmul", "input a");
      parse_view(table_, meta(), pos, META_LEN, b, "matmul", "input b");
      if (a.nd != 3 || b.nd != 3)
        range_error("matmul: expected 3-d views [B,M,K] and [B,K,N], got " + fmt_shape(a.shape, a.nd) + " and " + fmt_shape(b.shape, b.nd));
      if (odt != a.dtype)
        type_error(std::string("matmul: the result dtype ") + dtype_name(odt) + " must match the inputs' " + dtype_name(a.dtype));
      i64 size;
      if (!mul_ok(std::max(a.shape[0], b.shape[0]), a.shape[1], &size) || !mul_ok(size, b.shape[2], &size))
        range_error("matmul: the result is too large");
      return Napi::Number::New(env, produce(odt, size, [&](char* out) { matmul(a, b, out); }));
    });
  }

  Napi::Value Gather(const Napi::CallbackInfo& info) {
    return guard(info, [&](Napi::Env env) -> Napi::Value {
      const int dim = (int)parse_int(num(info, 0), 0, MAX_DIMS, "gather", "dim");
      View x, idx;
      int pos = parse_view(table_, meta(), 0, META_LEN, x, "gather", "input");
      parse_view(table_, meta(), pos, META_LEN, idx, "gather", "index");
      return Napi::Number::New(env, produce(x.dtype, idx.numel, [&](char* out) { gather(x, dim, idx, out); }));
    });
  }

  Napi::Value ScatterAdd(const Napi::CallbackInfo& info) {
    return guard(info, [&](Napi::Env env) -> Napi::Value {
      Buffer& t = table_.get(num(info, 0), "scatterAdd");
      const int dim = (int)parse_int(num(info, 1), 0, MAX_DIMS, "scatterAdd", "dim");
      const double* m = meta();
      const int nd = (int)parse_int(m[0], 0, MAX_DIMS, "scatterAdd", "target ndim");
      i64 shape[MAX_DIMS];
      i64 numel = 1;
      for (int d = 0; d < nd; d++) {
        shape[d] = parse_int(m[1 + d], 0, MAX_INDEX, "scatterAdd", "target shape");
        if (!mul_ok(numel, shape[d], &numel)) range_error("scatterAdd: target shape is too large");
      }
      if (numel > t.elems)
        range_error("scatterAdd: target shape " + fmt_shape(shape, nd) + " needs " + std::to_string(numel) + " elements, its buffer holds " +
                    std::to_string(t.elems));
      View idx, src;
      int pos = parse_view(table_, m, 1 + nd, META_LEN, idx, "scatterAdd", "index");
      parse_view(table_, m, pos, META_LEN, src, "scatterAdd", "src");
      scatter_add(t.ptr, t.dtype, nd, shape, dim, idx, src);
      return env.Undefined();
    });
  }

  // Fused kernels: fused(kernelCode, ...numbers) with operands in the meta buffer (see fused.h).
  Napi::Value Fused(const Napi::CallbackInfo& info) {
    return guard(info, [&](Napi::Env env) -> Napi::Value {
      const int k = code(info, 0, FUSED_COUNT, "fused", "kernel");
      FusedCall call{table_, meta(), META_LEN};
      std::vector<double> ids = run_fused(k, call);
      if (ids.size() == 1) return Napi::Number::New(env, ids[0]);
      Napi::Array a = Napi::Array::New(env, ids.size());
      for (size_t i = 0; i < ids.size(); i++) a.Set((uint32_t)i, Napi::Number::New(env, ids[i]));
      return a;
    });
  }

  Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
    return guard(info, [&](Napi::Env env) -> Napi::Value {
      set_num_threads((int)parse_int(num(info, 0), 1, 256, "setNumThreads", "n"));
      return Napi::Number::New(env, num_threads());
    });
  }

  Napi::Value GetNumThreads(const Napi::CallbackInfo& info) {
    return guard(info, [&](Napi::Env env) -> Napi::Value { return Napi::Number::New(env, num_threads()); });
  }

  Napi::Value EmptyCache(const Napi::CallbackInfo& info) {
    return guard(info, [&](Napi::Env env) -> Napi::Value {
      mem_empty_cache();
      return env.Undefined();
    });
  }
};

}  // namespace tn

using TesseraNativeAddon = tn::Addon;
NODE_API_ADDON(TesseraNativeAddon)
