# question: q1
# mistake: divides the count of balls by M only, not by k M
# public: rejects it (a most common mistake: the public tests must catch it)
import torch


def density_coverage(real, fake, k):
    radii = torch.cdist(real, real).kthvalue(k + 1, dim=1).values
    inside = torch.cdist(fake, real) <= radii[None, :]
    return float(inside.sum()) / fake.shape[0], float(inside.any(dim=0).double().mean())
