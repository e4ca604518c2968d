"""Indexed access to a plain-text FASTA genome through a samtools ``.fai`` index.

The genome is never read into memory: :meth:`FastaIndex.fetch` seeks to the bytes of
one interval. The index is read from ``<fasta>.fai`` when present, else built in one
streaming pass (and written next to the FASTA when the folder is writable).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from geneb.core.atomic import atomic_write_text
from geneb.core.errors import InputError, MissingDataError
from geneb.core.registry import did_you_mean


@dataclass(frozen=True)
class FaiEntry:
    """One ``.fai`` line: name, length, byte offset of the first base, bases and bytes per line."""

    name: str
    length: int
    offset: int
    line_bases: int
    line_bytes: int


def build_fai(path: Path) -> list[FaiEntry]:
    """Index a FASTA file in one streaming pass (samtools faidx semantics)."""
    entries: list[FaiEntry] = []
    name = None
    length = offset = line_bases = line_bytes = 0
    last_short = blank = False
    pos = 0
    with open(path, "rb") as fh:
        for line in fh:
            n = len(line)
            if line.startswith(b">"):
                if name is not None:
                    entries.append(FaiEntry(name, length, offset, line_bases, line_bytes))
                name = line[1:].split()[0].decode() if line[1:].split() else ""
                length = line_bases = line_bytes = 0
                last_short = blank = False
                offset = pos + n
            elif name is not None:
                bases = len(line.rstrip(b"\r\n"))
                if bases == 0:
                    blank = True
                    pos += n
                    continue
                if blank:  # samtools: "Different line length in sequence"
                    raise InputError(f"{path}: sequence {name!r} has a blank line followed by "
                                     f"more sequence; remove blank lines inside records "
                                     f"before indexing")
                if line_bases == 0:
                    line_bases, line_bytes = bases, n
                elif last_short or bases > line_bases:
                    raise InputError(f"{path}: sequence {name!r} has lines of different lengths; "
                                     f"reformat it (e.g. `samtools faidx`) before indexing")
                last_short = bases < line_bases
                length += bases
            pos += n
    if name is not None:
        entries.append(FaiEntry(name, length, offset, line_bases, line_bytes))
    if not entries:
        raise InputError(f"{path}: no FASTA records ('>' lines)")
    return entries


class FastaIndex:
    """Random access to a FASTA genome.

    Parameters
    ----------
    path : path-like
        Uncompressed FASTA. ``<path>.fai`` is used when present (and newer than the FASTA).
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise MissingDataError(f"genome FASTA {str(self.path)!r} does not exist")
        if self.path.suffix in (".gz", ".bgz", ".bz2", ".xz"):
            raise InputError(f"{self.path}: compressed genomes are not supported for indexed "
                             f"access; decompress it first (gunzip -k)")
        fai = Path(str(self.path) + ".fai")
        if fai.is_file() and fai.stat().st_mtime >= self.path.stat().st_mtime:
            self.entries = {e.name: e for e in self._read_fai(fai)}
            self.index_source = str(fai)
        else:
            self.entries = {e.name: e for e in build_fai(self.path)}
            self.index_source = "built"
            try:
                atomic_write_text(fai, "".join(
                    f"{e.name}\t{e.length}\t{e.offset}\t{e.line_bases}\t{e.line_bytes}\n"
                    for e in self.entries.values()))
                self.index_source = str(fai)
            except OSError:
                pass

    @staticmethod
    def _read_fai(fai: Path) -> list[FaiEntry]:
        out = []
        for k, line in enumerate(fai.read_text().splitlines(), 1):
            parts = line.split("\t")
            if len(parts) < 5:
                raise InputError(f"{fai}: line {k} is not a .fai line (name, length, offset, "
                                 f"linebases, linewidth); delete the file to rebuild it")
            out.append(FaiEntry(parts[0], *map(int, parts[1:5])))
        return out

    def resolve(self, region: str) -> str:
        """The sequence name for ``region``, trying with and without a ``chr`` prefix."""
        if region in self.entries:
            return region
        alt = region[3:] if region.startswith("chr") else "chr" + region
        if alt in self.entries:
            return alt
        raise KeyError(region)

    def unknown_region_hint(self, region: str) -> str:
        names = list(self.entries)
        return (did_you_mean(region, names) or "") + f" The genome has {len(names)} sequences " \
            f"({', '.join(names[:5])}{' ...' if len(names) > 5 else ''})"

    def length(self, region: str) -> int:
        return self.entries[self.resolve(region)].length

    def open(self):
        """A binary handle to pass to :meth:`fetch` for many intervals (close it after)."""
        return open(self.path, "rb")

    def fetch(self, region: str, start: int, end: int, fh=None) -> str:
        """Bases ``[start, end)`` (0-based, half-open) of ``region``, as stored (case kept).

        ``fh`` (from :meth:`open`) avoids reopening the file for every interval.
        """
        e = self.entries[self.resolve(region)]
        if not 0 <= start <= end <= e.length:
            raise ValueError(f"interval {start}-{end} outside {e.name} (length {e.length})")
        if start == end:
            return ""
        first = e.offset + (start // e.line_bases) * e.line_bytes + start % e.line_bases
        last = e.offset + ((end - 1) // e.line_bases) * e.line_bytes + (end - 1) % e.line_bases
        if fh is None:
            with open(self.path, "rb") as own:
                own.seek(first)
                raw = own.read(last - first + 1)
        else:
            fh.seek(first)
            raw = fh.read(last - first + 1)
        return raw.replace(b"\n", b"").replace(b"\r", b"").decode("ascii")
