# question: q1
# mistake: one accept/reject decision for the whole batch, from the mean acceptance probability,
#   instead of one per chain
import torch


def metropolis_step(energy, x, step, generator):
    proposal = x + step * torch.randn(x.shape, generator=generator, dtype=x.dtype)
    ratio = torch.exp(energy(x) - energy(proposal)).clamp(max=1)
    accept_all = bool(torch.rand(1, generator=generator, dtype=x.dtype) < ratio.mean())
    accepted = torch.full((x.shape[0],), accept_all)
    return (proposal if accept_all else x), accepted
