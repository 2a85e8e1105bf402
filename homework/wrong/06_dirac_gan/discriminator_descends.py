# question: q1
# mistake: gradient descent on the discriminator's objective V instead of ascent
# public: rejects it (a most common mistake: the public tests must catch it)
import math


def dirac_gan_step(theta, psi, lr, m=1):
    def sigmoid(t):
        return 1 / (1 + math.exp(-t)) if t >= 0 else math.exp(t) / (1 + math.exp(t))

    for _ in range(m):
        psi = psi - lr * (-theta * sigmoid(psi * theta))
    theta = theta - lr * (-psi * (1 - sigmoid(psi * theta)))
    return theta, psi
