import pytest
import torch

from gencourse import classifier, data, metrics


@pytest.fixture(scope="module")
def unseen():
    """Digits the shipped classifier never trained on: the generators' split and the evaluation
    half."""
    train, train_labels = data.digits("train", device="cpu")
    evaluation, evaluation_labels = classifier.held_out_digits("evaluation", device="cpu")
    return torch.cat([train, evaluation]), torch.cat([train_labels, evaluation_labels])


def test_the_classifier_trains_on_digits_no_generator_sees():
    test, _ = data.digits("test", device="cpu")
    train, _ = data.digits("train", device="cpu")
    own, own_labels = classifier.held_out_digits("classifier", device="cpu")
    evaluation, evaluation_labels = classifier.held_out_digits("evaluation", device="cpu")
    assert len(own) == len(evaluation) == len(test) // 2 == 180

    # the two halves partition the held-out split (as multisets of images) ...
    def key(images):
        return sorted(map(tuple, images.reshape(len(images), -1).int().tolist()))

    assert key(torch.cat([own, evaluation])) == key(test)
    # ... stratified by class, and no image of the generators' split is among them
    for labels in (own_labels, evaluation_labels):
        assert torch.bincount(labels, minlength=10).min() >= 17
    train_keys = set(key(train))
    assert not train_keys & set(key(own)) and not train_keys & set(key(evaluation))
    with pytest.raises(ValueError, match="part"):
        classifier.held_out_digits("train")


def test_shipped_classifier_is_accurate_on_digits_it_never_saw(unseen):
    images, labels = unseen
    model = classifier.digits_classifier(device="cpu")
    assert not model.training and not any(p.requires_grad for p in model.parameters())
    assert classifier.accuracy(model, images / 16, labels) >= 0.95
    g = torch.Generator().manual_seed(0)
    assert classifier.accuracy(model, classifier.jitter(images, g), labels) >= 0.95


def test_from_dequantized_is_the_data_scale_within_half_a_level():
    images, _ = data.digits("test", device="cpu")
    y = data.dequantize(images, seed=0)  # (x + u) / 17
    mapped = classifier.from_dequantized(y)
    assert float((mapped - images / 16).abs().max()) <= 0.5 / 16 + 1e-6
    assert float(mapped.min()) >= 0 and float(mapped.max()) <= 1
    # without the map the dequantized scale is off by up to x/16 − x/17 ≈ 1/17 at the top level
    assert float((y - images / 16).abs().max()) > 0.5 / 16
    with pytest.raises(TypeError, match="floating-point"):
        classifier.from_dequantized(images.long())


def test_weights_load_with_weights_only():
    state = torch.load(classifier.WEIGHTS, map_location="cpu", weights_only=True)
    fresh = classifier.DigitsClassifier(device="cpu")
    fresh.load_state_dict(state)
    assert classifier.WEIGHTS.stat().st_size < 1_000_000  # small enough to ship


def test_predict_shapes_and_probabilities(unseen):
    images, _ = unseen
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


def test_fid_orders_held_out_real_half_classes_and_noise():
    evaluation, _ = classifier.held_out_digits("evaluation", device="cpu")
    train, train_labels = data.digits("train", device="cpu")
    reference = train / 16
    fid_real = metrics.fid(evaluation / 16, reference)
    half = (train[train_labels < 5] / 16)[: len(evaluation)]  # same n as the real digits
    fid_half = metrics.fid(half, reference)
    fid_noise = metrics.fid(
        torch.rand(len(evaluation), 64, generator=torch.Generator().manual_seed(0)), reference
    )
    assert fid_real < 0.2 * fid_half and fid_half < fid_noise


def test_inception_score_of_real_digits_is_near_ten(unseen):
    images, _ = unseen
    mean, std = metrics.digits_inception_score(images / 16, splits=3)  # splits of 539 images
    assert 9.0 < mean <= 10.0 and std < 0.3


def test_training_is_reproducible_and_learns():
    _, report_a = classifier.train_digits_classifier(epochs=15, progress=False)
    _, report_b = classifier.train_digits_classifier(epochs=15, progress=False)
    assert report_a.loss == report_b.loss and report_a.n_unseen == 1437 + 180
    assert report_a.loss[-1] < report_a.loss[0] and report_a.accuracy > 0.5  # chance is 0.1


def test_digits_report_sees_dropped_classes():
    train, _ = data.digits("train", device="cpu")
    evaluation, evaluation_labels = classifier.held_out_digits("evaluation", device="cpu")
    full = metrics.digits_report(evaluation / 16, train / 16)
    three = metrics.digits_report(evaluation[evaluation_labels < 3] / 16, train / 16)
    assert full.n == 180 and full.classes_covered == 10 and three.classes_covered == 3
    assert full.recall > 0.8 and three.recall < 0.5 and three.precision > 0.8
    assert three.fid > 5 * full.fid and three.inception_score < 3.5
    assert abs(sum(full.class_shares) - 1) < 1e-9 and "n = 180" in str(full)
    with pytest.raises(ValueError, match="confidence"):
        metrics.digits_report(evaluation / 16, train / 16, confidence=1.5)
    with pytest.raises(ValueError, match="weight_decay"):
        classifier.train_digits_classifier(weight_decay=-1.0)


def test_a_class_is_covered_by_a_share_of_the_confident_samples_not_by_one():
    # the definition the book states: a class counts when it receives at least min_share (5 %)
    # of the confidently classified samples, so that one stray confident sample does not count
    evaluation, labels = classifier.held_out_digits("evaluation", device="cpu")
    train, _ = data.digits("train", device="cpu")
    one_nine = torch.cat([evaluation[labels < 9], evaluation[labels == 9][:1]]) / 16
    report = metrics.digits_report(one_nine, train / 16)
    _, probabilities = classifier.digits_classifier(device="cpu").predict(one_nine[-1:])
    assert float(probabilities[0, 9]) >= 0.9  # the single 9 is confidently classified ...
    assert report.classes_covered == 9  # ... yet class 9 is not covered
    assert metrics.digits_report(one_nine, train / 16, min_share=0.005).classes_covered == 10
