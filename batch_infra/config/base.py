"""Shared pieces of the config models: camelCase keys, strictness, ISO 8601 durations, actionable errors."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationInfo,
    field_validator,
)
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError


class Model(BaseModel):
    """Every config model: keys are camelCase as in the stack YAML, unknown keys are errors, values frozen."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        frozen=True,
        str_strip_whitespace=True,
    )

    @field_validator("*", mode="before")
    @classmethod
    def _no_boolean_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        """pydantic reads `true` as 1 for a number, and an empty value passes as "not set"; in a stack file
        both are mistakes."""
        if not info.field_name or not _wants_number(cls.model_fields[info.field_name]):
            return value
        if isinstance(value, bool):
            raise invalid(f"{str(value).lower()} is a boolean, not a number", "write a whole number (e.g. 2)")
        if value is None:  # only a key written with no value gets here: absent keys are not validated
            raise invalid("the key has no value", "write a number, or remove the key to use the default")
        return value


def _wants_number(field: Any) -> bool:
    """Whether a field takes a number and not a boolean (int, float, or an optional of one)."""
    annotation = field.annotation
    kinds = set(getattr(annotation, "__args__", ())) or {annotation}
    return bool(kinds & {int, float}) and bool not in kinds


def invalid(
    message: str, fix: str | None = None, *, at: str | int | list[str | int] | None = None
) -> PydanticCustomError:
    """A validation failure whose text says what is wrong and how to fix it.

    `at` names the key below the validated model that is at fault (e.g. "subnetPrefix"), so a model-level
    check still reports the exact key path rather than the section.
    """
    text = f"{message}; fix: {fix}" if fix else message
    parts = [] if at is None else (at if isinstance(at, list) else [at])
    # Braces would be read as pydantic template fields.
    return PydanticCustomError("batch_infra", text.replace("{", "(").replace("}", ")"), {"at": parts})


def retired(feature: str, date: str, replacement: str, *, at: str | None = None) -> PydanticCustomError:
    return invalid(f"{feature} was retired by Azure on {date}", replacement, at=at)


def promotable(default: Any = ..., **kwargs: Any) -> Any:
    """A field that `batch-infra promote` may copy from one environment to the next."""
    extra = dict(kwargs.pop("json_schema_extra", None) or {})
    extra["promotable"] = True
    return Field(default, json_schema_extra=extra, **kwargs)


def is_promotable(field_info: Any) -> bool:
    extra = getattr(field_info, "json_schema_extra", None)
    return isinstance(extra, dict) and bool(extra.get("promotable"))


_ISO_DURATION = re.compile(
    r"^P(?:(?P<days>\d+)D)?(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)


def parse_duration(value: Any) -> timedelta:
    """ISO 8601 durations as Azure writes them (PT15M, P1DT2H); a timedelta passes through."""
    if isinstance(value, timedelta):
        return value
    if not isinstance(value, str) or value in ("P", "PT") or value.endswith("T"):
        raise invalid(f"{value!r} is not an ISO 8601 duration", "write it like PT5M, PT1H30M or P1D")
    found = _ISO_DURATION.match(value.strip().upper())
    if not found:
        raise invalid(f"{value!r} is not an ISO 8601 duration", "write it like PT5M, PT1H30M or P1D")
    parts = {k: float(v) for k, v in found.groupdict().items() if v}
    return timedelta(**parts)


def format_duration(value: timedelta) -> str:
    """The ISO 8601 form Azure returns (PT15M), so round trips through Azure show no diff."""
    total = int(value.total_seconds())
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    text = "P" + (f"{days}D" if days else "")
    clock = ((f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
             + (f"{seconds}S" if seconds else ""))
    if clock or not days:
        text += "T" + (clock or "0S")
    return text


Duration = Annotated[
    timedelta,
    BeforeValidator(parse_duration),
    PlainSerializer(format_duration, return_type=str),
]
