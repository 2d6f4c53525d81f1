// Fused kernels: the fast paths training spends its time in (conv2d and its gradients, pooling,
// softmax, cross-entropy, bias + activation, optimizer steps). JavaScript calls
// fused(code, ...) with the operands and parameters in the meta buffer, read in order through
// FusedCall; outputs are created through FusedCall::output and freed again if the kernel throws.
#pragma once

#include <vector>

#include "common.h"
#include "storage.h"

namespace tn {

// Kernel codes, in the order of FUSED in src/fused.ts.
enum FusedKernel {
  F_SOFTMAX,           // x, dim, log -> y
  F_SOFTMAX_BACKWARD,  // y, dy, dim, log -> dx
  F_CROSS_ENTROPY,     // logits [N, C], target [N], reduction, ignoreIndex, labelSmoothing -> loss, dlogits
  F_BIAS_ACT,          // x [R, C], bias [C] or none, act, (approximate) -> y
  F_ACT_BACKWARD,      // x, dy, act -> dx
  F_LINEAR,            // x [M, K], w [N, K], bias or none, act -> y [M, N]
  F_CONV2D,            // x, w, bias or none, params -> y
  F_CONV2D_BACKWARD_INPUT,   // dy, w, input shape, params -> dx
  F_CONV2D_BACKWARD_WEIGHT,  // x, dy, weight shape, params, withBias -> dw (, db)
  F_MAXPOOL2D,               // x, params -> y, indices
  F_MAXPOOL2D_BACKWARD,      // dy, indices, input shape -> dx
  F_AVGPOOL2D,               // x, params -> y
  F_AVGPOOL2D_BACKWARD,      // dy, input shape, params -> dx
  F_ADAM,                    // param, grad, m, v, (vmax), hyper-parameters (in place)
  F_SGD,                     // param, grad, (buf), hyper-parameters (in place)
  F_FOLD_WINDOWS,            // windows [..., OH, OW, KH, KW], size, stride, dilation -> [..., H, W] (col2im)
  FUSED_COUNT
};

// Activations of F_BIAS_ACT / F_LINEAR / F_ACT_BACKWARD.
enum Act { ACT_NONE, ACT_RELU, ACT_GELU, ACT_GELU_TANH, ACT_SIGMOID, ACT_TANH, ACT_SILU, ACT_COUNT };

struct FusedCall {
  Table& table;
  const double* meta;
  int len;
  int pos = 0;
  std::vector<double> outs;

  FusedCall(Table& t, const double* m, int l) : table(t), meta(m), len(l) {}

  View view(const char* op, const char* what) {
    View v;
    pos = parse_view(table, meta, pos, len, v, op, what);
    return v;
  }
  // An optional operand: a leading 0 means absent, 1 means a view follows.
  bool has(const char* op) { return integer(0, 1, op, "operand flag") == 1; }
  double number(const char* op) {
    if (pos >= len) range_error(std::string(op) + ": too many arguments");
    return meta[pos++];
  }
  i64 integer(i64 min, i64 max, const char* op, const char* what) { return parse_int(number(op), min, max, op, what); }
  double real(const char* op, const char* what) {
    double x = number(op);
    if (std::isnan(x)) range_error(std::string(op) + ": " + what + " must be a number, got NaN");
    return x;
  }
  char* output(int dtype, i64 elems) {
    double id = table.create(dtype, elems, false);
    outs.push_back(id);
    return table.get(id, "fused").ptr;
  }
};

// Runs kernel `code`; returns the ids of the outputs it created.
std::vector<double> run_fused(int code, FusedCall& call);

// Helpers for fused kernels.
bool is_contiguous(const View& v);
void require_contiguous(const View& v, const char* op, const char* what);
void require_float(const View& v, const char* op, const char* what);

// Kernels (nn.cc, conv.cc, pool.cc, optim.cc).
void fused_softmax(FusedCall& c);
void fused_softmax_backward(FusedCall& c);
void fused_cross_entropy(FusedCall& c);
void fused_bias_act(FusedCall& c);
void fused_act_backward(FusedCall& c);
void fused_linear(FusedCall& c);
void fused_conv2d(FusedCall& c);
void fused_conv2d_backward_input(FusedCall& c);
void fused_conv2d_backward_weight(FusedCall& c);
void fused_maxpool2d(FusedCall& c);
void fused_maxpool2d_backward(FusedCall& c);
void fused_avgpool2d(FusedCall& c);
void fused_avgpool2d_backward(FusedCall& c);
void fused_adam(FusedCall& c);
void fused_sgd(FusedCall& c);
void fused_fold_windows(FusedCall& c);

}  // namespace tn
