# question: q1
# mistake: squared distances (as in the Gaussian kernel): the result is 2 |E X - E Y|^2, blind to
#   everything but the means
# public: rejects it (a most common mistake: the public tests must catch it)
import torch


def energy_distance(x, y):
    n, m = x.shape[0], y.shape[0]
    xy = torch.cdist(x, y).square().mean()
    xx = torch.cdist(x, x).square().sum() / (n * (n - 1))
    yy = torch.cdist(y, y).square().sum() / (m * (m - 1))
    return 2 * xy - xx - yy
