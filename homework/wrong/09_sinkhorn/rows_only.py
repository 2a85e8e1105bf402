# question: q1
# mistake: updates f only: the rows sum to a but the columns are never scaled to b
# public: rejects it (a most common mistake: the public tests must catch it)
import torch


def sinkhorn_plan(a, b, cost, epsilon, n_iter):
    f, g = torch.zeros_like(a), torch.zeros_like(b)
    for _ in range(n_iter):
        f = epsilon * a.log() - epsilon * torch.logsumexp((g[None, :] - cost) / epsilon, dim=1)
    return torch.exp((f[:, None] + g[None, :] - cost) / epsilon)
