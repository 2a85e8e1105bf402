# question: q1
# mistake: keeps x_i in its own estimate (the resubstitution likelihood): the score grows without
#   bound as h -> 0, so it always picks the smallest bandwidth
# public: rejects it (a most common mistake: the public tests must catch it)
import math
import torch


def loo_log_likelihood(x, h):
    n, d = x.shape
    log_kernel = -torch.cdist(x, x).square() / (2 * h**2) - d * math.log(
        h * math.sqrt(2 * math.pi)
    )
    return (torch.logsumexp(log_kernel, dim=1) - math.log(n)).mean()
