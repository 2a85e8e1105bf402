# question: q1
# mistake: evaluates cosh at the output x instead of the input z of the moved coordinates
# public: rejects it (a most common mistake: the public tests must catch it)
import torch


def sinh_coupling_log_det(layer, z):
    s, t = layer.scale_shift(z[:, layer.mask])
    x_moved = t + torch.exp(s) * torch.sinh(z[:, ~layer.mask])
    return (s + torch.log(torch.cosh(x_moved))).sum(dim=1)
