# question: q2
# mistake: evaluates the derivative at the data x instead of at z = f^{-1}(x): -sum(s + log cosh x)
# public: rejects it (a most common mistake: the public tests must catch it)
import torch


def sinh_coupling_inverse(layer, x):
    s, t = layer.scale_shift(x[:, layer.mask])
    z = x.clone()
    z[:, ~layer.mask] = torch.asinh((x[:, ~layer.mask] - t) * torch.exp(-s))
    return z, -(s + torch.log(torch.cosh(x[:, ~layer.mask]))).sum(dim=1)
