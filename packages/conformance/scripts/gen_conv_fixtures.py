"""Generates src/fixtures/conv.ts: PyTorch (1.13, float32) results for convolution and pooling.

Run from packages/conformance:  /usr/bin/python3 scripts/gen_conv_fixtures.py
Inputs are seeded; each case stores its inputs, options and expected output.
"""
import json

import torch

torch.manual_seed(0)
torch.set_num_threads(1)
F = torch.nn.functional


def t(shape):
    return (torch.rand(shape) * 2 - 1).round(decimals=3)


def flat(x):
    return [round(float(v), 6) for v in x.reshape(-1).tolist()]


cases = []


def case(name, op, inputs, options, out):
    cases.append({
        "name": name,
        "op": op,
        "inputs": [{"shape": list(x.shape), "data": flat(x)} if x is not None else None for x in inputs],
        "options": options,
        "expected": {"shape": list(out.shape), "data": flat(out)},
    })


x, w, b = t([2, 3, 6, 5]), t([4, 3, 3, 3]), t([4])
case("conv2d padding 1 + bias", "conv2d", [x, w, b], {"padding": 1}, F.conv2d(x, w, b, padding=1))
x, w = t([1, 4, 9, 8]), t([6, 2, 3, 2])
case("conv2d stride 2, dilation 2, groups 2", "conv2d", [x, w, None], {"stride": 2, "dilation": 2, "groups": 2},
     F.conv2d(x, w, None, stride=2, dilation=2, groups=2))
x, w = t([2, 2, 5, 6]), t([3, 2, 4, 2])
case("conv2d same padding with an even kernel", "conv2d", [x, w, None], {"padding": "same"}, F.conv2d(x, w, None, padding="same"))
x3, w3 = t([2, 2, 7]), t([4, 2, 3])
case("conv1d stride 2 padding 1", "conv1d", [x3, w3, None], {"stride": 2, "padding": 1}, F.conv1d(x3, w3, None, stride=2, padding=1))
xu, wu = t([3, 5, 5]), t([2, 3, 2, 2])
case("conv2d unbatched", "conv2d", [xu, wu, None], {"stride": [2, 1]}, F.conv2d(xu.unsqueeze(0), wu, None, stride=(2, 1)).squeeze(0))
x, w, b = t([1, 4, 3, 4]), t([4, 3, 3, 2]), t([6])
case("convTranspose2d stride 2, padding 1, outputPadding 1, groups 2", "convTranspose2d", [x, w, b],
     {"stride": 2, "padding": 1, "outputPadding": 1, "groups": 2},
     F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1, groups=2))
x, w = t([2, 3, 4, 4]), t([3, 2, 2, 2])
case("convTranspose2d dilation 2", "convTranspose2d", [x, w, None], {"dilation": 2}, F.conv_transpose2d(x, w, None, dilation=2))
x = t([2, 3, 7, 6])
case("maxPool2d 3x3 stride 2 padding 1 ceilMode", "maxPool2d", [x], {"kernelSize": 3, "stride": 2, "padding": 1, "ceilMode": True},
     F.max_pool2d(x, 3, stride=2, padding=1, ceil_mode=True))
case("maxPool2d 2x2 dilation 2", "maxPool2d", [x], {"kernelSize": 2, "dilation": 2}, F.max_pool2d(x, 2, dilation=2))
case("avgPool2d 3x2 padding 1 countIncludePad false", "avgPool2d", [x], {"kernelSize": [3, 2], "padding": 1, "countIncludePad": False},
     F.avg_pool2d(x, (3, 2), padding=1, count_include_pad=False))
case("avgPool2d 3 stride 2 padding 1 ceilMode", "avgPool2d", [x], {"kernelSize": 3, "stride": 2, "padding": 1, "ceilMode": True},
     F.avg_pool2d(x, 3, stride=2, padding=1, ceil_mode=True))
case("avgPool2d divisorOverride", "avgPool2d", [x], {"kernelSize": 2, "divisorOverride": 3}, F.avg_pool2d(x, 2, divisor_override=3))
case("adaptiveAvgPool2d 7x6 -> 3x4", "adaptiveAvgPool2d", [x], {"outputSize": [3, 4]}, F.adaptive_avg_pool2d(x, (3, 4)))
x1 = t([2, 3, 9])
case("maxPool1d 3 stride 2", "maxPool1d", [x1], {"kernelSize": 3, "stride": 2}, F.max_pool1d(x1, 3, stride=2))
case("avgPool1d 4 padding 2", "avgPool1d", [x1], {"kernelSize": 4, "padding": 2}, F.avg_pool1d(x1, 4, padding=2))

# Unbatched inputs, 1-D variants, -inf padding of max pooling, and adaptive bins that overlap.
x3, w3, b3 = t([2, 4, 9]), t([6, 2, 2]), t([6])
case("conv1d same padding, dilation 2, groups 2 + bias", "conv1d", [x3, w3, b3], {"padding": "same", "dilation": 2, "groups": 2},
     F.conv1d(x3, w3, b3, padding="same", dilation=2, groups=2))
x3, w3 = t([3, 8]), t([2, 3, 3])
case("conv1d unbatched stride 3", "conv1d", [x3, w3, None], {"stride": 3}, F.conv1d(x3.unsqueeze(0), w3, None, stride=3).squeeze(0))
x, w, b = t([2, 3, 4]), t([2, 3, 3, 2]), t([3])
case("convTranspose2d unbatched stride [2, 1] padding [1, 0]", "convTranspose2d", [x, w, b], {"stride": [2, 1], "padding": [1, 0]},
     F.conv_transpose2d(x.unsqueeze(0), w, b, stride=(2, 1), padding=(1, 0)).squeeze(0))
x = t([1, 2, 5, 5]) - 2
case("maxPool2d of negative values with padding 1", "maxPool2d", [x], {"kernelSize": 2, "stride": 1, "padding": 1},
     F.max_pool2d(x, 2, stride=1, padding=1))
x = t([2, 5, 7])
case("maxPool2d unbatched stride [2, 1]", "maxPool2d", [x], {"kernelSize": [2, 3], "stride": [2, 1]},
     F.max_pool2d(x.unsqueeze(0), (2, 3), stride=(2, 1)).squeeze(0))
case("avgPool2d unbatched 2 stride 2 padding 1 ceilMode countIncludePad false", "avgPool2d", [x],
     {"kernelSize": 2, "padding": 1, "ceilMode": True, "countIncludePad": False},
     F.avg_pool2d(x.unsqueeze(0), 2, padding=1, ceil_mode=True, count_include_pad=False).squeeze(0))
x1 = t([2, 2, 10])
case("maxPool1d 3 stride 2 padding 1 dilation 2 ceilMode", "maxPool1d", [x1], {"kernelSize": 3, "stride": 2, "padding": 1, "dilation": 2, "ceilMode": True},
     F.max_pool1d(x1, 3, stride=2, padding=1, dilation=2, ceil_mode=True))
x1 = t([3, 7])
case("avgPool1d unbatched 3 stride 2 padding 1 countIncludePad false", "avgPool1d", [x1], {"kernelSize": 3, "stride": 2, "padding": 1, "countIncludePad": False},
     F.avg_pool1d(x1.unsqueeze(0), 3, stride=2, padding=1, count_include_pad=False).squeeze(0))
x = t([1, 2, 3, 5])
case("adaptiveAvgPool2d 3x5 -> 4x7 (upsampling)", "adaptiveAvgPool2d", [x], {"outputSize": [4, 7]}, F.adaptive_avg_pool2d(x, (4, 7)))
case("adaptiveAvgPool2d [null, 2] keeps the height", "adaptiveAvgPool2d", [x], {"outputSize": [None, 2]}, F.adaptive_avg_pool2d(x, (None, 2)))
x = t([2, 2, 7, 6])
case("adaptiveMaxPool2d 7x6 -> 3x4", "adaptiveMaxPool2d", [x], {"outputSize": [3, 4]}, F.adaptive_max_pool2d(x, (3, 4)))
x = t([2, 3, 2])
case("adaptiveMaxPool2d unbatched 3x2 -> 5x3", "adaptiveMaxPool2d", [x], {"outputSize": [5, 3]},
     F.adaptive_max_pool2d(x.unsqueeze(0), (5, 3)).squeeze(0))

with open("src/fixtures/conv.ts", "w") as f:
    f.write("// Generated by scripts/gen_conv_fixtures.py with torch " + torch.__version__ + ". Do not edit.\n")
    f.write("/* eslint-disable */\n")
    f.write("export interface ConvFixture {\n  name: string;\n  op: string;\n")
    f.write("  inputs: ({ shape: number[]; data: number[] } | null)[];\n  options: Record<string, unknown>;\n")
    f.write("  expected: { shape: number[]; data: number[] };\n}\n\n")
    f.write("export const CONV_FIXTURES: ConvFixture[] = " + json.dumps(cases) + ";\n")
