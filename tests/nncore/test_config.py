"""TrainConfig: defaults, parsing of what forms send, and a message naming each bad field."""
import pytest

from nncore.config import TrainConfig


def test_defaults_round_trip():
    config = TrainConfig()
    assert TrainConfig.from_dict(config.to_dict()) == config
    assert TrainConfig.from_dict({}) == config
    assert TrainConfig.from_dict(None) == config


def test_form_values_are_parsed():
    config = TrainConfig.from_dict({"hidden_layers": "128, 64", "learning_rate": "0.01",
                                    "epochs": "12", "batch_size": None, "l2": 0})
    assert config.hidden_layers == [128, 64]
    assert config.learning_rate == 0.01
    assert config.epochs == 12
    assert config.batch_size is None           # full batch
    assert TrainConfig.from_dict({"hidden_layers": []}).hidden_layers == []


@pytest.mark.parametrize("data, message", [
    ({"hidden_layers": [0]}, "hidden layer size must be between 1 and 4096"),
    ({"hidden_layers": [-3]}, "hidden layer size must be between 1 and 4096"),
    ({"hidden_layers": [10**7]}, "hidden layer size must be between 1 and 4096"),
    ({"hidden_layers": [5] * 500}, "at most 10 hidden layers"),
    ({"hidden_layers": "a, b"}, "hidden layer size must be a number"),
    ({"hidden_layers": {"a": 1}}, "hidden_layers must be a list"),
    ({"activation": "softplus"}, "activation must be one of: relu, sigmoid, tanh"),
    ({"output": "linear"}, "output must be one of: sigmoid, softmax"),
    ({"optimizer": "lbfgs"}, "optimizer must be one of: adam, gd, momentum, sgd"),
    ({"learning_rate": "fast"}, "learning_rate must be a number"),
    ({"learning_rate": 0}, "learning_rate must be greater than 0"),
    ({"learning_rate": float("nan")}, "learning_rate must be a finite number"),
    ({"epochs": 10**9}, "epochs must be between 1 and 2000"),
    ({"epochs": 2.5}, "epochs must be a whole number"),
    ({"epochs": True}, "epochs must be a number"),
    ({"batch_size": 0}, "batch_size must be between 1"),
    ({"l2": -1}, "l2 must be between 0"),
    ({"validation_split": 0.95}, "validation_split must be between 0 and 0.9"),
    ({"augment": "yes"}, "augment must be true, false or null"),
    ({"average_last": 1.01}, "average_last must be between 0 and 1"),
    ({"average_last": "most"}, "average_last must be a number"),
    ({"hiden_layers": [3]}, "unknown setting(s): hiden_layers"),
])
def test_bad_values_name_the_field(data, message):
    with pytest.raises(ValueError) as err:
        TrainConfig.from_dict(data)
    assert message in str(err.value)


def test_parameter_count_and_size_limit():
    from nncore.config import check_network_size, parameter_count
    assert parameter_count([400, 25, 10]) == 401 * 25 + 26 * 10     # Ng's 10285 parameters
    check_network_size(TrainConfig(hidden_layers=[25]), 400, 10)
    with pytest.raises(ValueError, match="would have 33,210,378 parameters"):
        check_network_size(TrainConfig(hidden_layers=[4096, 4096]), 4000, 10)


@pytest.mark.parametrize("data, message", [
    ({"conv_filters": [8, 8, 8, 8]}, "conv_filters: at most 3 convolutional blocks"),
    ({"conv_filters": [65]}, "filters per conv block must be between 1 and 64"),
    ({"conv_filters": "x"}, "filters per conv block must be a number"),
    ({"conv_kernel": 4}, "conv_kernel must be odd"),
    ({"conv_kernel": 9}, "conv_kernel must be between 1 and 7"),
])
def test_bad_conv_settings(data, message):
    with pytest.raises(ValueError) as err:
        TrainConfig.from_dict(data)
    assert message in str(err.value)
    assert TrainConfig.from_dict({"conv_filters": "16, 32"}).conv_filters == [16, 32]


@pytest.mark.parametrize("value, message", [
    (-1, "synthetic_digits must be between 0 and 20000"),
    (20001, "synthetic_digits must be between 0 and 20000"),
    (2.5, "synthetic_digits must be a whole number"),
    ("many", "synthetic_digits must be a number"),
])
def test_bad_synthetic_digits(value, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig.from_dict({"synthetic_digits": value})
    assert TrainConfig.from_dict({"synthetic_digits": None}).synthetic_digits is None
    assert TrainConfig.from_dict({"synthetic_digits": "300"}).synthetic_digits == 300


@pytest.mark.parametrize("value, message", [
    (-1, "pen_digits must be between 0 and 30000"),
    (30001, "pen_digits must be between 0 and 30000"),
    (True, "pen_digits"),
])
def test_bad_pen_digits(value, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig.from_dict({"pen_digits": value})
    assert TrainConfig.from_dict({"pen_digits": None}).pen_digits is None
    assert TrainConfig.from_dict({"pen_digits": "300"}).pen_digits == 300


def test_lr_schedule_is_a_registry_name():
    assert TrainConfig.from_dict({"lr_schedule": "cosine"}).lr_schedule == "cosine"
    with pytest.raises(ValueError, match="lr_schedule must be one of: constant, cosine"):
        TrainConfig.from_dict({"lr_schedule": "warmup"})


def test_adams_default_rate_follows_the_activation():
    from nncore.config import ADAM_RATE_BY_ACTIVATION, default_learning_rate
    from nncore.nn.activations import ACTIVATIONS
    from nncore.nn.optimizers import DEFAULT_LEARNING_RATES

    assert set(ADAM_RATE_BY_ACTIVATION) == set(ACTIVATIONS)
    assert default_learning_rate("adam", "relu") == 0.001
    assert default_learning_rate("adam", "sigmoid") == 0.01
    assert default_learning_rate("adam", "tanh") == 0.003
    assert default_learning_rate("sgd", "sigmoid") == DEFAULT_LEARNING_RATES["sgd"]
    assert TrainConfig(activation="sigmoid").effective_learning_rate == 0.01
    assert TrainConfig(activation="sigmoid", learning_rate=0.2).effective_learning_rate == 0.2
    assert TrainConfig(optimizer="momentum").effective_learning_rate == 0.05


@pytest.mark.parametrize("data, limits, message", [
    ({"epochs": 51}, {"max_epochs": 50}, "epochs must be between 1 and 50 (got 51)"),
    ({"hidden_layers": [65]}, {"max_layer_size": 64}, "hidden layer size must be between 1 and 64"),
    ({"hidden_layers": [2, 2, 2]}, {"max_layers": 2}, "hidden_layers: at most 2 hidden layers"),
    ({"validation_split": 0.6}, {"max_validation_split": 0.5},
     "validation_split must be between 0 and 0.5"),
    ({"batch_size": 200}, {"max_batch_size": 100}, "batch_size must be between 1 and 100"),
])
def test_a_server_tightens_the_limits(data, limits, message):
    assert TrainConfig.from_dict(data).to_dict()        # within nncore's own limits
    with pytest.raises(ValueError) as err:
        TrainConfig.from_dict(data, limits=limits)
    assert message in str(err.value)


def test_a_server_cannot_loosen_the_limits():
    with pytest.raises(ValueError, match="epochs must be between 1 and 2000"):
        TrainConfig.from_dict({"epochs": 2001}, limits={"max_epochs": 5000})


def test_a_server_limit_on_parameters():
    from nncore.config import check_network_size
    config = TrainConfig(hidden_layers=[100])
    check_network_size(config, 100, 10)
    with pytest.raises(ValueError, match="at most 1,000 are allowed"):
        check_network_size(config, 100, 10, limits={"max_parameters": 1000})


@pytest.mark.parametrize("settings, summary, message", [
    ({"conv_filters": [4]}, {"image": None, "classes": ["a", "b"]},
     "conv_filters: convolutional blocks need image data"),
    ({"synthetic_digits": 5}, {"image": {"height": 8}, "classes": ["a", "b"]},
     "synthetic_digits: synthetic pen digits are only added to pictures of the digits 0-9"),
    ({"pen_digits": 5}, {"image": None, "classes": list("0123456789")},
     "pen_digits: real pen digits are only added to pictures of the digits 0-9"),
])
def test_settings_a_kind_of_data_cannot_take(settings, summary, message):
    from nncore.config import check_for_dataset
    with pytest.raises(ValueError) as err:
        check_for_dataset(TrainConfig(**settings), summary)
    assert message in str(err.value)
    # auto and none are fine anywhere; digit pictures take every one of them
    check_for_dataset(TrainConfig(), summary)
    check_for_dataset(TrainConfig(**settings), {"image": {"height": 8},
                                                "classes": list("0123456789")})
