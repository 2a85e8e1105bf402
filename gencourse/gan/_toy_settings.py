"""The settings of the 2D mode-collapse benchmarks (ring of 8, 5×5 grid), for toy_models: the
ring trains 2000 generator steps at batch 128, the grid 4000 at batch 256.

The papers' learning rates (set for images) need far more steps, so each recipe's rate was
tuned with the same effort: benchmarks/bench_gan.py tune (one grid of six rates, both problems
at these budgets, three tuning seeds; the criterion W1 / floor + (1 − the share of samples near
a mode) on a validation set; every run is in gan.toy_tuning()). Every recipe decays its rate
linearly to 0, which lets the samples settle on the modes. The constraints are the papers', one
value each, tuned for neither: δ = 0.01 (Arjovsky et al.) and λ = 0.1, Gulrajani et al.'s value
for their 2D toys (their λ = 10 is for images).
"""

TOY_SETTINGS: dict[str, dict[str, float | bool]] = {
    "gan": dict(lr=2e-3, lr_decay=True),
    "ns-gan": dict(lr=5e-3, lr_decay=True),
    "wgan-clip": dict(lr=5e-4, lr_decay=True),
    "wgan-gp": dict(lr=5e-3, gp_weight=0.1, lr_decay=True),
    "wgan-sn": dict(lr=5e-4, lr_decay=True),
}
