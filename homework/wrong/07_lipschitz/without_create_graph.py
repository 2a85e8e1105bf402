# question: q2
# mistake: torch.autograd.grad without create_graph=True: the penalty is a constant for the
#   critic's optimiser and does nothing
# public: rejects it (a most common mistake: the public tests must catch it)
import torch


def r1_penalty(critic, real):
    x = real.detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(x).sum(), x)
    return 0.5 * grad.square().sum(dim=1).mean()
