// Shared helpers of the l2m libtorch addon: tensor handles, argument conversion, error translation.
// A tensor handle is a BigInt naming a slot of the addon's tensor table (see addon.cc);
// dispose() frees the slot. The TypeScript layer (src/torch) is the only caller and owns all design
// decisions, including a FinalizationRegistry fallback for tensors never disposed.
#pragma once

#include <napi.h>
#include <ATen/ATen.h>

#include <atomic>
#include <optional>
#include <string>
#include <vector>

namespace l2m {

using at::Tensor;
using Info = Napi::CallbackInfo;

extern std::atomic<int64_t> liveTensors;

// Registers a native function under `name` with C++ exceptions (c10::Error included) turned into JS errors.
using NativeFn = Napi::Value (*)(const Info&);
void addFunction(Napi::Env env, Napi::Object exports, const char* name, NativeFn fn);

Napi::Value wrap(Napi::Env env, Tensor t);
Napi::Value wrapList(Napi::Env env, const std::vector<Tensor>& ts);
Tensor& tensorArg(const Info& info, size_t i);
c10::optional<Tensor> optTensorArg(const Info& info, size_t i);
std::vector<Tensor> tensorListArg(const Info& info, size_t i);
bool isTensor(const Napi::Value& v);

int64_t intArg(const Info& info, size_t i);
double numArg(const Info& info, size_t i);
bool boolArg(const Info& info, size_t i);
c10::optional<double> optNumArg(const Info& info, size_t i);
std::vector<int64_t> intsArg(const Info& info, size_t i);
std::string strArg(const Info& info, size_t i);
// A JS number as a Scalar: integral values become int64 scalars (so int64 tensors stay int64), booleans bool.
at::Scalar scalarArg(const Info& info, size_t i);

at::ScalarType dtypeFromName(const std::string& name);
const char* dtypeName(at::ScalarType t);
// Options from (dtype name, device string) arguments at positions i, i+1; missing means float32 / cpu.
at::TensorOptions optionsArg(const Info& info, size_t i);

void registerOps(Napi::Env env, Napi::Object exports);
void registerAttention(Napi::Env env, Napi::Object exports);
void registerBlocks(Napi::Env env, Napi::Object exports);

// The fused CPU attention of attention.cc (checks its arguments; see there).
Tensor fusedAttention(Tensor q, Tensor k, Tensor v, c10::optional<Tensor> pad, bool causal, double scale, double p);
// Its inference forward from keys stored transposed, kt [B, H, D, ld] holding tk keys (see attention.cc).
Tensor fusedAttentionKeysT(const Tensor& q, const Tensor& kt, int64_t tk, const Tensor& v, const c10::optional<Tensor>& pad, bool causal, double scale);

}  // namespace l2m

#define L2M_FN(name) static Napi::Value name(const l2m::Info& info)
#define L2M_ADD(name) l2m::addFunction(env, exports, #name, name)
