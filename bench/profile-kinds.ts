/**
 * The kinds of work of a Decision Transformer update or decoding step, from profiler rows
 * (torch.profiler's (context, name) self times, or PyTorch's events put in the same form by
 * bench/dt_profile.py). The context says which model operation a row belongs to: the forward
 * operator, or for backward work "Node <- forward operator".
 */
export const KINDS = [
  'matmul (linear layers)',
  'linear: bias, layout copies',
  'attention: matmuls',
  'attention: scale, mask, softmax, merge',
  'attention: fused kernel (native/src/attention.cc)',
  'layer norm',
  'GELU',
  'softmax/cross-entropy',
  'dropout (all, attention weights too)',
  'embedding forward',
  'embedding backward',
  'other elementwise (residual adds, token assembly)',
  'gradient accumulation (AccumulateGrad)',
  'optimiser: AdamW',
  'optimiser: gradient clipping',
  'decoding: argmax, token input',
  'libtorch dispatch & views',
  'autograd engine',
  'allocation',
  'binding (N-API calls, arguments, handles)',
  'JavaScript (model code, scopes, GC)',
  'other',
] as const;
export type Kind = (typeof KINDS)[number];

// Operators that move no data (views, metadata) or only dispatch to others (composites): their self
// time is the framework's overhead, whatever the model operation.
const OVERHEAD = new Set([
  'aten::view', 'aten::reshape', 'aten::_reshape_alias', 'aten::t', 'aten::transpose', 'aten::as_strided', 'aten::expand',
  'aten::unsqueeze', 'aten::squeeze', 'aten::narrow', 'aten::select', 'aten::slice', 'aten::split', 'aten::split_with_sizes',
  'aten::alias', 'aten::detach', 'detach', 'aten::resolve_conj', 'aten::resolve_neg', 'aten::permute', 'aten::unbind',
  'aten::_unsafe_view', 'aten::lift_fresh', 'aten::empty', 'aten::empty_like', 'aten::empty_strided', 'aten::to',
  'aten::expand_as', 'aten::view_as', 'aten::result_type', 'aten::is_nonzero', 'aten::item',
  'aten::linear', 'aten::matmul', 'aten::layer_norm', 'aten::cross_entropy_loss', 'aten::dropout', 'aten::softmax',
  'aten::log_softmax', 'aten::embedding', 'aten::contiguous', 'aten::nll_loss_nd', 'aten::nll_loss', 'aten::feature_dropout',
  'aten::embedding_backward', 'aten::reshape_as', 'aten::ones_like', 'aten::zeros_like', 'aten::full_like',
]);
const GEMM = new Set(['aten::addmm', 'aten::mm', 'aten::bmm', 'aten::baddbmm']);
const ATTENTION = new Set(['aten::matmul', 'aten::split', 'aten::mul', 'aten::div', 'aten::masked_fill', 'aten::softmax', 'aten::logical_or', 'aten::contiguous', 'aten::clone', 'aten::__or__', 'aten::bitwise_or', 'aten::triu', 'aten::ones']);

/** The kind of a profiler row of `phase` ('forward+backward', 'clip', 'AdamW step', 'decode'). */
export function classify(phase: string, context: string, name: string): Kind {
  if (name === '(allocation)' || name === '(free)') return 'allocation';
  if (phase === 'clip') return 'optimiser: gradient clipping';
  if (phase === 'AdamW step') return 'optimiser: AdamW';
  const arrow = context.indexOf(' <- ');
  const backward = arrow >= 0 || /Backward\d*$|AccumulateGrad/.test(context);
  const forward = arrow >= 0 ? context.slice(arrow + 4) : context;
  if (context.includes('AccumulateGrad')) return name.includes('AccumulateGrad') ? 'autograd engine' : 'gradient accumulation (AccumulateGrad)';
  // The fused kernel records itself (forward and backward); its dropout draws run inside its forward.
  if (name.startsWith('l2m::fused_attention')) return 'attention: fused kernel (native/src/attention.cc)';
  if (forward.startsWith('l2m::fused_attention')) return /bernoulli|div/.test(name) ? 'dropout (all, attention weights too)' : 'attention: fused kernel (native/src/attention.cc)';
  if (name.startsWith('autograd::') || name.includes('CppNode') || /Backward\d*$/.test(name)) return 'autograd engine';
  if (OVERHEAD.has(name)) return 'libtorch dispatch & views';
  if (forward === 'aten::linear') return GEMM.has(name) ? 'matmul (linear layers)' : 'linear: bias, layout copies';
  if (ATTENTION.has(forward)) return GEMM.has(name) ? 'attention: matmuls' : 'attention: scale, mask, softmax, merge';
  if (forward === 'aten::layer_norm') return 'layer norm';
  if (forward === 'aten::gelu') return 'GELU';
  if (forward === 'aten::cross_entropy_loss') return 'softmax/cross-entropy';
  if (forward === 'aten::dropout') return 'dropout (all, attention weights too)';
  if (forward === 'aten::embedding') return backward ? 'embedding backward' : 'embedding forward';
  if (phase === 'decode' && ['aten::argmax', 'aten::copy_', 'aten::_local_scalar_dense', 'aten::zeros', 'aten::zero_', 'aten::fill_'].includes(forward)) return 'decoding: argmax, token input';
  if (['aten::add', 'aten::cat', 'aten::select', 'aten::logical_not', 'aten::masked_fill', 'aten::eq', 'aten::max', 'aten::min', 'aten::zeros', 'aten::narrow', 'aten::expand', 'aten::reshape', 'aten::view', 'aten::unsqueeze'].includes(forward)) {
    return 'other elementwise (residual adds, token assembly)';
  }
  return 'other';
}
