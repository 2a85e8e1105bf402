# question: q1
# mistake: accepts with probability min(1, exp(V(y) - V(x))): the chains climb the energy
# public: rejects it (a most common mistake: the public tests must catch it)
import torch


def metropolis_step(energy, x, step, generator):
    proposal = x + step * torch.randn(x.shape, generator=generator, dtype=x.dtype)
    log_ratio = energy(proposal) - energy(x)
    accepted = torch.rand(x.shape[0], generator=generator, dtype=x.dtype).log() < log_ratio
    return torch.where(accepted[:, None], proposal, x), accepted
