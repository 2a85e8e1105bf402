# question: q1
# mistake: forgets to divide the cost by epsilon in the exponent (solves the problem for eps = 1)
import torch


def sinkhorn_plan(a, b, cost, epsilon, n_iter):
    f, g = torch.zeros_like(a), torch.zeros_like(b)
    for _ in range(n_iter):
        f = a.log() - torch.logsumexp(g[None, :] - cost, dim=1)
        g = b.log() - torch.logsumexp(f[:, None] - cost, dim=0)
    return torch.exp(f[:, None] + g[None, :] - cost)
