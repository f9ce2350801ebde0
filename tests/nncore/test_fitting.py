"""fit(): the whole path from a dataset to a model, on the real tutorial-layout workbook."""
import numpy as np
import pytest

from nncore.config import TrainConfig
from nncore.data.dataset import Dataset
from nncore.fitting import fit
from nncore.data.loaders import load_sample


@pytest.fixture(scope="module")
def sample():
    return load_sample()


def test_same_seed_same_model(sample):
    rows = np.arange(0, sample.n_samples, 10)
    small = Dataset(X=sample.X[rows], y=sample.y[rows], classes=sample.classes, image=sample.image)
    config = TrainConfig(hidden_layers=[8], epochs=2, augment=False, seed=5)
    a, ra = fit(small, config)
    b, rb = fit(small, config)
    assert all(np.array_equal(x, y) for x, y in zip(a.network.weights, b.network.weights))
    assert ra["history"]["cost"] == rb["history"]["cost"]
    assert ra["val_indices"] == rb["val_indices"]


def test_weight_averaging_reaches_the_model(sample):
    rows = np.arange(0, sample.n_samples, 10)
    small = Dataset(X=sample.X[rows], y=sample.y[rows], classes=sample.classes, image=sample.image)
    plain, r_plain = fit(small, TrainConfig(hidden_layers=[8], epochs=4, augment=False,
                                            average_last=0))
    averaged, r_avg = fit(small, TrainConfig(hidden_layers=[8], epochs=4, augment=False,
                                             average_last=0.5))
    assert r_plain["history"]["averaged_epochs"] is None
    assert r_avg["history"]["averaged_epochs"] == [3, 4]
    assert r_avg["history"]["cost"] == r_plain["history"]["cost"]   # same run until the mean
    assert not np.array_equal(plain.network.weights[0], averaged.network.weights[0])
    assert TrainConfig().average_last == 0.25


def test_callback_can_cancel(sample):
    seen = []
    def stop_after_two(record):
        seen.append(record["epoch"])
        return len(seen) < 2
    _, result = fit(sample, TrainConfig(hidden_layers=[8], epochs=50, augment=False),
                    callback=stop_after_two)
    assert seen == [1, 2]
    assert result["stopped"] == "cancelled" and result["epochs"] == 2


def test_images_get_a_drawing_profile(sample):
    model, result = fit(sample, TrainConfig(hidden_layers=[8], epochs=1, augment=False))
    assert model.image is not None and model.profile
    assert len(result["val_indices"]) == len(result["val_predictions"]) == 1000


def test_conv_blocks_train_save_and_load(sample, tmp_path):
    """conv_filters puts convolutional blocks first; the model file rebuilds them exactly."""
    from nncore.nn.convnet import ConvNetwork
    from nncore.model import Model
    rows = np.arange(0, sample.n_samples, 25)
    small = Dataset(X=sample.X[rows], y=sample.y[rows], classes=sample.classes, image=sample.image)
    config = TrainConfig(conv_filters=[4], conv_kernel=3, hidden_layers=[16], epochs=2,
                         augment=False)
    model, result = fit(small, config)
    assert isinstance(model.network, ConvNetwork) and result["epochs"] == 2
    path = tmp_path / "conv.npz"
    model.save(path)
    loaded = Model.load(path)
    assert isinstance(loaded.network, ConvNetwork)
    assert np.array_equal(loaded.predict_proba(small.X[:20]), model.predict_proba(small.X[:20]))


def test_conv_blocks_need_images():
    rng = np.random.default_rng(0)
    table = Dataset(X=rng.normal(size=(20, 5)), y=np.arange(20) % 2, classes=["a", "b"])
    with pytest.raises(ValueError, match="convolutional blocks need image data"):
        fit(table, TrainConfig(conv_filters=[4], epochs=1))


@pytest.fixture(scope="module")
def tutorial_workbook():
    from nncore.data.loaders import SAMPLE_PATH, load_dataset
    path = SAMPLE_PATH.with_name("digits_tutorial.xlsx")
    if not path.exists():
        pytest.skip("data/digits_tutorial.xlsx has not been built")
    return load_dataset(path)


@pytest.mark.slow
@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh"])
def test_the_tutorial_network_reaches_its_accuracy_with_the_defaults(tutorial_workbook,
                                                                     activation):
    # the bar for `python -m nncore train data/digits_tutorial.xlsx --hidden 25
    # --output sigmoid --l2 1`: >= 95% training and >= 92% validation accuracy, with the run
    # defaults (relu) and with the tutorials' own sigmoid units (and tanh)
    config = TrainConfig.from_dict({"hidden_layers": [25], "output": "sigmoid", "l2": 1,
                                    "activation": activation})
    _, result = fit(tutorial_workbook, config)
    assert result["learning_rate"] == config.effective_learning_rate
    assert result["train_accuracy"] >= 0.95, result["train_accuracy"]
    assert result["val_accuracy"] >= 0.92, result["val_accuracy"]
