# question: q1
# mistake: forms the d x d Jacobian and calls slogdet: O(d^3) per point, the cost the layer avoids
import torch


def planar_log_det(z, w, u, b):
    derivative = 1 - torch.tanh(z @ w + b).square()
    jacobian = (
        torch.eye(z.shape[1], dtype=z.dtype) + derivative[:, None, None] * u[:, None] * w[None, :]
    )
    return torch.linalg.slogdet(jacobian).logabsdet
