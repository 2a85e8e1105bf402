# question: q2
# mistake: inverts in the wrong order, asinh first and then the shift and scale
import torch


def sinh_coupling_inverse(layer, x):
    s, t = layer.scale_shift(x[:, layer.mask])
    z = x.clone()
    z[:, ~layer.mask] = (torch.asinh(x[:, ~layer.mask]) - t) * torch.exp(-s)
    return z, (-s - 0.5 * torch.log1p(x[:, ~layer.mask].square())).sum(dim=1)
