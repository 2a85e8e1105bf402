# question: q2
# mistake: averages the squared gradient over the coordinates too, dividing the penalty by d
# public: rejects it (a most common mistake: the public tests must catch it)
import torch


def r1_penalty(critic, real):
    x = real.detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(x).sum(), x, create_graph=True)
    return 0.5 * grad.square().mean()
