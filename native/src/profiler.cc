// The opt-in profiler (see profiler.h). Three sources, all on the one thread that started it:
//  - each addon call: its time and, within it, the time spent inside libtorch (outermost events and
//    allocations), so that the rest is the binding's own (argument conversion, handles);
//  - libtorch's RecordFunction events (ATen operators, autograd nodes), as self time (an event's time
//    less its children's) keyed by (context, name). The context is the outermost event: the operator
//    the addon called, or for backward work the autograd node and, through the node's sequence
//    number, the outermost forward operator that recorded it ("MmBackward0 <- aten::linear");
//  - CPU allocations and frees, through a wrapper of libtorch's CPU allocator, charged as the pseudo
//    events "(allocation)" and "(free)" of the event they happen in (not to its self time).
// The clock is CLOCK_MONOTONIC (about 30 ns a read) or CLOCK_THREAD_CPUTIME_ID (exact on a busy
// machine, but about 1 us a read here, which the profile then includes).
#include "profiler.h"

#include "common.h"

#include <ATen/record_function.h>
#include <c10/core/Allocator.h>

#include <time.h>

#include <mutex>
#include <stdexcept>
#include <unordered_map>

namespace l2m::profiler {

thread_local bool timingHere = false;

namespace {

clockid_t clockId = CLOCK_MONOTONIC;
std::atomic<bool> running{false};
at::CallbackHandle callbackHandle = at::INVALID_CALLBACK_HANDLE;

int64_t read(clockid_t id) {
  timespec ts;
  clock_gettime(id, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

struct CallStat {
  std::string name;
  int64_t ns = 0, insideNs = 0, calls = 0;
};
std::vector<CallStat> callStats;  // by id; filled when the module registers its functions

struct OpStat {
  int64_t selfNs = 0, calls = 0;
};
std::unordered_map<std::string, OpStat> opStats;  // key: context '\n' name

struct Frame {
  std::string name;
  int64_t start;
  int64_t childNs = 0;
};
std::vector<Frame> stack;
std::string context;           // of the outermost event in progress
bool inBackward = false;       // that event is autograd work
bool contextPending = false;   // ... whose forward operator is not known yet
int64_t insideNs = 0;          // time in outermost events and in allocations outside any event
std::unordered_map<int64_t, std::string> forwardOf;  // sequence number -> outermost forward operator
int64_t elsewhere = 0;         // events seen on other threads (the callback travels with thread-local state)

struct AllocStat {
  int64_t count = 0, bytes = 0, ns = 0, frees = 0, freeNs = 0;
} allocStat;
c10::Allocator* wrapped = nullptr;
std::atomic<c10::DeleterFnPtr> wrappedDeleter{nullptr};
bool allocTimed = false;

int64_t startClock = 0, startCpu = 0;

const std::string kEngine = "autograd::engine::evaluate_function: ";

void resolveContext(int64_t seq) {
  if (seq < 0) return;
  auto it = forwardOf.find(seq);
  if (it != forwardOf.end()) context += " <- " + it->second;
  contextPending = false;
}

void record(const std::string& name, int64_t selfNs) {
  OpStat& s = opStats[context + '\n' + name];
  s.selfNs += selfNs;
  ++s.calls;
}

// Time spent in the allocator: a child of the event in progress, or libtorch time of the addon call.
void charge(const char* what, int64_t ns) {
  if (stack.empty()) {
    std::string saved = std::move(context);
    context = "(no event)";
    record(what, ns);
    context = std::move(saved);
    insideNs += ns;
  } else {
    stack.back().childNs += ns;
    record(what, ns);
  }
}

std::unique_ptr<at::ObserverContext> onStart(const at::RecordFunction& rf) {
  if (!timingHere) {
    ++elsewhere;
    return nullptr;
  }
  const char* name = rf.name();
  bool backwardScope = rf.scope() == at::RecordScope::BACKWARD_FUNCTION;
  if (stack.empty()) {
    std::string n = name;
    contextPending = false;
    inBackward = backwardScope || n.rfind(kEngine, 0) == 0;
    context = n.rfind(kEngine, 0) == 0 ? n.substr(kEngine.size()) : n;
    if (inBackward) {
      contextPending = true;
      resolveContext(rf.seqNr());
    }
  } else if (contextPending && backwardScope) {
    resolveContext(rf.seqNr());
  }
  if (!inBackward && rf.seqNr() >= 0) forwardOf.insert_or_assign(rf.seqNr(), context);
  stack.push_back(Frame{name, 0});
  stack.back().start = read(clockId);
  return nullptr;
}

void onEnd(const at::RecordFunction&, at::ObserverContext*) {
  if (!timingHere || stack.empty()) return;
  int64_t total = read(clockId) - stack.back().start;
  record(stack.back().name, total - stack.back().childNs);
  stack.pop_back();
  if (stack.empty()) insideNs += total;
  else stack.back().childNs += total;
}

void timedDelete(void* p) {
  c10::DeleterFnPtr del = wrappedDeleter.load();
  if (!timingHere) {
    del(p);
    return;
  }
  int64_t t0 = read(clockId);
  del(p);
  int64_t ns = read(clockId) - t0;
  ++allocStat.frees;
  allocStat.freeNs += ns;
  charge("(free)", ns);
}

// Forwards to the allocator it replaced; blocks it hands out while timing are freed through
// timedDelete (which forwards to that allocator's deleter, also after the profile).
struct TimedAllocator final : c10::Allocator {
  c10::DataPtr allocate(size_t n) const override {
    if (!timingHere) return wrapped->allocate(n);
    int64_t t0 = read(clockId);
    c10::DataPtr dp = wrapped->allocate(n);
    int64_t ns = read(clockId) - t0;
    ++allocStat.count;
    allocStat.bytes += static_cast<int64_t>(n);
    allocStat.ns += ns;
    charge("(allocation)", ns);
    // Only blocks whose context is the pointer itself (the default CPU allocator's) are re-wrapped.
    if (dp.get() == nullptr || dp.get() != dp.get_context()) return dp;
    c10::DeleterFnPtr expected = nullptr;
    wrappedDeleter.compare_exchange_strong(expected, dp.get_deleter());
    if (dp.get_deleter() != wrappedDeleter.load()) return dp;
    c10::Device device = dp.device();
    void* p = dp.release_context();
    return c10::DataPtr(p, p, &timedDelete, device);
  }
  c10::DeleterFnPtr raw_deleter() const override { return wrapped->raw_deleter(); }
};
TimedAllocator timedAllocator;

void reset() {
  for (auto& c : callStats) c.ns = c.insideNs = c.calls = 0;
  opStats.clear();
  stack.clear();
  forwardOf.clear();
  context.clear();
  inBackward = contextPending = false;
  insideNs = 0;
  elsewhere = 0;
  allocStat = AllocStat{};
}

// profilerStart(clock: 'wall' | 'thread-cpu')
L2M_FN(profilerStart) {
  if (running) throw std::runtime_error("profiler: already running (stop it first)");
  std::string clock = info[0].IsString() ? strArg(info, 0) : std::string("wall");
  if (clock != "wall" && clock != "thread-cpu") throw std::invalid_argument("profiler: clock must be 'wall' or 'thread-cpu', not '" + clock + "'");
  clockId = clock == "wall" ? CLOCK_MONOTONIC : CLOCK_THREAD_CPUTIME_ID;
  reset();
  wrapped = c10::GetAllocator(c10::DeviceType::CPU);
  c10::SetAllocator(c10::DeviceType::CPU, &timedAllocator, 0);
  allocTimed = c10::GetAllocator(c10::DeviceType::CPU) == &timedAllocator;  // false if one of higher priority is set
  callbackHandle = at::addThreadLocalCallback(at::RecordFunctionCallback(onStart, onEnd));
  running = true;
  timingHere = true;
  startCpu = read(CLOCK_THREAD_CPUTIME_ID);
  startClock = read(clockId);
  return info.Env().Undefined();
}

// profilerStop() -> { clock, elapsedNs, threadCpuNs, insideNs, ops, calls, allocation, eventsElsewhere }
L2M_FN(profilerStop) {
  if (!running || !timingHere) throw std::runtime_error("profiler: not running on this thread");
  int64_t elapsed = read(clockId) - startClock;
  int64_t cpu = read(CLOCK_THREAD_CPUTIME_ID) - startCpu;
  timingHere = false;
  running = false;
  at::removeCallback(callbackHandle);
  callbackHandle = at::INVALID_CALLBACK_HANDLE;
  if (allocTimed) c10::SetAllocator(c10::DeviceType::CPU, wrapped, 0);

  Napi::Env env = info.Env();
  auto num = [&](int64_t v) { return Napi::Number::New(env, static_cast<double>(v)); };
  Napi::Object out = Napi::Object::New(env);
  out.Set("clock", clockId == CLOCK_MONOTONIC ? "wall" : "thread-cpu");
  out.Set("elapsedNs", num(elapsed));
  out.Set("threadCpuNs", num(cpu));
  out.Set("insideNs", num(insideNs));
  out.Set("eventsElsewhere", num(elsewhere));
  auto ops = Napi::Array::New(env);
  uint32_t k = 0;
  for (const auto& [key, s] : opStats) {
    auto row = Napi::Object::New(env);
    size_t cut = key.find('\n');
    row.Set("context", key.substr(0, cut));
    row.Set("name", key.substr(cut + 1));
    row.Set("selfNs", num(s.selfNs));
    row.Set("calls", num(s.calls));
    ops.Set(k++, row);
  }
  out.Set("ops", ops);
  auto calls = Napi::Array::New(env);
  k = 0;
  for (const auto& c : callStats) {
    if (c.calls == 0) continue;
    auto row = Napi::Object::New(env);
    row.Set("name", c.name);
    row.Set("ns", num(c.ns));
    row.Set("insideNs", num(c.insideNs));
    row.Set("calls", num(c.calls));
    calls.Set(k++, row);
  }
  out.Set("calls", calls);
  auto alloc = Napi::Object::New(env);
  alloc.Set("timed", allocTimed);
  alloc.Set("count", num(allocStat.count));
  alloc.Set("bytes", num(allocStat.bytes));
  alloc.Set("ns", num(allocStat.ns));
  alloc.Set("frees", num(allocStat.frees));
  alloc.Set("freeNs", num(allocStat.freeNs));
  out.Set("allocation", alloc);
  return out;
}

}  // namespace

// Every environment (main thread, workers) that loads the addon registers the same names: they share
// ids, so the table only grows while the first one loads, before anything can be timed.
size_t registerCall(const char* name) {
  static std::mutex mutex;
  std::lock_guard<std::mutex> lock(mutex);
  for (size_t i = 0; i < callStats.size(); ++i) {
    if (callStats[i].name == name) return i;
  }
  callStats.push_back(CallStat{name});
  return callStats.size() - 1;
}

CallScope::CallScope(size_t id) : id_(id), start_(read(clockId)), insideStart_(insideNs) {}

CallScope::~CallScope() {
  CallStat& c = callStats[id_];
  c.ns += read(clockId) - start_;
  c.insideNs += insideNs - insideStart_;
  ++c.calls;
}

void registerFunctions(Napi::Env env, Napi::Object exports) {
  L2M_ADD(profilerStart);
  L2M_ADD(profilerStop);
}

}  // namespace l2m::profiler
