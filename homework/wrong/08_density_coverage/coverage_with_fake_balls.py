# question: q1
# mistake: coverage with balls around the samples (the chapter's recall) instead of the real balls
import torch


def density_coverage(real, fake, k):
    radii = torch.cdist(real, real).kthvalue(k + 1, dim=1).values
    inside = torch.cdist(fake, real) <= radii[None, :]
    fake_radii = torch.cdist(fake, fake).kthvalue(k + 1, dim=1).values
    covered = (torch.cdist(real, fake) <= fake_radii[None, :]).any(dim=1)
    return float(inside.sum()) / (k * fake.shape[0]), float(covered.double().mean())
