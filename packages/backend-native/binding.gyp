{
  # The native addon. x86-64 SIMD kernels are compiled per function with target attributes and
  # chosen at run time (see native/cpu.h), so the baseline flags stay portable (arm64 included).
  "targets": [
    {
      "target_name": "tessera_native",
      "sources": [
        "native/addon.cc",
        "native/storage.cc",
        "native/threadpool.cc",
        "native/elementwise.cc",
        "native/reduce.cc",
        "native/indexing.cc",
        "native/gemm.cc",
        "native/matmul.cc",
        "native/conv.cc",
        "native/pool.cc",
        "native/nn.cc",
        "native/optim.cc",
        "native/simd.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions", "-O2", "-O0"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-std=gnu++20", "-O2", "-O0"],
      "cflags": ["-O3", "-fno-math-errno", "-fvisibility=hidden"],
      "cflags_cc": ["-std=c++17", "-O3", "-fexceptions", "-fno-math-errno", "-fvisibility=hidden", "-Wall", "-Wno-unused-function"],
      "ldflags": ["-pthread"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
        "GCC_OPTIMIZATION_LEVEL": "3",
        "OTHER_CFLAGS": ["-fno-math-errno"],
        "MACOSX_DEPLOYMENT_TARGET": "11.0"
      },
      "msvs_settings": {
        "VCCLCompilerTool": { "ExceptionHandling": 1, "AdditionalOptions": ["/std:c++17", "/O2"] }
      }
    }
  ]
}
