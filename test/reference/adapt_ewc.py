"""EWC / L2 reference (l2m-spec.md section 3; the original's decision_transformer_with_ewc_sb3.py).

`inject` mirrors the method's state layout for the parity harness: per trained parameter, three
non-trainable tensors under `adapt.importance.<name>`, `adapt.anchor.<name>` and `adapt.offset.<name>`
(registered as frozen nn.Parameters in nested modules, so that they appear among `named_parameters`
and load with `load_state_dict`).

Run as a script, it is the reference of test/adapt-ewc.test.ts, written the way the original keeps
its state: one (Fisher, saved parameters) pair per finished task, the penalty summed task by task.
usage: adapt_ewc.py <in.safetensors> <out.safetensors>
input: `param.<name>` the parameters at the end of the first task; for each finished task t,
`task<t>.param.<name>` (the parameters at its end; task 0's are `param.*`) and its Fisher batches
`task<t>.batch<b>.<field>`; `final.param.<name>` the parameters where the penalty is evaluated.
metadata: config (model), method_config (JSON, with `l2`), trainable (JSON list), tasks, batches.
output: `fisher<t>.<name>`, `penalty` and `penalty_grad.<name>`.
"""
import json
import os
import re
import sys

import torch
import torch.nn as nn


def glob(pattern):
    return re.compile("^" + re.escape(pattern).replace("\\*", ".*").replace("\\?", ".") + "$")


def trained_names(model, cfg):
    patterns = ["*"] if cfg.get("trainable", "all") == "all" else cfg["trainable"]
    res = [glob(p) for p in patterns]
    return [n for n, _ in model.named_parameters() if any(r.match(n) for r in res)]


def nested_parameter(root, dotted, tensor):
    parts = dotted.split(".")
    m = root
    for p in parts[:-1]:
        if not hasattr(m, p):
            m.add_module(p, nn.Module())
        m = getattr(m, p)
    m.register_parameter(parts[-1], nn.Parameter(tensor, requires_grad=False))


def inject(model, cfg):
    names = trained_names(model, cfg)
    shapes = dict((n, p.shape) for n, p in model.named_parameters())
    adapt = nn.Module()
    for n in names:
        for kind in ("importance", "anchor", "offset"):
            nested_parameter(adapt, kind + "." + n, torch.zeros(shapes[n]))
    model.adapt = adapt


def batch_of(tensors, prefix):
    batch = [tensors[prefix + k] for k in ("states", "actionTokens", "returnsToGo", "rewards", "timesteps")]
    batch.append(tensors[prefix + "attentionMask"].bool())
    return batch, tensors[prefix + "actionMask"]


def penalty_of(model, names, saved, importances, lam, last_only):
    """lambda * sum over finished tasks of sum_p F (theta - theta*)^2, task by task (no 1/2)."""
    params = dict(model.named_parameters())
    tasks = range(len(saved))
    if last_only:
        tasks = tasks[-1:]
    total = torch.zeros(())
    for t in tasks:
        for n in names:
            total = total + (importances[t][n] * (params[n] - saved[t][n]).pow(2)).sum()
    return lam * total


def main():
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from adapt_model import AdaptDT
    import st_io

    torch.set_num_threads(1)
    tensors, meta = st_io.load(sys.argv[1])
    cfg = json.loads(meta["method_config"])
    model = AdaptDT(json.loads(meta["config"]))
    names = json.loads(meta["trainable"])
    n_tasks, n_batches = int(meta["tasks"]), int(meta["batches"])
    l2 = bool(cfg.get("l2"))
    last_only = cfg.get("previousTasks", "all") == "last"
    with_penalty = cfg.get("fisherLoss", "loss") == "loss+penalty"
    lam = float(cfg.get("lambda", 400))
    params = dict(model.named_parameters())
    for n, p in model.named_parameters():
        p.requires_grad_(n in names)

    def load(prefix):
        with torch.no_grad():
            for n, p in params.items():
                p.copy_(tensors[prefix + n])

    saved, importances, out = [], [], {}
    for t in range(n_tasks):
        load("task%d.param." % t)
        if l2:
            imp = {n: torch.ones_like(params[n]) for n in names}
        else:
            model.train()
            imp = {n: torch.zeros_like(params[n]) for n in names}
            for b in range(n_batches):
                model.zero_grad(set_to_none=True)
                batch, action_mask = batch_of(tensors, "task%d.batch%d." % (t, b))
                loss = model.loss(batch, action_mask)
                if with_penalty and saved:
                    loss = loss + penalty_of(model, names, saved, importances, lam, last_only)
                loss.backward()
                for n in names:
                    if params[n].grad is not None:
                        imp[n] += params[n].grad.detach().clone().pow(2)
            for n in names:
                imp[n] /= float(n_batches)
            model.zero_grad(set_to_none=True)
        importances.append(imp)
        saved.append({n: params[n].detach().clone() for n in names})
        for n in names:
            out["fisher%d.%s" % (t, n)] = imp[n]
    load("final.param.")
    pen = penalty_of(model, names, saved, importances, lam, last_only)
    pen.backward()
    out["penalty"] = pen.detach().reshape(1)
    for n in names:
        out["penalty_grad." + n] = params[n].grad
    st_io.save(sys.argv[2], out, {})


if __name__ == "__main__":
    main()
