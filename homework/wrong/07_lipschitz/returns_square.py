# question: q1
# mistake: returns the Rayleigh quotient of W^T W, sigma^2, instead of sigma
# public: rejects it (a most common mistake: the public tests must catch it)
import torch


def spectral_norm_estimate(weight, n_iter, generator):
    v = torch.randn(weight.shape[1], generator=generator, dtype=weight.dtype)
    v = v / v.norm()
    for _ in range(n_iter):
        v = weight.T @ (weight @ v)
        v = v / v.norm()
    return float(v @ (weight.T @ (weight @ v)))
