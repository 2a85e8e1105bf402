# question: q1
# mistake: puts tanh(w^T z + b) where its derivative 1 - tanh^2 belongs
# public: rejects it (a most common mistake: the public tests must catch it)
import torch


def planar_log_det(z, w, u, b):
    return torch.log(torch.abs(1 + torch.tanh(z @ w + b) * (w @ u)))
