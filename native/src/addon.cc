// Module entry: handles, creation and export, autograd switches, seeding, threads, devices.
#include "common.h"
#include "profiler.h"

#include <ATen/Parallel.h>
#include <ATen/autocast_mode.h>
#include <c10/core/GradMode.h>
#include <c10/core/InferenceMode.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/version.h>

#include <dlfcn.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <cstring>
#include <memory>
#include <stdexcept>

namespace l2m {

std::atomic<int64_t> liveTensors{0};

static std::string cleanMessage(const char* what) {
  std::string msg(what);
  // libtorch appends the C++ location after the message; the JS stack is more useful.
  auto cut = msg.find("\nException raised from");
  if (cut != std::string::npos) msg.resize(cut);
  return msg;
}

void addFunction(Napi::Env env, Napi::Object exports, const char* name, NativeFn fn) {
  size_t id = profiler::registerCall(name);
  exports.Set(name, Napi::Function::New(
                        env,
                        [fn, id](const Info& info) -> Napi::Value {
                          try {
                            if (profiler::activeHere()) {
                              profiler::CallScope timed(id);
                              return fn(info);
                            }
                            return fn(info);
                          } catch (const Napi::Error&) {
                            throw;
                          } catch (const c10::Error& e) {
                            throw Napi::Error::New(info.Env(), cleanMessage(e.what_without_backtrace()));
                          } catch (const std::exception& e) {
                            throw Napi::Error::New(info.Env(), cleanMessage(e.what()));
                          }
                        },
                        name));
}

// Tensors live in a slot table; a handle is a BigInt that packs the slot index and a generation, so a
// stale handle is detected instead of reaching another tensor. Not an External: Node 20 gives every
// External a malloc'd wrapper with a weak handle (even without a finalizer), freed only by garbage
// collection, so each op's handle held a small block of the malloc heap until the next GC, in between
// the tensors' memory, and fragmented it (decoding grew the heap by 100-300 MB; see docs/performance.md).
// A BigInt lives in the JS heap alone, and nothing else is a BigInt here (scalars are numbers or booleans).
namespace {
struct Slot {
  Tensor tensor;
  uint32_t generation = 0;
};
std::vector<Slot> slots;
std::vector<uint32_t> freeSlots;

uint64_t pack(uint32_t index, uint32_t generation) {
  return (static_cast<uint64_t>(generation) << 32) | index;
}

Slot* slotOf(const Napi::Value& v) {
  bool lossless = false;
  uint64_t packed = v.As<Napi::BigInt>().Uint64Value(&lossless);
  if (!lossless) return nullptr;
  uint32_t index = static_cast<uint32_t>(packed & 0xffffffffu);
  uint32_t generation = static_cast<uint32_t>(packed >> 32);
  if (index >= slots.size() || slots[index].generation != generation || !slots[index].tensor.defined()) return nullptr;
  return &slots[index];
}
}  // namespace

Napi::Value wrap(Napi::Env env, Tensor t) {
  if (!t.defined()) return env.Undefined();
  uint32_t index;
  if (!freeSlots.empty()) {
    index = freeSlots.back();
    freeSlots.pop_back();
  } else {
    index = static_cast<uint32_t>(slots.size());
    slots.emplace_back();
  }
  Slot& slot = slots[index];
  slot.tensor = std::move(t);
  ++liveTensors;
  return Napi::BigInt::New(env, pack(index, slot.generation));
}

Napi::Value wrapList(Napi::Env env, const std::vector<Tensor>& ts) {
  auto arr = Napi::Array::New(env, ts.size());
  for (size_t i = 0; i < ts.size(); ++i) arr.Set(i, wrap(env, ts[i]));
  return arr;
}

bool isTensor(const Napi::Value& v) { return v.IsBigInt(); }

Tensor& tensorArg(const Info& info, size_t i) {
  Napi::Value v = info[i];
  if (!isTensor(v)) throw std::invalid_argument("argument " + std::to_string(i) + " must be a tensor");
  Slot* slot = slotOf(v);
  if (slot == nullptr) throw std::invalid_argument("tensor used after dispose()");
  return slot->tensor;
}

c10::optional<Tensor> optTensorArg(const Info& info, size_t i) {
  if (i >= info.Length() || info[i].IsUndefined() || info[i].IsNull()) return c10::nullopt;
  return tensorArg(info, i);
}

std::vector<Tensor> tensorListArg(const Info& info, size_t i) {
  if (!info[i].IsArray()) throw std::invalid_argument("argument " + std::to_string(i) + " must be an array of tensors");
  auto arr = info[i].As<Napi::Array>();
  std::vector<Tensor> out;
  out.reserve(arr.Length());
  for (uint32_t k = 0; k < arr.Length(); ++k) {
    Napi::Value v = arr.Get(k);
    if (!isTensor(v)) throw std::invalid_argument("element " + std::to_string(k) + " is not a tensor");
    Slot* slot = slotOf(v);
    if (slot == nullptr) throw std::invalid_argument("tensor used after dispose()");
    out.push_back(slot->tensor);
  }
  return out;
}

int64_t intArg(const Info& info, size_t i) {
  if (!info[i].IsNumber()) throw std::invalid_argument("argument " + std::to_string(i) + " must be a number");
  return info[i].As<Napi::Number>().Int64Value();
}

double numArg(const Info& info, size_t i) {
  if (!info[i].IsNumber()) throw std::invalid_argument("argument " + std::to_string(i) + " must be a number");
  return info[i].As<Napi::Number>().DoubleValue();
}

bool boolArg(const Info& info, size_t i) { return info[i].ToBoolean().Value(); }

c10::optional<double> optNumArg(const Info& info, size_t i) {
  if (i >= info.Length() || info[i].IsUndefined() || info[i].IsNull()) return c10::nullopt;
  return numArg(info, i);
}

std::vector<int64_t> intsArg(const Info& info, size_t i) {
  if (info[i].IsNumber()) return {info[i].As<Napi::Number>().Int64Value()};
  if (!info[i].IsArray()) throw std::invalid_argument("argument " + std::to_string(i) + " must be an array of integers");
  auto arr = info[i].As<Napi::Array>();
  std::vector<int64_t> out(arr.Length());
  for (uint32_t k = 0; k < arr.Length(); ++k) out[k] = arr.Get(k).As<Napi::Number>().Int64Value();
  return out;
}

std::string strArg(const Info& info, size_t i) {
  if (!info[i].IsString()) throw std::invalid_argument("argument " + std::to_string(i) + " must be a string");
  return info[i].As<Napi::String>().Utf8Value();
}

at::Scalar scalarArg(const Info& info, size_t i) {
  Napi::Value v = info[i];
  if (v.IsBoolean()) return at::Scalar(v.As<Napi::Boolean>().Value());
  if (!v.IsNumber()) throw std::invalid_argument("argument " + std::to_string(i) + " must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (std::isfinite(d) && d == static_cast<double>(static_cast<int64_t>(d)) && std::abs(d) < 9.007199254740992e15) {
    return at::Scalar(static_cast<int64_t>(d));
  }
  return at::Scalar(d);
}

at::ScalarType dtypeFromName(const std::string& name) {
  if (name == "float32") return at::kFloat;
  if (name == "float64") return at::kDouble;
  if (name == "int64") return at::kLong;
  if (name == "bool") return at::kBool;
  if (name == "int32") return at::kInt;
  if (name == "uint8") return at::kByte;
  if (name == "float16") return at::kHalf;
  if (name == "bfloat16") return at::kBFloat16;
  throw std::invalid_argument("unknown dtype '" + name + "'");
}

const char* dtypeName(at::ScalarType t) {
  switch (t) {
    case at::kFloat: return "float32";
    case at::kDouble: return "float64";
    case at::kLong: return "int64";
    case at::kBool: return "bool";
    case at::kInt: return "int32";
    case at::kByte: return "uint8";
    case at::kHalf: return "float16";
    case at::kBFloat16: return "bfloat16";
    default: return "unsupported";
  }
}

at::TensorOptions optionsArg(const Info& info, size_t i) {
  at::TensorOptions opts = at::TensorOptions().dtype(at::kFloat);
  if (i < info.Length() && info[i].IsString()) opts = opts.dtype(dtypeFromName(info[i].As<Napi::String>().Utf8Value()));
  if (i + 1 < info.Length() && info[i + 1].IsString()) opts = opts.device(at::Device(info[i + 1].As<Napi::String>().Utf8Value()));
  return opts;
}

// ---- handles and metadata ----

// Frees a handle's slot; disposing twice (or a stale handle) does nothing.
L2M_FN(dispose) {
  Napi::Value v = info[0];
  if (!isTensor(v)) throw std::invalid_argument("dispose(): not a tensor handle");
  Slot* slot = slotOf(v);
  if (slot != nullptr) {
    slot->tensor = Tensor();
    ++slot->generation;
    --liveTensors;
    freeSlots.push_back(static_cast<uint32_t>(slot - slots.data()));
  }
  return info.Env().Undefined();
}

L2M_FN(liveCount) { return Napi::Number::New(info.Env(), static_cast<double>(liveTensors.load())); }

L2M_FN(shape) {
  auto sizes = tensorArg(info, 0).sizes();
  auto arr = Napi::Array::New(info.Env(), sizes.size());
  for (size_t k = 0; k < sizes.size(); ++k) arr.Set(k, Napi::Number::New(info.Env(), static_cast<double>(sizes[k])));
  return arr;
}

L2M_FN(dtype) { return Napi::String::New(info.Env(), dtypeName(tensorArg(info, 0).scalar_type())); }
L2M_FN(device) { return Napi::String::New(info.Env(), tensorArg(info, 0).device().str()); }
L2M_FN(numel) { return Napi::Number::New(info.Env(), static_cast<double>(tensorArg(info, 0).numel())); }
L2M_FN(sameStorage) {
  return Napi::Boolean::New(info.Env(), tensorArg(info, 0).is_alias_of(tensorArg(info, 1)));
}

// ---- creation and export ----

static at::ScalarType dtypeOfTypedArray(const Napi::TypedArray& a) {
  switch (a.TypedArrayType()) {
    case napi_float32_array: return at::kFloat;
    case napi_float64_array: return at::kDouble;
    case napi_bigint64_array: return at::kLong;
    case napi_int32_array: return at::kInt;
    case napi_uint8_array: return at::kByte;
    default: throw std::invalid_argument("unsupported typed array type (use Float32Array, Float64Array, BigInt64Array, Int32Array or Uint8Array)");
  }
}

// fromTypedArray(data, shape, storedAs?, dtype?, device?): copies `data`; `storedAs` reinterprets its
// bytes as that dtype; the result is cast to `dtype` and moved to `device` when given.
L2M_FN(fromTypedArray) {
  if (!info[0].IsTypedArray()) throw std::invalid_argument("tensor data must be a typed array");
  auto arr = info[0].As<Napi::TypedArray>();
  auto shape = intsArg(info, 1);
  at::ScalarType src = dtypeOfTypedArray(arr);
  int64_t have = static_cast<int64_t>(arr.ElementLength());
  if (info[2].IsString()) {  // raw bytes of another dtype (bool from Uint8Array, float16 from bytes, ...)
    src = dtypeFromName(info[2].As<Napi::String>().Utf8Value());
    int64_t size = static_cast<int64_t>(c10::elementSize(src));
    if (static_cast<int64_t>(arr.ByteLength()) % size != 0) throw std::invalid_argument("byte length is not a multiple of the element size");
    have = static_cast<int64_t>(arr.ByteLength()) / size;
  }
  int64_t n = 1;
  for (auto s : shape) {
    if (s < 0) throw std::invalid_argument("negative dimension in shape");
    n *= s;
  }
  if (n != have) {
    throw std::invalid_argument("data has " + std::to_string(have) + " elements but shape " +
                                c10::str(at::IntArrayRef(shape)) + " needs " + std::to_string(n));
  }
  uint8_t* base = static_cast<uint8_t*>(arr.ArrayBuffer().Data()) + arr.ByteOffset();
  Tensor t = at::empty(shape, at::TensorOptions().dtype(src));
  if (n > 0) std::memcpy(t.data_ptr(), base, arr.ByteLength());
  at::ScalarType dst = info[3].IsString() ? dtypeFromName(info[3].As<Napi::String>().Utf8Value()) : src;
  at::Device dev = info[4].IsString() ? at::Device(info[4].As<Napi::String>().Utf8Value()) : at::Device(at::kCPU);
  if (dst != src || !dev.is_cpu()) t = t.to(dev, dst);
  return wrap(info.Env(), t);
}

// toArrayBuffer(t): a copy of the elements (row-major, on the CPU) in a fresh ArrayBuffer.
L2M_FN(toArrayBuffer) {
  Tensor t = tensorArg(info, 0).detach();
  if (!t.device().is_cpu()) t = t.to(at::kCPU);
  t = t.contiguous();
  size_t bytes = t.numel() * t.element_size();
  auto buf = Napi::ArrayBuffer::New(info.Env(), bytes);
  if (bytes > 0) std::memcpy(buf.Data(), t.data_ptr(), bytes);
  return buf;
}

L2M_FN(item) {
  Tensor& t = tensorArg(info, 0);
  if (t.numel() != 1) throw std::invalid_argument("item(): tensor has " + std::to_string(t.numel()) + " elements, not 1");
  if (t.scalar_type() == at::kBool) return Napi::Boolean::New(info.Env(), t.item<bool>());
  return Napi::Number::New(info.Env(), t.item<double>());
}

L2M_FN(zeros) { return wrap(info.Env(), at::zeros(intsArg(info, 0), optionsArg(info, 1))); }
L2M_FN(ones) { return wrap(info.Env(), at::ones(intsArg(info, 0), optionsArg(info, 1))); }
L2M_FN(empty) { return wrap(info.Env(), at::empty(intsArg(info, 0), optionsArg(info, 1))); }
L2M_FN(full) { return wrap(info.Env(), at::full(intsArg(info, 0), scalarArg(info, 1), optionsArg(info, 2))); }
L2M_FN(randn) { return wrap(info.Env(), at::randn(intsArg(info, 0), optionsArg(info, 1))); }
L2M_FN(rand) { return wrap(info.Env(), at::rand(intsArg(info, 0), optionsArg(info, 1))); }
L2M_FN(randint) {
  return wrap(info.Env(), at::randint(intArg(info, 0), intArg(info, 1), intsArg(info, 2), optionsArg(info, 3)));
}
L2M_FN(randperm) { return wrap(info.Env(), at::randperm(intArg(info, 0), optionsArg(info, 1))); }
L2M_FN(arange) {
  return wrap(info.Env(), at::arange(scalarArg(info, 0), scalarArg(info, 1), scalarArg(info, 2), optionsArg(info, 3)));
}
L2M_FN(linspace) {
  return wrap(info.Env(), at::linspace(scalarArg(info, 0), scalarArg(info, 1), intArg(info, 2), optionsArg(info, 3)));
}
L2M_FN(eye) { return wrap(info.Env(), at::eye(intArg(info, 0), intArg(info, 1), optionsArg(info, 2))); }

// ---- autograd ----

L2M_FN(requiresGrad) { return Napi::Boolean::New(info.Env(), tensorArg(info, 0).requires_grad()); }
L2M_FN(setRequiresGrad) {
  tensorArg(info, 0).set_requires_grad(boolArg(info, 1));
  return info.Env().Undefined();
}
L2M_FN(isLeaf) { return Napi::Boolean::New(info.Env(), tensorArg(info, 0).is_leaf()); }
L2M_FN(grad) { return wrap(info.Env(), tensorArg(info, 0).grad()); }
L2M_FN(setGrad) {
  auto g = optTensorArg(info, 1);
  tensorArg(info, 0).mutable_grad() = g ? *g : Tensor();
  return info.Env().Undefined();
}
L2M_FN(retainGrad) {
  tensorArg(info, 0).retain_grad();
  return info.Env().Undefined();
}
L2M_FN(backward) {
  Tensor& t = tensorArg(info, 0);
  auto g = optTensorArg(info, 1);
  bool retain = info.Length() > 2 && boolArg(info, 2);
  bool create = info.Length() > 3 && boolArg(info, 3);
  t.backward(g ? *g : Tensor(), retain, create);
  return info.Env().Undefined();
}
// autogradGrad(outputs, inputs, gradOutputs?, retainGraph, createGraph): like torch.autograd.grad.
L2M_FN(autogradGrad) {
  auto outputs = tensorListArg(info, 0);
  auto inputs = tensorListArg(info, 1);
  std::vector<Tensor> gradOutputs;
  if (info[2].IsArray()) gradOutputs = tensorListArg(info, 2);
  bool create = boolArg(info, 4);
  c10::optional<bool> retain;
  if (info[3].IsBoolean()) retain = boolArg(info, 3);
  auto grads = torch::autograd::grad(outputs, inputs, gradOutputs, retain, create, /*allow_unused=*/true);
  return wrapList(info.Env(), grads);
}
L2M_FN(gradEnabled) { return Napi::Boolean::New(info.Env(), c10::GradMode::is_enabled()); }
L2M_FN(setGradEnabled) {
  c10::GradMode::set_enabled(boolArg(info, 0));
  return info.Env().Undefined();
}

// Inference mode guards nest like the JS calls that open and close them.
static std::vector<std::unique_ptr<c10::InferenceMode>> inferenceGuards;
// enterInferenceMode(enabled = true): enabled = false opens a scope where inference mode is off.
L2M_FN(enterInferenceMode) {
  bool enabled = info.Length() == 0 || info[0].IsUndefined() || boolArg(info, 0);
  inferenceGuards.push_back(std::make_unique<c10::InferenceMode>(enabled));
  return info.Env().Undefined();
}
L2M_FN(exitInferenceMode) {
  if (!inferenceGuards.empty()) inferenceGuards.pop_back();
  return info.Env().Undefined();
}
L2M_FN(isInferenceTensor) { return Napi::Boolean::New(info.Env(), tensorArg(info, 0).is_inference()); }

// ---- seeding, threads, devices ----

L2M_FN(manualSeed) {
  at::manual_seed(static_cast<uint64_t>(numArg(info, 0)));
  return info.Env().Undefined();
}
L2M_FN(setNumThreads) {
  at::set_num_threads(static_cast<int>(intArg(info, 0)));
  return info.Env().Undefined();
}
L2M_FN(getNumThreads) { return Napi::Number::New(info.Env(), at::get_num_threads()); }
L2M_FN(setNumInteropThreads) {
  at::set_num_interop_threads(static_cast<int>(intArg(info, 0)));
  return info.Env().Undefined();
}

// BLAS threads: whichever BLAS libtorch loaded (OpenBLAS, BLIS, MKL); returns its name, or '' if none answers.
L2M_FN(setBlasThreads) {
  int n = static_cast<int>(intArg(info, 0));
  using SetInt = void (*)(int);
  if (auto f = reinterpret_cast<SetInt>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) {
    f(n);
    return Napi::String::New(info.Env(), "openblas");
  }
  if (auto f = reinterpret_cast<SetInt>(dlsym(RTLD_DEFAULT, "MKL_Set_Num_Threads"))) {
    f(n);
    return Napi::String::New(info.Env(), "mkl");
  }
  using SetLong = void (*)(long);
  if (auto f = reinterpret_cast<SetLong>(dlsym(RTLD_DEFAULT, "bli_thread_set_num_threads"))) {
    f(n);
    return Napi::String::New(info.Env(), "blis");
  }
  return Napi::String::New(info.Env(), "");
}
L2M_FN(getBlasThreads) {
  using GetInt = int (*)();
  if (auto f = reinterpret_cast<GetInt>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"))) return Napi::Number::New(info.Env(), f());
  if (auto f = reinterpret_cast<GetInt>(dlsym(RTLD_DEFAULT, "MKL_Get_Max_Threads"))) return Napi::Number::New(info.Env(), f());
  return Napi::Number::New(info.Env(), -1);
}
// Which BLAS libtorch loaded, and for OpenBLAS the kernels it chose: openblas_get_corename() (e.g.
// "Prescott", "Haswell", "SkylakeX") and openblas_get_config(). Found with dlsym like the thread calls;
// null when the BLAS is not OpenBLAS (then `library` names MKL or BLIS where their symbols answer, else '').
L2M_FN(blasInfo) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  using GetStr = char* (*)();
  auto corename = reinterpret_cast<GetStr>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
  auto config = reinterpret_cast<GetStr>(dlsym(RTLD_DEFAULT, "openblas_get_config"));
  auto str = [&](GetStr f) -> Napi::Value {
    const char* s = f ? f() : nullptr;
    return s ? Napi::Value(Napi::String::New(env, s)) : env.Null();
  };
  if (corename || config) {
    out.Set("library", "openblas");
    out.Set("core", str(corename));
    out.Set("config", str(config));
    return out;
  }
  const char* library = dlsym(RTLD_DEFAULT, "MKL_Get_Max_Threads")           ? "mkl"
                        : dlsym(RTLD_DEFAULT, "bli_thread_set_num_threads") ? "blis"
                                                                             : "";
  out.Set("library", library);
  out.Set("core", env.Null());
  out.Set("config", env.Null());
  return out;
}
// glibc malloc: large blocks from the heap instead of fresh mmaps, and no trimming of the heap top, so
// a training step reuses the previous step's memory instead of page-faulting it in again.
L2M_FN(tuneMalloc) {
#ifdef __GLIBC__
  bool ok = mallopt(M_MMAP_THRESHOLD, static_cast<int>(intArg(info, 0))) == 1;
  ok = mallopt(M_TRIM_THRESHOLD, static_cast<int>(intArg(info, 1))) == 1 && ok;
  return Napi::Boolean::New(info.Env(), ok);
#else
  return Napi::Boolean::New(info.Env(), false);
#endif
}
// Gives the free memory of every malloc arena back to the system (glibc's malloc_trim(0): the free pages
// inside each arena and the main heap's top), whatever tuneMalloc's trim threshold. True when some was released.
L2M_FN(trimMalloc) {
#ifdef __GLIBC__
  return Napi::Boolean::New(info.Env(), malloc_trim(0) == 1);
#else
  return Napi::Boolean::New(info.Env(), false);
#endif
}
L2M_FN(cudaAvailable) { return Napi::Boolean::New(info.Env(), at::hasCUDA() && at::getNumGPUs() > 0); }
L2M_FN(cudaDeviceCount) { return Napi::Number::New(info.Env(), static_cast<double>(at::hasCUDA() ? at::getNumGPUs() : 0)); }
L2M_FN(synchronize) {
  // Waits for queued device work by copying a scalar back (works on any backend without CUDA headers).
  if (at::hasCUDA() && at::getNumGPUs() > 0) at::zeros({1}, at::TensorOptions().device(at::kCUDA)).cpu();
  return info.Env().Undefined();
}
L2M_FN(version) { return Napi::String::New(info.Env(), TORCH_VERSION); }

// ---- autocast (mixed precision): the thread-local switches torch.autocast sets ----
// libtorch 2.4 made these per device type (at::autocast::set_autocast_enabled(at::kCUDA, ...)); 1.x has
// one pair of functions per device. Only 'cpu' and 'cuda' are offered.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
#define L2M_AUTOCAST_PER_DEVICE 1
#endif
static bool autocastIsCuda(const Info& info, size_t i) {
  std::string d = strArg(info, i);
  if (d != "cpu" && d != "cuda") throw std::invalid_argument("autocast: device type must be 'cpu' or 'cuda', got '" + d + "'");
  return d == "cuda";
}
// autocastState(deviceType) -> { enabled, dtype, cacheEnabled }
L2M_FN(autocastState) {
  bool cuda = autocastIsCuda(info, 0);
#ifdef L2M_AUTOCAST_PER_DEVICE
  at::DeviceType dt = cuda ? at::kCUDA : at::kCPU;
  bool enabled = at::autocast::is_autocast_enabled(dt);
  at::ScalarType dtype = at::autocast::get_autocast_dtype(dt);
#else
  bool enabled = cuda ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled();
  at::ScalarType dtype = cuda ? at::autocast::get_autocast_gpu_dtype() : at::autocast::get_autocast_cpu_dtype();
#endif
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("enabled", enabled);
  out.Set("dtype", dtypeName(dtype));
  out.Set("cacheEnabled", at::autocast::is_autocast_cache_enabled());
  return out;
}
// autocastSet(deviceType, enabled, dtype, cacheEnabled)
L2M_FN(autocastSet) {
  bool cuda = autocastIsCuda(info, 0);
  bool enabled = boolArg(info, 1);
  at::ScalarType dtype = dtypeFromName(strArg(info, 2));
#ifdef L2M_AUTOCAST_PER_DEVICE
  at::DeviceType dt = cuda ? at::kCUDA : at::kCPU;
  at::autocast::set_autocast_dtype(dt, dtype);
  at::autocast::set_autocast_enabled(dt, enabled);
#else
  if (cuda) {
    at::autocast::set_autocast_gpu_dtype(dtype);
    at::autocast::set_enabled(enabled);
  } else {
    at::autocast::set_autocast_cpu_dtype(dtype);
    at::autocast::set_cpu_enabled(enabled);
  }
#endif
  at::autocast::set_autocast_cache_enabled(boolArg(info, 3));
  return info.Env().Undefined();
}
// autocastNesting(+1 | -1) -> the nesting depth after the change; at 0 the cache of cast weights is cleared.
L2M_FN(autocastNesting) {
  int depth = intArg(info, 0) > 0 ? at::autocast::increment_nesting() : at::autocast::decrement_nesting();
  if (depth == 0) at::autocast::clear_cache();
  return Napi::Number::New(info.Env(), depth);
}

}  // namespace l2m

static Napi::Object init(Napi::Env env, Napi::Object exports) {
  using namespace l2m;
  L2M_ADD(dispose);
  L2M_ADD(liveCount);
  L2M_ADD(shape);
  L2M_ADD(dtype);
  L2M_ADD(device);
  L2M_ADD(numel);
  L2M_ADD(sameStorage);
  L2M_ADD(fromTypedArray);
  L2M_ADD(toArrayBuffer);
  L2M_ADD(item);
  L2M_ADD(zeros);
  L2M_ADD(ones);
  L2M_ADD(empty);
  L2M_ADD(full);
  L2M_ADD(randn);
  L2M_ADD(rand);
  L2M_ADD(randint);
  L2M_ADD(randperm);
  L2M_ADD(arange);
  L2M_ADD(linspace);
  L2M_ADD(eye);
  L2M_ADD(requiresGrad);
  L2M_ADD(setRequiresGrad);
  L2M_ADD(isLeaf);
  L2M_ADD(grad);
  L2M_ADD(setGrad);
  L2M_ADD(retainGrad);
  L2M_ADD(backward);
  L2M_ADD(autogradGrad);
  L2M_ADD(gradEnabled);
  L2M_ADD(setGradEnabled);
  L2M_ADD(enterInferenceMode);
  L2M_ADD(exitInferenceMode);
  L2M_ADD(isInferenceTensor);
  L2M_ADD(manualSeed);
  L2M_ADD(setNumThreads);
  L2M_ADD(getNumThreads);
  L2M_ADD(setNumInteropThreads);
  L2M_ADD(setBlasThreads);
  L2M_ADD(getBlasThreads);
  L2M_ADD(blasInfo);
  L2M_ADD(tuneMalloc);
  L2M_ADD(trimMalloc);
  L2M_ADD(cudaAvailable);
  L2M_ADD(cudaDeviceCount);
  L2M_ADD(synchronize);
  L2M_ADD(version);
  L2M_ADD(autocastState);
  L2M_ADD(autocastSet);
  L2M_ADD(autocastNesting);
  registerOps(env, exports);
  registerAttention(env, exports);
  registerBlocks(env, exports);
  profiler::registerFunctions(env, exports);
  return exports;
}

NODE_API_MODULE(l2m_torch, init)
