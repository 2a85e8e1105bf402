# question: q2
# mistake: returns the forward log-determinant (sign not flipped) for the inverse
# public: rejects it (a most common mistake: the public tests must catch it)
import torch


def sinh_coupling_inverse(layer, x):
    s, t = layer.scale_shift(x[:, layer.mask])
    y = (x[:, ~layer.mask] - t) * torch.exp(-s)
    z = x.clone()
    z[:, ~layer.mask] = torch.asinh(y)
    return z, (s + 0.5 * torch.log1p(y.square())).sum(dim=1)
