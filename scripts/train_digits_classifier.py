"""Train the digits classifier that the FID and the Inception score read, and write its weights.

    python scripts/train_digits_classifier.py

It trains on classifier.held_out_digits("classifier"): 180 digits (about 18 per class) that no
generator of the book sees (they train on data.digits("train")); see gencourse/classifier.py for
the split. Deterministic (fixed seed, CPU, one thread). Writes
gencourse/weights/digits_classifier.pt (a state dict, loaded with
torch.load(..., weights_only=True) by gencourse.classifier.digits_classifier) and prints
the accuracy on the 1617 digits it never saw, which must be at least 95 %.
"""

import torch

from gencourse import classifier

if __name__ == "__main__":
    torch.set_num_threads(1)  # one thread: the same float reductions on every machine
    model, report = classifier.train_digits_classifier()
    print(
        f"accuracy on the {report.n_unseen} digits it never saw: {100 * report.accuracy:.2f} %; "
        f"final loss {report.loss[-1]:.4f}"
    )
    if report.accuracy < 0.95:
        raise SystemExit("accuracy below 95 %: weights not written")
    classifier.WEIGHTS.parent.mkdir(exist_ok=True)
    torch.save(model.state_dict(), classifier.WEIGHTS)
    print(f"wrote {classifier.WEIGHTS} ({classifier.WEIGHTS.stat().st_size / 1024:.0f} KiB)")
