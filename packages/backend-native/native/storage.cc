#include "storage.h"

#include <cstdlib>
#include <map>
#include <new>

namespace tn {

// ---- raw memory ----

namespace {
constexpr size_t ALIGN = 64;
constexpr size_t CACHE_MIN = 64 << 10;     // smaller blocks go straight to malloc
constexpr size_t CACHE_BUDGET = 256 << 20;  // bytes of freed blocks kept for reuse

std::mutex cache_mutex;
std::multimap<size_t, void*>* cache = new std::multimap<size_t, void*>();  // leaked on purpose
size_t cached = 0;

size_t rounded(size_t bytes) {
  if (bytes < 64) return 64;
  if (bytes < CACHE_MIN) return (bytes + ALIGN - 1) & ~(ALIGN - 1);
  return (bytes + 4095) & ~size_t(4095);
}

void* raw_alloc(size_t bytes) {
#if defined(_WIN32)
  return _aligned_malloc(bytes, ALIGN);
#else
  void* p = nullptr;
  if (posix_memalign(&p, ALIGN, bytes) != 0) return nullptr;
  return p;
#endif
}

void raw_free(void* p, size_t n) {
#if defined(_WIN32)
  if (n < CACHE_MIN) std::free(p);
  else _aligned_free(p);
#else
  (void)n;
  std::free(p);
#endif
}
}  // namespace

void* mem_alloc(size_t bytes) {
  size_t n = rounded(bytes);
  if (n >= CACHE_MIN) {
    std::lock_guard<std::mutex> lock(cache_mutex);
    auto it = cache->find(n);
    if (it != cache->end()) {
      void* p = it->second;
      cache->erase(it);
      cached -= n;
      return p;
    }
  }
  // Small blocks: plain malloc (16-byte aligned, and much faster than an aligned allocation).
  void* p = n < CACHE_MIN ? std::malloc(n) : raw_alloc(n);
  if (!p && n >= CACHE_MIN) {
    mem_empty_cache();
    p = raw_alloc(n);
  }
  return p;
}

void mem_free(void* p, size_t bytes) {
  if (!p) return;
  size_t n = rounded(bytes);
  if (n >= CACHE_MIN && n <= CACHE_BUDGET / 4) {
    std::lock_guard<std::mutex> lock(cache_mutex);
    if (cached + n <= CACHE_BUDGET) {
      cache->emplace(n, p);
      cached += n;
      return;
    }
  }
  raw_free(p, n);
}

size_t mem_cached_bytes() {
  std::lock_guard<std::mutex> lock(cache_mutex);
  return cached;
}

void mem_empty_cache() {
  std::lock_guard<std::mutex> lock(cache_mutex);
  for (auto& kv : *cache) raw_free(kv.second, kv.first);
  cache->clear();
  cached = 0;
}

// ---- the buffer table ----

Table::~Table() {
  for (auto& b : slots_)
    if (b.live) mem_free(b.ptr, (size_t)b.bytes);
}

double Table::create(int dtype, i64 elems, bool zero) {
  if (elems < 0 || elems > MAX_INDEX) range_error("allocate: invalid size " + std::to_string(elems));
  i64 bytes = elems * elem_size(dtype);
  if (bytes / elem_size(dtype) != elems || bytes > (i64(1) << 48)) range_error("allocate: " + std::to_string(elems) + " elements is too large");
  char* p = static_cast<char*>(mem_alloc((size_t)bytes));
  if (!p) range_error("native: out of memory allocating " + std::to_string(bytes) + " bytes");
  if (zero && bytes > 0) std::memset(p, 0, (size_t)bytes);
  uint32_t slot;
  if (!free_.empty()) {
    slot = free_.back();
    free_.pop_back();
  } else {
    if (slots_.size() >= (size_t(1) << SLOT_BITS)) {
      mem_free(p, (size_t)bytes);
      range_error("native: too many live buffers");
    }
    slot = (uint32_t)slots_.size();
    slots_.emplace_back();
  }
  Buffer& b = slots_[slot];
  b.ptr = p;
  b.elems = elems;
  b.bytes = bytes;
  b.dtype = (int8_t)dtype;
  b.live = true;
  b.gen = (b.gen + 1) & ((1u << 26) - 1);
  bytes_ += bytes;
  count_++;
  delta_ += bytes;
  return (double)b.gen * SLOT_SCALE + (double)slot;
}

Buffer* Table::find(double id) {
  if (!(id >= 0 && id < 9007199254740992.0)) return nullptr;
  const uint64_t u = (uint64_t)id;
  if ((double)u != id) return nullptr;
  const size_t slot = (size_t)(u & ((uint64_t(1) << SLOT_BITS) - 1));
  if (slot >= slots_.size()) return nullptr;
  Buffer& b = slots_[slot];
  if (!b.live || b.gen != (uint32_t)(u >> SLOT_BITS)) return nullptr;
  return &b;
}

Buffer& Table::get(double id, const char* op) {
  Buffer* b = find(id);
  if (!b) {
    if (std::isnan(id)) type_error(std::string(op) + ": data handle does not belong to the native backend");
    generic_error(std::string(op) + ": data handle is not live (it was freed, or belongs to another backend)");
  }
  return *b;
}

void Table::release(double id) {
  Buffer* b = find(id);
  if (!b) return;
  mem_free(b->ptr, (size_t)b->bytes);
  bytes_ -= b->bytes;
  count_--;
  delta_ -= b->bytes;
  b->ptr = nullptr;
  b->live = false;
  b->elems = b->bytes = 0;
  size_t slot = (size_t)(b - slots_.data());
  free_.push_back((uint32_t)slot);
}

// ---- views ----

i64 parse_int(double x, i64 min, i64 max, const char* op, const char* what) {
  if (!(x >= (double)min && x <= (double)max) || (double)(i64)x != x) {
    std::string v = std::isnan(x) ? "NaN (not a number)" : std::to_string(x);
    range_error(std::string(op) + ": " + what + " must be an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "], got " + v);
  }
  return (i64)x;
}

int parse_dtype(double code, const char* op, const char* what) {
  if (!(code >= 0 && code < NUM_DTYPES) || (double)(int)code != code)
    type_error(std::string(op) + ": unknown dtype for " + what);
  return (int)code;
}

namespace {
inline bool int_in(double x, i64 min, i64 max) { return x >= (double)min && x <= (double)max && (double)(i64)x == x; }

[[noreturn]] TN_COLD void bad_field(const char* op, const char* what, const char* field, int d, double x, i64 min, i64 max) {
  std::string name = std::string(what) + " " + field + (d >= 0 ? "[" + std::to_string(d) + "]" : std::string());
  parse_int(x, min, max, op, name.c_str());
  range_error(std::string(op) + ": invalid " + name);
}
}  // namespace

int parse_view(Table& t, const double* meta, int pos, int meta_len, View& v, const char* op, const char* what) {
  if (pos + 4 > meta_len) range_error(std::string(op) + ": too many arguments for the argument buffer");
  Buffer& b = t.get(meta[pos], op);
  v.dtype = parse_dtype(meta[pos + 1], op, what);
  if (storage_kind(v.dtype) != storage_kind(b.dtype))
    type_error(std::string(op) + ": " + what + " is described as " + dtype_name(v.dtype) + " but its data holds " + dtype_name(b.dtype));
  if (!int_in(meta[pos + 2], 0, MAX_DIMS)) bad_field(op, what, "ndim", -1, meta[pos + 2], 0, MAX_DIMS);
  v.nd = (int)meta[pos + 2];
  if (!int_in(meta[pos + 3], 0, MAX_INDEX)) bad_field(op, what, "offset", -1, meta[pos + 3], 0, MAX_INDEX);
  v.offset = (i64)meta[pos + 3];
  pos += 4;
  if (pos + 2 * v.nd > meta_len) range_error(std::string(op) + ": too many dimensions for the argument buffer");
  bool empty = false;
  for (int d = 0; d < v.nd; d++) {
    double s = meta[pos + d], st = meta[pos + v.nd + d];
    if (!int_in(s, 0, MAX_INDEX)) bad_field(op, what, "shape", d, s, 0, MAX_INDEX);
    if (!int_in(st, -MAX_INDEX, MAX_INDEX)) bad_field(op, what, "strides", d, st, -MAX_INDEX, MAX_INDEX);
    v.shape[d] = (i64)s;
    v.strides[d] = (i64)st;
    if (v.shape[d] == 0) empty = true;
  }
  pos += 2 * v.nd;
  v.base = b.ptr;
  // Even an empty view must have a representable size without its zero dims (kernels multiply
  // its other dims together).
  i64 count = 1;
  for (int d = 0; d < v.nd; d++)
    if (v.shape[d] != 0 && !mul_ok(count, v.shape[d], &count))
      range_error(std::string(op) + ": " + what + " shape " + fmt_shape(v.shape, v.nd) + " has too many elements");
  if (empty) {
    v.numel = 0;
    return pos;
  }
  v.numel = count;
  // The lowest and highest element the view reaches must lie inside the buffer.
  i64 lo = v.offset, hi = v.offset;
  for (int d = 0; d < v.nd; d++) {
    i64 span;
    if (!mul_ok(v.shape[d] - 1, v.strides[d], &span) || lo + span < -MAX_INDEX || hi + span > MAX_INDEX)
      range_error(std::string(op) + ": " + what + " strides " + fmt_shape(v.strides, v.nd) + " are out of range");
    if (span < 0) lo += span;
    else hi += span;
  }
  if (lo < 0 || hi >= b.elems)
    range_error(std::string(op) + ": " + what + " (shape " + fmt_shape(v.shape, v.nd) + ", strides " + fmt_shape(v.strides, v.nd) +
                ", offset " + std::to_string(v.offset) + ") reaches elements [" + std::to_string(lo) + ", " + std::to_string(hi) +
                "] outside its buffer of " + std::to_string(b.elems) + " elements");
  return pos;
}

}  // namespace tn
