# question: q2
# mistake: forgets the normalising constant of the Gaussian, -d/2 log(2 pi)
# public: rejects it (a most common mistake: the public tests must catch it)


def planar_sample_log_prob(z, w, u, b):
    return -0.5 * z.square().sum(dim=1) - planar_log_det(z, w, u, b)  # noqa: F821 (the notebook's answer to q1)
