"""hypothesis strategies for orders over the bundled rulebook, shared by the property tests."""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

import chipcontrol as cc

CATALOG_CHIPS = [
    "A100", "A100 PCIe", "A100X", "A800", "A800 PCIe", "H100", "H100 PCIe", "H800", "H800 PCIe", "H20",
    "L40", "L40S", "L20", "L2", "RTX 4090", "RTX 4090D", "MI250", "MI250X", "MI300X", "MI308",
    "Gaudi2", "HL-225B", "Ascend 910B",
]
CATALOG_BUYERS = [
    "Baidu", "ByteDance", "Tencent", "Alibaba", "01.AI", "SenseTime", "Huawei", "Inspur Group", "Sugon",
    "Biren", "Moore Threads", "Zhipu AI", "Sophgo", "NVIDIA", "AMD", "Intel",
]
DESTINATIONS = ["CN", "HK", "MO", "VN", "SA", "AE", "IL", "SG", "MY", "GB", "FR", "DE", "IN", "CY", "RU", "IR", "KZ", "EG", None]
US_BUYERS = {"NVIDIA", "AMD", "Intel"}
REEXPORT_ORIGIN = "JP"  # a reexport ships from abroad; Japan is no destination or headquarters drawn here  # an order to them needs a destination: an export does not go to the US
CLAIMS = ["nvda-2022-h100-development", "nvda-2022-a100-us-customers", "nvda-2022-hk-fulfilment", "macau-en-route-2023-01-17"]

dates = st.dates(min_value=dt.date(2021, 6, 1), max_value=dt.date(2026, 6, 1))


def _maybe(strategy):
    return st.one_of(st.none(), strategy)


threshold_tpp = st.sampled_from([1544, 1599.9, 1600, 1912, 2368, 2399.9, 2400, 2897, 4706.8, 4799.9, 4800, 4800.1, 4990.4, 6912, 15831.2])
threshold_pd = st.sampled_from([1.5, 1.6, 2.91, 3.14, 3.19, 3.2, 4.76, 5.9, 5.92, 5.93, 6.04, 19.45])
threshold_io = st.sampled_from([0, 64, 400, 525, 599.9, 600, 600.1, 896, 900])

inline_chips = st.builds(
    cc.Chip,
    name=st.sampled_from(["Inline GPU", "Acme X1", "Ünïcode “chip” $1"]),
    vendor=st.sampled_from(["NVIDIA", "AMD", "Acme Semi"]),
    tpp=_maybe(st.one_of(threshold_tpp, st.floats(min_value=0, max_value=30000, allow_nan=False))),
    io_bidirectional_gbps=_maybe(st.one_of(threshold_io, st.floats(min_value=0, max_value=2000, allow_nan=False))),
    performance_density=_maybe(st.one_of(threshold_pd, st.floats(min_value=0, max_value=30, allow_nan=False))),
    datacenter=_maybe(st.booleans()),
    subject_to_ear=_maybe(st.booleans()),
    memory_bandwidth_gbps=_maybe(st.sampled_from([1000, 3999.9, 4000, 4000.1, 8000])),
)
inline_buyers = st.builds(
    cc.Party,
    name=st.sampled_from(["Inline Buyer", "Acme AI", "Lab “x”"]),
    headquarters=_maybe(st.sampled_from(["CN", "HK", "MO", "VN", "US", "SG", "FR", "SA", "IL", "RU"])),
)

export_kinds = st.sampled_from(["export", "reexport", "in_country_transfer"])


@st.composite
def orders(draw, kinds=export_kinds, inline=True):
    item = draw(st.one_of(st.sampled_from(CATALOG_CHIPS), inline_chips) if inline else st.sampled_from(CATALOG_CHIPS))
    buyer = draw(st.one_of(st.sampled_from(CATALOG_BUYERS), inline_buyers) if inline else st.sampled_from(CATALOG_BUYERS))
    destination = draw(st.sampled_from(DESTINATIONS))
    if destination is None and (isinstance(buyer, str) and buyer in US_BUYERS or isinstance(buyer, cc.Party) and buyer.headquarters in (None, "US")):
        destination = "CN"
    kind = draw(kinds)
    return cc.Order(
        item=item,
        buyer=buyer,
        destination=destination,
        origin=REEXPORT_ORIGIN if kind == "reexport" else None,
        date=draw(dates),
        kind=kind,
        claims=draw(st.lists(st.sampled_from(CLAIMS), max_size=2, unique=True)),
    )
