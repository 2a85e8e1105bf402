# question: q1
# mistake: keeps Real-NVP's log-determinant, sum of s, and forgets the derivative of sinh
# public: rejects it (a most common mistake: the public tests must catch it)


def sinh_coupling_log_det(layer, z):
    s, _ = layer.scale_shift(z[:, layer.mask])
    return s.sum(dim=1)
