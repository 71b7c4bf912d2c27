"""The SimPy model: actors as processes, wired by :class:`~escsim.model.world.World`."""

from escsim.model.policies import POLICIES, RetaliationPolicy, register_policy
from escsim.model.world import World

__all__ = ["POLICIES", "RetaliationPolicy", "World", "register_policy"]
