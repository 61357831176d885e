// The addon's opt-in profiler (profiler.cc): while it runs on a thread, every addon call, every ATen
// operator and autograd node (libtorch's RecordFunction events) and every CPU allocation on that
// thread is timed. Off, the only cost is one thread-local flag read per addon call.
#pragma once

#include <napi.h>

#include <cstddef>
#include <cstdint>

namespace l2m::profiler {

// An id for the addon function `name`, given once when the function is registered.
size_t registerCall(const char* name);

extern thread_local bool timingHere;
inline bool activeHere() { return timingHere; }

// profilerStart / profilerStop.
void registerFunctions(Napi::Env env, Napi::Object exports);

// Times one addon call: construct it only when activeHere().
class CallScope {
 public:
  explicit CallScope(size_t id);
  ~CallScope();
  CallScope(const CallScope&) = delete;
  CallScope& operator=(const CallScope&) = delete;

 private:
  size_t id_;
  int64_t start_;
  int64_t insideStart_;
};

}  // namespace l2m::profiler
