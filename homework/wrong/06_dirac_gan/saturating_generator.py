# question: q1
# mistake: descends the saturating loss log(1 - D(theta)) instead of the non-saturating -log D(theta)
import math


def dirac_gan_step(theta, psi, lr, m=1):
    def sigmoid(t):
        return 1 / (1 + math.exp(-t)) if t >= 0 else math.exp(t) / (1 + math.exp(t))

    for _ in range(m):
        psi = psi + lr * (-theta * sigmoid(psi * theta))
    theta = theta - lr * (-psi * sigmoid(psi * theta))
    return theta, psi
