// Native memory: the table of live buffers behind JavaScript data handles, a cache of large freed
// blocks, and the parsing and validation of views that JavaScript describes in the meta buffer.
#pragma once

#include <mutex>
#include <vector>

#include "common.h"

namespace tn {

// Raw aligned memory. Blocks of at least CACHE_MIN bytes are kept after free (up to a budget) and
// handed out again for the same size: large tensors recur every training step, and fresh mmap'd
// pages would be faulted in (and zeroed by the kernel) each time.
void* mem_alloc(size_t bytes);
void mem_free(void* p, size_t bytes);
size_t mem_cached_bytes();
void mem_empty_cache();

struct Buffer {
  char* ptr = nullptr;
  i64 elems = 0;
  i64 bytes = 0;
  uint32_t gen = 0;
  int8_t dtype = 0;
  bool live = false;
};

// Data handles are doubles: gen * 2^SLOT_BITS + slot, so a stale handle (freed, slot reused)
// is detected instead of reading another tensor's memory.
constexpr int SLOT_BITS = 26;
constexpr double SLOT_SCALE = double(1 << SLOT_BITS);

class Table {
 public:
  ~Table();
  double create(int dtype, i64 elems, bool zero);  // throws on out-of-memory
  Buffer& get(double id, const char* op);            // throws on a stale or foreign handle
  Buffer* find(double id);                           // nullptr when stale
  void release(double id);                           // no-op on stale handles
  i64 live_bytes() const { return bytes_; }
  i64 live_buffers() const { return count_; }
  // Bytes allocated (positive) or freed (negative) since the last call: fed to V8's GC heuristics.
  i64 peek_external_delta() const { return delta_; }
  i64 take_external_delta() {
    i64 d = delta_;
    delta_ = 0;
    return d;
  }

 private:
  std::vector<Buffer> slots_;
  std::vector<uint32_t> free_;
  i64 bytes_ = 0;
  i64 count_ = 0;
  i64 delta_ = 0;
};

// Reads the view starting at meta[pos] ([id, dtype, ndim, offset, shape..., strides...]),
// validates every field against the buffer, and returns the position after it.
// `what` names the operand in error messages ("binary: input b ...").
int parse_view(Table& t, const double* meta, int pos, int meta_len, View& v, const char* op, const char* what);
// Reads a dtype code; throws unless it is one of the five.
int parse_dtype(double code, const char* op, const char* what);
// Reads a non-negative integer at most `max`.
i64 parse_int(double x, i64 min, i64 max, const char* op, const char* what);

}  // namespace tn
