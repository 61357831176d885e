/** Parameter: a leaf tensor owned by a Module or an optimizer, never by a tidy scope. */
import { native, type Handle } from '../native.ts';
import { Tensor } from '../tensor.ts';

export class Parameter extends Tensor {
  /** A new leaf sharing `data`'s values (data itself is left to its owner), requiring grad by default. */
  constructor(data: Tensor, requiresGrad = true) {
    super(native.detach(data.handle) as Handle, false);
    this.kept = true;
    if (requiresGrad) this.requiresGrad_(true);
  }
}
