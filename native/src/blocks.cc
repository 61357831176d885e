// Inference through a stack of GPT-2 blocks in one call: the same ATen calls, in the same order, as
// src/model/gpt2.ts runs them one N-API crossing at a time (eval mode: dropout is the identity; the
// fused CPU attention), so the results are the same bits.
//
// Why by hand: a one-token decoding pass of the small model is about 25 ops per layer, each a crossing,
// a JS wrapper and a scope entry; those fixed costs were most of a cached decoding call
// (docs/performance.md, "How far the cache can go"). Here they are one crossing per pass.
#include "common.h"

#include <cmath>

namespace l2m {
namespace {

constexpr size_t kPerLayer = 12;

// preLnBlocks(h [B, T, d], keyPaddingMask [B, kLen] bool, params (12 per layer: ln_1 w, b; c_attn w, b;
// attn.c_proj w, b; ln_2 w, b; c_fc w, b; mlp.c_proj w, b), caches ([] or 2 per layer: key and value
// buffers as this function returns them), cacheLen (tokens already in the buffers), reserve (tokens to
// leave room for after this pass when buffers are made), nHead, eps) -> [h, k_0, v_0, k_1, v_1, ...]:
// the blocks' output (before ln_f) and each layer's buffers holding cacheLen + T tokens (keys
// transposed: [B, heads, headDim, capacity]; values [B, heads, capacity, headDim]). This pass's
// keys and values are written in place after the cached ones (no concatenation of the whole cache per
// token); a buffer without room is replaced by a larger one.
L2M_FN(preLnBlocks) {
  Tensor h = tensorArg(info, 0);
  Tensor pad = tensorArg(info, 1);
  if (pad.dim() == 2 && pad.stride(1) != 1) pad = pad.contiguous();
  std::vector<Tensor> params = tensorListArg(info, 2);
  std::vector<Tensor> caches = tensorListArg(info, 3);
  const int64_t cacheLen = intArg(info, 4);
  const int64_t reserve = intArg(info, 5);
  const int64_t H = intArg(info, 6);
  const double eps = numArg(info, 7);
  if (params.empty() || params.size() % kPerLayer != 0) throw std::invalid_argument("preLnBlocks(): params must hold 12 tensors per layer");
  const size_t L = params.size() / kPerLayer;
  if (!caches.empty() && caches.size() != 2 * L) throw std::invalid_argument("preLnBlocks(): caches must be empty or hold k and v per layer");
  if (caches.empty() && cacheLen != 0) throw std::invalid_argument("preLnBlocks(): cacheLen without caches");
  if (h.dim() != 3) throw std::invalid_argument("preLnBlocks(): h must be [batch, tokens, dModel]");
  const int64_t B = h.size(0), T = h.size(1), d = h.size(2);
  if (d % H != 0) throw std::invalid_argument("preLnBlocks(): dModel is not divisible by nHead");
  const int64_t D = d / H;
  const int64_t len = cacheLen + T;
  const double scale = 1.0 / std::sqrt(static_cast<double>(D));
  const std::vector<int64_t> shape{d};
  // Key buffers hold the keys transposed, [B, H, D, capacity] with capacity a multiple of 16, so that
  // attention reads them as they are (the fused kernel transposes each slice's keys otherwise: most of a
  // one-token pass's attention); value buffers are [B, H, capacity, D].
  auto capacity = [&] { return (len + std::max<int64_t>(reserve, 0) + 15) / 16 * 16; };
  auto appendKeys = [&](const Tensor* cached, const Tensor& fresh) {  // fresh [B, H, T, D]
    Tensor buf;
    if (cached && cached->size(3) >= (len + 15) / 16 * 16) {
      buf = *cached;
    } else {
      buf = at::zeros({B, H, D, capacity()}, fresh.options());
      if (cached) buf.narrow(3, 0, cacheLen).copy_(cached->narrow(3, 0, cacheLen));
    }
    buf.narrow(3, cacheLen, T).copy_(fresh.transpose(2, 3));
    return buf;
  };
  auto appendValues = [&](const Tensor* cached, const Tensor& fresh) {
    Tensor buf;
    if (cached && cached->size(2) >= len) {
      buf = *cached;
    } else {
      buf = at::empty({B, H, capacity(), D}, fresh.options());
      if (cached) buf.narrow(2, 0, cacheLen).copy_(cached->narrow(2, 0, cacheLen));
    }
    buf.narrow(2, cacheLen, T).copy_(fresh);
    return buf;
  };
  std::vector<Tensor> out;
  out.reserve(1 + 2 * L);
  out.emplace_back();
  for (size_t l = 0; l < L; l++) {
    const Tensor* p = params.data() + l * kPerLayer;
    // x + attn(ln_1 x)
    Tensor a = at::layer_norm(h, shape, p[0], p[1], eps);
    std::vector<Tensor> qkv = at::split(at::linear(a, p[2], p[3]), d, -1);
    Tensor kBuf = appendKeys(caches.empty() ? nullptr : &caches[2 * l], qkv[1].view({B, T, H, D}).transpose(1, 2));
    Tensor vBuf = appendValues(caches.empty() ? nullptr : &caches[2 * l + 1], qkv[2].view({B, T, H, D}).transpose(1, 2));
    Tensor q = qkv[0].view({B, T, H, D}).transpose(1, 2);
    if (q.stride(3) != 1) q = q.contiguous();
    Tensor y = fusedAttentionKeysT(q, kBuf, len, vBuf, pad, /*causal=*/true, scale);
    y = y.transpose(1, 2).contiguous().view({B, T, d});
    h = at::add(h, at::linear(y, p[4], p[5]));
    // h + mlp(ln_2 h)
    Tensor m = at::gelu(at::linear(at::layer_norm(h, shape, p[6], p[7], eps), p[8], p[9]), "none");
    h = at::add(h, at::linear(m, p[10], p[11]));
    out.push_back(kBuf);
    out.push_back(vBuf);
  }
  out[0] = h;
  return wrapList(info.Env(), out);
}

}  // namespace

void registerBlocks(Napi::Env env, Napi::Object exports) { L2M_ADD(preLnBlocks); }

}  // namespace l2m
