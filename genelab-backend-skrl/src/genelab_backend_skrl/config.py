"""Typed agent config of the skrl backend: algorithm, models, memory and hyperparameters.

This module imports neither torch nor skrl: it is read when a task's agent config is
resolved, before anything heavy is loaded. :mod:`genelab_backend_skrl.agents` turns it
into skrl's own config dataclasses.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal

from genelab.constraints import (
    FiniteFloat,
    Fraction,
    LayerSizes,
    NonNegativeFloat,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
)
from genelab.rl import BackendConfig

Algorithm = Literal["PPO", "A2C", "SAC", "TD3", "DDPG"]
Activation = Literal["elu", "relu", "tanh", "leaky_relu", "gelu", "silu"]

#: Algorithms that learn from one fresh rollout per iteration (memory = one rollout).
ON_POLICY: tuple[str, ...] = ("PPO", "A2C")


@dataclass
class SkrlMlpCfg:
    """A multilayer perceptron.

    Attributes:
        hidden_dims: Sizes of the hidden layers.
        activation: Activation after every hidden layer.
    """

    hidden_dims: LayerSizes = field(default_factory=lambda: [64, 64])
    activation: Activation = "elu"


@dataclass
class SkrlPolicyCfg(SkrlMlpCfg):
    """The policy network.

    PPO, A2C and SAC use a Gaussian policy (the MLP gives the mean, the log standard
    deviation is a learned state-independent parameter); TD3 and DDPG use a deterministic
    policy whose output is squashed into the action bounds with ``tanh``.

    Attributes:
        initial_log_std: Initial log standard deviation of the Gaussian policy.
        min_log_std: Lower clamp of the log standard deviation.
        max_log_std: Upper clamp of the log standard deviation.
        squash_mean: Map the Gaussian mean into the action bounds with ``tanh`` (useful
            for SAC; on-policy agents usually keep a linear mean).
    """

    initial_log_std: FiniteFloat = 0.0
    min_log_std: FiniteFloat = -20.0
    max_log_std: FiniteFloat = 2.0
    squash_mean: bool = False


@dataclass
class SkrlModelsCfg:
    """The networks of every algorithm.

    The critic is the state-value network for PPO/A2C and each Q-network (and its target)
    for SAC/TD3/DDPG. Critics read the env's ``critic`` observation group when it exists
    (skrl's "states"), else the ``policy`` group; the policy always reads ``policy``.

    Attributes:
        policy: The policy network.
        critic: The value / Q networks.
    """

    policy: SkrlPolicyCfg = field(default_factory=SkrlPolicyCfg)
    critic: SkrlMlpCfg = field(default_factory=SkrlMlpCfg)


@dataclass
class SkrlMemoryCfg:
    """skrl's ``RandomMemory``; one row holds one transition of every env.

    Attributes:
        memory_size: Rows of the memory. PPO/A2C need exactly one rollout
            (``steps_per_iteration`` rows; ``None`` picks that). For SAC/TD3/DDPG it is the
            replay buffer (``memory_size * num_envs`` transitions; ``None``: 10,000 rows).
    """

    memory_size: PositiveInt | None = None

    def rows(self, algorithm: str, steps_per_iteration: int) -> int:
        """The memory size that will be used for ``algorithm``."""
        if self.memory_size is not None:
            return self.memory_size
        return steps_per_iteration if algorithm in ON_POLICY else 10_000


def _skrl_fields(cfg: Any, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    return {k: v for k, v in dataclasses.asdict(cfg).items() if k not in exclude}


@dataclass
class _OnPolicyCfg:
    """Settings shared by PPO and A2C (names as in skrl's ``PPO_CFG`` / ``A2C_CFG``).

    Attributes:
        mini_batches: Mini-batches per pass over a rollout of ``num_envs * steps``
            transitions; must divide it.
        discount_factor: Discount gamma.
        gae_lambda: GAE lambda.
        learning_rate: Adam learning rate of policy and value.
        kl_adaptive_lr: Adapt the learning rate to keep the KL divergence near
            ``kl_target`` (skrl's ``KLAdaptiveLR``).
        kl_target: Target KL divergence of the adaptive learning rate.
        grad_norm_clip: Gradient norm clip (0: off).
        entropy_loss_scale: Weight of the entropy bonus.
        value_normalization: Normalize value targets with running statistics.
        time_limit_bootstrap: Bootstrap time-outs with the value of the pre-reset
            observation (skrl's default is off, which treats a time-out as if the
            episode continued into the next one).
    """

    mini_batches: PositiveInt = 4
    discount_factor: Fraction = 0.99
    gae_lambda: Fraction = 0.95
    learning_rate: PositiveFloat = 1.0e-3
    kl_adaptive_lr: bool = False
    kl_target: PositiveFloat = 0.01
    grad_norm_clip: NonNegativeFloat = 1.0
    entropy_loss_scale: NonNegativeFloat = 0.0
    value_normalization: bool = True
    time_limit_bootstrap: bool = True

    def skrl_kwargs(self) -> dict[str, Any]:
        """Plain keyword arguments of skrl's agent config (classes are added by the builder)."""
        return _skrl_fields(self, ("kl_adaptive_lr", "kl_target", "value_normalization"))


@dataclass
class SkrlPpoCfg(_OnPolicyCfg):
    """PPO hyperparameters.

    Attributes:
        learning_epochs: Passes over each rollout.
        ratio_clip: Clip of the probability ratio.
        value_clip: Clip of the value update (0: off).
        value_loss_scale: Weight of the value loss.
        kl_threshold: Stop an update early above this KL divergence (0: off).
    """

    learning_epochs: PositiveInt = 5
    ratio_clip: PositiveFloat = 0.2
    value_clip: NonNegativeFloat = 0.2
    value_loss_scale: NonNegativeFloat = 1.0
    kl_threshold: NonNegativeFloat = 0.0


@dataclass
class SkrlA2cCfg(_OnPolicyCfg):
    """A2C hyperparameters (one gradient step per mini-batch of each rollout)."""

    mini_batches: PositiveInt = 1


@dataclass
class _OffPolicyCfg:
    """Settings shared by SAC, TD3 and DDPG (names as in skrl's agent configs).

    Attributes:
        gradient_steps: Gradient steps after every vectorized env step.
        batch_size: Transitions per gradient step.
        discount_factor: Discount gamma.
        polyak: Soft target-update rate.
        actor_learning_rate: Adam learning rate of the policy.
        critic_learning_rate: Adam learning rate of the critics.
        learning_starts: Vectorized env steps collected before the first update (again
            after resuming from a checkpoint that has no saved replay memory).
        grad_norm_clip: Gradient norm clip (0: off).
    """

    gradient_steps: PositiveInt = 1
    batch_size: PositiveInt = 256
    discount_factor: Fraction = 0.99
    polyak: Fraction = 0.005
    actor_learning_rate: PositiveFloat = 1.0e-3
    critic_learning_rate: PositiveFloat = 1.0e-3
    learning_starts: NonNegativeInt = 50
    grad_norm_clip: NonNegativeFloat = 0.0

    def skrl_kwargs(self) -> dict[str, Any]:
        """Plain keyword arguments of skrl's agent config (classes are added by the builder)."""
        data = _skrl_fields(self, ("actor_learning_rate", "critic_learning_rate"))
        data["learning_rate"] = (self.actor_learning_rate, self.critic_learning_rate)
        return data


@dataclass
class SkrlSacCfg(_OffPolicyCfg):
    """SAC hyperparameters.

    Attributes:
        learn_entropy: Learn the entropy coefficient.
        entropy_learning_rate: Adam learning rate of the entropy coefficient.
        initial_entropy_value: Initial entropy coefficient.
        target_entropy: Entropy target (``None``: minus the action dimension).
    """

    learn_entropy: bool = True
    entropy_learning_rate: PositiveFloat = 1.0e-3
    initial_entropy_value: PositiveFloat = 0.2
    target_entropy: FiniteFloat | None = None

    def skrl_kwargs(self) -> dict[str, Any]:
        """Plain keyword arguments of skrl's ``SAC_CFG``."""
        data = super().skrl_kwargs()
        data["learning_rate"] = (*data["learning_rate"], data.pop("entropy_learning_rate"))
        return data


@dataclass
class SkrlDdpgCfg(_OffPolicyCfg):
    """DDPG hyperparameters.

    Attributes:
        exploration_noise_std: Std of the Gaussian noise added to training actions
            (never at playback).
    """

    exploration_noise_std: NonNegativeFloat = 0.1

    def skrl_kwargs(self) -> dict[str, Any]:
        """Plain keyword arguments of skrl's ``DDPG_CFG`` / ``TD3_CFG`` (noise std apart)."""
        data = super().skrl_kwargs()
        data.pop("exploration_noise_std")
        data.pop("smooth_regularization_std", None)
        return data


@dataclass
class SkrlTd3Cfg(SkrlDdpgCfg):
    """TD3 hyperparameters.

    Attributes:
        policy_delay: Critic updates per policy (and target) update.
        smooth_regularization_std: Std of the target-policy smoothing noise.
        smooth_regularization_clip: Clip of the target-policy smoothing noise.
    """

    policy_delay: PositiveInt = 2
    smooth_regularization_std: NonNegativeFloat = 0.2
    smooth_regularization_clip: NonNegativeFloat = 0.5


@dataclass
class SkrlAgentCfg(BackendConfig):
    """Agent config of the skrl backend (PPO, A2C, SAC, TD3 or DDPG).

    The budget means the same as for every backend: training runs ``max_iterations``
    iterations of ``steps_per_iteration`` vectorized env steps, i.e. skrl ``timesteps =
    max_iterations * steps_per_iteration`` (``* num_envs`` transitions). PPO/A2C update
    once per iteration (skrl ``rollouts = steps_per_iteration``); SAC/TD3/DDPG update
    after every env step. When resuming, ``max_iterations`` are *additional* iterations.
    Checkpoints are ``checkpoints/agent_<timestep>.pt`` (skrl's naming, ``timestep`` =
    vectorized env steps so far), written at the first iteration, every
    ``save_interval`` iterations and at the end.

    Only the hyperparameter group of ``algorithm`` is used (``--agent.algorithm TD3
    --agent.td3.policy_delay 3``).

    Attributes:
        algorithm: The skrl agent to train.
        models: Network sizes and the policy's distribution settings.
        memory: Rollout / replay memory size.
        observation_normalization: Normalize observations (and critic states) with
            running statistics (skrl's ``RunningStandardScaler``); saved in checkpoints
            and applied at playback.
        ppo: PPO hyperparameters.
        a2c: A2C hyperparameters.
        sac: SAC hyperparameters.
        td3: TD3 hyperparameters.
        ddpg: DDPG hyperparameters.
    """

    experiment_name: str = "skrl"
    algorithm: Algorithm = "PPO"
    models: SkrlModelsCfg = field(default_factory=SkrlModelsCfg)
    memory: SkrlMemoryCfg = field(default_factory=SkrlMemoryCfg)
    observation_normalization: bool = True
    ppo: SkrlPpoCfg = field(default_factory=SkrlPpoCfg)
    a2c: SkrlA2cCfg = field(default_factory=SkrlA2cCfg)
    sac: SkrlSacCfg = field(default_factory=SkrlSacCfg)
    td3: SkrlTd3Cfg = field(default_factory=SkrlTd3Cfg)
    ddpg: SkrlDdpgCfg = field(default_factory=SkrlDdpgCfg)

    @property
    def on_policy(self) -> bool:
        """Whether ``algorithm`` learns from rollouts (PPO, A2C) rather than replay."""
        return self.algorithm in ON_POLICY

    @property
    def hyperparameters(self) -> _OnPolicyCfg | _OffPolicyCfg:
        """The hyperparameter group of ``algorithm``."""
        return getattr(self, self.algorithm.lower())

    @property
    def memory_size(self) -> int:
        """Rows of the memory for ``algorithm`` (see :class:`SkrlMemoryCfg`)."""
        return self.memory.rows(self.algorithm, self.steps_per_iteration)
