# question: q1
# mistake: computes the acceptance but moves every chain to its proposal (a plain random walk)
# public: rejects it (a most common mistake: the public tests must catch it)
import torch


def metropolis_step(energy, x, step, generator):
    proposal = x + step * torch.randn(x.shape, generator=generator, dtype=x.dtype)
    log_ratio = energy(x) - energy(proposal)
    accepted = torch.rand(x.shape[0], generator=generator, dtype=x.dtype).log() < log_ratio
    return proposal, accepted
