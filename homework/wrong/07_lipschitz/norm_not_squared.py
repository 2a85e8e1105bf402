# question: q2
# mistake: penalises the gradient norm instead of its square
import torch


def r1_penalty(critic, real):
    x = real.detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(x).sum(), x, create_graph=True)
    return 0.5 * grad.norm(dim=1).mean()
