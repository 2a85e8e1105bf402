# question: q1
# mistake: the textbook iteration with K = exp(-C / eps): every entry underflows to 0 for a small
#   eps and the plan becomes NaN
# public: rejects it (a most common mistake: the public tests must catch it)
import torch


def sinkhorn_plan(a, b, cost, epsilon, n_iter):
    kernel = torch.exp(-cost / epsilon)
    u, v = torch.ones_like(a), torch.ones_like(b)
    for _ in range(n_iter):
        u = a / (kernel @ v)
        v = b / (kernel.T @ u)
    return u[:, None] * kernel * v[None, :]
