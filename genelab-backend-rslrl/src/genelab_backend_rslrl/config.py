"""Typed agent configs for rsl-rl-lib 5.x and their mapping onto its dict schema.

This module imports neither torch nor rsl_rl: it is read when a task's agent config is
resolved, which happens before anything heavy is loaded.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from annotated_types import MinLen
from genelab.constraints import (
    Bounds,
    Fraction,
    LayerSizes,
    Name,
    NonNegativeFloat,
    PositiveFloat,
    PositiveInt,
)
from genelab.rl import BackendConfig, GenelabError

#: The activation names rsl_rl's ``resolve_nn_activation`` knows.
Activation = Literal["elu", "selu", "relu", "crelu", "lrelu", "tanh", "sigmoid", "softplus",
                     "gelu", "swish", "mish", "identity"]


@dataclass
class RslRlDistributionCfg:
    """The actor's output distribution (rsl_rl ``distribution_cfg``).

    Attributes:
        class_name: An rsl_rl distribution class (or ``"module:Class"``).
    """

    class_name: Name = "GaussianDistribution"


@dataclass
class RslRlGaussianDistributionCfg(RslRlDistributionCfg):
    """Gaussian with a state-independent standard deviation.

    Attributes:
        init_std: Initial standard deviation of the action noise.
        std_type: Parameterize the std directly ("scalar") or in log space ("log").
        learn_std: Learn the std; ``False`` keeps it at ``init_std``.
    """

    class_name: Name = "GaussianDistribution"
    init_std: PositiveFloat = 1.0
    std_type: Literal["scalar", "log"] = "scalar"
    learn_std: bool = True


@dataclass
class RslRlBetaDistributionCfg(RslRlDistributionCfg):
    """Beta distribution rescaled to ``action_range`` (for bounded actions).

    Attributes:
        action_range: ``(low, high)`` the samples are mapped to.
    """

    class_name: Name = "BetaDistribution"
    action_range: Bounds = (-1.0, 1.0)


@dataclass
class RslRlMlpModelCfg:
    """An MLP model (the critic, and the base of the actor).

    Attributes:
        class_name: An rsl_rl model class (or ``"module:Class"``).
        hidden_dims: Sizes of the hidden layers.
        activation: Activation name understood by rsl_rl (``elu``, ``relu``, ``tanh``...).
        obs_normalization: Normalize this model's inputs with running statistics that are
            saved in the checkpoint and used at playback.
    """

    class_name: Name = "MLPModel"
    hidden_dims: LayerSizes = field(default_factory=lambda: [256, 256, 256])
    activation: Activation = "elu"
    obs_normalization: bool = False


@dataclass
class RslRlActorCfg(RslRlMlpModelCfg):
    """The policy: an MLP followed by an action distribution.

    Attributes:
        distribution_cfg: The output distribution (its initial noise std lives here).
    """

    distribution_cfg: RslRlDistributionCfg = field(default_factory=RslRlGaussianDistributionCfg)


@dataclass
class RslRlPpoAlgorithmCfg:
    """PPO hyperparameters, named as rsl_rl's ``PPO`` takes them.

    Attributes:
        class_name: The algorithm class.
        num_learning_epochs: Passes over each rollout per iteration.
        num_mini_batches: Mini-batches per pass (the rollout is ``num_envs * steps``).
        clip_param: PPO ratio clip.
        gamma: Discount factor.
        lam: GAE lambda.
        value_loss_coef: Weight of the value loss.
        entropy_coef: Weight of the entropy bonus.
        learning_rate: Initial Adam learning rate.
        max_grad_norm: Gradient norm clip.
        optimizer: ``adam``, ``adamw``, ``sgd`` or ``rmsprop``.
        use_clipped_value_loss: Clip the value update like the policy ratio.
        schedule: ``adaptive`` adjusts the learning rate to keep KL near ``desired_kl``.
        desired_kl: Target KL divergence of the adaptive schedule.
        normalize_advantage_per_mini_batch: Normalize advantages per mini-batch instead
            of per rollout.
    """

    class_name: Name = "PPO"
    num_learning_epochs: PositiveInt = 5
    num_mini_batches: PositiveInt = 4
    clip_param: PositiveFloat = 0.2
    gamma: Fraction = 0.99
    lam: Fraction = 0.95
    value_loss_coef: NonNegativeFloat = 1.0
    entropy_coef: NonNegativeFloat = 0.01
    learning_rate: PositiveFloat = 1.0e-3
    max_grad_norm: PositiveFloat = 1.0
    optimizer: Literal["adam", "adamw", "sgd", "rmsprop"] = "adam"
    use_clipped_value_loss: bool = True
    schedule: Literal["adaptive", "fixed"] = "adaptive"
    desired_kl: PositiveFloat = 0.01
    normalize_advantage_per_mini_batch: bool = False


def _default_obs_groups() -> dict[str, list[str]]:
    return {"actor": ["policy"], "critic": ["critic"]}


@dataclass
class RslRlOnPolicyRunnerCfg(BackendConfig):
    """Agent config of the rsl_rl backend (PPO through ``OnPolicyRunner``).

    ``max_iterations`` counts PPO iterations (additional ones when resuming) and
    ``steps_per_iteration`` is rsl_rl's ``num_steps_per_env``.

    Attributes:
        actor: The policy network and its action distribution.
        critic: The value network.
        algorithm: PPO hyperparameters.
        obs_groups: Which env observation groups feed the actor and the critic. The
            default critic group ``critic`` falls back to the actor's groups when the
            env has no ``critic`` group.
        clip_actions: Clamp actions to ``[-clip_actions, clip_actions]`` before they
            reach the env, in training and playback alike; ``None`` leaves them as is.
        init_at_random_ep_len: Start training with random episode lengths so time-outs
            are spread over the rollout.
        check_for_nan: Stop with an error when the env returns NaN.
    """

    actor: RslRlActorCfg = field(default_factory=RslRlActorCfg)
    critic: RslRlMlpModelCfg = field(default_factory=RslRlMlpModelCfg)
    algorithm: RslRlPpoAlgorithmCfg = field(default_factory=RslRlPpoAlgorithmCfg)
    obs_groups: dict[str, Annotated[list[Name], MinLen(1)]] = field(default_factory=_default_obs_groups)
    clip_actions: PositiveFloat | None = None
    init_at_random_ep_len: bool = False
    check_for_nan: bool = True

    def resolve_obs_groups(self, available: Iterable[str]) -> dict[str, list[str]]:
        """Map each observation set to groups the env has, applying the critic fallback.

        Raises :class:`GenelabError` when a set names a group the env lacks.
        """
        available = list(available)
        resolved: dict[str, list[str]] = {}
        for set_name, groups in self.obs_groups.items():
            missing = [g for g in groups if g not in available]
            if missing and set_name == "critic" and groups == ["critic"]:
                resolved[set_name] = list(self.obs_groups.get("actor", ["policy"]))
                continue
            if missing:
                raise GenelabError(
                    f"agent.obs_groups.{set_name} uses observation group(s) "
                    f"{', '.join(missing)} but the env only has {', '.join(available)}"
                )
            resolved[set_name] = list(groups)
        for set_name in ("actor", "critic"):
            if set_name not in resolved:
                raise GenelabError(f"agent.obs_groups needs an '{set_name}' entry")
        return resolved

    def to_rsl_rl_dict(self, obs_groups_available: Iterable[str]) -> dict[str, Any]:
        """The ``train_cfg`` dict of rsl-rl-lib 5.x's ``OnPolicyRunner`` (a fresh copy).

        ``obs_groups_available`` are the env's observation group names.
        """
        return copy.deepcopy({
            "num_steps_per_env": self.steps_per_iteration,
            "save_interval": self.save_interval,
            "experiment_name": self.experiment_name,
            "run_name": self.run_name,
            "logger": self.logger,
            "check_for_nan": self.check_for_nan,
            "obs_groups": self.resolve_obs_groups(obs_groups_available),
            "algorithm": dataclasses.asdict(self.algorithm),
            "actor": dataclasses.asdict(self.actor),
            "critic": dataclasses.asdict(self.critic),
        })
