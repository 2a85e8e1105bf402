import pytest
import torch

from gencourse import classifier, data, metrics


@pytest.fixture(scope="module")
def test_split():
    images, labels = data.digits("test", device="cpu")
    return images, labels


def test_shipped_classifier_reaches_97_percent(test_split):
    images, labels = test_split
    model = classifier.digits_classifier(device="cpu")
    assert not model.training and not any(p.requires_grad for p in model.parameters())
    assert classifier.accuracy(model, images / 16, labels) >= 0.97
    assert classifier.accuracy(model, (images + 0.5) / 17, labels) >= 0.97


def test_weights_load_with_weights_only():
    state = torch.load(classifier.WEIGHTS, map_location="cpu", weights_only=True)
    fresh = classifier.DigitsClassifier(device="cpu")
    fresh.load_state_dict(state)
    assert classifier.WEIGHTS.stat().st_size < 1_000_000  # small enough to ship


def test_predict_shapes_and_probabilities(test_split):
    images, _ = test_split
    features, probabilities = classifier.digits_classifier(device="cpu").predict(images[:50] / 16)
    assert features.shape == (50, 64) and probabilities.shape == (50, 10)
    torch.testing.assert_close(probabilities.sum(1), torch.ones(50))
    assert bool((features >= 0).all())  # ReLU features


def test_classifier_rejects_raw_levels_and_bad_shapes():
    model = classifier.digits_classifier(device="cpu")
    with pytest.raises(ValueError, match="divide"):
        model.predict(torch.full((4, 64), 16.0))
    with pytest.raises(ValueError, match=r"\(n, 64\) or \(n, 8, 8\)"):
        model.predict(torch.rand(4, 63))
    with pytest.raises(TypeError, match="floating-point"):
        model.predict(torch.zeros(4, 64, dtype=torch.int64))


def test_fid_orders_held_out_real_half_classes_and_noise(test_split):
    images, labels = test_split
    train, train_labels = data.digits("train", device="cpu")
    real = images / 16
    reference = train / 16
    fid_real = metrics.fid(real, reference)
    fid_half = metrics.fid(train[train_labels < 5] / 16, reference)
    fid_noise = metrics.fid(
        torch.rand(500, 64, generator=torch.Generator().manual_seed(0)), reference
    )
    assert fid_real < 0.2 * fid_half and fid_half < fid_noise


def test_inception_score_of_real_digits_is_near_ten(test_split):
    images, _ = test_split
    mean, std = metrics.digits_inception_score(images / 16, splits=5)
    assert 8.0 < mean <= 10.0 and std < 0.5


def test_training_is_reproducible_and_learns():
    model_a, report_a = classifier.train_digits_classifier(epochs=2, progress=False)
    model_b, report_b = classifier.train_digits_classifier(epochs=2, progress=False)
    assert report_a.loss == report_b.loss
    assert report_a.loss[1] < report_a.loss[0] and report_a.test_accuracy > 0.5  # chance is 0.1


def test_digits_report_sees_dropped_classes(test_split):
    images, labels = test_split
    train, _ = data.digits("train", device="cpu")
    full = metrics.digits_report(images / 16, train / 16, splits=5)
    three = metrics.digits_report(images[labels < 3] / 16, train / 16, splits=5)
    assert full.classes_covered == 10 and three.classes_covered == 3
    assert full.recall > 0.8 and three.recall < 0.5 and three.precision > 0.8
    assert three.fid > 5 * full.fid and three.inception_score < 3.5
    assert abs(sum(full.class_shares) - 1) < 1e-9
    with pytest.raises(ValueError, match="confidence"):
        metrics.digits_report(images / 16, train / 16, confidence=1.5)
    with pytest.raises(ValueError, match="weight_decay"):
        classifier.train_digits_classifier(weight_decay=-1.0)
