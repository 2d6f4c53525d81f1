// torch.gather and torch.scatter_add_ along one dim. Every index is checked against the size of
// the gathered/scattered dim before it is used; the first bad one is reported.
#include "kernels.h"

namespace tn {
namespace {

[[noreturn]] TN_COLD void out_of_bounds(const char* op, i64 k, int dim, i64 size) {
  std::string valid = size > 0 ? "valid range [0, " + std::to_string(size - 1) + "]" : std::string("the dimension is empty");
  range_error(std::string(op) + ": index " + std::to_string(k) + " is out of bounds for dimension " + std::to_string(dim) +
              " with size " + std::to_string(size) + " (" + valid + ")");
}

// torch's rule: same rank, and index no larger than `shape` in every dim but `dim`.
void check_index_shape(const char* op, int nd, const i64* shape, int dim, const View& index, const char* what) {
  if (index.nd != nd)
    range_error(std::string(op) + ": index must have the same number of dimensions as " + what + " (" + std::to_string(index.nd) +
                " vs " + std::to_string(nd) + ")");
  if (nd == 0) {
    if (dim != 0) range_error(std::string(op) + ": dimension " + std::to_string(dim) + " is out of range for a 0-d " + what);
    return;
  }
  if (dim < 0 || dim >= nd)
    range_error(std::string(op) + ": dimension " + std::to_string(dim) + " is out of range for a " + std::to_string(nd) + "-d " + what);
  for (int d = 0; d < nd; d++)
    if (d != dim && index.shape[d] > shape[d])
      range_error(std::string(op) + ": index shape " + fmt_shape(index.shape, nd) + " is larger than " + what + " shape " +
                  fmt_shape(shape, nd) + " in dimension " + std::to_string(d));
}

template <class I, class T> void gather_t(const View& x, int dim, const View& index, void* out) {
  const I* ip = reinterpret_cast<const I*>(index.base);
  const T* xp = reinterpret_cast<const T*>(x.base);
  T* yp = static_cast<T*>(out);
  const i64 size = x.nd == 0 ? 1 : x.shape[dim];
  const i64 step = x.nd == 0 ? 0 : x.strides[dim];
  i64 xst[MAX_DIMS], ost[MAX_DIMS];
  for (int d = 0; d < x.nd; d++) xst[d] = d == dim ? 0 : x.strides[d];
  dense_strides(index.nd, index.shape, ost);
  const i64* st[3] = {index.strides, xst, ost};
  const i64 off[3] = {index.offset, x.offset, 0};
  Iter<3> it(index.nd, index.shape, st, off);
  it.run(0, it.numel, [&](const i64* o, const i64* s, i64 n) {
    const I* k = ip + o[0];
    const T* src = xp + o[1];
    T* dst = yp + o[2];
    for (i64 i = 0; i < n; i++) {
      const i64 j = (i64)k[i * s[0]];
      if (!(j >= 0 && j < size)) out_of_bounds("gather", j, dim, size);
      dst[i] = src[i * s[1] + j * step];
    }
  });
}

template <class I, class T> void scatter_t(T* target, int nd, const i64* tshape, int dim, const View& index, const View& src) {
  const I* ip = reinterpret_cast<const I*>(index.base);
  const T* sp = reinterpret_cast<const T*>(src.base);
  const i64 size = nd == 0 ? 1 : tshape[dim];
  i64 tst[MAX_DIMS];
  dense_strides(nd, tshape, tst);
  const i64 step = nd == 0 ? 0 : tst[dim];
  if (nd > 0) tst[dim] = 0;
  const i64* st[3] = {index.strides, src.strides, tst};
  const i64 off[3] = {index.offset, src.offset, 0};
  Iter<3> it(index.nd, index.shape, st, off);
  it.run(0, it.numel, [&](const i64* o, const i64* s, i64 n) {
    const I* k = ip + o[0];
    const T* v = sp + o[1];
    T* t = target + o[2];
    for (i64 i = 0; i < n; i++) {
      const i64 j = (i64)k[i * s[0]];
      if (!(j >= 0 && j < size)) out_of_bounds("scatterAdd", j, dim, size);
      T& dst = t[i * s[2] + j * step];
      if constexpr (std::is_same_v<T, int32_t>) dst = (int32_t)((uint32_t)dst + (uint32_t)v[i * s[1]]);
      else if constexpr (std::is_same_v<T, uint8_t>) dst = (uint8_t)(dst + v[i * s[1]]);
      else dst += v[i * s[1]];
    }
  });
}

template <class I> void gather_i(const View& x, int dim, const View& index, void* out) {
  switch (elem_size(x.dtype)) {
    case 8: return gather_t<I, uint64_t>(x, dim, index, out);
    case 4: return gather_t<I, uint32_t>(x, dim, index, out);
    default: return gather_t<I, uint8_t>(x, dim, index, out);
  }
}

template <class I> void scatter_i(char* target, int dtype, int nd, const i64* tshape, int dim, const View& index, const View& src) {
  switch (storage_kind(dtype)) {
    case F32: return scatter_t<I, float>(reinterpret_cast<float*>(target), nd, tshape, dim, index, src);
    case F64: return scatter_t<I, double>(reinterpret_cast<double*>(target), nd, tshape, dim, index, src);
    case I32: return scatter_t<I, int32_t>(reinterpret_cast<int32_t*>(target), nd, tshape, dim, index, src);
    default: return scatter_t<I, uint8_t>(reinterpret_cast<uint8_t*>(target), nd, tshape, dim, index, src);
  }
}

}  // namespace

void gather(const View& x, int dim, const View& index, void* out) {
  check_index_shape("gather", x.nd, x.shape, dim, index, "input");
  if (index.dtype != I32 && index.dtype != U8)
    type_error(std::string("gather: index must be int32 or uint8, got ") + dtype_name(index.dtype));
  if (index.numel == 0) return;
  if (index.dtype == I32) gather_i<int32_t>(x, dim, index, out);
  else gather_i<uint8_t>(x, dim, index, out);
}

void scatter_add(char* target, int dtype, int nd, const i64* tshape, int dim, const View& index, const View& src) {
  check_index_shape("scatterAdd", nd, tshape, dim, index, "target");
  if (index.dtype != I32 && index.dtype != U8)
    type_error(std::string("scatterAdd: index must be int32 or uint8, got ") + dtype_name(index.dtype));
  if (storage_kind(src.dtype) != storage_kind(dtype))
    type_error(std::string("scatterAdd: src dtype ") + dtype_name(src.dtype) + " must match target dtype " + dtype_name(dtype));
  if (src.nd != nd)
    range_error("scatterAdd: src must have the same number of dimensions as target (" + std::to_string(src.nd) + " vs " +
                std::to_string(nd) + ")");
  for (int d = 0; d < nd; d++)
    if (index.shape[d] > src.shape[d])
      range_error("scatterAdd: index shape " + fmt_shape(index.shape, nd) + " is larger than src shape " + fmt_shape(src.shape, nd) +
                  " in dimension " + std::to_string(d));
  if (index.numel == 0) return;
  if (index.dtype == I32) scatter_i<int32_t>(target, dtype, nd, tshape, dim, index, src);
  else scatter_i<uint8_t>(target, dtype, nd, tshape, dim, index, src);
}

}  // namespace tn
