{
  "targets": [
    {
      "target_name": "l2m_torch",
      "sources": ["src/addon.cc", "src/ops.cc", "src/attention.cc", "src/blocks.cc", "src/profiler.cc"],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!@(node libtorch.cjs include)"
      ],
      "defines": [
        "NAPI_VERSION=8",
        "NAPI_CPP_EXCEPTIONS",
        "_GLIBCXX_USE_CXX11_ABI=<!(node libtorch.cjs abi)"
      ],
      "cflags!": ["-fno-exceptions", "-fno-rtti", "-O3"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-O3"],
      "cflags_cc": ["-std=c++17", "-O2", "-fexceptions", "-frtti", "-Wno-unused-parameter", "-Wno-deprecated-declarations"],
      "ldflags": ["<!@(node libtorch.cjs ldflags)"],
      "libraries": ["<!@(node libtorch.cjs libs)", "-ldl"]
    }
  ]
}
