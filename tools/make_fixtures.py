#!/usr/bin/python3
"""Generate vecrnn's golden fixtures with PyTorch (float64), for the cells module's JUnit tests.

Run with Debian's PyTorch (apt-get install python3-torch):   /usr/bin/python3 tools/make_fixtures.py
It rewrites cells/src/test/resources/fixtures/*.safetensors.

Every fixture is a safetensors file. Its "__metadata__" holds the configuration as JSON. Weights,
inputs, initial states and upstream gradients are drawn in float32 (so both sides use exactly the
same numbers) and computed on in float64; results are stored rounded to float32, which adds at most
6e-8 relative error, far below the tolerances the tests state.

Layer fixtures: loss = sum(out * d_out) + sum(h_n * d_h_n) [+ sum(c_n * d_c_n)] with random d_*, so
autograd's gradients are exactly the backward pass for upstream gradients d_*.
Training fixtures: a few optimizer steps of an RNN + Linear head on a fixed batch; the loss of every
step and the final weights are stored.
"""
import json
import os
import struct

import numpy as np
import torch

torch.set_default_dtype(torch.float64)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cells", "src", "test", "resources", "fixtures")


def save(name, tensors, config):
    header, blobs, offset = {}, [], 0
    for key, value in tensors.items():
        a = np.ascontiguousarray(np.asarray(value, dtype=np.float32))
        data = a.tobytes()
        header[key] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    header["__metadata__"] = {"config": json.dumps(config, sort_keys=True)}
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    raw += b" " * (-len(raw) % 8)
    with open(os.path.join(OUT, name + ".safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for blob in blobs:
            f.write(blob)


def f32(rng, *shape, scale=1.0):
    """float32 uniform numbers in [-scale, scale), returned as float64 tensors holding those exact values."""
    return torch.from_numpy(rng.uniform(-scale, scale, size=shape).astype(np.float32).astype(np.float64))


def module(kind, i, h, layers, bi, batch_first, bias=True):
    cls = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn_tanh": torch.nn.RNN, "rnn_relu": torch.nn.RNN}[kind]
    extra = {"nonlinearity": "relu" if kind == "rnn_relu" else "tanh"} if kind.startswith("rnn") else {}
    return cls(i, h, num_layers=layers, bidirectional=bi, batch_first=batch_first, bias=bias, **extra)


def layer_fixture(name, kind, i, h, layers, bi, batch, steps, batch_first=False, lengths=None, seed=0, bias=True):
    rng = np.random.default_rng(seed)
    m = module(kind, i, h, layers, bi, batch_first, bias)
    bound = 1.0 / np.sqrt(h)
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(f32(rng, *p.shape, scale=bound))
    dirs = 2 if bi else 1
    x = f32(rng, *((batch, steps, i) if batch_first else (steps, batch, i))).requires_grad_()
    h0 = f32(rng, layers * dirs, batch, h, scale=0.5).requires_grad_()
    c0 = f32(rng, layers * dirs, batch, h, scale=0.5).requires_grad_() if kind == "lstm" else None
    state = (h0, c0) if kind == "lstm" else h0
    if lengths is None:
        out, fin = m(x, state)
    else:
        packed = torch.nn.utils.rnn.pack_padded_sequence(x, torch.tensor(lengths), batch_first=batch_first,
                                                         enforce_sorted=False)
        out, fin = m(packed, state)
        out, _ = torch.nn.utils.rnn.pad_packed_sequence(out, batch_first=batch_first, total_length=steps)
    h_n, c_n = fin if kind == "lstm" else (fin, None)
    d_out = f32(rng, *out.shape)
    d_h_n = f32(rng, *h_n.shape)
    loss = (out * d_out).sum() + (h_n * d_h_n).sum()
    tensors = {"x": x.detach(), "h0": h0.detach(), "out": out.detach(), "h_n": h_n.detach(),
               "d_out": d_out, "d_h_n": d_h_n}
    if c_n is not None:
        d_c_n = f32(rng, *c_n.shape)
        loss = loss + (c_n * d_c_n).sum()
        tensors.update({"c0": c0.detach(), "c_n": c_n.detach(), "d_c_n": d_c_n})
    loss.backward()
    tensors.update({"grad.x": x.grad, "grad.h0": h0.grad})
    if c0 is not None:
        tensors["grad.c0"] = c0.grad
    for pname, p in m.named_parameters():
        tensors["param." + pname] = p.detach()
        tensors["grad." + pname] = p.grad
    if lengths is not None:
        tensors["lengths"] = torch.tensor(lengths, dtype=torch.float64)
    config = {"kind": kind, "input": i, "hidden": h, "layers": layers, "bidirectional": bi, "batch": batch,
              "steps": steps, "batch_first": batch_first, "padded": lengths is not None}
    if not bias:
        config["bias"] = False
    save(name, tensors, config)


class Model(torch.nn.Module):
    def __init__(self, kind, i, h, bi, out_features):
        super().__init__()
        self.rnn = module(kind, i, h, 1, bi, False)
        self.head = torch.nn.Linear(h * (2 if bi else 1), out_features)

    def forward(self, x):
        out, _ = self.rnn(x)
        return out


def train_fixture(name, kind, bi, optimizer, loss_kind, readout, clip, steps_count=5, seed=7):
    rng = np.random.default_rng(seed)
    i, h, steps, batch, out_features = 5, 8, 7, 4, (3 if loss_kind == "cross_entropy" else 1)
    model = Model(kind, i, h, bi, out_features)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(f32(rng, *p.shape, scale=1.0 / np.sqrt(h)))
    tensors = {"initial." + n: p.detach().clone() for n, p in model.named_parameters()}
    x = f32(rng, steps, batch, i)
    rows = steps * batch if readout == "per_step" else batch
    if loss_kind == "cross_entropy":
        target = torch.from_numpy(rng.integers(0, out_features, size=rows).astype(np.float64))
    elif loss_kind == "bce_with_logits":
        target = torch.from_numpy(rng.integers(0, 2, size=(rows, 1)).astype(np.float64))
    else:
        target = f32(rng, rows, out_features)
    opt = {"sgd": lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9),
           "adam": lambda ps: torch.optim.Adam(ps, lr=0.01),
           "adamw": lambda ps: torch.optim.AdamW(ps, lr=0.01, weight_decay=0.1)}[optimizer](model.parameters())
    losses, norms = [], []
    for _ in range(steps_count):
        opt.zero_grad()
        out = model(x)
        feats = out.reshape(steps * batch, -1) if readout == "per_step" else out[-1]
        logits = model.head(feats)
        if loss_kind == "mse":
            loss = torch.nn.functional.mse_loss(logits, target)
        elif loss_kind == "bce_with_logits":
            loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, target)
        else:
            loss = torch.nn.functional.cross_entropy(logits, target.long())
        loss.backward()
        if clip is not None:
            norms.append(float(torch.nn.utils.clip_grad_norm_(model.parameters(), clip)))
        losses.append(float(loss))
        opt.step()
    tensors.update({"final." + n: p.detach() for n, p in model.named_parameters()})
    tensors.update({"x": x, "target": target, "losses": torch.tensor(losses)})
    if norms:
        tensors["grad_norms"] = torch.tensor(norms)
    config = {"kind": kind, "input": i, "hidden": h, "bidirectional": bi, "batch": batch, "steps": steps,
              "out_features": out_features, "optimizer": optimizer, "loss": loss_kind, "readout": readout,
              "clip": clip, "optimizer_steps": steps_count}
    save(name, tensors, config)


def main():
    os.makedirs(OUT, exist_ok=True)
    for kind in ["lstm", "gru", "rnn_tanh", "rnn_relu"]:
        layer_fixture(kind + "_l1", kind, 13, 37, 1, False, 3, 5, seed=1)
        layer_fixture(kind + "_b1_t1", kind, 13, 37, 1, False, 1, 1, seed=2)
        layer_fixture(kind + "_l2_bi_padded", kind, 13, 17, 2, True, 4, 6, batch_first=True,
                      lengths=[6, 3, 1, 5], seed=3)
        layer_fixture(kind + "_l2_bi", kind, 7, 9, 2, True, 2, 4, seed=4)
    layer_fixture("lstm_nobias_l2_bi_padded", "lstm", 13, 17, 2, True, 4, 6, batch_first=True, lengths=[6, 3, 1, 5], seed=5,
                  bias=False)
    layer_fixture("gru_nobias_l1", "gru", 13, 37, 1, False, 3, 5, seed=6, bias=False)
    train_fixture("train_lstm_sgd_mse_clip", "lstm", False, "sgd", "mse", "per_step", 1.0)
    train_fixture("train_gru_adam_bce_last", "gru", False, "adam", "bce_with_logits", "last_step", None)
    train_fixture("train_rnn_adamw_ce_bi", "rnn_tanh", True, "adamw", "cross_entropy", "per_step", None)
    print("fixtures written to", os.path.normpath(OUT))


if __name__ == "__main__":
    main()
