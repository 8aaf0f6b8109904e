"""What header values mean, written once: ISPG kinds, the machine stamps' byte orders and IMOD's
rule for mode-0 bytes.  Every layer asks these predicates rather than retyping the numbers
(``tests/structure/test_layers.py`` fails on ``401``/``630`` or a stamp's bytes typed outside
``format/``).  The mode table (item size, kind, signedness) is :mod:`.modes`, EXTTYP codes
:mod:`.exttyp`, the FEI bitmask fields :data:`.fei_bits.FEI_FIELD_BITS`.

Sources: CCP-EM MRC2014 page, note 6 (ISPG: 0 image or image stack, 1-230 a volume of that
space group, 401-630 a stack of such volumes, the space group being ISPG - 400) and note 4
(MACHST); IMOD's mrc format page (flag bit 1 of IMODFLAGS: bytes are signed).
"""

from __future__ import annotations

#: ISPG of images and image stacks
IMAGE_ISPG = 0
#: ISPG of an EM volume (space group P 1), as every EM writer sets it
EM_VOLUME_ISPG = 1
#: the crystallographic space groups 1-230: a volume
SPACE_GROUPS = range(1, 231)
#: ISPG - this = the space group of each volume in a volume stack
VOLUME_STACK_OFFSET = 400
#: 401-630: a stack of volumes (MZ sections each)
VOLUME_STACK_ISPGS = range(VOLUME_STACK_OFFSET + SPACE_GROUPS.start, VOLUME_STACK_OFFSET + SPACE_GROUPS.stop)
#: ISPG of an EM volume stack (P 1 volumes), as mrcfile and we write it
EM_VOLUME_STACK_ISPG = VOLUME_STACK_OFFSET + EM_VOLUME_ISPG
#: every valid ISPG as inclusive (low, high) ranges, for the validator
ISPG_RANGES = ((IMAGE_ISPG, IMAGE_ISPG), (SPACE_GROUPS[0], SPACE_GROUPS[-1]),
               (VOLUME_STACK_ISPGS[0], VOLUME_STACK_ISPGS[-1]))


def is_image_ispg(ispg: int) -> bool:
    """ISPG 0: a single image (NZ 1) or a stack of images."""
    return ispg == IMAGE_ISPG


def is_volume(ispg: int) -> bool:
    """ISPG 1-230: one volume of that space group."""
    return ispg in SPACE_GROUPS


def is_volume_stack(ispg: int) -> bool:
    """ISPG 401-630: NZ / MZ volumes of MZ sections each."""
    return ispg in VOLUME_STACK_ISPGS


def space_group(ispg: int) -> int | None:
    """The space group number of a volume (ISPG) or of each volume of a stack (ISPG - 400); None
    for images and values MRC2014 does not define."""
    if is_volume(ispg):
        return ispg
    if is_volume_stack(ispg):
        return ispg - VOLUME_STACK_OFFSET
    return None


def data_kind(ispg: int, nz: int) -> str:
    """What the data block is by ISPG and NZ: "image" (ISPG 0, NZ 1), "image stack" (ISPG 0),
    "volume" (ISPG 1-230), "volume stack" (ISPG 401-630), else "unknown"."""
    if is_image_ispg(ispg):
        return "image" if nz == 1 else "image stack"
    if is_volume(ispg):
        return "volume"
    if is_volume_stack(ispg):
        return "volume stack"
    return "unknown"


# -- machine stamps (MRC2014 note 4; CCP4 and IMOD write 44 41) -----------------------------------
#: the stamps MRC2014 and CCP4/IMOD write, with the byte order each declares
STANDARD_STAMPS = {
    b"\x44\x44\x00\x00": "<",
    b"\x44\x41\x00\x00": "<",
    b"\x11\x11\x00\x00": ">",
}
#: the stamp we write for each byte order
MACHINE_STAMP = {"<": b"\x44\x44\x00\x00", ">": b"\x11\x11\x00\x00"}
#: first two bytes -> byte order: what mrcfile (and we) read of a stamp
STAMP_PREFIXES = {stamp[:2]: order for stamp, order in STANDARD_STAMPS.items()}
#: first bytes of the real-world variants (SerialEM's 44 00 00 00, EMDB's 44 11 00 00): the
#: nibbles of the float representation
STAMP_FIRST_BYTES = frozenset(stamp[:1] for stamp in STANDARD_STAMPS)
ORDER_NAMES = {"<": "little-endian", ">": "big-endian"}


def stamp_byteorder(machst: bytes) -> str | None:
    """Order given by a stamp, reading only its first two bytes as mrcfile does; None if unknown."""
    return STAMP_PREFIXES.get(bytes(machst[:2]))


def stamp_name(machst: bytes) -> str:
    """"little-endian", "big-endian" or "no standard stamp"."""
    order = stamp_byteorder(machst)
    return ORDER_NAMES[order] if order else "no standard stamp"


# -- IMOD's mode-0 bytes ---------------------------------------------------------------------------
#: IMODFLAGS bit 0: mode-0 bytes are signed (IMOD 4.2.23 and later)
IMOD_FLAG_SIGNED_BYTES = 1
#: NVERSION from which MRC2014 holds: mode 0 is signed whatever IMOD's flags say
MRC2014_NVERSION = 20140
#: the NVERSION values MRC2014 allows (20141: the 2014 update), and 0 for older files
MRC2014_NVERSIONS = (MRC2014_NVERSION, 20141)
PRE2014_NVERSION = 0


def imod_unsigned_bytes(imod_stamp_present: bool, imod_flags: int, nversion: int) -> bool:
    """Mode-0 bytes are unsigned only where IMOD's stamp is present without the 'signed' flag and
    the file does not claim MRC2014 (which made mode 0 signed)."""
    return imod_stamp_present and not imod_flags & IMOD_FLAG_SIGNED_BYTES and nversion < MRC2014_NVERSION
