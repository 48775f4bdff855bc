"""The trained policy used by play, eval and export."""

from __future__ import annotations

import torch
from skrl.agents.torch import Agent

from genelab_backend_skrl.wrapper import CRITIC_GROUP, POLICY_GROUP


class SkrlPolicy:
    """A trained skrl agent as a GeneLab policy: observation groups in, actions out.

    Deterministic (the default) is the policy model's mean action (Gaussian policies) or
    its output (TD3/DDPG) on the preprocessed observations: no sampling, no exploration
    noise, no warm-up randomisation. Otherwise actions come from the agent's own ``act``
    (sampled, or with TD3/DDPG's exploration noise).

    Args:
        agent: The agent with its checkpoint loaded.
        deterministic: Return the mean action.
    """

    def __init__(self, agent: Agent, deterministic: bool = True) -> None:
        self.agent = agent
        self.deterministic = deterministic
        agent.enable_training_mode(False, apply_to_models=True)

    def __call__(self, obs: dict[str, torch.Tensor]) -> torch.Tensor:
        """Actions ``(num_envs, action_dim)`` for a batch of observation groups."""
        agent = self.agent
        with torch.inference_mode():
            if self.deterministic:
                inputs = {"observations": agent._observation_preprocessor(obs[POLICY_GROUP]),
                          "states": None}
                actions, outputs = agent.policy.act(inputs, role="policy")
                return outputs.get("mean_actions", actions)
            actions, _ = agent.act(obs[POLICY_GROUP], obs.get(CRITIC_GROUP), timestep=0,
                                   timesteps=0)
        agent.tracking_data.clear()  # act() records exploration statistics nobody writes
        return actions
