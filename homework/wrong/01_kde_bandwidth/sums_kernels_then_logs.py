# question: q1
# mistake: sums the kernel values and then takes the log: every kernel underflows to 0 for a small
#   bandwidth and the score becomes -inf instead of a finite number
import math
import torch


def loo_log_likelihood(x, h):
    n, d = x.shape
    kernel = (
        torch.exp(-torch.cdist(x, x).square() / (2 * h**2)) / (h * math.sqrt(2 * math.pi)) ** d
    )
    kernel = kernel.masked_fill(torch.eye(n, dtype=torch.bool), 0.0)
    return torch.log(kernel.sum(dim=1) / (n - 1)).mean()
