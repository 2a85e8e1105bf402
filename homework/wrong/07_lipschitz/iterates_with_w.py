# question: q1
# mistake: power iteration with W instead of W^T W: the spectral radius (and only for square W)
# public: rejects it (a most common mistake: the public tests must catch it)
import torch


def spectral_norm_estimate(weight, n_iter, generator):
    v = torch.randn(weight.shape[1], generator=generator, dtype=weight.dtype)
    for _ in range(n_iter):
        v = weight @ v
        v = v / v.norm()
    return float((weight @ v).norm())
