# question: q1
# mistake: updates the generator against the old discriminator (simultaneous, not alternating)
import math


def dirac_gan_step(theta, psi, lr, m=1):
    def sigmoid(t):
        return 1 / (1 + math.exp(-t)) if t >= 0 else math.exp(t) / (1 + math.exp(t))

    old_psi = psi
    for _ in range(m):
        psi = psi + lr * (-theta * sigmoid(psi * theta))
    theta = theta - lr * (-old_psi * (1 - sigmoid(old_psi * theta)))
    return theta, psi
