// Fused scaled dot-product attention on the CPU, forward and backward, for the short contexts of the
// Decision Transformer (tens of tokens, head width 16-128).
//
// Why by hand: libtorch 1.13's CPU `bmm` (no MKL) loops over the batch x heads slices with three
// `select` views and one `sgemm` per slice, and the unfused path then makes separate passes for the
// scale, the masks, the softmax and its backward: about a quarter of the small model's update in the
// profile of docs/performance.md, for 1 GFLOP. Here each (batch, head) slice is one pass of plain loops
// over data that stays in L1/L2.
//
// Semantics are those of src/torch/functional.ts `scaledDotProductAttention` (the unfused reference):
//   scores = (q k^T) * scale; masked where causal (key j > query i + kLen - qLen) or where
//   keyPaddingMask[b, j]; masked scores take the lowest float, so a row with every key masked is the
//   uniform distribution over all kLen keys, and a masked score gets no gradient;
//   weights = softmax(scores); in training with p > 0, weights * (bernoulli(1 - p) / (1 - p)), the mask
//   drawn by the same libtorch call, in the same order, as `at::dropout` draws it;
//   out = weights v.
// Each output row is computed by the same loops whatever qLen is, so KV-cached decoding gives the same
// bits as a full pass. Sums run in a fixed order (results do not depend on the thread count).
#include "common.h"

#include <ATen/Parallel.h>
#include <torch/csrc/autograd/custom_function.h>
#include <ATen/record_function.h>

#pragma GCC optimize("O3")

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace l2m {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// Strided [B, H, T, D] access with a contiguous last dimension (heads split from a fused projection
// are views of that kind).
struct View4 {
  const float* data;
  int64_t sb, sh, st;
  const float* row(int64_t b, int64_t h, int64_t t) const { return data + b * sb + h * sh + t * st; }
};
View4 view4(const Tensor& x) { return {x.data_ptr<float>(), x.stride(0), x.stride(1), x.stride(2)}; }

struct Shape {
  int64_t B, H, Tq, Tk, D;
  bool causal;
  float scale;
  // mask row of batch b: true = padding (masked); nullptr = none
  const bool* pad;
  int64_t padStride;
};

// Keys a query row may see: j < rowEnd (causal), and not padding. A row with no visible key attends
// uniformly to all Tk keys (what the unfused path's lowest-value fill gives).
inline int64_t rowEnd(const Shape& s, int64_t i) { return s.causal ? i + (s.Tk - s.Tq) + 1 : s.Tk; }
inline bool anyVisible(const bool* padRow, int64_t end) {
  if (!padRow) return end > 0;
  for (int64_t j = 0; j < end; j++)
    if (!padRow[j]) return true;
  return false;
}

// The kernels are compiled for AVX-512, AVX2 and a baseline; the loader picks one per CPU. The file
// builds at O3 (`#pragma` above; the addon builds at O2) for the vectoriser.
#define L2M_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
constexpr int64_t kBlock = 16;  // one AVX-512 register of floats; the accumulators below stay in registers

// A block of kBlock floats as one GCC vector (a zmm register on AVX-512, two ymm on AVX2), loaded and
// stored unaligned.
inline int64_t padded(int64_t n) { return (n + kBlock - 1) / kBlock * kBlock; }

typedef float Vec __attribute__((vector_size(kBlock * sizeof(float)), aligned(4)));
__attribute__((always_inline)) inline Vec load(const float* p) { return *reinterpret_cast<const Vec*>(p); }
__attribute__((always_inline)) inline void store(float* p, Vec v) { *reinterpret_cast<Vec*>(p) = v; }

// The sums below keep NB blocks (up to 4) and two interleaved partial sums (even and odd terms) in
// registers at once: one accumulator alone would wait on each FMA's latency. The order of every sum is
// fixed, so results do not depend on the data's size or the thread count.

// out[b * kBlock + u] = sum_t x[t] y[t * ld + b * kBlock + u] for NB blocks, t < n.
template <int NB>
__attribute__((always_inline)) inline void dotBlocks(const float* __restrict x, int64_t n, const float* __restrict y, int64_t ld, Vec* out) {
  Vec a[NB] = {}, b[NB] = {};
  int64_t t = 0;
  for (; t + 1 < n; t += 2) {
    const float x0 = x[t], x1 = x[t + 1];
    const float* y0 = y + t * ld;
    const float* y1 = y0 + ld;
    for (int k = 0; k < NB; k++) {
      a[k] += x0 * load(y0 + k * kBlock);
      b[k] += x1 * load(y1 + k * kBlock);
    }
  }
  if (t < n)
    for (int k = 0; k < NB; k++) a[k] += x[t] * load(y + t * ld + k * kBlock);
  for (int k = 0; k < NB; k++) out[k] = a[k] + b[k];
}

// out[c] = sum_t x[t] y[t * ld + c] for c < width (a multiple of kBlock), in groups of up to 4 blocks.
__attribute__((always_inline)) inline void dotColumns(const float* __restrict x, int64_t n, const float* __restrict y, int64_t ld, int64_t width, Vec* out) {
  int64_t c = 0;
  for (; c + 4 * kBlock <= width; c += 4 * kBlock) dotBlocks<4>(x, n, y + c, ld, out + c / kBlock);
  switch ((width - c) / kBlock) {
    case 3: dotBlocks<3>(x, n, y + c, ld, out + c / kBlock); break;
    case 2: dotBlocks<2>(x, n, y + c, ld, out + c / kBlock); break;
    case 1: dotBlocks<1>(x, n, y + c, ld, out + c / kBlock); break;
    default: break;
  }
}

// out[j] = sum_d x[d] yt[d, j] for j < end (yt is [D, ld], ld a multiple of kBlock); `tmp` holds
// ld floats.
__attribute__((always_inline)) inline void rowDots(const float* __restrict x, const float* __restrict yt, int64_t D, int64_t ld, int64_t end, float* __restrict out, Vec* tmp) {
  dotColumns(x, D, yt, ld, padded(end), tmp);
  const float* r = reinterpret_cast<const float*>(tmp);
  for (int64_t j = 0; j < end; j++) out[j] = r[j];
}

// out[d] = sum_j w[j] rows[j, d] for j < n, rows strided by `st`; `tmp` holds D floats.
__attribute__((always_inline)) inline void weightedRows(const float* __restrict w, int64_t n, const float* __restrict rows, int64_t st, int64_t D, float* __restrict out, Vec* tmp) {
  const int64_t width = D / kBlock * kBlock;
  dotColumns(w, n, rows, st, width, tmp);
  const float* r = reinterpret_cast<const float*>(tmp);
  for (int64_t d = 0; d < width; d++) out[d] = r[d];
  for (int64_t d = width; d < D; d++) {
    float acc = 0.f;
    for (int64_t j = 0; j < n; j++) acc += w[j] * rows[j * st + d];
    out[d] = acc;
  }
}

// [T, D] rows (strided) transposed into [D, ld], zero beyond T.
__attribute__((always_inline)) inline void transposeInto(const float* __restrict x, int64_t st, int64_t T, int64_t D, int64_t ld, float* __restrict xt) {
  for (int64_t d = 0; d < D; d++)
    for (int64_t j = T; j < ld; j++) xt[d * ld + j] = 0.f;
  for (int64_t j = 0; j < T; j++)
    for (int64_t d = 0; d < D; d++) xt[d * ld + j] = x[j * st + d];
}


// P[i, :] (softmax weights of one slice, [Tq, Tk]) and out[i, :] ([Tq, D]) for one slice, from its keys
// transposed (kt [D, ld], ld a multiple of kBlock, at least padded(Tk)); w is a row of scratch (the
// weights after dropout).
L2M_CLONES void forwardRows(const Shape& s, const float* __restrict q0, int64_t qst, const float* __restrict kt, int64_t ld,
                            const float* __restrict v0, int64_t vst, const bool* __restrict padRow, float* __restrict P,
                            const float* __restrict noise, float* __restrict out, float* __restrict w, Vec* tmp) {
  const int64_t Tq = s.Tq, Tk = s.Tk, D = s.D;
  const float scale = s.scale;
  for (int64_t i = 0; i < Tq; i++) {
    float* __restrict p = P + i * Tk;
    const int64_t end = rowEnd(s, i);
    const bool any = anyVisible(padRow, end);
    for (int64_t j = 0; j < Tk; j++) p[j] = 0.f;
    if (any) {
      rowDots(q0 + i * qst, kt, D, ld, end, p, tmp);
      float m = std::numeric_limits<float>::lowest();
      for (int64_t j = 0; j < end; j++) {
        p[j] *= scale;
        if (!(padRow && padRow[j]) && p[j] > m) m = p[j];
      }
      float sum = 0.f;
      for (int64_t j = 0; j < end; j++) {
        const float e = (padRow && padRow[j]) ? 0.f : std::exp(p[j] - m);
        p[j] = e;
        sum += e;
      }
      for (int64_t j = 0; j < end; j++) p[j] /= sum;
    } else {
      for (int64_t j = 0; j < Tk; j++) p[j] = 1.f / static_cast<float>(Tk);
    }
    const int64_t last = any ? end : Tk;
    const float* __restrict wi = p;
    if (noise) {
      const float* __restrict nz = noise + i * Tk;
      for (int64_t j = 0; j < last; j++) w[j] = p[j] * nz[j];
      wi = w;
    }
    weightedRows(wi, last, v0, vst, D, out + i * D, tmp);
  }
}

// The same from the keys as stored ([Tk, D] rows strided by kst), transposed into kt ([D, padded(Tk)]).
L2M_CLONES void forwardSlice(const Shape& s, const float* __restrict q0, int64_t qst, const float* __restrict k0, int64_t kst,
                             const float* __restrict v0, int64_t vst, const bool* __restrict padRow, float* __restrict P,
                             const float* __restrict noise, float* __restrict out, float* __restrict kt, float* __restrict w, Vec* tmp) {
  const int64_t ld = padded(s.Tk);
  transposeInto(k0, kst, s.Tk, s.D, ld, kt);
  forwardRows(s, q0, qst, kt, ld, v0, vst, padRow, P, noise, out, w, tmp);
}

// Gradients of one slice: dq [Tq, D], dk, dv [Tk, D] (contiguous, written, not accumulated). Scratch:
// vt [D, ld], dS [Tq, Tk], and the transposed weights and dS ([Tk, Tq] each) for the key-side sums.
L2M_CLONES void backwardSlice(const Shape& s, const float* __restrict q0, int64_t qst, const float* __restrict k0, int64_t kst,
                              const float* __restrict v0, int64_t vst, const bool* __restrict padRow, const float* __restrict P,
                              const float* __restrict noise, const float* __restrict g0, int64_t gst, float* __restrict dq,
                              float* __restrict dk, float* __restrict dv, float* __restrict vt, float* __restrict dS,
                              float* __restrict wT, float* __restrict dST, Vec* tmp) {
  const int64_t Tq = s.Tq, Tk = s.Tk, D = s.D, ld = padded(Tk);
  const float scale = s.scale;
  transposeInto(v0, vst, Tk, D, ld, vt);
  for (int64_t i = 0; i < Tq; i++) {
    const float* __restrict p = P + i * Tk;
    const float* __restrict nz = noise ? noise + i * Tk : nullptr;
    const int64_t end = rowEnd(s, i);
    const bool any = anyVisible(padRow, end);
    // The weights after dropout, transposed for dv[j] = sum_i w[i, j] g[i].
    for (int64_t j = 0; j < Tk; j++) wT[j * Tq + i] = nz ? p[j] * nz[j] : p[j];
    float* __restrict ds = dS + i * Tk;
    for (int64_t j = 0; j < Tk; j++) ds[j] = 0.f;
    if (any) {
      // dw[i, j] = g[i] . v[j], through the dropout mask to dP, then the softmax backward; a masked
      // score (and so every score of a row with no visible key) gets none.
      rowDots(g0 + i * gst, vt, D, ld, end, ds, tmp);
      if (nz)
        for (int64_t j = 0; j < end; j++) ds[j] *= nz[j];
      float dot = 0.f;
      for (int64_t j = 0; j < end; j++) dot += p[j] * ds[j];
      for (int64_t j = 0; j < end; j++) ds[j] = (padRow && padRow[j]) ? 0.f : p[j] * (ds[j] - dot) * scale;
    }
    for (int64_t j = 0; j < Tk; j++) dST[j * Tq + i] = ds[j];
    // dq[i] = sum_j dS[i, j] k[j]
    weightedRows(ds, any ? end : 0, k0, kst, D, dq + i * D, tmp);
  }
  // dv[j] = sum_i w[i, j] g[i]; dk[j] = sum_i dS[i, j] q[i]
  for (int64_t j = 0; j < Tk; j++) {
    weightedRows(wT + j * Tq, Tq, g0, gst, D, dv + j * D, tmp);
    weightedRows(dST + j * Tq, Tq, q0, qst, D, dk + j * D, tmp);
  }
}

Shape shapeOf(const Tensor& q, const Tensor& k, const c10::optional<Tensor>& pad, bool causal, double scale) {
  Shape s{q.size(0), q.size(1), q.size(2), k.size(2), q.size(3), causal, static_cast<float>(scale), nullptr, 0};
  if (pad && pad->defined()) {
    s.pad = pad->data_ptr<bool>();
    s.padStride = pad->stride(0);
  }
  return s;
}

const bool* padRowOf(const Shape& s, int64_t b) { return s.pad ? s.pad + b * s.padStride : nullptr; }

struct FusedAttention : public torch::autograd::Function<FusedAttention> {
  static Tensor forward(AutogradContext* ctx, Tensor q, Tensor k, Tensor v, c10::optional<Tensor> pad, bool causal, double scale, double p) {
    RECORD_FUNCTION("l2m::fused_attention", std::vector<c10::IValue>{});
    const Shape s = shapeOf(q, k, pad, causal, scale);
    Tensor P = at::empty({s.B, s.H, s.Tq, s.Tk}, q.options());
    Tensor noise;
    // The same draws as at::dropout's (`_dropout_impl`): bernoulli_(1 - p) over the weights' shape, / (1 - p).
    if (p > 0) noise = at::empty_like(P).bernoulli_(1 - p).div_(1 - p);
    Tensor out = at::empty({s.B, s.H, s.Tq, s.D}, q.options());
    const View4 Q = view4(q), K = view4(k), V = view4(v);
    float* Pd = P.data_ptr<float>();
    const float* Nd = noise.defined() ? noise.data_ptr<float>() : nullptr;
    float* Od = out.data_ptr<float>();
    at::parallel_for(0, s.B * s.H, 1, [&](int64_t lo, int64_t hi) {
      std::vector<Vec> tmp(static_cast<size_t>(std::max(padded(s.Tk), padded(s.D)) / kBlock));
      std::vector<float> kt(static_cast<size_t>(s.D * padded(s.Tk))), w(static_cast<size_t>(s.Tk));
      for (int64_t x = lo; x < hi; x++) {
        const int64_t b = x / s.H, h = x % s.H;
        const int64_t pOff = x * s.Tq * s.Tk;
        forwardSlice(s, Q.row(b, h, 0), Q.st, K.row(b, h, 0), K.st, V.row(b, h, 0), V.st, padRowOf(s, b), Pd + pOff,
                     Nd ? Nd + pOff : nullptr, Od + x * s.Tq * s.D, kt.data(), w.data(), tmp.data());
      }
    });
    ctx->save_for_backward({q, k, v, P, noise});
    if (pad && pad->defined()) ctx->saved_data["pad"] = *pad;
    ctx->saved_data["causal"] = causal;
    ctx->saved_data["scale"] = scale;
    return out;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    RECORD_FUNCTION("l2m::fused_attention_backward", std::vector<c10::IValue>{});
    auto saved = ctx->get_saved_variables();
    const Tensor &q = saved[0], &k = saved[1], &v = saved[2], &P = saved[3], &noise = saved[4];
    c10::optional<Tensor> pad;
    if (ctx->saved_data.count("pad")) pad = ctx->saved_data["pad"].toTensor();
    const Shape s = shapeOf(q, k, pad, ctx->saved_data["causal"].toBool(), ctx->saved_data["scale"].toDouble());
    Tensor g = grads[0];
    if (g.stride(3) != 1) g = g.contiguous();
    Tensor dq = at::empty({s.B, s.H, s.Tq, s.D}, q.options());
    Tensor dk = at::empty({s.B, s.H, s.Tk, s.D}, q.options());
    Tensor dv = at::empty({s.B, s.H, s.Tk, s.D}, q.options());
    const View4 Q = view4(q), K = view4(k), V = view4(v), G = view4(g);
    const float* Pd = P.data_ptr<float>();
    const float* Nd = noise.defined() ? noise.data_ptr<float>() : nullptr;
    float *dqd = dq.data_ptr<float>(), *dkd = dk.data_ptr<float>(), *dvd = dv.data_ptr<float>();
    at::parallel_for(0, s.B * s.H, 1, [&](int64_t lo, int64_t hi) {
      std::vector<Vec> tmp(static_cast<size_t>(std::max(padded(s.Tk), padded(s.D)) / kBlock));
      std::vector<float> vt(static_cast<size_t>(s.D * padded(s.Tk)));
      std::vector<float> dS(static_cast<size_t>(s.Tq * s.Tk)), wT(dS.size()), dST(dS.size());
      for (int64_t x = lo; x < hi; x++) {
        const int64_t b = x / s.H, h = x % s.H;
        const int64_t pOff = x * s.Tq * s.Tk;
        backwardSlice(s, Q.row(b, h, 0), Q.st, K.row(b, h, 0), K.st, V.row(b, h, 0), V.st, padRowOf(s, b), Pd + pOff,
                      Nd ? Nd + pOff : nullptr, G.row(b, h, 0), G.st, dqd + x * s.Tq * s.D, dkd + x * s.Tk * s.D,
                      dvd + x * s.Tk * s.D, vt.data(), dS.data(), wT.data(), dST.data(), tmp.data());
      }
    });
    return {dq, dk, dv, Tensor(), Tensor(), Tensor(), Tensor()};
  }
};

}  // namespace

// q [B, H, Tq, D], k and v [B, H, Tk, D], float32 on the CPU; keyPaddingMask [B, Tk] bool (true =
// masked). dropoutP > 0 draws the dropout mask (training); 0 for none. Also called by blocks.cc.
Tensor fusedAttention(Tensor q, Tensor k, Tensor v, c10::optional<Tensor> pad, bool causal, double scale, double p) {
  auto check = [](bool ok, const std::string& what) {
    if (!ok) throw std::invalid_argument("fusedAttention(): " + what);
  };
  for (const Tensor* t : {&q, &k, &v}) {
    check(t->dim() == 4, "q, k and v must be 4-D [batch, heads, tokens, channels]");
    check(t->device().is_cpu() && t->scalar_type() == at::kFloat, "q, k and v must be float32 on the CPU");
  }
  check(k.sizes() == v.sizes(), "k and v must have one shape");
  check(q.size(0) == k.size(0) && q.size(1) == k.size(1) && q.size(3) == k.size(3), "q and k must agree in batch, heads and channels");
  check(!causal || q.size(2) <= k.size(2), "causal attention needs qLen <= kLen");
  check(p >= 0 && p < 1, "dropout must be in [0, 1)");
  // The kernels read rows through strides with a unit channel stride.
  if (q.stride(3) != 1) q = q.contiguous();
  if (k.stride(3) != 1) k = k.contiguous();
  if (v.stride(3) != 1) v = v.contiguous();
  if (pad) {
    check(pad->scalar_type() == at::kBool && pad->dim() == 2 && pad->size(0) == q.size(0) && pad->size(1) == k.size(2),
          "keyPaddingMask must be bool [batch, kLen]");
    if (pad->stride(1) != 1) pad = pad->contiguous();
  }
  return FusedAttention::apply(q, k, v, pad, causal, scale, p);
}

// Inference from keys stored transposed: kt [B, H, D, ld] (ld a multiple of 16, the first tk columns
// the keys; the rest is read and ignored), v [B, H, >= tk, D]. The same loops as fusedAttention's
// forward on the same keys (which it transposes per slice itself), so the same bits; no autograd.
Tensor fusedAttentionKeysT(const Tensor& q, const Tensor& kt, int64_t tk, const Tensor& v, const c10::optional<Tensor>& pad, bool causal, double scale) {
  RECORD_FUNCTION("l2m::fused_attention_keys_t", std::vector<c10::IValue>{});
  auto check = [](bool ok, const std::string& what) {
    if (!ok) throw std::invalid_argument("fusedAttentionKeysT(): " + what);
  };
  check(q.dim() == 4 && kt.dim() == 4 && v.dim() == 4, "q, kt and v must be 4-D");
  for (const Tensor* t : {&q, &kt, &v}) check(t->device().is_cpu() && t->scalar_type() == at::kFloat && t->stride(3) == 1, "q, kt and v must be float32 on the CPU with unit channel stride");
  const int64_t ld = kt.size(3);
  check(ld % kBlock == 0 && ld >= padded(tk) && kt.stride(2) == ld, "kt's rows must be whole, with room for padded(tk) columns");
  check(kt.size(0) == q.size(0) && kt.size(1) == q.size(1) && kt.size(2) == q.size(3), "kt must be [batch, heads, channels, ld]");
  check(v.size(0) == q.size(0) && v.size(1) == q.size(1) && v.size(2) >= tk && v.size(3) == q.size(3), "v must be [batch, heads, >= tk, channels]");
  check(!causal || q.size(2) <= tk, "causal attention needs qLen <= kLen");
  Shape s{q.size(0), q.size(1), q.size(2), tk, q.size(3), causal, static_cast<float>(scale), nullptr, 0};
  if (pad && pad->defined()) {
    check(pad->scalar_type() == at::kBool && pad->dim() == 2 && pad->size(0) == s.B && pad->size(1) == tk && pad->stride(1) == 1, "keyPaddingMask must be bool [batch, kLen]");
    s.pad = pad->data_ptr<bool>();
    s.padStride = pad->stride(0);
  }
  Tensor out = at::empty({s.B, s.H, s.Tq, s.D}, q.options());
  const View4 Q = view4(q), V = view4(v);
  const float* KT = kt.data_ptr<float>();
  float* Od = out.data_ptr<float>();
  at::parallel_for(0, s.B * s.H, 1, [&](int64_t lo, int64_t hi) {
    std::vector<Vec> tmp(static_cast<size_t>(std::max(padded(s.Tk), padded(s.D)) / kBlock));
    std::vector<float> P(static_cast<size_t>(s.Tq * s.Tk)), w(static_cast<size_t>(s.Tk));
    for (int64_t x = lo; x < hi; x++) {
      const int64_t b = x / s.H, h = x % s.H;
      forwardRows(s, Q.row(b, h, 0), Q.st, KT + b * kt.stride(0) + h * kt.stride(1), ld, V.row(b, h, 0), V.st, padRowOf(s, b),
                  P.data(), nullptr, Od + x * s.Tq * s.D, w.data(), tmp.data());
    }
  });
  return out;
}

namespace {

// fusedAttention(q, k, v, keyPaddingMask | null, causal, scale, dropoutP): see above.
L2M_FN(fusedAttentionFn) {
  return wrap(info.Env(), fusedAttention(tensorArg(info, 0), tensorArg(info, 1), tensorArg(info, 2), optTensorArg(info, 3),
                                         boolArg(info, 4), numArg(info, 5), numArg(info, 6)));
}

}  // namespace

void registerAttention(Napi::Env env, Napi::Object exports) { l2m::addFunction(env, exports, "fusedAttention", fusedAttentionFn); }

}  // namespace l2m
