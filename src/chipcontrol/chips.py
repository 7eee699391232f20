"""Chips: the catalog record (figures with provenance) and the plain view rules read (cc.Chip)."""

from __future__ import annotations

import math
import re

from pydantic import Field, model_validator

from .provenance import Area, Confidence, Figure, Flag, InputModel, Magnitude, Name, PartialDate, Strict, Text, YesNo


class PeakRate(Strict):
    """A dense (non-sparse) peak rate at one precision. TPP at this precision = dense_tops x bits."""

    format: str = Field(description="Precision name, e.g. FP16, BF16, FP8, INT8.")
    bits: int = Field(gt=0, le=64, description="Bit length of the operation.")
    dense_tops: float = Field(gt=0, description="Dense peak, TOPS or TFLOPS (tera-operations per second).")
    source: str
    confidence: Confidence
    note: str | None = None
    disputed: list[float] = Field(default_factory=list, description="Other dense figures sources give.")


#: The facts each disputable chip figure feeds (TPP and die area both feed performance density).
FIGURE_FACTS: dict[str, frozenset[str]] = {
    "tpp": frozenset({"chip.tpp", "chip.performance_density"}),
    "die_area_mm2": frozenset({"chip.die_area_mm2", "chip.performance_density"}),
    "io_bidirectional_gbps": frozenset({"chip.io_bidirectional_gbps"}),
}


class ChipRecord(Strict):
    """A catalog chip. TPP and performance density are derived from the inputs, never typed in."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9\-]*$")
    name: str
    vendor: str = Field(description="Party id of the designer/vendor, e.g. 'nvidia'.")
    aliases: list[str] = Field(default_factory=list, description="Other names that resolve to this chip.")
    release: PartialDate | None = None
    release_note: str | None = None
    datacenter: Flag = Field(description="Designed or marketed for use in datacenters.")
    subject_to_ear: Flag = Field(description="Whether the item is subject to the EAR (US jurisdiction).")
    peak_rates: list[PeakRate] = Field(default_factory=list, description="Empty when no figure is published.")
    die_area_mm2: Figure = Field(description="Applicable (non-planar logic) die area in mm^2.")
    io_bidirectional_gbps: Figure = Field(description="Aggregate bidirectional chip-to-chip I/O in GB/s.")
    memory_bandwidth_gbps: Figure | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _no_empty_alias(self) -> ChipRecord:
        if any(not a.strip() for a in self.aliases):
            raise ValueError("empty alias")
        return self

    @property
    def tpp(self) -> float | None:
        """Total processing performance: max over precisions of dense TOPS x bit length (None if unknown)."""
        if not self.peak_rates:
            return None
        return round(max(rate.dense_tops * rate.bits for rate in self.peak_rates), 1)

    @property
    def disputed_figures(self) -> list[str]:
        names = [n for n in ("die_area_mm2", "io_bidirectional_gbps") if getattr(self, n).disputed]
        if any(rate.disputed for rate in self.peak_rates):
            names.append("tpp")
        return names

    def to_chip(self) -> Chip:
        return Chip(
            id=self.id,
            name=self.name,
            vendor=self.vendor,
            tpp=self.tpp,
            io_bidirectional_gbps=self.io_bidirectional_gbps.value,
            die_area_mm2=self.die_area_mm2.value,
            datacenter=self.datacenter.value,
            subject_to_ear=self.subject_to_ear.value,
            memory_bandwidth_gbps=self.memory_bandwidth_gbps.value if self.memory_bandwidth_gbps else None,
        )


class SystemRecord(Strict):
    """A board, server or superchip built from a catalog chip (HGX H200, GB200): how an order naming it resolves.

    The rules read the figures of an integrated circuit. A system whose GPUs are the catalog chip is judged as
    that chip (`resolves: true`); one whose GPUs differ from every catalog part (a Grace superchip) is refused,
    naming the chip to ask about instead.
    """

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9\-]*$")
    name: str
    aliases: list[str] = Field(default_factory=list)
    chip: str = Field(description="Catalog id of the GPU it contains.")
    count: int | None = Field(default=None, ge=1, description="GPUs per system, where known.")
    resolves: bool = Field(description="True: an order naming it is judged as `chip`; false: refused, naming `chip`.")
    source: str
    confidence: Confidence
    note: str


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "unnamed"


class Chip(InputModel):
    """The figures a rule reads about a chip. Pass one inline in an Order for a chip not in the catalog.

    Unknown figures are None. Performance density is derived from TPP and die area when not given. An
    inline chip whose name or id is a catalog chip's is that chip (see `resolution.py`).
    """

    name: Name = Field(description="Product name, e.g. 'NVIDIA H20' or 'Acme X1'.")
    vendor: Name = Field(default="unknown", description="Vendor name or party id, e.g. 'NVIDIA'.")
    id: Text | None = Field(default=None, description="Catalog id; derived from the name for inline chips.")
    tpp: Magnitude | None = Field(default=None, description="Total processing performance.")
    io_bidirectional_gbps: Magnitude | None = Field(default=None, description="Aggregate bidirectional chip-to-chip I/O, GB/s.")
    die_area_mm2: Area | None = Field(default=None, description="Applicable die area, mm^2.")
    performance_density: Magnitude | None = Field(default=None, description="TPP / die area.")
    datacenter: YesNo | None = Field(default=None, description="Designed or marketed for datacenters.")
    subject_to_ear: YesNo | None = Field(
        default=None, description="Subject to the EAR; inferred from a US vendor when not given."
    )
    memory_bandwidth_gbps: Magnitude | None = Field(default=None, description="Total DRAM/HBM bandwidth, GB/s.")

    @model_validator(mode="before")
    @classmethod
    def _derive_id(cls, data: object) -> object:
        if isinstance(data, dict) and not data.get("id") and isinstance(data.get("name"), str):
            data = {**data, "id": slug(data["name"])}
        return data

    @model_validator(mode="after")
    def _derive_density(self) -> Chip:
        if self.performance_density is None and self.tpp is not None and self.die_area_mm2:
            density = self.tpp / self.die_area_mm2
            if not math.isfinite(density):
                raise ValueError(f"TPP {self.tpp:g} over die area {self.die_area_mm2:g} mm² is not a finite density")
            object.__setattr__(self, "performance_density", round(density, 2))
        return self
