# question: q1
# mistake: off by one: counts x_i as its own nearest neighbour, so r_i is the distance to the
#   (k-1)-th other point and every ball is too small
# public: rejects it (a most common mistake: the public tests must catch it)
import torch


def density_coverage(real, fake, k):
    radii = torch.cdist(real, real).kthvalue(k, dim=1).values
    inside = torch.cdist(fake, real) <= radii[None, :]
    return float(inside.sum()) / (k * fake.shape[0]), float(inside.any(dim=0).double().mean())
