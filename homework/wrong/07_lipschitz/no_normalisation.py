# question: q1
# mistake: normalises only at the end: the iterates grow like sigma^(2k) and overflow
import torch


def spectral_norm_estimate(weight, n_iter, generator):
    v = torch.randn(weight.shape[1], generator=generator, dtype=weight.dtype)
    for _ in range(n_iter):
        v = weight.T @ (weight @ v)
    return float((weight @ v).norm() / v.norm())
