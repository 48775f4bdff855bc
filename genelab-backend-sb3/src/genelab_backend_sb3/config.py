"""Typed agent config of the Stable-Baselines3 backend (imports neither torch nor SB3).

Field names follow SB3's constructor arguments, so SB3's documentation applies as is.
:mod:`genelab_backend_sb3.models` turns a config into an SB3 model.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from annotated_types import Predicate
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
Activation = Literal["tanh", "relu", "elu", "leaky_relu", "gelu", "silu"]



def _entropy_coef_name(text: str) -> bool:
    """'auto' or 'auto_<positive number>'"""
    if text == "auto":
        return True
    prefix, _, start = text.partition("_")
    try:
        return prefix == "auto" and float(start) > 0
    except ValueError:
        return False


def _gradient_steps(steps: int) -> bool:
    """-1 (one per transition) or at least 1"""
    return steps == -1 or steps >= 1


#: SAC's learned entropy coefficient: ``"auto"`` or ``"auto_<initial value>"``.
EntropyCoefName = Annotated[str, Predicate(_entropy_coef_name)]
GradientSteps = Annotated[int, Predicate(_gradient_steps)]

#: Algorithms that learn from one fresh rollout per iteration.
ON_POLICY: tuple[str, ...] = ("PPO", "A2C")


@dataclass
class Sb3PolicyCfg:
    """The policy (and value / Q) networks: SB3's ``policy_kwargs``.

    SB3 picks ``MlpPolicy`` for plain tasks and ``MultiInputPolicy`` for goal tasks, whose
    observations are a dict (``observation``, ``achieved_goal``, ``desired_goal``).

    Attributes:
        net_arch: Hidden layer sizes, shared by the actor and the critic(s).
        activation: Activation after every hidden layer (``None``: SB3's default, tanh
            for PPO/A2C and ReLU for SAC/TD3/DDPG).
        log_std_init: Initial log standard deviation of Gaussian policies (PPO, A2C, SAC).
    """

    net_arch: LayerSizes = field(default_factory=lambda: [64, 64])
    activation: Activation | None = None
    log_std_init: FiniteFloat | None = None


def _fields(cfg: Any, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    return {k: v for k, v in dataclasses.asdict(cfg).items() if k not in exclude}


@dataclass
class _OnPolicyCfg:
    """Settings shared by PPO and A2C (SB3's names and defaults).

    Attributes:
        learning_rate: Optimizer learning rate.
        gamma: Discount.
        gae_lambda: GAE lambda.
        ent_coef: Weight of the entropy bonus.
        vf_coef: Weight of the value loss.
        max_grad_norm: Gradient norm clip.
        normalize_advantage: Normalize advantages per mini-batch.
    """

    learning_rate: PositiveFloat = 3.0e-4
    gamma: Fraction = 0.99
    gae_lambda: Fraction = 0.95
    ent_coef: NonNegativeFloat = 0.0
    vf_coef: NonNegativeFloat = 0.5
    max_grad_norm: PositiveFloat = 0.5
    normalize_advantage: bool = True

    def sb3_kwargs(self, steps_per_iteration: int) -> dict[str, Any]:
        """Keyword arguments of the SB3 constructor: one rollout per iteration."""
        return {**_fields(self), "n_steps": steps_per_iteration}


@dataclass
class Sb3PpoCfg(_OnPolicyCfg):
    """PPO hyperparameters.

    Attributes:
        batch_size: Mini-batch size; must divide ``steps_per_iteration * num_envs``.
        n_epochs: Passes over each rollout.
        clip_range: Clip of the probability ratio.
        target_kl: Stop an update early above this KL divergence (``None``: never).
    """

    batch_size: PositiveInt = 64
    n_epochs: PositiveInt = 10
    clip_range: PositiveFloat = 0.2
    target_kl: PositiveFloat | None = None


@dataclass
class Sb3A2cCfg(_OnPolicyCfg):
    """A2C hyperparameters (one gradient step per rollout; SB3's defaults).

    Attributes:
        use_rms_prop: RMSprop (SB3's default) instead of Adam.
    """

    learning_rate: PositiveFloat = 7.0e-4
    gae_lambda: Fraction = 1.0
    normalize_advantage: bool = False
    use_rms_prop: bool = True


@dataclass
class _OffPolicyCfg:
    """Settings shared by SAC, TD3 and DDPG (SB3's names).

    Attributes:
        learning_rate: Adam learning rate of actor and critics.
        buffer_size: Replay buffer capacity in transitions (shared by all envs).
        learning_starts: Transitions (env steps summed over envs) collected with random
            actions before the first update.
        batch_size: Transitions per gradient step.
        tau: Soft target-update rate.
        gamma: Discount.
        gradient_steps: Gradient steps after each iteration of ``steps_per_iteration``
            vectorized env steps (SB3's ``train_freq``). ``None``: one per vectorized
            step; -1: one per transition (slow with many envs).
    """

    learning_rate: PositiveFloat = 1.0e-3
    buffer_size: PositiveInt = 1_000_000
    learning_starts: NonNegativeInt = 100
    batch_size: PositiveInt = 256
    tau: Fraction = 0.005
    gamma: Fraction = 0.99
    gradient_steps: GradientSteps | None = None

    def sb3_kwargs(self, steps_per_iteration: int) -> dict[str, Any]:
        """Keyword arguments of the SB3 constructor (exploration noise apart): one
        collection of ``steps_per_iteration`` vectorized steps per iteration."""
        data = _fields(self, ("action_noise_std",))
        data["train_freq"] = (steps_per_iteration, "step")
        if self.gradient_steps is None:
            data["gradient_steps"] = steps_per_iteration
        return data


@dataclass
class Sb3SacCfg(_OffPolicyCfg):
    """SAC hyperparameters.

    Attributes:
        ent_coef: Entropy coefficient: a number, ``"auto"`` (learned) or ``"auto_0.1"``
            (learned, starting at 0.1).
        target_entropy: Target of the learned coefficient (``"auto"``: minus the action
            dimension).
    """

    learning_rate: PositiveFloat = 3.0e-4
    ent_coef: NonNegativeFloat | EntropyCoefName = "auto"
    target_entropy: FiniteFloat | Literal["auto"] = "auto"


@dataclass
class Sb3DdpgCfg(_OffPolicyCfg):
    """DDPG hyperparameters.

    Attributes:
        action_noise_std: Std of the Gaussian exploration noise, as a fraction of the
            action range's half width (never applied at playback; 0: none).
    """

    action_noise_std: NonNegativeFloat = 0.1


@dataclass
class Sb3Td3Cfg(Sb3DdpgCfg):
    """TD3 hyperparameters.

    Attributes:
        policy_delay: Critic updates per policy (and target) update.
        target_policy_noise: Std of the target-policy smoothing noise.
        target_noise_clip: Clip of the target-policy smoothing noise.
    """

    policy_delay: PositiveInt = 2
    target_policy_noise: NonNegativeFloat = 0.2
    target_noise_clip: NonNegativeFloat = 0.5


@dataclass
class Sb3HerCfg:
    """Hindsight experience replay (SB3's ``HerReplayBuffer``) for goal tasks.

    Attributes:
        enabled: Replay with relabelled goals (SAC, TD3 or DDPG on a goal task only).
        n_sampled_goal: Relabelled transitions per real one.
        goal_selection_strategy: Where relabelled goals come from in the episode.
    """

    enabled: bool = False
    n_sampled_goal: PositiveInt = 4
    goal_selection_strategy: Literal["future", "final", "episode"] = "future"


@dataclass
class Sb3AgentCfg(BackendConfig):
    """Agent config of the Stable-Baselines3 backend (PPO, A2C, SAC, TD3 or DDPG, + HER).

    The budget means the same as for every backend: ``max_iterations`` iterations of
    ``steps_per_iteration`` vectorized env steps. PPO/A2C update once per iteration (SB3
    ``n_steps = steps_per_iteration``); SAC/TD3/DDPG run ``gradient_steps`` updates after
    each iteration (SB3 ``train_freq = steps_per_iteration``). When resuming,
    ``max_iterations`` are *additional* iterations. Checkpoints are SB3 zip files
    ``checkpoints/model_<env_steps>.zip`` (SB3's ``num_timesteps``), with the replay
    buffer beside them for SAC/TD3/DDPG (``replay_buffer_<env_steps>.pkl``), written at
    the first iteration, every ``save_interval`` iterations and at the end.

    Only the hyperparameter group of ``algorithm`` is used (``--agent.algorithm TD3
    --agent.td3.policy_delay 3``).

    Attributes:
        algorithm: The SB3 algorithm to train.
        policy: Network sizes and activation.
        observation_normalization: Normalize observations (every key of goal dicts) with
            running statistics (SB3's ``VecNormalize``, rewards untouched); the statistics
            are saved in checkpoints and applied at playback and export.
        clip_observations: Clip normalized observations to this magnitude.
        ppo: PPO hyperparameters.
        a2c: A2C hyperparameters.
        sac: SAC hyperparameters.
        td3: TD3 hyperparameters.
        ddpg: DDPG hyperparameters.
        her: Hindsight experience replay (off-policy algorithms on goal tasks).
    """

    experiment_name: str = "sb3"
    algorithm: Algorithm = "PPO"
    policy: Sb3PolicyCfg = field(default_factory=Sb3PolicyCfg)
    observation_normalization: bool = False
    clip_observations: PositiveFloat = 10.0
    ppo: Sb3PpoCfg = field(default_factory=Sb3PpoCfg)
    a2c: Sb3A2cCfg = field(default_factory=Sb3A2cCfg)
    sac: Sb3SacCfg = field(default_factory=Sb3SacCfg)
    td3: Sb3Td3Cfg = field(default_factory=Sb3Td3Cfg)
    ddpg: Sb3DdpgCfg = field(default_factory=Sb3DdpgCfg)
    her: Sb3HerCfg = field(default_factory=Sb3HerCfg)

    @property
    def on_policy(self) -> bool:
        """Whether ``algorithm`` learns from rollouts (PPO, A2C) rather than replay."""
        return self.algorithm in ON_POLICY

    @property
    def hyperparameters(self) -> _OnPolicyCfg | _OffPolicyCfg:
        """The hyperparameter group of ``algorithm``."""
        return getattr(self, self.algorithm.lower())
