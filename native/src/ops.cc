// Tensor operations: thin, mechanical forwards to ATen. Arguments arrive already checked and
// normalised by src/torch; ATen checks shapes and dtypes and its messages reach JS unchanged.
#include "common.h"

namespace l2m {

static Napi::Env envOf(const Info& info) { return info.Env(); }
#define RET(expr) return wrap(envOf(info), (expr))
#define T(i) tensorArg(info, i)

static bool given(const Info& info, size_t i) {
  return i < info.Length() && !info[i].IsUndefined() && !info[i].IsNull();
}
static at::OptionalIntArrayRef noDims() { return c10::nullopt; }

static int64_t reductionArg(const Info& info, size_t i) {
  if (!given(info, i)) return at::Reduction::Mean;
  std::string r = strArg(info, i);
  if (r == "mean") return at::Reduction::Mean;
  if (r == "sum") return at::Reduction::Sum;
  if (r == "none") return at::Reduction::None;
  throw std::invalid_argument("reduction must be 'mean', 'sum' or 'none', not '" + r + "'");
}

static c10::optional<at::Scalar> optScalarArg(const Info& info, size_t i) {
  if (!given(info, i)) return c10::nullopt;
  return scalarArg(info, i);
}

// ---- elementwise: tensor (op) tensor-or-number ----

#define BINARY(NAME, TT, TS)                 \
  L2M_FN(NAME) {                             \
    Tensor& a = T(0);                        \
    if (isTensor(info[1])) {                 \
      Tensor& b = T(1);                      \
      RET(TT);                               \
    }                                        \
    at::Scalar s = scalarArg(info, 1);       \
    RET(TS);                                 \
  }

BINARY(add, at::add(a, b, given(info, 2) ? scalarArg(info, 2) : at::Scalar(1)), at::add(a, s, given(info, 2) ? scalarArg(info, 2) : at::Scalar(1)))
BINARY(sub, at::sub(a, b, given(info, 2) ? scalarArg(info, 2) : at::Scalar(1)), at::sub(a, s, given(info, 2) ? scalarArg(info, 2) : at::Scalar(1)))
BINARY(mul, at::mul(a, b), at::mul(a, s))
BINARY(div, at::div(a, b), at::div(a, s))
BINARY(floorDivide, at::div(a, b, "floor"), at::div(a, s, "floor"))
BINARY(remainder, at::remainder(a, b), at::remainder(a, s))
BINARY(pow, at::pow(a, b), at::pow(a, s))
BINARY(eq, at::eq(a, b), at::eq(a, s))
BINARY(ne, at::ne(a, b), at::ne(a, s))
BINARY(lt, at::lt(a, b), at::lt(a, s))
BINARY(le, at::le(a, b), at::le(a, s))
BINARY(gt, at::gt(a, b), at::gt(a, s))
BINARY(ge, at::ge(a, b), at::ge(a, s))
BINARY(maximum, at::maximum(a, b), at::clamp_min(a, s))
BINARY(minimum, at::minimum(a, b), at::clamp_max(a, s))
BINARY(atan2, at::atan2(a, b), at::atan2(a, at::scalar_tensor(s, a.options())))
BINARY(logicalAnd, at::logical_and(a, b), at::logical_and(a, at::scalar_tensor(s, a.options())))
BINARY(logicalOr, at::logical_or(a, b), at::logical_or(a, at::scalar_tensor(s, a.options())))
BINARY(logicalXor, at::logical_xor(a, b), at::logical_xor(a, at::scalar_tensor(s, a.options())))

L2M_FN(rpow) { RET(at::pow(scalarArg(info, 0), T(1))); }  // number ** tensor

// ---- elementwise unary ----

#define UNARY(NAME, EXPR) \
  L2M_FN(NAME) {          \
    Tensor& a = T(0);     \
    RET(EXPR);            \
  }

UNARY(neg, at::neg(a))
UNARY(abs, at::abs(a))
UNARY(exp, at::exp(a))
UNARY(log, at::log(a))
UNARY(log2, at::log2(a))
UNARY(log1p, at::log1p(a))
UNARY(expm1, at::expm1(a))
UNARY(sqrt, at::sqrt(a))
UNARY(rsqrt, at::rsqrt(a))
UNARY(square, at::square(a))
UNARY(reciprocal, at::reciprocal(a))
UNARY(sin, at::sin(a))
UNARY(cos, at::cos(a))
UNARY(tanh, at::tanh(a))
UNARY(atanh, at::atanh(a))
UNARY(sigmoid, at::sigmoid(a))
UNARY(logSigmoid, at::log_sigmoid(a))
UNARY(relu, at::relu(a))
UNARY(silu, at::silu(a))
UNARY(mish, at::mish(a))
UNARY(erf, at::erf(a))
UNARY(floor, at::floor(a))
UNARY(ceil, at::ceil(a))
UNARY(round, at::round(a))
UNARY(trunc, at::trunc(a))
UNARY(sign, at::sign(a))
UNARY(isfinite, at::isfinite(a))
UNARY(isnan, at::isnan(a))
UNARY(isinf, at::isinf(a))
UNARY(logicalNot, at::logical_not(a))
UNARY(contiguous, a.contiguous())
UNARY(clone, a.clone())
UNARY(detach, a.detach())
UNARY(alias, a)  // a second reference to the same tensor (same autograd identity)

L2M_FN(gelu) { RET(at::gelu(T(0), given(info, 1) ? strArg(info, 1) : std::string("none"))); }
L2M_FN(softplus) { RET(at::softplus(T(0), scalarArg(info, 1), scalarArg(info, 2))); }
L2M_FN(elu) { RET(at::elu(T(0), scalarArg(info, 1))); }
L2M_FN(leakyRelu) { RET(at::leaky_relu(T(0), scalarArg(info, 1))); }
L2M_FN(clamp) { RET(at::clamp(T(0), optScalarArg(info, 1), optScalarArg(info, 2))); }
L2M_FN(clampTensor) { RET(at::clamp(T(0), optTensorArg(info, 1), optTensorArg(info, 2))); }
L2M_FN(lerp) {
  if (isTensor(info[2])) RET(at::lerp(T(0), T(1), T(2)));
  RET(at::lerp(T(0), T(1), scalarArg(info, 2)));
}
L2M_FN(where) {
  Tensor& c = T(0);
  bool ta = isTensor(info[1]), tb = isTensor(info[2]);
  if (ta && tb) RET(at::where(c, T(1), T(2)));
  if (ta) RET(at::where(c, T(1), scalarArg(info, 2)));
  if (tb) RET(at::where(c, scalarArg(info, 1), T(2)));
  RET(at::where(c, scalarArg(info, 1), scalarArg(info, 2)));
}
L2M_FN(maskedFill) {
  if (isTensor(info[2])) RET(at::masked_fill(T(0), T(1), T(2)));
  RET(at::masked_fill(T(0), T(1), scalarArg(info, 2)));
}
L2M_FN(to) {
  Tensor& a = T(0);
  at::ScalarType dt = given(info, 1) ? dtypeFromName(strArg(info, 1)) : a.scalar_type();
  at::Device dev = given(info, 2) ? at::Device(strArg(info, 2)) : a.device();
  bool copy = info.Length() > 3 && boolArg(info, 3);
  RET(a.to(dev, dt, /*non_blocking=*/false, copy));
}

// ---- reductions (dims: undefined = all) ----

#define REDUCE(NAME, ALL, DIMS)                             \
  L2M_FN(NAME) {                                            \
    Tensor& a = T(0);                                       \
    if (!given(info, 1)) RET(ALL);                          \
    auto dims = intsArg(info, 1);                           \
    bool keepdim = info.Length() > 2 && boolArg(info, 2);   \
    RET(DIMS);                                              \
  }

REDUCE(sum, at::sum(a), at::sum(a, dims, keepdim))
REDUCE(mean, at::mean(a), at::mean(a, dims, keepdim))
REDUCE(amax, at::amax(a, at::IntArrayRef{}), at::amax(a, dims, keepdim))
REDUCE(amin, at::amin(a, at::IntArrayRef{}), at::amin(a, dims, keepdim))
REDUCE(logsumexp, at::logsumexp(a.reshape({-1}), {0}), at::logsumexp(a, dims, keepdim))

L2M_FN(maxAll) { RET(at::max(T(0))); }
L2M_FN(minAll) { RET(at::min(T(0))); }
L2M_FN(maxDim) {
  auto r = at::max(T(0), intArg(info, 1), boolArg(info, 2));
  return wrapList(info.Env(), {std::get<0>(r), std::get<1>(r)});
}
L2M_FN(minDim) {
  auto r = at::min(T(0), intArg(info, 1), boolArg(info, 2));
  return wrapList(info.Env(), {std::get<0>(r), std::get<1>(r)});
}
L2M_FN(argmax) {
  if (!given(info, 1)) RET(at::argmax(T(0)));
  RET(at::argmax(T(0), intArg(info, 1), boolArg(info, 2)));
}
L2M_FN(argmin) {
  if (!given(info, 1)) RET(at::argmin(T(0)));
  RET(at::argmin(T(0), intArg(info, 1), boolArg(info, 2)));
}
L2M_FN(topk) {
  auto r = at::topk(T(0), intArg(info, 1), intArg(info, 2), boolArg(info, 3), boolArg(info, 4));
  return wrapList(info.Env(), {std::get<0>(r), std::get<1>(r)});
}
L2M_FN(sort) {
  auto r = at::sort(T(0), intArg(info, 1), boolArg(info, 2));
  return wrapList(info.Env(), {std::get<0>(r), std::get<1>(r)});
}
L2M_FN(std_) {
  bool unbiased = boolArg(info, 2);
  if (!given(info, 1)) RET(at::std(T(0), unbiased));
  RET(at::std(T(0), at::OptionalIntArrayRef(intsArg(info, 1)), unbiased, boolArg(info, 3)));
}
L2M_FN(var) {
  bool unbiased = boolArg(info, 2);
  if (!given(info, 1)) RET(at::var(T(0), unbiased));
  RET(at::var(T(0), at::OptionalIntArrayRef(intsArg(info, 1)), unbiased, boolArg(info, 3)));
}
L2M_FN(prod) {
  if (!given(info, 1)) RET(at::prod(T(0)));
  RET(at::prod(T(0), intArg(info, 1), boolArg(info, 2)));
}
L2M_FN(norm) {
  at::Scalar ord = scalarArg(info, 1);
  if (!given(info, 2)) RET(at::linalg_vector_norm(T(0), ord, noDims(), false));
  auto dims = intsArg(info, 2);
  RET(at::linalg_vector_norm(T(0), ord, at::OptionalIntArrayRef(dims), boolArg(info, 3)));
}
L2M_FN(all) {
  if (!given(info, 1)) RET(at::all(T(0)));
  RET(at::all(T(0), intArg(info, 1), boolArg(info, 2)));
}
L2M_FN(any) {
  if (!given(info, 1)) RET(at::any(T(0)));
  RET(at::any(T(0), intArg(info, 1), boolArg(info, 2)));
}
L2M_FN(cumsum) { RET(at::cumsum(T(0), intArg(info, 1))); }
L2M_FN(cumprod) { RET(at::cumprod(T(0), intArg(info, 1))); }

// ---- shape and indexing ----

L2M_FN(reshape) { RET(at::reshape(T(0), intsArg(info, 1))); }
L2M_FN(view) { RET(T(0).view(intsArg(info, 1))); }
L2M_FN(transpose) { RET(at::transpose(T(0), intArg(info, 1), intArg(info, 2))); }
L2M_FN(permute) { RET(at::permute(T(0), intsArg(info, 1))); }
L2M_FN(narrow) { RET(at::narrow(T(0), intArg(info, 1), intArg(info, 2), intArg(info, 3))); }
L2M_FN(slice) {
  c10::optional<int64_t> start, end;
  if (given(info, 2)) start = intArg(info, 2);
  if (given(info, 3)) end = intArg(info, 3);
  RET(at::slice(T(0), intArg(info, 1), start, end, given(info, 4) ? intArg(info, 4) : 1));
}
L2M_FN(select) { RET(at::select(T(0), intArg(info, 1), intArg(info, 2))); }
L2M_FN(indexSelect) { RET(at::index_select(T(0), intArg(info, 1), T(2))); }
L2M_FN(index) {
  c10::List<c10::optional<Tensor>> idx;
  for (auto& t : tensorListArg(info, 1)) idx.push_back(t);
  RET(at::index(T(0), idx));
}
L2M_FN(indexPut) {
  c10::List<c10::optional<Tensor>> idx;
  for (auto& t : tensorListArg(info, 1)) idx.push_back(t);
  RET(at::index_put(T(0), idx, T(2), info.Length() > 3 && boolArg(info, 3)));
}
L2M_FN(maskedSelect) { RET(at::masked_select(T(0), T(1))); }
L2M_FN(gather) { RET(at::gather(T(0), intArg(info, 1), T(2))); }
L2M_FN(scatter) {
  if (isTensor(info[3])) RET(at::scatter(T(0), intArg(info, 1), T(2), T(3)));
  RET(at::scatter(T(0), intArg(info, 1), T(2), scalarArg(info, 3)));
}
L2M_FN(scatterAdd) { RET(at::scatter_add(T(0), intArg(info, 1), T(2), T(3))); }
L2M_FN(cat) { RET(at::cat(tensorListArg(info, 0), intArg(info, 1))); }
L2M_FN(stack) { RET(at::stack(tensorListArg(info, 0), intArg(info, 1))); }
L2M_FN(split) {
  if (info[1].IsNumber()) return wrapList(info.Env(), at::split(T(0), intArg(info, 1), intArg(info, 2)));
  return wrapList(info.Env(), at::split_with_sizes(T(0), intsArg(info, 1), intArg(info, 2)));
}
L2M_FN(chunk) { return wrapList(info.Env(), at::chunk(T(0), intArg(info, 1), intArg(info, 2))); }
L2M_FN(unbind) { return wrapList(info.Env(), at::unbind(T(0), intArg(info, 1))); }
L2M_FN(expand) { RET(T(0).expand(intsArg(info, 1))); }
L2M_FN(repeat) { RET(T(0).repeat(intsArg(info, 1))); }
L2M_FN(repeatInterleave) { RET(at::repeat_interleave(T(0), intArg(info, 1), intArg(info, 2))); }
L2M_FN(squeeze) {
  if (!given(info, 1)) RET(at::squeeze(T(0)));
  RET(at::squeeze(T(0), intArg(info, 1)));
}
L2M_FN(unsqueeze) { RET(at::unsqueeze(T(0), intArg(info, 1))); }
L2M_FN(flatten) { RET(at::flatten(T(0), intArg(info, 1), intArg(info, 2))); }
L2M_FN(flip) { RET(at::flip(T(0), intsArg(info, 1))); }
L2M_FN(roll) { RET(at::roll(T(0), intsArg(info, 1), intsArg(info, 2))); }
L2M_FN(triu) { RET(at::triu(T(0), intArg(info, 1))); }
L2M_FN(tril) { RET(at::tril(T(0), intArg(info, 1))); }
L2M_FN(pad) { RET(at::constant_pad_nd(T(0), intsArg(info, 1), scalarArg(info, 2))); }
L2M_FN(oneHot) { RET(at::one_hot(T(0), intArg(info, 1))); }

// ---- linear algebra ----

L2M_FN(matmul) { RET(at::matmul(T(0), T(1))); }
L2M_FN(mm) { RET(at::mm(T(0), T(1))); }
L2M_FN(bmm) { RET(at::bmm(T(0), T(1))); }
L2M_FN(linear) { RET(at::linear(T(0), T(1), optTensorArg(info, 2))); }
L2M_FN(einsum) { RET(at::einsum(strArg(info, 0), tensorListArg(info, 1))); }
L2M_FN(outer) { RET(at::outer(T(0), T(1))); }

// ---- neural-network functions ----

L2M_FN(softmax) { RET(at::softmax(T(0), intArg(info, 1))); }
L2M_FN(logSoftmax) { RET(at::log_softmax(T(0), intArg(info, 1))); }
L2M_FN(layerNorm) {
  RET(at::layer_norm(T(0), intsArg(info, 1), optTensorArg(info, 2), optTensorArg(info, 3), numArg(info, 4)));
}
L2M_FN(dropout) { RET(at::dropout(T(0), numArg(info, 1), boolArg(info, 2))); }
L2M_FN(embedding) { RET(at::embedding(T(0), T(1), given(info, 2) ? intArg(info, 2) : -1)); }
L2M_FN(crossEntropy) {
  RET(at::cross_entropy_loss(T(0), T(1), optTensorArg(info, 2), reductionArg(info, 3), intArg(info, 4), numArg(info, 5)));
}
L2M_FN(nllLoss) { RET(at::nll_loss_nd(T(0), T(1), optTensorArg(info, 2), reductionArg(info, 3), intArg(info, 4))); }
L2M_FN(mseLoss) { RET(at::mse_loss(T(0), T(1), reductionArg(info, 2))); }
L2M_FN(l1Loss) { RET(at::l1_loss(T(0), T(1), reductionArg(info, 2))); }
L2M_FN(smoothL1Loss) { RET(at::smooth_l1_loss(T(0), T(1), reductionArg(info, 2), numArg(info, 3))); }
L2M_FN(huberLoss) { RET(at::huber_loss(T(0), T(1), reductionArg(info, 2), numArg(info, 3))); }
L2M_FN(bceWithLogits) {
  RET(at::binary_cross_entropy_with_logits(T(0), T(1), optTensorArg(info, 2), optTensorArg(info, 3), reductionArg(info, 4)));
}
L2M_FN(bce) { RET(at::binary_cross_entropy(T(0), T(1), optTensorArg(info, 2), reductionArg(info, 3))); }
L2M_FN(cosineSimilarity) { RET(at::cosine_similarity(T(0), T(1), intArg(info, 2), numArg(info, 3))); }

// ---- random ----

L2M_FN(multinomial) { RET(at::multinomial(T(0), intArg(info, 1), boolArg(info, 2))); }
L2M_FN(bernoulli) { RET(at::bernoulli(T(0))); }

// ---- in place (return nothing: the JS object already holds the tensor) ----

#define INPLACE(NAME, STMT)                \
  L2M_FN(NAME) {                           \
    Tensor& a = T(0);                      \
    STMT;                                  \
    return info.Env().Undefined();         \
  }

INPLACE(add_, isTensor(info[1]) ? a.add_(T(1), given(info, 2) ? scalarArg(info, 2) : at::Scalar(1))
                                : a.add_(scalarArg(info, 1), given(info, 2) ? scalarArg(info, 2) : at::Scalar(1)))
INPLACE(sub_, isTensor(info[1]) ? a.sub_(T(1), given(info, 2) ? scalarArg(info, 2) : at::Scalar(1))
                                : a.sub_(scalarArg(info, 1), given(info, 2) ? scalarArg(info, 2) : at::Scalar(1)))
INPLACE(mul_, isTensor(info[1]) ? a.mul_(T(1)) : a.mul_(scalarArg(info, 1)))
INPLACE(div_, isTensor(info[1]) ? a.div_(T(1)) : a.div_(scalarArg(info, 1)))
INPLACE(copy_, a.copy_(T(1)))
INPLACE(zero_, a.zero_())
INPLACE(fill_, a.fill_(scalarArg(info, 1)))
INPLACE(addcmul_, a.addcmul_(T(1), T(2), scalarArg(info, 3)))
INPLACE(addcdiv_, a.addcdiv_(T(1), T(2), scalarArg(info, 3)))
INPLACE(lerp_, isTensor(info[2]) ? a.lerp_(T(1), T(2)) : a.lerp_(T(1), scalarArg(info, 2)))
INPLACE(clamp_, a.clamp_(optScalarArg(info, 1), optScalarArg(info, 2)))
INPLACE(maskedFill_, isTensor(info[2]) ? a.masked_fill_(T(1), T(2)) : a.masked_fill_(T(1), scalarArg(info, 2)))
INPLACE(uniform_, a.uniform_(numArg(info, 1), numArg(info, 2)))
INPLACE(normal_, a.normal_(numArg(info, 1), numArg(info, 2)))
INPLACE(sqrt_, a.sqrt_())
INPLACE(setData, a.set_data(T(1)))  // swaps a leaf's storage (Module.to)

// ---- queries that answer a JS value ----

L2M_FN(equal) { return Napi::Boolean::New(info.Env(), at::equal(T(0), T(1))); }
L2M_FN(allclose) {
  return Napi::Boolean::New(info.Env(), at::allclose(T(0), T(1), numArg(info, 2), numArg(info, 3)));
}
L2M_FN(hasNaN) { return Napi::Boolean::New(info.Env(), at::isnan(T(0)).any().item<bool>()); }
L2M_FN(allFinite) { return Napi::Boolean::New(info.Env(), at::isfinite(T(0)).all().item<bool>()); }

void registerOps(Napi::Env env, Napi::Object exports) {
  L2M_ADD(add); L2M_ADD(sub); L2M_ADD(mul); L2M_ADD(div); L2M_ADD(floorDivide); L2M_ADD(remainder);
  L2M_ADD(pow); L2M_ADD(rpow); L2M_ADD(eq); L2M_ADD(ne); L2M_ADD(lt); L2M_ADD(le); L2M_ADD(gt); L2M_ADD(ge);
  L2M_ADD(maximum); L2M_ADD(minimum); L2M_ADD(atan2); L2M_ADD(logicalAnd); L2M_ADD(logicalOr); L2M_ADD(logicalXor);
  L2M_ADD(neg); L2M_ADD(abs); L2M_ADD(exp); L2M_ADD(log); L2M_ADD(log2); L2M_ADD(log1p); L2M_ADD(expm1);
  L2M_ADD(sqrt); L2M_ADD(rsqrt); L2M_ADD(square); L2M_ADD(reciprocal); L2M_ADD(sin); L2M_ADD(cos);
  L2M_ADD(tanh); L2M_ADD(atanh); L2M_ADD(sigmoid); L2M_ADD(logSigmoid); L2M_ADD(relu); L2M_ADD(silu);
  L2M_ADD(mish); L2M_ADD(erf); L2M_ADD(floor); L2M_ADD(ceil); L2M_ADD(round); L2M_ADD(trunc); L2M_ADD(sign);
  L2M_ADD(isfinite); L2M_ADD(isnan); L2M_ADD(isinf); L2M_ADD(logicalNot); L2M_ADD(contiguous); L2M_ADD(clone);
  L2M_ADD(detach); L2M_ADD(gelu); L2M_ADD(softplus); L2M_ADD(elu); L2M_ADD(leakyRelu); L2M_ADD(clamp);
  L2M_ADD(clampTensor); L2M_ADD(lerp); L2M_ADD(where); L2M_ADD(maskedFill); L2M_ADD(to);
  L2M_ADD(sum); L2M_ADD(mean); L2M_ADD(amax); L2M_ADD(amin); L2M_ADD(logsumexp); L2M_ADD(maxAll);
  L2M_ADD(minAll); L2M_ADD(maxDim); L2M_ADD(minDim); L2M_ADD(argmax); L2M_ADD(argmin); L2M_ADD(topk);
  L2M_ADD(sort); l2m::addFunction(env, exports, "std", std_); L2M_ADD(var); L2M_ADD(prod); L2M_ADD(norm);
  L2M_ADD(all); L2M_ADD(any); L2M_ADD(cumsum); L2M_ADD(cumprod);
  L2M_ADD(reshape); L2M_ADD(view); L2M_ADD(transpose); L2M_ADD(permute); L2M_ADD(narrow); L2M_ADD(slice);
  L2M_ADD(select); L2M_ADD(indexSelect); L2M_ADD(index); L2M_ADD(indexPut); L2M_ADD(maskedSelect);
  L2M_ADD(gather); L2M_ADD(scatter); L2M_ADD(scatterAdd); L2M_ADD(cat); L2M_ADD(stack); L2M_ADD(split);
  L2M_ADD(chunk); L2M_ADD(unbind); L2M_ADD(expand); L2M_ADD(repeat); L2M_ADD(repeatInterleave);
  L2M_ADD(squeeze); L2M_ADD(unsqueeze); L2M_ADD(flatten); L2M_ADD(flip); L2M_ADD(roll); L2M_ADD(triu);
  L2M_ADD(tril); L2M_ADD(pad); L2M_ADD(oneHot);
  L2M_ADD(matmul); L2M_ADD(mm); L2M_ADD(bmm); L2M_ADD(linear); L2M_ADD(einsum); L2M_ADD(outer);
  L2M_ADD(softmax); L2M_ADD(logSoftmax); L2M_ADD(layerNorm); L2M_ADD(dropout); L2M_ADD(embedding);
  L2M_ADD(crossEntropy); L2M_ADD(nllLoss); L2M_ADD(mseLoss); L2M_ADD(l1Loss); L2M_ADD(smoothL1Loss);
  L2M_ADD(huberLoss); L2M_ADD(bceWithLogits); L2M_ADD(bce); L2M_ADD(cosineSimilarity);
  L2M_ADD(multinomial); L2M_ADD(bernoulli);
  L2M_ADD(add_); L2M_ADD(sub_); L2M_ADD(mul_); L2M_ADD(div_); L2M_ADD(copy_); L2M_ADD(zero_); L2M_ADD(fill_);
  L2M_ADD(addcmul_); L2M_ADD(addcdiv_); L2M_ADD(lerp_); L2M_ADD(clamp_); L2M_ADD(maskedFill_);
  L2M_ADD(uniform_); L2M_ADD(normal_); L2M_ADD(sqrt_); L2M_ADD(setData); L2M_ADD(alias);
  L2M_ADD(equal); L2M_ADD(allclose); L2M_ADD(hasNaN); L2M_ADD(allFinite);
}

}  // namespace l2m
