"""The run form on pictures of digits: a network of one's own trains without the drawing pad's
pen digits for the picture run's epochs, and the epochs field follows the network."""
from playwright.sync_api import expect


def test_the_epochs_follow_a_network_of_ones_own(page, live_server, api):
    page.goto(f"{live_server}/datasets/{api.sample_dataset()['id']}")
    hidden, epochs = page.get_by_test_id("field-hidden_layers"), page.get_by_test_id("field-epochs")
    expect(hidden).to_have_value("256")
    expect(epochs).to_have_value("30")              # the drawing-pad run: pen digits, 30 epochs
    hidden.fill("25")
    hidden.press("Tab")
    expect(epochs).to_have_value("60")              # the tutorials' network: no pen digits
    hidden.fill("256")
    hidden.press("Tab")
    expect(epochs).to_have_value("30")
    epochs.fill("12")                               # a number typed by the user is kept
    hidden.fill("25")
    hidden.press("Tab")
    expect(epochs).to_have_value("12")
