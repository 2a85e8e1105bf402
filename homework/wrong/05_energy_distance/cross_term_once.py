# question: q1
# mistake: counts the cross term once: E|X - Y| - E|X - X'| - E|Y - Y'|
import torch


def energy_distance(x, y):
    n, m = x.shape[0], y.shape[0]
    xx = torch.cdist(x, x).sum() / (n * (n - 1))
    yy = torch.cdist(y, y).sum() / (m * (m - 1))
    return torch.cdist(x, y).mean() - xx - yy
