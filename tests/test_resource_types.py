"""Every type token the vocabulary names is the provider's own spelling: a token the pack
compares against that no provider emits would leave a policy blind to the type it guards."""

from __future__ import annotations

import re

import pulumi_azuread as azuread
import pytest

from entra_vocabulary import resource_types as types

AZUREAD_TOKENS = {
    name: value
    for name, value in vars(types).items()
    if name.isupper() and isinstance(value, str) and value.startswith("azuread:")
}


def test_the_vocabulary_names_azuread_resources_and_functions() -> None:
    assert len(AZUREAD_TOKENS) >= 30
    assert types.APPLICATION_PASSWORD in AZUREAD_TOKENS.values()


@pytest.mark.parametrize("constant", sorted(AZUREAD_TOKENS))
def test_each_azuread_token_is_the_providers_own(constant: str) -> None:
    token = AZUREAD_TOKENS[constant]
    class_name = token.rsplit(":", 1)[1]
    if class_name.startswith("get"):  # a function: azuread.get_client_config, ...
        function = re.sub(r"(?<!^)(?=[A-Z])", "_", class_name).lower()
        assert callable(getattr(azuread, function, None)), f"{constant}: no azuread.{function}"
    else:
        resource = getattr(azuread, class_name, None)
        assert resource is not None, f"{constant}: no azuread.{class_name}"
        assert resource.pulumi_type == token, constant
