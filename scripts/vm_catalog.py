"""Regenerate the emulator's VM size catalog (batch_infra/emulator/catalog/vm_skus.json) from a series table.

Where the data comes from: Microsoft's published VM size pages (learn.microsoft.com/azure/virtual-machines/
sizes/..., one page per series: vCPU counts, memory, Hyper-V generations, CPU architecture) and the Batch
quota family names Location_ListSupportedVirtualMachineSkus returns (`familyName`, e.g. standardDSv5Family,
as in the 2025-06-01 example LocationListVirtualMachineSkus.json). The table below was written from those
pages, not read from a live subscription: a size missing here is "unchecked" in batch-infra's reports, never
"not offered" (quotas.unknown_size_row). Entries already in the file keep their values (and their
per-region exclusions). Run: python scripts/vm_catalog.py
"""

from __future__ import annotations

import json
from pathlib import Path

CATALOG = Path(__file__).resolve().parent.parent / "batch_infra/emulator/catalog/vm_skus.json"
V12, V2 = "V1,V2", "V2"
# (name template with {n}, family, vCPU counts, GiB per vCPU, Hyper-V generations, extra capabilities)
SERIES: list[tuple[str, str, tuple[int, ...], float, str, dict[str, str]]] = [
    ("Standard_A{n}_v2", "standardAv2Family", (1, 2, 4, 8), 2, "V1", {"EncryptionAtHostSupported": "False"}),
    ("Standard_A{n}m_v2", "standardAv2Family", (2, 4, 8), 8, "V1", {"EncryptionAtHostSupported": "False"}),
    ("Standard_D{n}s_v3", "standardDSv3Family", (2, 4, 8, 16, 32, 48, 64), 4, V12, {}),
    ("Standard_D{n}_v3", "standardDv3Family", (2, 4, 8, 16, 32, 48, 64), 4, V12, {}),
    ("Standard_E{n}s_v3", "standardESv3Family", (2, 4, 8, 16, 20, 32, 48, 64), 8, V12, {}),
    ("Standard_E{n}_v3", "standardEv3Family", (2, 4, 8, 16, 20, 32, 48, 64), 8, V12, {}),
    ("Standard_D{n}_v4", "standardDv4Family", (2, 4, 8, 16, 32, 48, 64), 4, V12, {}),
    ("Standard_D{n}s_v4", "standardDSv4Family", (2, 4, 8, 16, 32, 48, 64), 4, V12, {}),
    ("Standard_D{n}d_v4", "standardDDv4Family", (2, 4, 8, 16, 32, 48, 64), 4, V12, {}),
    ("Standard_D{n}ds_v4", "standardDDSv4Family", (2, 4, 8, 16, 32, 48, 64), 4, V12, {}),
    ("Standard_D{n}a_v4", "standardDAv4Family", (2, 4, 8, 16, 32, 48, 64, 96), 4, V12, {}),
    ("Standard_D{n}as_v4", "standardDASv4Family", (2, 4, 8, 16, 32, 48, 64, 96), 4, V12, {}),
    ("Standard_E{n}_v4", "standardEv4Family", (2, 4, 8, 16, 20, 32, 48, 64), 8, V12, {}),
    ("Standard_E{n}s_v4", "standardESv4Family", (2, 4, 8, 16, 20, 32, 48, 64), 8, V12, {}),
    ("Standard_E{n}d_v4", "standardEDv4Family", (2, 4, 8, 16, 20, 32, 48, 64), 8, V12, {}),
    ("Standard_E{n}ds_v4", "standardEDSv4Family", (2, 4, 8, 16, 20, 32, 48, 64), 8, V12, {}),
    ("Standard_D{n}_v5", "standardDv5Family", (2, 4, 8, 16, 32, 48, 64, 96), 4, V12, {}),
    ("Standard_D{n}s_v5", "standardDSv5Family", (2, 4, 8, 16, 32, 48, 64, 96), 4, V12, {}),
    ("Standard_D{n}d_v5", "standardDDv5Family", (2, 4, 8, 16, 32, 48, 64, 96), 4, V12, {}),
    ("Standard_D{n}ds_v5", "standardDDSv5Family", (2, 4, 8, 16, 32, 48, 64, 96), 4, V12, {}),
    ("Standard_D{n}as_v5", "standardDASv5Family", (2, 4, 8, 16, 32, 48, 64, 96), 4, V12, {}),
    ("Standard_D{n}ads_v5", "standardDADSv5Family", (2, 4, 8, 16, 32, 48, 64, 96), 4, V12, {}),
    ("Standard_D{n}ps_v5", "standardDPSv5Family", (2, 4, 8, 16, 32, 48, 64), 4, V2, {"_arm": "1"}),
    ("Standard_D{n}pds_v5", "standardDPDSv5Family", (2, 4, 8, 16, 32, 48, 64), 4, V2, {"_arm": "1"}),
    ("Standard_E{n}_v5", "standardEv5Family", (2, 4, 8, 16, 20, 32, 48, 64, 96, 104), 8, V12, {}),
    ("Standard_E{n}s_v5", "standardESv5Family", (2, 4, 8, 16, 20, 32, 48, 64, 96, 104), 8, V12, {}),
    ("Standard_E{n}d_v5", "standardEDv5Family", (2, 4, 8, 16, 20, 32, 48, 64, 96, 104), 8, V12, {}),
    ("Standard_E{n}ds_v5", "standardEDSv5Family", (2, 4, 8, 16, 20, 32, 48, 64, 96, 104), 8, V12, {}),
    ("Standard_E{n}as_v5", "standardEASv5Family", (2, 4, 8, 16, 20, 32, 48, 64, 96, 112), 8, V12, {}),
    ("Standard_E{n}ads_v5", "standardEADSv5Family", (2, 4, 8, 16, 20, 32, 48, 64, 96, 112), 8, V12, {}),
    ("Standard_D{n}s_v6", "standardDSv6Family", (2, 4, 8, 16, 32, 48, 64, 96, 128), 4, V2, {}),
    ("Standard_D{n}ds_v6", "standardDDSv6Family", (2, 4, 8, 16, 32, 48, 64, 96, 128), 4, V2, {}),
    ("Standard_D{n}as_v6", "standardDASv6Family", (2, 4, 8, 16, 32, 48, 64, 96), 4, V2, {}),
    ("Standard_D{n}ads_v6", "standardDADSv6Family", (2, 4, 8, 16, 32, 48, 64, 96), 4, V2, {}),
    ("Standard_E{n}s_v6", "standardESv6Family", (2, 4, 8, 16, 20, 32, 48, 64, 96, 128, 192), 8, V2, {}),
    ("Standard_E{n}ds_v6", "standardEDSv6Family", (2, 4, 8, 16, 20, 32, 48, 64, 96, 128, 192), 8, V2, {}),
    ("Standard_E{n}as_v6", "standardEASv6Family", (2, 4, 8, 16, 20, 32, 48, 64, 96), 8, V2, {}),
    ("Standard_E{n}ads_v6", "standardEADSv6Family", (2, 4, 8, 16, 20, 32, 48, 64, 96), 8, V2, {}),
    ("Standard_F{n}s_v2", "standardFSv2Family", (2, 4, 8, 16, 32, 48, 64, 72), 2, V12, {}),
    ("Standard_F{n}as_v6", "standardFASv6Family", (2, 4, 8, 16, 32, 48, 64), 4, V2, {}),
    ("Standard_L{n}s_v3", "standardLSv3Family", (8, 16, 32, 48, 64, 80), 8, V12, {}),
    ("Standard_L{n}as_v3", "standardLASv3Family", (8, 16, 32, 48, 64, 80), 8, V12, {}),
    # Confidential VMs (AMD SEV-SNP): the sizes securityType confidentialVM needs.
    (
        "Standard_DC{n}as_v5",
        "standardDCASv5Family",
        (2, 4, 8, 16, 32, 48, 64, 96),
        4,
        V2,
        {"ConfidentialComputingType": "SNP"},
    ),
    (
        "Standard_DC{n}ads_v5",
        "standardDCADSv5Family",
        (2, 4, 8, 16, 32, 48, 64, 96),
        4,
        V2,
        {"ConfidentialComputingType": "SNP"},
    ),
    (
        "Standard_EC{n}as_v5",
        "standardECASv5Family",
        (2, 4, 8, 16, 20, 32, 48, 64, 96),
        8,
        V2,
        {"ConfidentialComputingType": "SNP"},
    ),
    (
        "Standard_EC{n}ads_v5",
        "standardECADSv5Family",
        (2, 4, 8, 16, 20, 32, 48, 64, 96),
        8,
        V2,
        {"ConfidentialComputingType": "SNP"},
    ),
]
# Sizes whose names do not follow a template: (name, family, vCPUs, memory GiB, generations, capabilities).
SINGLES: list[tuple[str, str, int, float, str, dict[str, str]]] = [
    # D-series v1 (retiring 1 May 2028, still sold): Microsoft's Pool examples use STANDARD_D4.
    ("Standard_D4", "standardDFamily", 8, 28, "V1", {}),
    ("Standard_D1_v2", "standardDv2Family", 1, 3.5, "V1", {}),
    ("Standard_D2_v2", "standardDv2Family", 2, 7, "V1", {}),
    ("Standard_D3_v2", "standardDv2Family", 4, 14, "V1", {}),
    ("Standard_D4_v2", "standardDv2Family", 8, 28, "V1", {}),
    ("Standard_D5_v2", "standardDv2Family", 16, 56, "V1", {}),
    ("Standard_DS1_v2", "standardDSv2Family", 1, 3.5, V12, {}),
    ("Standard_DS2_v2", "standardDSv2Family", 2, 7, V12, {}),
    ("Standard_DS3_v2", "standardDSv2Family", 4, 14, V12, {}),
    ("Standard_DS4_v2", "standardDSv2Family", 8, 28, V12, {}),
    ("Standard_DS5_v2", "standardDSv2Family", 16, 56, V12, {}),
    ("Standard_NC6s_v3", "standardNCSv3Family", 6, 112, V12, {"TrustedLaunchDisabled": "True"}),
    ("Standard_NC12s_v3", "standardNCSv3Family", 12, 224, V12, {"TrustedLaunchDisabled": "True"}),
    ("Standard_NC24s_v3", "standardNCSv3Family", 24, 448, V12, {"TrustedLaunchDisabled": "True"}),
    ("Standard_NC24rs_v3", "standardNCSv3Family", 24, 448, V12, {"TrustedLaunchDisabled": "True"}),
    ("Standard_NC4as_T4_v3", "standardNCASv3_T4Family", 4, 28, V12, {}),
    ("Standard_NC8as_T4_v3", "standardNCASv3_T4Family", 8, 56, V12, {}),
    ("Standard_NC16as_T4_v3", "standardNCASv3_T4Family", 16, 110, V12, {}),
    ("Standard_NC64as_T4_v3", "standardNCASv3_T4Family", 64, 440, V12, {}),
    ("Standard_NC24ads_A100_v4", "standardNCADSA100v4Family", 24, 220, V2, {}),
    ("Standard_NC48ads_A100_v4", "standardNCADSA100v4Family", 48, 440, V2, {}),
    ("Standard_NC96ads_A100_v4", "standardNCADSA100v4Family", 96, 880, V2, {}),
    ("Standard_NC40ads_H100_v5", "standardNCadsH100v5Family", 40, 320, V2, {}),
    ("Standard_NC80adis_H100_v5", "standardNCadsH100v5Family", 80, 640, V2, {}),
    ("Standard_ND96asr_v4", "standardNDASv4_A100Family", 96, 900, V2, {"TrustedLaunchDisabled": "True"}),
    (
        "Standard_ND96amsr_A100_v4",
        "standardNDAMSv4_A100Family",
        96,
        1900,
        V2,
        {"TrustedLaunchDisabled": "True"},
    ),
    ("Standard_ND96isr_H100_v5", "standardNDSH100v5Family", 96, 1900, V2, {"TrustedLaunchDisabled": "True"}),
    ("Standard_NV6ads_A10_v5", "standardNVADSA10v5Family", 6, 55, V12, {}),
    ("Standard_NV12ads_A10_v5", "standardNVADSA10v5Family", 12, 110, V12, {}),
    ("Standard_NV18ads_A10_v5", "standardNVADSA10v5Family", 18, 220, V12, {}),
    ("Standard_NV36ads_A10_v5", "standardNVADSA10v5Family", 36, 440, V12, {}),
    ("Standard_NV36adms_A10_v5", "standardNVADSA10v5Family", 36, 880, V12, {}),
    ("Standard_NV72ads_A10_v5", "standardNVADSA10v5Family", 72, 880, V12, {}),
    ("Standard_NV12s_v3", "standardNVSv3Family", 12, 112, V12, {}),
    ("Standard_NV24s_v3", "standardNVSv3Family", 24, 224, V12, {}),
    ("Standard_NV48s_v3", "standardNVSv3Family", 48, 448, V12, {}),
    ("Standard_HB120rs_v3", "standardHBrsv3Family", 120, 448, V12, {"TrustedLaunchDisabled": "True"}),
    ("Standard_HB120-96rs_v3", "standardHBrsv3Family", 96, 448, V12, {"TrustedLaunchDisabled": "True"}),
    ("Standard_HB120-64rs_v3", "standardHBrsv3Family", 64, 448, V12, {"TrustedLaunchDisabled": "True"}),
    ("Standard_HB120-32rs_v3", "standardHBrsv3Family", 32, 448, V12, {"TrustedLaunchDisabled": "True"}),
    ("Standard_HB120-16rs_v3", "standardHBrsv3Family", 16, 448, V12, {"TrustedLaunchDisabled": "True"}),
    ("Standard_HB176rs_v4", "standardHBv4Family", 176, 768, V12, {"TrustedLaunchDisabled": "True"}),
    ("Standard_HB176-144rs_v4", "standardHBv4Family", 144, 768, V12, {"TrustedLaunchDisabled": "True"}),
    ("Standard_HB176-96rs_v4", "standardHBv4Family", 96, 768, V12, {"TrustedLaunchDisabled": "True"}),
    ("Standard_HB176-48rs_v4", "standardHBv4Family", 48, 768, V12, {"TrustedLaunchDisabled": "True"}),
    ("Standard_HB176-24rs_v4", "standardHBv4Family", 24, 768, V12, {"TrustedLaunchDisabled": "True"}),
    ("Standard_HX176rs", "standardHXFamily", 176, 1408, V12, {"TrustedLaunchDisabled": "True"}),
    ("Standard_HC44rs", "standardHCSFamily", 44, 352, V12, {"TrustedLaunchDisabled": "True"}),
]
NO_SPOT = ("standardHB", "standardHC", "standardHX", "standardND")


def entry(name: str, family: str, vcpus: int, memory: float, gens: str, extra: dict[str, str]) -> dict:
    arm = extra.get("_arm") == "1"
    caps = {
        "vCPUs": str(vcpus),
        "vCPUsAvailable": str(vcpus),
        "MemoryGB": f"{memory:g}",
        "HyperVGenerations": gens,
        "CpuArchitectureType": "Arm64" if arm else "x64",
        "LowPriorityCapable": "False" if family.startswith(NO_SPOT) else "True",
        "EncryptionAtHostSupported": "True",
        **{k: v for k, v in extra.items() if not k.startswith("_")},
    }
    return {
        "name": name,
        "familyName": family,
        "capabilities": [{"name": k, "value": v} for k, v in caps.items()],
    }


def generated() -> list[dict]:
    skus = [entry(t.format(n=n), f, n, n * mem, g, x) for t, f, counts, mem, g, x in SERIES for n in counts]
    return skus + [entry(*single) for single in SINGLES]


def main() -> None:
    data = json.loads(CATALOG.read_text())
    known = {s["name"].lower(): s for s in data["skus"]}
    for sku in generated():
        existing = known.get(sku["name"].lower())
        if existing is None:
            data["skus"].append(sku)
            known[sku["name"].lower()] = sku
            continue
        # Keep what the file says; add capabilities it did not have (e.g. TrustedLaunchDisabled).
        have = {c["name"] for c in existing["capabilities"]}
        existing["capabilities"] += [c for c in sku["capabilities"] if c["name"] not in have]
    CATALOG.write_text(json.dumps(data, indent=1) + "\n")
    print(f"{len(data['skus'])} VM sizes in {CATALOG.name}, {len(data['locations'])} regions")


if __name__ == "__main__":
    main()
