"""Make slide creation with python-pptx (1.0.x) linear instead of quadratic.

Stock python-pptx re-derives package-wide facts from scratch every time something
is added, so building an N-slide deck costs O(N^2) (1,000 slides with notes: ~10 s):

* ``OpcPackage.next_partname`` (pptx/opc/package.py) collects the names of all parts
  via ``iter_parts()``, a full walk of the relationship graph, on every call.  Called
  for each notes slide (``NotesSlidePart._add_notes_slide_part``, pptx/parts/slide.py),
  chart (``ChartPart.new``, pptx/parts/chart.py), chart workbook
  (``EmbeddedXlsxPart.new`` via ``EmbeddedPackagePart.new``, pptx/parts/embeddedpackage.py)
  and OLE object.
* ``Package.next_image_partname`` (pptx/package.py) walks all parts for every new
  picture, and ``_ImageParts._find_by_sha1`` walks all relationships (deduplicating
  through a list, so each call is itself quadratic) for every picture added.
* ``Part.relate_to`` -> ``_Relationships.get_or_add`` -> ``_get_matching``
  (pptx/opc/package.py) rebuilds ``_rels_by_reltype`` (all rels of the part) on each
  call; relating slide N to the presentation part scans its N relationships.
* ``Slides.add_slide`` -> ``CT_SlideIdList.add_sldId`` -> ``_next_id``
  (pptx/oxml/presentation.py) runs an xpath over, and int()s, every ``p:sldId``, and
  ``PresentationPart._next_slide_partname`` (pptx/parts/presentation.py) takes
  ``len(sldIdLst)``, which lxml computes by visiting every child.

``make_linear`` replaces those on ONE presentation's objects (instance attributes, never
the classes) with versions backed by caches that are seeded from the package once and
updated as names, rIds and slide ids are handed out.  Results are identical to stock
python-pptx: a saved deck has the same zip members, in the same order, byte for byte.

Not covered (not quadratic in practice for deckgen): ``next_media_partname`` and
``_MediaParts._find_by_sha1``, one walk per *movie* added.

Cache validity: relationships dropped from the package or the presentation part (e.g.
``prs.part.drop_rel(rId)`` to delete a slide) are seen: all caches are discarded and
re-seeded on next use, so results stay identical to stock.  Not seen: relationships
dropped from other parts (e.g. ``slide.part.drop_rel`` after removing a picture),
parts related to or renamed by hand, and ``p:sldId`` elements added by hand.  Those make
the caches conservative, not wrong: names of parts orphaned that way are not reused and
an identical picture re-links the orphaned image part (output valid, but not what stock
would write).  Call ``make_linear`` again after such surgery to re-seed.
"""

from __future__ import annotations

import types
import zipfile
from collections.abc import Callable
from typing import IO, TYPE_CHECKING
from xml.sax.saxutils import escape

from pptx.opc.constants import CONTENT_TYPE as CT
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.opc.oxml import serialize_part_xml
from pptx.opc.package import Part as OpcPart
from pptx.opc.packuri import CONTENT_TYPES_URI, PACKAGE_URI, PackURI
from pptx.opc.serialized import _ContentTypesItem
from pptx.parts.image import Image, ImagePart
from pptx.parts.slide import SlidePart

if TYPE_CHECKING:
    from pptx.opc.package import Part, _Relationship, _Relationships
    from pptx.oxml.presentation import CT_SlideId, CT_SlideIdList
    from pptx.package import Package
    from pptx.parts.presentation import PresentationPart
    from pptx.presentation import Presentation
    from pptx.slide import Slide, SlideLayout, Slides

__all__ = ["append_slide", "make_linear", "save"]

_IMAGE_PREFIX = "/ppt/media/image"
_MAX_SLIDE_ID = 2147483647  # as in CT_SlideIdList._next_id


class _PartCaches:
    """Package-wide facts that stock python-pptx recomputes by walking every part.

    Each cache is seeded lazily by a single walk, so the walk sees everything that
    existed before its first use, and is emptied by `reset()` when a drop may have
    orphaned parts (stock would then reuse their names).
    """

    def __init__(self, package: Package):
        self._package = package
        self.reset()

    def reset(self) -> None:
        self._names: dict[str, set[str]] = {}  # prefix -> partnames in use
        self._image_idxs: list[int] | None = None  # sorted, duplicates kept
        self._image_cursor = 0
        self._images: dict[str, ImagePart] | None = None  # sha1 -> first part in walk

    def next_partname(self, tmpl: str) -> PackURI:
        # -- same search as OpcPackage.next_partname, over a maintained set --
        prefix = tmpl[: (tmpl % 42).find("42")]
        names = self._names.get(prefix)
        if names is None:
            names = self._names[prefix] = {
                p.partname for p in self._package.iter_parts() if p.partname.startswith(prefix)
            }
        for n in range(len(names) + 1, 0, -1):  # len+1 candidates: one is always free
            if tmpl % n not in names:
                break
        partname = PackURI(tmpl % n)
        self._record(partname)
        if partname.startswith(_IMAGE_PREFIX):  # never happens in python-pptx; be safe
            self._image_idxs = None
        return partname

    def next_image_partname(self, ext: str) -> PackURI:
        # -- Package.next_image_partname returns i+1 for the first i with idxs[i] > i+1.
        # -- Inserting that value at i keeps every position <= i failing the test, so
        # -- the next search resumes after it: amortised O(1), same answer as stock.
        idxs = self._image_idxs
        if idxs is None:
            idxs = self._image_idxs = sorted(
                p.partname.idx
                for p in self._package.iter_parts()
                if p.partname.startswith(_IMAGE_PREFIX) and p.partname.idx is not None
            )
            self._image_cursor = 0
        i = self._image_cursor
        while i < len(idxs) and idxs[i] <= i + 1:
            i += 1
        idxs.insert(i, i + 1)
        self._image_cursor = i + 1
        partname = PackURI(f"{_IMAGE_PREFIX}{i + 1}.{ext}")
        self._record(partname)
        return partname

    def get_or_add_image_part(self, image_file: str | IO[bytes]) -> ImagePart:
        # -- _ImageParts.get_or_add_image_part with the sha1 search done by dict --
        if self._images is None:
            self._images = {}
            for rel in self._package.iter_rels():  # same order as _ImageParts.__iter__
                if rel.is_external or rel.reltype != RT.IMAGE:
                    continue
                part = rel.target_part
                if hasattr(part, "sha1"):  # stock skips unsupported types, e.g. SVG
                    self._images.setdefault(part.sha1, part)
        image = Image.from_file(image_file)
        part = self._images.get(image.sha1)
        if part is None:
            part = self._images[image.sha1] = ImagePart.new(self._package, image)
        return part

    def _record(self, partname: str) -> None:
        for prefix, names in self._names.items():
            if partname.startswith(prefix):
                names.add(partname)


def _index_relationships(rels: _Relationships, on_drop: Callable[[], None]) -> None:
    """Give `rels` an O(1) `get_or_add`; `pop` invalidates the index and calls `on_drop`."""
    cls = type(rels)
    index: dict[tuple[str, Part], str] | None = None  # (reltype, target part) -> rId

    def get_or_add(self: _Relationships, reltype: str, target_part: Part) -> str:
        nonlocal index
        if index is None:
            index = {}
            for rel in self.values():  # first match wins, as in _get_matching
                if not rel.is_external:
                    index.setdefault((rel.reltype, rel.target_part), rel.rId)
        key = (reltype, target_part)
        rId = index.get(key)
        if rId is None:
            rId = index[key] = self._add_relationship(reltype, target_part)
        elif (
            (rel := self.get(rId)) is None
            or rel.is_external
            or (rel.reltype, rel.target_part) != key
        ):  # rel removed without pop() (e.g. from `_rels` directly): re-seed
            index = None
            return get_or_add(self, reltype, target_part)
        return rId

    def pop(self: _Relationships, rId: str) -> _Relationship:
        nonlocal index
        index = None  # another rel may now be the first match; rebuild on next use
        on_drop()
        return cls.pop(self, rId)

    rels.get_or_add = types.MethodType(get_or_add, rels)
    rels.pop = types.MethodType(pop, rels)


class _SlideList:
    """Count and max id of the `p:sldId` elements, which stock recomputes for every slide
    (`len(sldIdLst)` in `PresentationPart._next_slide_partname`, an xpath in `_next_id`);
    both are O(n) and slow in practice, as lxml chases a pointer per child.

    Trusted while the `p:sldId` we added last is still in the list (our ids only grow, so
    it holds the max) and no relationship was dropped: deleting a slide drops its
    relationship, which calls `reset()`.
    """

    def __init__(self, sldIdLst: CT_SlideIdList):
        self._sldIdLst = sldIdLst
        self.reset()

    def reset(self) -> None:
        self._last: CT_SlideId | None = None

    def _sync(self) -> None:
        if self._last is None or self._last.getparent() is not self._sldIdLst:
            self._count = len(self._sldIdLst)
            ids = [int(s) for s in self._sldIdLst.xpath("./p:sldId/@id")]
            self._max_id = max([255] + ids)

    def next_slide_partname(self) -> PackURI:
        self._sync()
        return PackURI(f"/ppt/slides/slide{self._count + 1}.xml")

    def add_sldId(self, rId: str) -> None:
        self._sync()
        if self._max_id < _MAX_SLIDE_ID:
            self._max_id += 1
            self._last = self._sldIdLst._add_sldId(id=self._max_id, rId=rId)
            self._count += 1
        else:  # stock searches for a free id below the max; rare, let it, then re-sync
            self._sldIdLst.add_sldId(rId)
            self._last = None


def _add_slide_parts(prs_part: PresentationPart, slide_list: _SlideList) -> None:
    """Replace `PresentationPart.add_slide` on `prs_part` by the same code, with the
    partname from `slide_list`."""

    def add_slide(self: PresentationPart, slide_layout: SlideLayout) -> tuple[str, Slide]:
        partname = slide_list.next_slide_partname()
        slide_part = SlidePart.new(partname, self.package, slide_layout.part)
        rId = self.relate_to(slide_part, RT.SLIDE)
        return rId, slide_part.slide

    prs_part.add_slide = types.MethodType(add_slide, prs_part)


def _add_slides(slides: Slides, slide_list: _SlideList) -> None:
    """Replace `Slides.add_slide` on `slides` by the same code, with the id from `slide_list`."""

    def add_slide(self: Slides, slide_layout: SlideLayout) -> Slide:
        rId, slide = self.part.add_slide(slide_layout)
        slide.shapes.clone_layout_placeholders(slide_layout)
        slide_list.add_sldId(rId)
        return slide

    slides.add_slide = types.MethodType(add_slide, slides)


def make_linear(prs: Presentation) -> None:
    """Install per-instance caches on this presentation's package and presentation part so
    that adding slides, notes slides, charts and pictures no longer walks the whole package.

    Call it once, after any parts have been removed (e.g. a template's example slides
    dropped) and before adding slides.
    """
    prs_part = prs.part
    package = prs_part.package
    caches = _PartCaches(package)
    # -- `prs.slides` is lazy and renames slide parts on first access; adding a slide
    # -- accesses it first anyway, so touching it here changes nothing --
    slides = prs.slides
    slide_list = _SlideList(slides._sldIdLst)

    # -- bound methods of `caches`, stored on the instance, shadow the class's methods --
    package.next_partname = caches.next_partname
    package.next_image_partname = caches.next_image_partname
    # -- SlidePart.get_or_add_image_part calls package.get_or_add_image_part --
    package.get_or_add_image_part = caches.get_or_add_image_part

    # -- dropping a slide (or any package-level rel) may orphan parts whose names and
    # -- images stock would reuse, and is how slides get removed: forget everything and
    # -- re-seed on next use --
    def dropped() -> None:
        caches.reset()
        slide_list.reset()

    _index_relationships(package._rels, on_drop=dropped)
    _index_relationships(prs_part._rels, on_drop=dropped)
    _add_slide_parts(prs_part, slide_list)
    _add_slides(slides, slide_list)
    prs_part._deckgen_slide_list = slide_list


def append_slide(prs: Presentation, slide_layout: SlideLayout, plain: bool = False) -> Part:
    """Add a slide part on `slide_layout` through the linear caches; the caller gives it
    its XML (``pptx_xml.set_slide_xml``) once written.

    Stock ``add_slide`` without ``clone_layout_placeholders``: deckgen writes the
    placeholders it fills itself (cloning them costs a dozen xpath calls a slide, and
    empty ones would show "Click to add text"). With `plain`, the part holds the XML as
    bytes, never parsed nor re-serialized: for slides python-pptx's API will not touch.
    Needs `make_linear` first."""
    prs_part = prs.part
    slide_list: _SlideList = prs_part._deckgen_slide_list
    partname = slide_list.next_slide_partname()
    if plain:
        slide_part: Part = PlainPart(partname, CT.PML_SLIDE, prs_part.package, b"")
    else:
        slide_part = SlidePart(partname, CT.PML_SLIDE, prs_part.package, None)
    slide_part.relate_to(slide_layout.part, RT.SLIDE_LAYOUT)
    slide_list.add_sldId(prs_part.relate_to(slide_part, RT.SLIDE))
    return slide_part


class PlainPart(OpcPart):
    """A part whose content deckgen wrote as XML text (slides, notes pages)."""


_RELS_HEAD = (
    "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"'
)
_ATTR = {'"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}


def _rels_xml(rels: _Relationships) -> bytes:
    """A part's .rels file, as `_Relationships.xml` writes it (same bytes), from text: stock
    builds an lxml element per relationship, 40 % of the time spent saving a large deck."""
    order = sorted(
        (int(rId[3:]) if rId.startswith("rId") and rId[3:].isdigit() else 0, rId)
        for rId in rels.keys()
    )
    if not order:
        return (_RELS_HEAD + "/>").encode("utf-8")
    out = [_RELS_HEAD, ">"]
    for _, rId in order:
        rel = rels[rId]
        mode = ' TargetMode="External"' if rel.is_external else ""
        out.append(
            f'<Relationship Id="{escape(rId, _ATTR)}" Type="{escape(rel.reltype, _ATTR)}" '
            f'Target="{escape(rel.target_ref, _ATTR)}"{mode}/>'
        )
    out.append("</Relationships>")
    return "".join(out).encode("utf-8")


def save(prs: Presentation, file: str | IO[bytes]) -> None:
    """Write the presentation like ``prs.save(file)`` (same zip members, same bytes in each),
    with the .rels files written from text."""
    package = prs.part.package
    parts = tuple(package.iter_parts())
    z = zipfile.ZipFile(file, "w", compression=zipfile.ZIP_DEFLATED, strict_timestamps=False)
    try:
        z.writestr(
            CONTENT_TYPES_URI.membername, serialize_part_xml(_ContentTypesItem.xml_for(parts))
        )
        z.writestr(PACKAGE_URI.rels_uri.membername, _rels_xml(package._rels))
        for part in parts:
            z.writestr(part.partname.membername, part.blob)
            if part._rels:
                z.writestr(part.partname.rels_uri.membername, _rels_xml(part._rels))
    except BaseException:
        # Abandon the archive: the caller discards a half-written file anyway. Closing it
        # (as `with` would) raises "open writing handle" when Ctrl-C lands inside a member's
        # close, replacing the KeyboardInterrupt with an internal error, and ZipFile.__del__
        # would try again on the closed file. With no `fp`, close() and __del__ do nothing.
        z.fp = None
        raise
    z.close()
