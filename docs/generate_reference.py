"""Generate docs/format_reference.md from the schemas (run: ``python docs/generate_reference.py``).

The tests check that the committed file equals what this script writes, so the
format reference cannot drift from the code.
"""

from pathlib import Path

from mrcschema.format.exttyp import EXTTYPS
from mrcschema.format.fei import FEI1, FEI2, FEI_KINDS, FEI_LEGACY
from mrcschema.format.mrc2014 import IMOD_EXTRA, IMOD_EXTRA_OFFSET, MRC2014_HEADER
from mrcschema.format.seri import SERI_ITEMS

OUTPUT = Path(__file__).resolve().parent / "format_reference.md"

SECTIONS = [
    (MRC2014_HEADER, 0, "MRC2014 main header (1024 bytes)",
     "Byte order from MACHST; names as in mrcfile. Source: CCP-EM MRC2014 page, specs/mrc2014_header.csv."),
    (IMOD_EXTRA, IMOD_EXTRA_OFFSET, "IMOD fields inside EXTRA (bytes 96-195)",
     "Read as `MrcFile.imod`. Source: IMOD mrc_format.txt, specs/imod_extra.csv."),
    (FEI1, 0, "FEI1 extended-header record (768 bytes)",
     "One record per section; offsets within the record. Source: specs/fei1.csv."),
    (FEI2, 0, "FEI2 extended-header record (888 bytes)",
     "FEI1 followed by the FEI2 fields. Source: specs/fei2.csv."),
    (FEI_LEGACY, 0, "Old FEI tomography record (128 bytes)",
     "No EXTTYP; NSYMBT = 1024 x 128 (or 8192 x 128). Source: specs/fei_legacy.csv."),
]


def _rows(layout, base):
    for field in layout.fields:
        leaves = field.children or (field,)
        for leaf in leaves:
            name = f"{field.name}.{leaf.name}" if field.children else field.name
            doc = (leaf.doc or field.doc).replace("|", "\\|")
            yield f"| {base + leaf.offset} | {leaf.size} | {leaf.type} | `{name}` | {doc} |"


def _cell(text):
    return text.replace("|", "\\|")


def _exttyp_section():
    versions = "; ".join(f"{k.code}: records of {k.record_size} bytes, metadata_version "
                         f"{' or '.join(map(str, k.versions))} read, {k.version_written} written"
                         for k in FEI_KINDS.values())
    return ["## EXTTYP codes", "",
            f"The agreed codes (`mrcschema.format.exttyp`). FEI kinds (`mrcschema.format.fei.FEI_KINDS`): {versions}.",
            "", "| code | holds | agreed in |", "|---|---|---|",
            *(f"| `{e.code}` | {_cell(e.meaning)} | {e.source} |" for e in EXTTYPS), ""]


def _seri_section():
    return ["## SerialEM (SERI) section record items", "",
            "NINT bytes per section: the items whose flag is set in NREAL, in this order, packed, in the "
            "file's byte order (a file's record layout is `mrcschema.format.seri.seri_layout(nreal)`). "
            "Source: IMOD mrc_format.txt, specs/seri_flags.csv.",
            "", "| flag | size | type | item | meaning | decoded (IMOD) |", "|---:|---:|---|---|---|---|",
            *(f"| {i.flag} | {i.nbytes} | {i.field.type} | `{i.name}` | {_cell(i.field.doc)} | {i.decoding_text} |"
              for i in SERI_ITEMS),
            ""]


def render():
    lines = ["# Format reference", "",
             "Generated from the `construct` schemas by `docs/generate_reference.py`; do not edit.", ""]
    lines += _exttyp_section()
    for layout, base, title, note in SECTIONS:
        lines += [f"## {title}", "", note, "", "| offset | size | type | field | meaning |",
                  "|---:|---:|---|---|---|", *_rows(layout, base), ""]
    lines += _seri_section()
    return "\n".join(lines)


if __name__ == "__main__":
    OUTPUT.write_text(render())
    print(OUTPUT)
