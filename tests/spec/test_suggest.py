"""The "did you mean" hint."""

from __future__ import annotations

import pytest

from cjo_cli.spec.suggest import did_you_mean


@pytest.mark.parametrize(
    ("word", "choices", "hint"),
    [
        ("nxt", ["next", "on_timeout"], "; did you mean 'next'?"),
        ("on_timout", ["next", "on_timeout"], "; did you mean 'on_timeout'?"),
        ("lsa", {"lisa", "bob"}, "; did you mean 'lisa'?"),
        ("acquisiton", ("awareness", "acquisition"), "; did you mean 'acquisition'?"),
        ("xyz", ["next"], ""),
        ("next", [], ""),
        ("", ["next"], ""),
        ("Next", ["next"], "; did you mean 'next'?"),
        ("next", ["next"], "; did you mean 'next'?"),
        ("it's", ["its"], "; did you mean 'its'?"),
        ("its", ["it's"], '; did you mean "it\'s"?'),  # repr quoting
    ],
)
def test_did_you_mean(word: str, choices: list[str], hint: str) -> None:
    assert did_you_mean(word, choices) == hint


def test_the_closest_choice_wins() -> None:
    assert did_you_mean("cart_psh", ["cart_push", "cart_pushes", "cart"]) == (
        "; did you mean 'cart_push'?"
    )


def test_the_hint_does_not_depend_on_the_order_of_the_choices() -> None:
    # "bat" and "hat" are equally close to "cat".
    hints = {did_you_mean("cat", order) for order in (["bat", "hat"], ["hat", "bat"])}
    assert len(hints) == 1
    assert hints <= {"; did you mean 'bat'?", "; did you mean 'hat'?"}


def test_choices_may_be_any_iterable() -> None:
    assert did_you_mean("nxt", iter(["next"])) == "; did you mean 'next'?"
    assert did_you_mean("nxt", {"next": 1}) == "; did you mean 'next'?"
