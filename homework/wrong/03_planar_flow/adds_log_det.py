# question: q2
# mistake: adds the log-determinant instead of subtracting it (the sign of the change of variables)
# public: rejects it (a most common mistake: the public tests must catch it)
import math


def planar_sample_log_prob(z, w, u, b):
    log_q = -0.5 * z.square().sum(dim=1) - 0.5 * z.shape[1] * math.log(2 * math.pi)
    return log_q + planar_log_det(z, w, u, b)  # noqa: F821 (the notebook's answer to q1)
