"""Train the digits classifier that the FID and the Inception score read, and write its weights.

    python scripts/train_digits_classifier.py

Deterministic (fixed seed, CPU, one thread; about 10 s). Writes
gencourse/weights/digits_classifier.pt (a state dict, loaded with
torch.load(..., weights_only=True) by gencourse.classifier.digits_classifier) and prints the
held-out accuracy, which must be at least 97 %.
"""

import torch

from gencourse import classifier

if __name__ == "__main__":
    torch.set_num_threads(1)  # one thread: the same float reductions on every machine
    model, report = classifier.train_digits_classifier()
    print(
        f"held-out accuracy: {100 * report.test_accuracy:.2f} % (levels / 16), "
        f"{100 * report.test_accuracy_dequantized:.2f} % ((levels + 1/2) / 17); "
        f"final loss {report.loss[-1]:.4f}"
    )
    if min(report.test_accuracy, report.test_accuracy_dequantized) < 0.97:
        raise SystemExit("accuracy below 97 %: weights not written")
    classifier.WEIGHTS.parent.mkdir(exist_ok=True)
    torch.save(model.state_dict(), classifier.WEIGHTS)
    print(f"wrote {classifier.WEIGHTS} ({classifier.WEIGHTS.stat().st_size / 1024:.0f} KiB)")
