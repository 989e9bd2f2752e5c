"""The `experiments:` block of `conversions.yml`: how A/B tests are read from GA4 events.

An experiment needs no declaration: any GA4 event carrying both the experiment-id and the variant
parameter is an exposure, so a new test shows up in `fct_experiment_results` the day it starts.
This block only names those parameters, the conversion window after a person's first exposure,
the control variant and, for the sample-ratio-mismatch check, the split each experiment was
configured with (default: equal). `fct_experiment_results` reads it from `raw_config`.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

DEFAULT_WINDOW = "7 days"
PARAM_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,39}$")  # GA4's rule for parameter names


class Experiments(BaseModel):
    """Where experiments live in the events, and how their results are computed."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id_param: str = "exp_id"  # the GA4 event parameter holding the experiment id
    variant_param: str = "exp_variant"  # ... and the one holding the variant
    # conversions count when they come after the person's first exposure, at most this long after
    window: str = DEFAULT_WINDOW
    # the variant the others are compared with; an experiment without a variant of this name
    # compares with its first variant in alphabetical order
    control: str = "control"
    # {experiment id: {variant: weight}}: the intended traffic split (any positive numbers, e.g.
    # 50/50 or 9/1); experiments not listed are expected to split equally
    split: dict[str, dict[str, float]] = Field(default_factory=dict)

    @field_validator("window")
    @classmethod
    def _window(cls, value: str) -> str:
        from microfunnel.conversions import parse_window  # the one parser of '<n> <unit>'

        parse_window(value)
        return value

    @field_validator("split")
    @classmethod
    def _weights(cls, value: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        for experiment, weights in value.items():
            if len(weights) < 2:
                raise ValueError(
                    f"split {experiment!r}: list every variant with its weight, at least two, "
                    "e.g. {control: 50, treatment: 50}"
                )
            for variant, weight in weights.items():
                if not weight > 0:
                    raise ValueError(f"split {experiment!r} -> {variant!r}: weight {weight} must be positive")
        return value

    @field_validator("id_param", "variant_param")
    @classmethod
    def _param_name(cls, value: str) -> str:
        if not PARAM_PATTERN.match(value):
            raise ValueError(
                f"parameter name {value!r} must start with a letter and use only letters, digits "
                "and '_' (max 40), as GA4 event parameters do"
            )
        return value

    @field_validator("control")
    @classmethod
    def _control(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("control must name a variant, e.g. control")
        return value

    @model_validator(mode="after")
    def _distinct_params(self) -> Experiments:
        if self.id_param == self.variant_param:
            raise ValueError(
                f"id_param and variant_param are both {self.id_param!r}; the experiment id and the "
                "variant are two parameters (default exp_id and exp_variant)"
            )
        return self

    @property
    def window_seconds(self) -> int:
        from microfunnel.conversions import parse_window

        return parse_window(self.window)

    def settings_rows(self) -> list[dict]:
        """The one row of `raw_config.experiment_settings`."""
        return [
            {
                "id_param": self.id_param,
                "variant_param": self.variant_param,
                "window_seconds": self.window_seconds,
                "control_variant": self.control,
            }
        ]

    def split_rows(self) -> list[dict]:
        """One row per experiment × variant of `split`, weights as given (SQL normalizes them)."""
        return [
            {"experiment_id": experiment, "variant": variant, "weight": float(weight)}
            for experiment, weights in sorted(self.split.items())
            for variant, weight in sorted(weights.items())
        ]
