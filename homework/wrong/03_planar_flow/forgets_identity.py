# question: q1
# mistake: drops the identity of the Jacobian I + u psi^T: log|psi^T u| instead of log|1 + psi^T u|
# public: rejects it (a most common mistake: the public tests must catch it)
import torch


def planar_log_det(z, w, u, b):
    return torch.log(torch.abs((1 - torch.tanh(z @ w + b).square()) * (w @ u)))
