"""Config-flow steps: the generic base and one module of account steps per provider.

``ProviderSteps`` combines every provider's steps into the class ``config_flow`` extends;
a new provider adds its module here and its registry entry names its first steps.
"""

from .chargetrip import ChargetripSteps
from .connectedcars import ConnectedCarsSteps
from .connectors import ConnectorsSteps
from .enode import EnodeSteps
from .hiven import HivenSteps


class ProviderSteps(EnodeSteps, HivenSteps, ConnectedCarsSteps, ChargetripSteps, ConnectorsSteps):
    """The account steps of every provider in the registry, on the generic base."""


__all__ = ["ProviderSteps"]
